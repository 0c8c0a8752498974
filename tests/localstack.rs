//! The LocalStack backend end to end: happy-path on LocalStack started through
//! testcontainers. It needs a Docker engine, so it is ignored (reported as skipped) by default;
//! `.ci/run` runs it with `--ignored` when `docker info` succeeds.

use std::path::Path;
use std::time::Duration;

use orderlab::backend::BackendKind;
use orderlab::run::{self, RunOptions};
use orderlab::scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine"]
async fn happy_path_runs_on_localstack() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenario = scenario::load_named(&dir, "happy-path").unwrap();
    let options = RunOptions {
        backend: BackendKind::LocalStack,
        timeout: Duration::from_secs(300),
        real_time: true,
        ..RunOptions::default()
    };
    let result = run::run_scenario(&scenario, &options)
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    let problems = run::check_expectations(&scenario, &result);
    assert!(problems.is_empty(), "{}", problems.join("; "));
    assert_eq!(result.collected.emails.len(), 1);
}

#[test]
fn without_docker_the_backend_says_so_and_exits_2() {
    if orderlab::backend::localstack::check_docker().is_ok() {
        return; // a Docker engine is here: the ignored test above covers the backend
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args(["scenario", "happy-path", "--backend", "localstack"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs a Docker engine"), "{stderr}");
}
