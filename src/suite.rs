//! Running several scenarios: each on its own backend (its own emulator instance, so
//! independent scenarios share no state), at most `jobs` at a time; each yields a
//! [`ScenarioReport`] holding its verdict and the text the CLI prints for it. Reports come
//! back in the order the scenarios were given, whatever order they finished in.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::coverage;
use crate::report;
use crate::run::{self, RunOptions};
use crate::scenario::Scenario;
use crate::snapshot::{self, Verdict, file};
use crate::stop::{Reason, Stop};

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
    /// Each execution's history (reduced for coverage) with its order id, in order.
    pub histories: Vec<(String, Vec<coverage::Event>)>,
    /// What the run left for the HTML report (None when it did not run).
    pub details: Option<Arc<RunDetails>>,
}

/// A run as the HTML report shows it: what was collected, the orders table's name, the
/// snapshot diff of a failed comparison and every problem found.
#[derive(Debug, Clone)]
pub struct RunDetails {
    pub collected: run::Collected,
    pub orders_table: String,
    pub inventory_table: String,
    /// The snapshot diff (stored → new), when the snapshot differs.
    pub diff: Option<String>,
    /// Expectation failures and invariant violations, one line each.
    pub problems: Vec<String>,
}

/// What every scenario run shares.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub run: RunOptions,
    pub accept: bool,
    pub jobs: usize,
    /// Where the scenarios' snapshots are (`<scenarios-dir>/snapshots`).
    pub snapshots_dir: PathBuf,
}

/// Runs every scenario, at most `options.jobs` at once; `on_done` sees each report as it
/// finishes (for progress and streaming output). Every scenario gets a report: one whose task
/// panicked is an [`Outcome::Error`] naming the panic, one not started because the run was
/// stopped an error saying so.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    options: &SuiteOptions,
    on_done: impl FnMut(&ScenarioReport, usize, usize),
) -> Vec<ScenarioReport> {
    let shared = options.clone();
    let runner = move |scenario: Scenario| {
        let options = shared.clone();
        async move { run_one(&scenario, &options).await }
    };
    run_tasks(scenarios, options.jobs, &options.run.stop, runner, on_done).await
}

/// [`run_all`] with the per-scenario work given as `runner` (the seam the tests use to make a
/// scenario task crash).
pub(crate) async fn run_tasks<R, F>(
    scenarios: Vec<Scenario>,
    jobs: usize,
    stop: &Stop,
    runner: R,
    mut on_done: impl FnMut(&ScenarioReport, usize, usize),
) -> Vec<ScenarioReport>
where
    R: Fn(Scenario) -> F,
    F: Future<Output = ScenarioReport> + Send + 'static,
{
    let total = scenarios.len();
    let permits = Arc::new(Semaphore::new(jobs.clamp(1, Semaphore::MAX_PERMITS)));
    let mut tasks = JoinSet::new();
    let mut started: HashMap<tokio::task::Id, (usize, String, String)> = HashMap::new();
    let mut placeholders = Vec::with_capacity(total);
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let identity = (
            index,
            scenario.name.clone(),
            scenario.description.trim().to_owned(),
        );
        let not_run = placeholder(&identity.1, &identity.2);
        placeholders.push(not_run.clone());
        let (permits, stop) = (permits.clone(), stop.clone());
        let run = runner(scenario);
        let handle = tasks.spawn(async move {
            tokio::select! {
                biased;
                reason = stop.requested() => not_run.stopped(reason),
                permit = permits.acquire_owned() => {
                    let _permit = permit;
                    run.await
                }
            }
        });
        started.insert(handle.id(), identity);
    }
    let mut reports: Vec<Option<ScenarioReport>> = vec![None; total];
    let mut done = 0;
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, report) = match joined {
            Ok((id, report)) => (id, report),
            Err(err) => (err.id(), crash_report(&started, err)),
        };
        done += 1;
        on_done(&report, done, total);
        if let Some(slot) = started
            .get(&id)
            .and_then(|(index, ..)| reports.get_mut(*index))
        {
            *slot = Some(report);
        }
    }
    // Every task was joined above, so every slot is filled; this keeps a scenario from ever
    // vanishing from the reports should that change.
    reports
        .into_iter()
        .zip(placeholders)
        .map(|(report, placeholder)| {
            report
                .unwrap_or_else(|| placeholder.with_error("the scenario produced no report".into()))
        })
        .collect()
}

