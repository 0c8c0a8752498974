//! The Step Functions conformance runner: every execution of the AWS-recorded corpus
//! (`<corpus>/sfn/manifest.jsonl`) runs on one embedded emulator with the virtual clock,
//! through the AWS SDK for Rust, and is compared with what AWS recorded. Prints a per-feature
//! pass table, fails when a pass rate drops below the committed thresholds, and writes
//! docs/conformance.md when `ORDERLAB_WRITE_CONFORMANCE=1`.
//!
//! The corpus directory is `ORDERLAB_CONFORMANCE_DIR` (relative to the workspace root), or
//! `../shared/conformance` beside the workspace; without it the test prints `SKIPPED: …` and
//! passes.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

#[path = "sfn_conformance/case.rs"]
mod case;
#[path = "sfn_conformance/compare.rs"]
mod compare;
#[path = "sfn_conformance/report.rs"]
mod report;
#[path = "sfn_conformance/run.rs"]
mod run;
#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_sfn::Client;
use orderlab_emulator::{ClockMode, Config, Emulator};
use tokio::sync::Semaphore;

use case::Case;
use report::Verdict;

/// The pass rates the emulator must keep (ratchet them up as it improves).
const MIN_OVERALL: f64 = 0.998;
const MIN_JSONATA: f64 = 1.0;
const MIN_CHOICE: f64 = 1.0;
/// How many cases run at once.
const CONCURRENCY: usize = 16;

/// The corpus: `ORDERLAB_CONFORMANCE_DIR` (a relative path is taken from the workspace root,
/// since cargo runs tests inside the package directory), else `../shared/conformance` beside
/// the workspace.
fn corpus_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("ORDERLAB_CONFORMANCE_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("../shared/conformance"),
    }
}

async fn start() -> (Emulator, Client) {
    start_with(ClockMode::Virtual).await
}

async fn start_with(clock: ClockMode) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock,
        account_id: "111111111111".to_owned(),
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

/// Runs every case, at most [`CONCURRENCY`] at a time; returns the failure reasons by index.
async fn run_all(client: &Client, sfn_dir: &Path, cases: &[Case]) -> Vec<Option<String>> {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, case) in cases.iter().cloned().enumerate() {
        let (client, permits, sfn_dir) = (client.clone(), permits.clone(), sfn_dir.to_owned());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            // A case that depends on the current time gets its own emulator, whose virtual
            // clock no other case's Wait has moved. A case AWS recorded while it was still
            // running (mid-Wait) runs on the real clock, as it did on AWS.
            let own = if case.expected.status == "RUNNING" {
                Some(start_with(ClockMode::Real).await)
            } else if case.depends_on_now() {
                Some(start().await)
            } else {
                None
            };
            let client = own.as_ref().map_or(client, |(_, c)| c.clone());
            let case = case.with_current_time();
            let verdict = match case::definition(&sfn_dir, &case) {
                Err(e) => Some(format!("corpus: {e}")),
                Ok(definition) => match run::run_case(&client, index, &case, &definition).await {
                    Ok(actual) => compare::mismatch(&case, &actual),
                    Err(e) => Some(compare::shorten(&e)),
                },
            };
            (index, verdict)
        });
    }
    let mut failures = vec![None; cases.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, failure) = joined.expect("case task does not panic");
        failures[index] = failure;
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sfn_conformance_corpus() {
    let dir = corpus_dir();
    let sfn_dir = dir.join("sfn");
    if !sfn_dir.join("manifest.jsonl").is_file() {
        visible(&format!(
            "SKIPPED: conformance corpus not found at {} (set ORDERLAB_CONFORMANCE_DIR)",
            dir.display()
        ));
        return;
    }
    let cases = case::load_manifest(&sfn_dir).expect("manifest parses");
    let (_emulator, client) = start().await;
    let failures = run_all(&client, &sfn_dir, &cases).await;
    let verdicts: Vec<Verdict<'_>> = cases
        .iter()
        .zip(failures)
        .map(|(case, failure)| Verdict { case, failure })
        .collect();
    let document = report::markdown(&verdicts);
    println!("{document}");
    if std::env::var("ORDERLAB_WRITE_CONFORMANCE").as_deref() == Ok("1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance.md");
        std::fs::write(&path, &document).expect("docs/conformance.md written");
    }
    check_thresholds(&verdicts);
}

/// Writes to the real stderr, which the test harness does not capture, so the line shows even
/// without `--nocapture`.
fn visible(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn check_thresholds(verdicts: &[Verdict<'_>]) {
    let overall = report::tally(verdicts);
    let jsonata = report::tally(verdicts.iter().filter(|v| v.case.is_jsonata()));
    let choice = report::tally(verdicts.iter().filter(|v| report::is_choice(v.case)));
    visible(&format!(
        "conformance: overall {}/{}, JSONata {}/{}, Choice {}/{}",
        overall.passed, overall.total, jsonata.passed, jsonata.total, choice.passed, choice.total
    ));
    assert!(overall.rate() >= MIN_OVERALL, "overall pass rate fell");
    assert!(jsonata.rate() >= MIN_JSONATA, "JSONata pass rate fell");
    assert!(choice.rate() >= MIN_CHOICE, "Choice pass rate fell");
}
