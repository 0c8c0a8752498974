//! `orderlab explore <scenario> --interleavings N`: the scenario as written under N scheduler
//! seeds (`schedule_seed` 1..=N, so order ids and payment decisions stay the scenario's), each
//! on a fresh embedded emulator, judged by the invariants; the distinct outcomes — which order
//! ended in which status, and the stock left — grouped with the seeds that gave them; a
//! reproducer (the scenario plus its `schedule_seed`) written for any violation.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Value, json};

use super::run::VariantJob;
use super::{Options, Progress, load_base, reproduce};
use crate::suite::{Outcome, RunDetails, ScenarioReport};

/// One seed's run.
#[derive(Debug)]
pub struct SeedRun {
    pub seed: u64,
    pub report: ScenarioReport,
    /// The outcome's key (empty when the run did not finish).
    pub outcome: String,
}

/// What the seeds showed.
#[derive(Debug)]
pub struct Interleavings {
    pub base: String,
    pub runs: Vec<SeedRun>,
    /// Distinct outcomes: the key, its summary, the seeds that gave it.
    pub outcomes: Vec<(String, String, Vec<u64>)>,
    pub wall_time: std::time::Duration,
}

impl Interleavings {
    pub fn violations(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.report.outcome == Outcome::Failed)
            .count()
    }

    pub fn errors(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.report.outcome == Outcome::Error)
            .count()
    }

    /// 1 on a violation, 2 when a run could not finish, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.violations() > 0 {
            1
        } else if self.errors() > 0 {
            2
        } else {
            0
        }
    }
}

/// Runs the base scenario under `count` scheduler seeds.
pub async fn explore(
    options: &Options,
    count: u64,
    progress: Progress<'_>,
) -> anyhow::Result<Interleavings> {
    let started = Instant::now();
    let (base, text) = load_base(options)?;
    let runner = options.runner(started);
    let mut scenarios = Vec::new();
    let mut jobs = HashMap::new();
    for seed in 1..=count {
        let name = format!("{}-schedule-{seed}", base.name);
        let text = reproduce::with_schedule_seed(&text, seed);
        let scenario = reproduce::variant_scenario(&name, &text, &options.out_dir)
            .with_context(|| format!("schedule seed {seed}"))?;
        let describe = format!("schedule seed {seed}");
        jobs.insert(name, VariantJob { text, describe });
        scenarios.push(scenario);
    }
    let reports = runner
        .run(scenarios, jobs, |report, done, total| {
            let line = format!("{:<7} {}  {}\n", label(report), report.name, report.text);
            progress("interleavings", Some(line), done, total)
        })
        .await;
    let runs: Vec<SeedRun> = (1..=count)
        .zip(reports)
        .map(|(seed, report)| SeedRun {
            seed,
            outcome: report
                .details
                .as_deref()
                .map(outcome_key)
                .unwrap_or_default(),
            report,
        })
        .collect();
    Ok(Interleavings {
        base: base.name,
        outcomes: group(&runs),
        runs,
        wall_time: started.elapsed(),
    })
}

fn label(report: &ScenarioReport) -> &'static str {
    match report.outcome {
        Outcome::Passed => "ok",
        Outcome::Failed => "VIOLATION",
        Outcome::Error => "ERROR",
    }
}

/// `order=STATUS` for every order in id order, then `item=stock` for every inventory item.
fn outcome_key(details: &RunDetails) -> String {
    let rows = |table: &str| {
        details
            .collected
            .tables
            .get(table)
            .cloned()
            .unwrap_or_default()
    };
    let mut parts = BTreeMap::new();
    for item in rows(&details.orders_table) {
        if let (Some(id), Some(status)) = (item["order_id"].as_str(), item["status"].as_str()) {
            parts.insert(format!("order {id}"), status.to_owned());
        }
    }
    for item in rows(&details.inventory_table) {
        if let Some(id) = item["item_id"].as_str() {
            parts.insert(format!("stock {id}"), item["stock"].to_string());
        }
    }
    parts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The distinct outcomes with the seeds that gave each, most frequent first.
fn group(runs: &[SeedRun]) -> Vec<(String, String, Vec<u64>)> {
    let mut by_key: BTreeMap<&str, (String, Vec<u64>)> = BTreeMap::new();
    for run in runs.iter().filter(|r| !r.outcome.is_empty()) {
        by_key
            .entry(&run.outcome)
            .or_insert_with(|| (run.report.text.clone(), Vec::new()))
            .1
            .push(run.seed);
    }
    let mut outcomes: Vec<_> = by_key
        .into_iter()
        .map(|(key, (summary, seeds))| (key.to_owned(), summary, seeds))
        .collect();
    outcomes.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.2.cmp(&b.2)));
    outcomes
}

/// The human summary.
pub fn summary(found: &Interleavings) -> String {
    let mut text = format!(
        "\n{}: {} interleavings, {} distinct outcome(s), {} invariant violation(s), {} error(s) in {:.1} s\n",
        found.base,
        found.runs.len(),
        found.outcomes.len(),
        found.violations(),
        found.errors(),
        found.wall_time.as_secs_f64()
    );
    for (index, (key, summary, seeds)) in found.outcomes.iter().enumerate() {
        let winners: Vec<&str> = key
            .lines()
            .filter(|line| line.ends_with("=COMPLETED"))
            .filter_map(|line| line.strip_prefix("order ")?.strip_suffix("=COMPLETED"))
            .collect();
        text.push_str(&format!(
            "  outcome {}: {summary} — seeds {} — completed: {}\n",
            index + 1,
            list(seeds),
            if winners.is_empty() {
                "none".to_owned()
            } else {
                winners.join(" ")
            }
        ));
    }
    for run in found
        .runs
        .iter()
        .filter(|r| r.report.outcome != Outcome::Passed)
    {
        text.push_str(&format!(
            "  seed {}: {} {}\n",
            run.seed,
            run.report.message,
            run.report
                .text
                .lines()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    text
}

fn list(seeds: &[u64]) -> String {
    seeds
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--json`.
pub fn json(found: &Interleavings) -> Value {
    json!({
        "base": found.base,
        "interleavings": found.runs.len(),
        "distinct_outcomes": found.outcomes.len(),
        "violations": found.violations(),
        "errors": found.errors(),
        "outcomes": found.outcomes.iter().map(|(key, summary, seeds)| json!({
            "summary": summary, "seeds": seeds, "orders": key.lines().collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "runs": found.runs.iter().map(|run| json!({
            "schedule_seed": run.seed,
            "outcome": super::report::outcome_word(run.report.outcome),
            "message": run.report.message,
            "statuses": run.report.text.lines().next(),
        })).collect::<Vec<_>>(),
    })
}