/// The error report of a scenario whose task panicked or was cancelled.
fn crash_report(
    started: &HashMap<tokio::task::Id, (usize, String, String)>,
    err: tokio::task::JoinError,
) -> ScenarioReport {
    let (name, description) = started
        .get(&err.id())
        .map(|(_, name, description)| (name.as_str(), description.as_str()))
        .unwrap_or(("?", ""));
    let cause = match err.try_into_panic() {
        Ok(payload) => format!("the scenario crashed: {}", panic_message(payload.as_ref())),
        Err(_) => "the scenario's task was cancelled".to_owned(),
    };
    placeholder(name, description).with_error(cause)
}

/// The text of a panic (`panic!("…")` payloads are a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    match text {
        Some(text) => format!("panicked: {text}"),
        None => "panicked".to_owned(),
    }
}

/// A report for `name` with no verdict yet.
fn placeholder(name: &str, description: &str) -> ScenarioReport {
    ScenarioReport {
        name: name.to_owned(),
        description: description.to_owned(),
        outcome: Outcome::Error,
        message: String::new(),
        text: String::new(),
        wall_time: Duration::ZERO,
        phases: Vec::new(),
        histories: Vec::new(),
        details: None,
    }
}

impl ScenarioReport {
    /// This report as an error: `message`, and the text a human sees for it.
    fn with_error(mut self, message: String) -> ScenarioReport {
        self.outcome = Outcome::Error;
        self.text = format!(
            "scenario {} — {}\nERROR {}: {message}\n",
            self.name, self.description, self.name
        );
        self.message = message;
        self
    }

    /// This report as a scenario that was not run because the run stopped.
    fn stopped(self, reason: Reason) -> ScenarioReport {
        self.with_error(format!("not run: {reason}"))
    }
}

