//! Running explore's scenarios — the baseline (the scenario set as written) and the variants
//! — through the suite's bounded pool ([`crate::suite::run_tasks`]): each on its own fresh
//! embedded emulator, at most `jobs` at once. A run is judged by the invariants alone (no
//! snapshot, no exact expectations: nobody wrote those for a fault); a variant that breaks one
//! gets its reproducer written ([`super::reproduce`]). Past the time limit, runs not yet
//! started are reported as not run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::run::{self, RunOptions, RunResult};
use crate::scenario::Scenario;
use crate::suite::{self, Outcome, RunDetails, ScenarioReport};

/// What a variant's runner needs besides its scenario: its text (written as the reproducer)
/// and what to say about it.
#[derive(Debug, Clone)]
pub struct VariantJob {
    pub text: String,
    pub describe: String,
}

/// What every run shares.
#[derive(Debug, Clone)]
pub struct Runner {
    pub run: RunOptions,
    pub jobs: usize,
    /// Runs not started by then are not run.
    pub deadline: Instant,
    /// Where reproducers go.
    pub out_dir: PathBuf,
    /// The base scenario's name (for the reproducer's header).
    pub base: String,
}

/// The first line of a report that was not run because of the time limit.
pub const NOT_RUN: &str = "not run: the --time-limit was reached";

impl Runner {
    /// Runs `scenarios` (variants when `jobs` has their entries); `on_done` sees each report.
    pub async fn run(
        &self,
        scenarios: Vec<Scenario>,
        jobs: HashMap<String, VariantJob>,
        on_done: impl FnMut(&ScenarioReport, usize, usize),
    ) -> Vec<ScenarioReport> {
        let shared = Arc::new((self.clone(), jobs));
        let runner = move |scenario: Scenario| {
            let shared = shared.clone();
            async move {
                let (runner, jobs) = &*shared;
                runner.one(&scenario, jobs.get(&scenario.name)).await
            }
        };
        suite::run_tasks(scenarios, self.jobs, &self.run.stop, runner, on_done).await
    }

    /// The command that runs the reproducer `name`.
    pub fn command(&self, name: &str) -> String {
        let absolute = |p: &std::path::Path| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .display()
                .to_string()
        };
        format!(
            "orderlab scenario --scenarios-dir {} --app-dir {} {name}",
            absolute(&self.out_dir),
            absolute(&self.run.app_dir)
        )
    }

    async fn one(&self, scenario: &Scenario, job: Option<&VariantJob>) -> ScenarioReport {
        let mut report = blank(scenario);
        if Instant::now() >= self.deadline {
            report.message = NOT_RUN.to_owned();
            return report;
        }
        let started = Instant::now();
        match run::run_scenario(scenario, &self.run).await {
            Ok(result) => self.judge(scenario, job, result, &mut report),
            Err(err) => report.message = format!("{err:#}"),
        }
        report.wall_time = started.elapsed();
        report
    }

    /// The invariants' verdict; for a variant that breaks one, its reproducer.
    fn judge(
        &self,
        scenario: &Scenario,
        job: Option<&VariantJob>,
        result: RunResult,
        report: &mut ScenarioReport,
    ) {
        let violations: Vec<String> = crate::invariants::check(scenario, &result)
            .iter()
            .map(ToString::to_string)
            .collect();
        report.text = statuses(&result);
        report.outcome = if violations.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed
        };
        report.message = violations.join("; ");
        if let (Some(job), false) = (job, violations.is_empty()) {
            let mut header = vec![
                format!(
                    "Found by `orderlab explore {}`: {}",
                    self.base, job.describe
                ),
                format!("Run it: {}", self.command(&scenario.name)),
            ];
            header.extend(violations.iter().cloned());
            let snapshot = crate::snapshot::render(scenario, &result);
            match super::reproduce::write(
                &self.out_dir,
                &scenario.name,
                &job.text,
                &header,
                &snapshot,
            ) {
                Ok(path) => report
                    .text
                    .push_str(&format!("\nreproducer: {}", path.display())),
                Err(err) => {
                    report.outcome = Outcome::Error;
                    report.message =
                        format!("{}; cannot write the reproducer: {err:#}", report.message);
                }
            }
        }
        report.phases = result.timings.phases.clone();
        report.histories = result.collected.histories();
        report.details = Some(Arc::new(RunDetails {
            collected: result.collected,
            orders_table: result.stack.orders_table,
            inventory_table: result.stack.inventory_table,
            diff: None,
            problems: violations,
        }));
    }
}

/// An error report for `scenario`, to be filled in.
fn blank(scenario: &Scenario) -> ScenarioReport {
    ScenarioReport {
        name: scenario.name.clone(),
        description: scenario.description.trim().to_owned(),
        outcome: Outcome::Error,
        message: String::new(),
        text: String::new(),
        wall_time: Duration::ZERO,
        phases: Vec::new(),
        histories: Vec::new(),
        details: None,
    }
}

/// `COMPLETED×1, FAILED×2` — how the run's orders ended (`HTTP 409`s and missing orders
/// left out).
fn statuses(result: &RunResult) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut seen = std::collections::HashSet::new();
    for outcome in &result.collected.orders {
        let id = &outcome.submission.order_id;
        if seen.insert(id.clone())
            && let Some(status) = run::final_status(result, id)
        {
            *counts.entry(status).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return "no orders".to_owned();
    }
    counts
        .iter()
        .map(|(status, n)| format!("{status}×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
