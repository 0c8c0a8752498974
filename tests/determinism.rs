//! One scenario and one seed give one run (issue #15): 200 orders of one unit race for 5 units
//! with seeded (non-test) card tokens and no `race: true` — every order in the snapshot — and
//! reruns match the first run's snapshot byte for byte; `--seed` gives another snapshot, again
//! repeatable. The shipped `last-unit-race` (every order snapshotted) repeats too, and
//! `explore --interleavings` finds several outcomes of it, none breaking an invariant.

use std::path::Path;
use std::process::Command;

const STOCK_RACE: &str = "\
description: 200 orders of one unit for 5 units of stock, seeded card tokens, every order snapshotted
seed: 11
inventory:
  - {item_id: console, name: Game console, price: \"499.00\", stock: 5}
orders:
  - count: 200
    customer: {name: Ada Lovelace, email: ada@example.com}
    items:
      - {item_id: console, quantity: 1}
    payment_token: tok_visa_4242
";

/// Runs `orderlab scenario <name>` in `dir` with `extra` arguments; the exit code and output.
fn scenario(dir: &Path, name: &str, extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args(["scenario", name, "--scenarios-dir"])
        .arg(dir)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

fn snapshot(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("snapshots").join(format!("{name}.snap"))).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_snapshot_and_another_seed_another() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stock-race.yaml"), STOCK_RACE).unwrap();
    let (code, text) = scenario(dir.path(), "stock-race", &["--accept"]);
    assert_eq!(code, Some(0), "{text}");
    let first = snapshot(dir.path(), "stock-race");
    assert_eq!(first.matches("status: COMPLETED").count(), 5, "{first}");
    assert_eq!(first.matches("status: REJECTED").count(), 195, "{first}");
    for run in 0..3 {
        let (code, text) = scenario(dir.path(), "stock-race", &[]);
        assert_eq!(
            code,
            Some(0),
            "rerun {run} differs from the first run:\n{text}"
        );
    }
    let (code, text) = scenario(dir.path(), "stock-race", &["--seed", "12", "--accept"]);
    assert_eq!(code, Some(0), "{text}");
    let reseeded = snapshot(dir.path(), "stock-race.seed-12");
    assert_ne!(reseeded, first, "another seed gave the same snapshot");
    let (code, text) = scenario(dir.path(), "stock-race", &["--seed", "12"]);
    assert_eq!(code, Some(0), "seed 12's rerun differs:\n{text}");
}

#[test]
fn last_unit_race_snapshots_every_order_and_repeats() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("snapshots")).unwrap();
    std::fs::copy(
        source.join("last-unit-race.yaml"),
        dir.path().join("last-unit-race.yaml"),
    )
    .unwrap();
    std::fs::copy(
        source.join("snapshots/last-unit-race.snap"),
        dir.path().join("snapshots/last-unit-race.snap"),
    )
    .unwrap();
    let shipped = snapshot(dir.path(), "last-unit-race");
    assert_eq!(
        shipped.matches("status: COMPLETED").count(),
        10,
        "{shipped}"
    );
    for run in 0..3 {
        let (code, text) = scenario(dir.path(), "last-unit-race", &[]);
        assert_eq!(
            code,
            Some(0),
            "run {run} differs from the shipped snapshot:\n{text}"
        );
    }
}

#[test]
fn interleavings_find_several_outcomes_and_no_violation() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args([
            "explore",
            "last-unit-race",
            "--interleavings",
            "6",
            "--json",
            "--out",
        ])
        .arg(out.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["interleavings"], 6, "{report}");
    assert_eq!(report["violations"], 0, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    let distinct = report["distinct_outcomes"].as_u64().unwrap();
    assert!(distinct >= 2, "six seeds gave one outcome: {report}");
    let seeds: usize = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["seeds"].as_array().unwrap().len())
        .sum();
    assert_eq!(seeds, 6, "every seed is in exactly one outcome: {report}");
}