/// Runs one scenario and judges it.
pub async fn run_one(scenario: &Scenario, options: &SuiteOptions) -> ScenarioReport {
    let started = Instant::now();
    let mut text = format!(
        "scenario {} — {}\n",
        scenario.name,
        scenario.description.trim()
    );
    let mut report = placeholder(&scenario.name, scenario.description.trim());
    match judge(scenario, options, &mut text).await {
        Ok(judged) => {
            report.outcome = judged.outcome;
            report.message = judged.message;
            report.phases = judged.phases;
            report.histories = judged.histories;
            report.details = Some(Arc::new(judged.details));
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

/// A scenario's verdict and what the run left for the reports.
struct Judged {
    outcome: Outcome,
    message: String,
    phases: Vec<(&'static str, Duration)>,
    histories: Vec<(String, Vec<coverage::Event>)>,
    details: RunDetails,
}

async fn judge(
    scenario: &Scenario,
    options: &SuiteOptions,
    text: &mut String,
) -> anyhow::Result<Judged> {
    let result = run::run_scenario(scenario, &options.run).await?;
    for line in report::scenario_lines(scenario, &result) {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&report::timing_line(&result.timings));
    text.push('\n');
    let mut problems = run::check_expectations(scenario, &result);
    for problem in &problems {
        text.push_str(&format!("  expectation failed: {problem}\n"));
    }
    for violation in crate::invariants::check(scenario, &result) {
        text.push_str(&format!("  {violation}\n"));
        problems.push(violation.to_string());
    }
    let rendered = if snapshot::emails_observed(&result) {
        snapshot::render(scenario, &result)
    } else {
        text.push_str(
            "  e-mails: not readable on AWS (SES keeps no outbox); compared without them\n",
        );
        snapshot::render_with_stored_emails(scenario, &result, &options.snapshots_dir)?
    };
    let verdict = snapshot::check(
        &options.snapshots_dir,
        &scenario.name,
        &rendered,
        options.accept,
    )?;
    if verdict.passed() && !problems.is_empty() {
        let written = match &verdict {
            Verdict::Accepted { path } => format!("; snapshot written to {}", path.display()),
            _ => String::new(),
        };
        text.push_str(&format!(
            "FAIL {}: {} problem{} above (the snapshot matches{written})\n",
            scenario.name,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ));
    } else {
        text.push_str(&verdict_text(&scenario.name, &verdict));
    }
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
    let histories = result.collected.histories();
    let diff = match verdict {
        Verdict::Mismatch { diff, .. } => Some(diff),
        _ => None,
    };
    Ok(Judged {
        outcome,
        message: problems.join("; "),
        phases: result.timings.phases,
        histories,
        details: RunDetails {
            collected: result.collected,
            orders_table: result.stack.orders_table,
            inventory_table: result.stack.inventory_table,
            diff,
            problems,
        },
    })
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

/// The human summary printed after every scenario's own text: the counts, the wall time, and
/// one line per scenario that did not pass.
pub fn summary(reports: &[ScenarioReport], wall_time: Duration) -> String {
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    let mut text = format!(
        "\n{} scenario{}: {} passed, {} failed, {} errors in {:.1} s",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        count(Outcome::Passed),
        count(Outcome::Failed),
        count(Outcome::Error),
        wall_time.as_secs_f64()
    );
    for report in reports.iter().filter(|r| r.outcome != Outcome::Passed) {
        let first = report.message.lines().next().unwrap_or_default();
        text.push_str(&format!(
            "\n  {} {}: {first}",
            report.outcome.label(),
            report.name
        ));
    }
    text
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
            histories: Vec::new(),
            details: None,
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

    fn scenario(name: &str) -> Scenario {
        let mut scenario = crate::scenario::parse(
            std::path::Path::new("t.yaml"),
            name,
            "description: what it covers\nseed: 1\n",
        )
        .unwrap();
        scenario.name = name.to_owned();
        scenario
    }

    /// Runs `names` through [`run_tasks`] with a runner that panics for `boom` and passes the
    /// rest; returns the reports and how many `on_done` saw.
    async fn run_with_a_crash(names: &[&str], stop: &Stop) -> (Vec<ScenarioReport>, usize) {
        let scenarios = names.iter().map(|name| scenario(name)).collect();
        let runner = |scenario: Scenario| async move {
            if scenario.name == "boom" {
                panic!("index out of bounds: the len is 0 but the index is 3");
            }
            report(&scenario.name, Outcome::Passed)
        };
        let mut seen = 0;
        let reports = run_tasks(scenarios, 2, stop, runner, |_, _, _| seen += 1).await;
        (reports, seen)
    }

    #[tokio::test]
    async fn a_panicked_scenario_is_an_error_in_every_report() {
        let (reports, seen) = run_with_a_crash(&["a", "boom", "c"], &Stop::new()).await;
        assert_eq!(seen, 3, "on_done saw every scenario, the crashed one too");
        let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "boom", "c"]);
        let crashed = &reports[1];
        assert_eq!(crashed.outcome, Outcome::Error);
        assert!(
            crashed
                .message
                .contains("the scenario crashed: panicked: index out of bounds"),
            "{}",
            crashed.message
        );
        assert!(
            crashed.text.contains("ERROR boom: the scenario crashed"),
            "{}",
            crashed.text
        );
        assert_eq!(exit_code(&reports), 2);
        let text = summary(&reports, Duration::from_secs(1));
        assert!(
            text.contains("3 scenarios: 2 passed, 0 failed, 1 errors"),
            "{text}"
        );
        assert!(text.contains("error boom: the scenario crashed"), "{text}");
        let json = json_report(&reports, Duration::from_secs(1));
        assert_eq!(json["errors"], 1, "{json}");
        assert_eq!(json["exit_code"], 2, "{json}");
        assert_eq!(json["scenarios"][1]["outcome"], "error", "{json}");
        let xml = crate::junit::render(&reports, Duration::from_secs(1));
        assert!(xml.contains("errors=\"1\""), "{xml}");
        assert!(
            xml.contains("<error message=\"the scenario crashed: panicked: index out of bounds"),
            "{xml}"
        );
    }

    #[tokio::test]
    async fn a_stopped_run_reports_every_scenario_it_did_not_run() {
        let stop = Stop::new();
        stop.request(Reason::Interrupt);
        let (reports, seen) = run_with_a_crash(&["a", "b"], &stop).await;
        assert_eq!(seen, 2);
        assert!(reports.iter().all(|r| r.outcome == Outcome::Error));
        assert_eq!(reports[0].message, "not run: interrupted (SIGINT)");
    }
}
