//! Running several scenarios: each on its own backend (its own emulator instance, so
//! independent scenarios share no state), at most `jobs` at a time; each yields a
//! [`ScenarioReport`] holding its verdict and the text the CLI prints for it. Reports come
//! back in the order the scenarios were given, whatever order they finished in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::report;
use crate::run::{self, RunOptions};
use crate::scenario::Scenario;
use crate::snapshot::{self, Verdict, file};

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Passed,
    /// The snapshot or an expectation did not match.
    Failed,
    /// The scenario could not run (backend, provisioning, timeout, snapshot file).
    Error,
}

impl Outcome {
    /// The process exit code for this outcome (0, 1, 2).
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Error => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
        }
    }
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    pub name: String,
    pub description: String,
    pub outcome: Outcome,
    /// Why it failed or errored (first line first), empty when it passed.
    pub message: String,
    /// Everything printed for it: orders, phases, diff, verdict.
    pub text: String,
    pub wall_time: Duration,
    pub phases: Vec<(&'static str, Duration)>,
}

/// What every scenario run shares.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub run: RunOptions,
    pub accept: bool,
    pub jobs: usize,
}

/// Runs every scenario, at most `options.jobs` at once; `on_done` sees each report as it
/// finishes (for progress and streaming output).
pub async fn run_all(
    scenarios: Vec<Scenario>,
    options: &SuiteOptions,
    mut on_done: impl FnMut(&ScenarioReport, usize, usize),
) -> Vec<ScenarioReport> {
    let total = scenarios.len();
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let permits = permits.clone();
        let options = options.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, run_one(&scenario, &options).await)
        });
    }
    let mut reports: Vec<Option<ScenarioReport>> = vec![None; total];
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        let Ok((index, report)) = joined else {
            continue;
        };
        done += 1;
        on_done(&report, done, total);
        reports[index] = Some(report);
    }
    reports.into_iter().flatten().collect()
}

/// Runs one scenario and judges it.
pub async fn run_one(scenario: &Scenario, options: &SuiteOptions) -> ScenarioReport {
    let started = Instant::now();
    let mut text = format!(
        "scenario {} — {}\n",
        scenario.name,
        scenario.description.trim()
    );
    let mut report = ScenarioReport {
        name: scenario.name.clone(),
        description: scenario.description.trim().to_owned(),
        outcome: Outcome::Error,
        message: String::new(),
        text: String::new(),
        wall_time: Duration::ZERO,
        phases: Vec::new(),
    };
    match judge(scenario, options, &mut text).await {
        Ok((outcome, message, phases)) => {
            report.outcome = outcome;
            report.message = message;
            report.phases = phases;
        }
        Err(err) => {
            report.message = format!("{err:#}");
            text.push_str(&format!("ERROR {}: {err:#}\n", scenario.name));
        }
    }
    report.text = text;
    report.wall_time = started.elapsed();
    report
}

type Judged = (Outcome, String, Vec<(&'static str, Duration)>);

async fn judge(
    scenario: &Scenario,
    options: &SuiteOptions,
    text: &mut String,
) -> anyhow::Result<Judged> {
    let result = run::run_scenario(scenario, &options.run).await?;
    for line in report::order_lines(&result) {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&report::timing_line(&result.timings));
    text.push('\n');
    let mut problems = run::check_expectations(scenario, &result);
    for problem in &problems {
        text.push_str(&format!("  expectation failed: {problem}\n"));
    }
    let rendered = snapshot::render(scenario, &result);
    let verdict = snapshot::check(
        &snapshot::default_dir(),
        &scenario.name,
        &rendered,
        options.accept,
    )?;
    text.push_str(&verdict_text(&scenario.name, &verdict));
    if !verdict.passed() {
        problems.push(match verdict {
            Verdict::Missing { .. } => "no snapshot yet".to_owned(),
            _ => "the snapshot differs".to_owned(),
        });
    }
    let outcome = if problems.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    Ok((outcome, problems.join("; "), result.timings.phases))
}

fn verdict_text(name: &str, verdict: &Verdict) -> String {
    let accept =
        format!("accept it with `cargo insta review` or `orderlab scenario {name} --accept`");
    match verdict {
        Verdict::Matched => format!("PASS {name}\n"),
        Verdict::Accepted { path } => {
            format!("PASS {name} (snapshot written to {})\n", path.display())
        }
        Verdict::Mismatch { diff, new_path } => format!(
            "{}FAIL {name}: the snapshot differs; the new one is in {}\n  {accept}\n",
            file::colourise(diff),
            new_path.display()
        ),
        Verdict::Missing { new_path } => format!(
            "FAIL {name}: no snapshot yet; the proposed one is in {}\n  {accept}\n",
            new_path.display()
        ),
    }
}

/// The worst outcome's exit code (0 when there is none).
pub fn exit_code(reports: &[ScenarioReport]) -> u8 {
    reports
        .iter()
        .map(|r| r.outcome)
        .max()
        .map_or(0, Outcome::exit_code)
}

/// The machine-readable report (`--json`).
pub fn json_report(reports: &[ScenarioReport], wall_time: Duration) -> Value {
    let scenarios: Vec<Value> = reports
        .iter()
        .map(|r| {
            let phases: serde_json::Map<String, Value> = r
                .phases
                .iter()
                .map(|(phase, took)| ((*phase).to_owned(), json!(took.as_millis() as u64)))
                .collect();
            json!({
                "name": r.name,
                "description": r.description,
                "outcome": r.outcome.label(),
                "message": r.message,
                "wall_time_ms": r.wall_time.as_millis() as u64,
                "phases_ms": phases,
            })
        })
        .collect();
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    json!({
        "passed": count(Outcome::Passed),
        "failed": count(Outcome::Failed),
        "errors": count(Outcome::Error),
        "exit_code": exit_code(reports),
        "wall_time_ms": wall_time.as_millis() as u64,
        "scenarios": scenarios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, outcome: Outcome) -> ScenarioReport {
        ScenarioReport {
            name: name.into(),
            description: "d".into(),
            outcome,
            message: String::new(),
            text: String::new(),
            wall_time: Duration::from_millis(5),
            phases: vec![("start", Duration::from_millis(1))],
        }
    }

    #[test]
    fn the_worst_outcome_decides_the_exit_code() {
        assert_eq!(exit_code(&[]), 0);
        assert_eq!(exit_code(&[report("a", Outcome::Passed)]), 0);
        let mixed = [report("a", Outcome::Failed), report("b", Outcome::Passed)];
        assert_eq!(exit_code(&mixed), 1);
        let errored = [report("a", Outcome::Failed), report("b", Outcome::Error)];
        assert_eq!(exit_code(&errored), 2);
    }

    #[test]
    fn json_report_counts_outcomes() {
        let value = json_report(
            &[report("a", Outcome::Passed), report("b", Outcome::Failed)],
            Duration::from_millis(9),
        );
        assert_eq!(value["passed"], 1);
        assert_eq!(value["failed"], 1);
        assert_eq!(value["exit_code"], 1);
        assert_eq!(value["scenarios"][1]["outcome"], "failed");
        assert_eq!(value["scenarios"][0]["phases_ms"]["start"], 1);
    }
}
