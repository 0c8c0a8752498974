//! The command line's contract that holds without a backend: `list`, usage errors and
//! scenario errors exit with code 2 and say what is wrong.

use std::process::Command;

fn orderlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orderlab"))
}

#[test]
fn list_shows_each_scenario_with_its_description() {
    let output = orderlab().arg("list").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("happy-path"))
        .expect("happy-path listed");
    assert!(line.contains("shipping 20"), "{line}");
}

#[test]
fn a_malformed_scenario_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "description: x\nseed: 1\nsurprise: true\n",
    )
    .unwrap();
    let output = orderlab()
        .args(["scenario", "bad", "--scenarios-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.yaml:3:1: "), "{stderr}");
    assert!(stderr.contains("surprise"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let output = orderlab()
        .args(["scenario", "x", "--backend", "docker"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = orderlab().args(["scenario", "../etc"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a scenario name"));
}

#[test]
fn junit_and_json_reports_have_one_entry_per_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let output = orderlab()
        .args([
            "scenario",
            "happy-path",
            "out-of-stock",
            "--json",
            "--junit",
        ])
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["passed"], 2, "{report}");
    assert_eq!(report["scenarios"][0]["name"], "happy-path");
    assert_eq!(report["scenarios"][1]["outcome"], "passed");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert!(xml.contains("name=\"out-of-stock\""), "{xml}");
}
