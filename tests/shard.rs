//! `scenario --all --shard K/N`: shards 1..N together run every scenario exactly once (four
//! of the shipped scenarios, with their snapshots, in a temporary scenarios directory, split
//! three ways — and a fifth shard of five that is empty and passes); bad shards exit 2.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const SCENARIOS: [&str; 4] = [
    "happy-path",
    "invalid-request",
    "out-of-stock",
    "unknown-item",
];

fn orderlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orderlab"))
}

fn scenarios_dir() -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("snapshots")).unwrap();
    for name in SCENARIOS {
        let yaml = format!("{name}.yaml");
        std::fs::copy(source.join(&yaml), dir.path().join(&yaml)).unwrap();
        let snap = format!("snapshots/{name}.snap");
        std::fs::copy(source.join(&snap), dir.path().join(&snap)).unwrap();
    }
    dir
}

/// The names the JSON report of `--shard shard` lists, after checking it passed.
fn run_shard(dir: &Path, shard: &str) -> Vec<String> {
    let output = orderlab()
        .args([
            "scenario",
            "--all",
            "--json",
            "--shard",
            shard,
            "--scenarios-dir",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "shard {shard}: {output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<String> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(report["passed"], names.len(), "shard {shard}: {report}");
    names
}

#[test]
fn three_shards_run_every_scenario_exactly_once() {
    let dir = scenarios_dir();
    let shards: Vec<Vec<String>> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|shard| run_shard(dir.path(), shard))
        .collect();
    // Round robin over the sorted names: deterministic, sizes 2, 1, 1.
    assert_eq!(shards[0], ["happy-path", "unknown-item"]);
    assert_eq!(shards[1], ["invalid-request"]);
    assert_eq!(shards[2], ["out-of-stock"]);
    let all: Vec<&String> = shards.iter().flatten().collect();
    let distinct: BTreeSet<&str> = all.iter().map(|s| s.as_str()).collect();
    assert_eq!(all.len(), SCENARIOS.len(), "{shards:?}");
    assert_eq!(distinct, SCENARIOS.into_iter().collect(), "{shards:?}");
}

#[test]
fn a_shard_with_no_scenario_runs_nothing_and_passes() {
    let dir = scenarios_dir();
    assert!(run_shard(dir.path(), "5/5").is_empty());
}

#[test]
fn bad_shards_exit_2() {
    for args in [
        &["scenario", "--all", "--shard", "4/3"][..],
        &["scenario", "--all", "--shard", "0/3"],
        &["scenario", "--all", "--shard", "1-3"],
        &["scenario", "happy-path", "--shard", "1/3"],
    ] {
        let output = orderlab().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("shard"),
            "{args:?}: {output:?}"
        );
    }
}
