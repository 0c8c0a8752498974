//! Every scenario under `scenarios/`, run on the embedded backend and asserted with insta
//! against `scenarios/snapshots/<name>.snap` — the same files `orderlab scenario` compares
//! with, so `cargo insta review` accepts changes for both.

use std::path::Path;

use orderlab::run::{self, RunOptions};
use orderlab::scenario;
use orderlab::snapshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_matches_its_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let names = scenario::list_names(&dir).expect("the scenarios directory is readable");
    assert!(!names.is_empty(), "no scenarios in {}", dir.display());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../scenarios/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _bound = settings.bind_to_scope();
    for name in names {
        let scenario = scenario::load_named(&dir, &name).unwrap_or_else(|err| panic!("{err}"));
        let result = run::run_scenario(&scenario, &RunOptions::default())
            .await
            .unwrap_or_else(|err| panic!("scenario {name}: {err:#}"));
        let problems = run::check_expectations(&scenario, &result);
        assert!(
            problems.is_empty(),
            "scenario {name}: {}",
            problems.join("; ")
        );
        let rendered = snapshot::render(&scenario, &result);
        insta::assert_snapshot!(name.as_str(), rendered);
    }
}
