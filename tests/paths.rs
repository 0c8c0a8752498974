//! The user's files are found at run time: a scenario directory outside the project keeps its
//! snapshots beside it and leaves the project's tree untouched; `scenarios/` is found from the
//! current directory upwards; without one, the command says which flag to pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");

fn orderlab(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderlab"));
    command.current_dir(cwd);
    command
}

/// Every file of the project (but `target/` and `.git/`) with its size and mtime.
fn listing(dir: &Path, out: &mut BTreeMap<PathBuf, (u64, SystemTime)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            listing(&path, out);
        } else {
            out.insert(path, (meta.len(), meta.modified().unwrap()));
        }
    }
}

fn project_listing() -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    listing(Path::new(PROJECT), &mut out);
    out
}

fn copy_scenario(into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let from = Path::new(PROJECT).join("scenarios/happy-path.yaml");
    std::fs::copy(from, into.join("happy-path.yaml")).unwrap();
}

#[test]
fn a_scenario_directory_outside_the_project_keeps_its_snapshots() {
    let outside = tempfile::tempdir().unwrap();
    let scenarios = outside.path().join("x");
    copy_scenario(&scenarios);
    let before = project_listing();
    let run = |extra: &[&str]| {
        orderlab(Path::new(PROJECT))
            .args(["scenario", "happy-path", "--scenarios-dir"])
            .arg(&scenarios)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert_eq!(first.status.code(), Some(1), "no snapshot yet: {first:?}");
    assert!(scenarios.join("snapshots/happy-path.snap.new").is_file());
    let accepted = run(&["--accept"]);
    assert_eq!(accepted.status.code(), Some(0), "{accepted:?}");
    assert!(scenarios.join("snapshots/happy-path.snap").is_file());
    assert!(!scenarios.join("snapshots/happy-path.snap.new").exists());
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    let stored = std::fs::read_to_string(scenarios.join("snapshots/happy-path.snap")).unwrap();
    let shipped =
        std::fs::read_to_string(Path::new(PROJECT).join("scenarios/snapshots/happy-path.snap"))
            .unwrap();
    assert_eq!(stored, shipped, "the same scenario, the same snapshot");
    assert_eq!(project_listing(), before, "the project's tree changed");
}

#[test]
fn scenarios_are_found_from_the_current_directory_upwards() {
    let root = tempfile::tempdir().unwrap();
    copy_scenario(&root.path().join("scenarios"));
    let deep = root.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let listed = orderlab(&deep).arg("list").output().unwrap();
    assert_eq!(listed.status.code(), Some(0), "{listed:?}");
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("happy-path"), "{stdout}");
    let app = Path::new(PROJECT).join("app");
    let run = orderlab(&deep)
        .args(["scenario", "happy-path", "--accept", "--app-dir"])
        .arg(&app)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(
        root.path()
            .join("scenarios/snapshots/happy-path.snap")
            .is_file()
    );
}

#[test]
fn without_a_scenarios_directory_the_error_names_the_flag() {
    let empty = tempfile::tempdir().unwrap();
    let output = orderlab(empty.path()).arg("list").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no scenarios/ directory in"), "{stderr}");
    assert!(stderr.contains("--scenarios-dir"), "{stderr}");
    let output = orderlab(empty.path())
        .args(["scenario", "happy-path", "--scenarios-dir"])
        .arg(Path::new(PROJECT).join("scenarios"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--app-dir"));
}
