//! `orderlab explore`: on the real application, faulting ProcessPayment reaches transitions no
//! shipped scenario reaches and breaks no invariant; on a copy of the application whose
//! ProcessPayment Catch skips giving the stock back, it reports the stock-conservation
//! violation and writes a reproducer that `orderlab scenario` fails the same way — and that
//! passes the invariant on the real application. Variants are bounded (`--state`,
//! `--max-variants`, `--jobs 2`) to keep CI on 2 cores reasonable.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");

fn orderlab() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderlab"));
    command.current_dir(PROJECT);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "not JSON ({err}): {}\n{}",
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

#[test]
fn exploring_the_real_application_covers_more_and_breaks_nothing() {
    let out = tempfile::tempdir().unwrap();
    let output = orderlab()
        .args(["explore", "happy-path", "--state", "ProcessPayment"])
        .args(["--max-variants", "3", "--jobs", "2", "--json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let result = json_of(&output);
    assert_eq!(output.status.code(), Some(0), "{result:#}");
    let shipped = std::fs::read_dir(Path::new(PROJECT).join("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert_eq!(
        result["baseline"]["scenarios"].as_array().unwrap().len(),
        shipped,
        "the baseline is every shipped scenario"
    );
    assert_eq!(
        result["baseline"]["not_passed"],
        serde_json::json!([]),
        "every shipped scenario holds the invariants"
    );
    let variants = result["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3, "{result:#}");
    for variant in variants {
        assert_eq!(variant["outcome"], "ok", "{variant:#}");
        assert_eq!(variant["state"], "ProcessPayment");
        assert_eq!(variant["violations"], serde_json::json!([]));
    }
    let new: Vec<&str> = result["newly_covered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transition"].as_str().unwrap())
        .collect();
    // Exhausting the Lambda retrier: three retries no shipped scenario makes.
    for transition in [
        "ProcessPayment retry 1 [Lambda.ServiceException] attempt 1",
        "ProcessPayment retry 1 [Lambda.ServiceException] attempt 3",
    ] {
        assert!(new.contains(&transition), "{transition} in {new:?}");
    }
    let before = result["baseline"]["transitions"]["covered"]
        .as_u64()
        .unwrap();
    let after = result["with_faults"]["transitions"]["covered"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + new.len() as u64, "{result:#}");
    let reasons: Vec<&str> = result["unreached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["why"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|why| why.contains("--max-variants")),
        "the variants left out are named as the reason: {reasons:?}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).map_or(0, |d| d.count()),
        0,
        "no violation, no reproducer"
    );
}

/// The directory holding the Lambda executables, built by the harness's own code (one build
/// per process, in the environment a shell's build has: the same artifacts, nothing rebuilt).
fn lambda_dir() -> PathBuf {
    let app = Path::new(PROJECT).join("app");
    let executables = orderlab::stack::artifacts::lambda_executables(&app).unwrap();
    executables
        .values()
        .find_map(|path| path.parent().map(Path::to_path_buf))
        .expect("the harness built the Lambda executables")
}

/// A copy of `app/` in `into` whose ProcessPayment Catch goes straight to MarkFailed: an
/// error caught there no longer gives the stock back.
fn broken_app(into: &Path) -> PathBuf {
    let app = into.join("app");
    std::fs::create_dir_all(&app).unwrap();
    for entry in std::fs::read_dir(Path::new(PROJECT).join("app")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), app.join(entry.file_name())).unwrap();
    }
    let path = app.join("state-machine.asl.json");
    let mut definition: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let catch = &mut definition["States"]["ProcessPayment"]["Catch"][0];
    assert_eq!(catch["Next"], "ReleaseStockAfterFailure");
    catch["Next"] = "MarkFailed".into();
    std::fs::write(&path, serde_json::to_string_pretty(&definition).unwrap()).unwrap();
    app
}

#[test]
fn a_lost_stock_release_is_found_and_its_reproducer_fails_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let app = broken_app(dir.path());
    let out = dir.path().join("out");
    let lambdas = lambda_dir();
    let output = orderlab()
        .env("ORDERLAB_LAMBDA_DIR", &lambdas)
        .args([
            "explore",
            "happy-path",
            "--no-baseline",
            "--state",
            "ProcessPayment",
        ])
        .args(["--max-variants", "2", "--jobs", "2", "--json", "--app-dir"])
        .arg(&app)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let result = json_of(&output);
    assert_eq!(output.status.code(), Some(1), "{result:#}");
    let variant = &result["variants"][0];
    assert_eq!(variant["outcome"], "violation", "{result:#}");
    let lost = "invariant stock-conserved violated: item mouse: 3 in stock + 0 units in \
                COMPLETED orders = 3, but 5 were loaded (2 units missing)";
    assert!(
        variant["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == lost),
        "{variant:#}"
    );
    let name = variant["name"].as_str().unwrap();
    let reproducer = PathBuf::from(variant["reproducer"].as_str().unwrap());
    assert_eq!(reproducer, out.join(format!("{name}.yaml")));
    let written = std::fs::read_to_string(&reproducer).unwrap();
    assert!(written.contains("state: \"ProcessPayment\""), "{written}");

    // The reproducer fails the same way, on the invariant alone.
    let run = |app: &Path| {
        orderlab()
            .env("ORDERLAB_LAMBDA_DIR", &lambdas)
            .args(["scenario", name, "--scenarios-dir"])
            .arg(&out)
            .arg("--app-dir")
            .arg(app)
            .output()
            .unwrap()
    };
    let again = run(&app);
    let stdout = text(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(lost), "{stdout}");
    assert!(stdout.contains("(the snapshot matches)"), "{stdout}");

    // On the real application the same fault gives the stock back.
    let fixed = run(&Path::new(PROJECT).join("app"));
    let stdout = text(&fixed.stdout);
    assert!(!stdout.contains("stock-conserved violated"), "{stdout}");
    assert!(
        stdout.contains("ReleaseStockAfterFailure"),
        "the real Catch releases the stock: {stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let missing = orderlab()
        .args(["explore", "no-such-scenario", "--no-baseline"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("no-such-scenario.yaml"),
        "{}",
        text(&missing.stderr)
    );
    let zero = orderlab()
        .args(["explore", "happy-path", "--jobs", "0"])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
    let typo = orderlab()
        .args([
            "explore",
            "happy-path",
            "--no-baseline",
            "--state",
            "ProcesPayment",
        ])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    let stderr = text(&typo.stderr);
    assert!(
        stderr.contains("--state \"ProcesPayment\": the state machine has no Task state")
            && stderr.contains("ProcessPayment"),
        "{stderr}"
    );
    let mocked = orderlab()
        .args(["explore", "mock-config", "--no-baseline"])
        .output()
        .unwrap();
    assert_eq!(mocked.status.code(), Some(2));
    assert!(
        text(&mocked.stderr).contains("mock_config"),
        "{}",
        text(&mocked.stderr)
    );
}
