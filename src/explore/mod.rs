//! `orderlab explore <scenario>`: systematic fault exploration. Laid out like the job:
//! [`plan`] (enumerate the faults from the ASL definition), [`run`] (the baseline and one fresh
//! embedded emulator per variant, `--jobs` at a time, through the suite's pool), [`judge`]
//! (invariants per run, coverage gained over the baseline, why the rest is unreachable),
//! [`reproduce`] (each variant is a scenario text; one that breaks an invariant is written
//! to `--out` with its snapshot), [`report`] (the human summary and `--json`).
//!
//! The baseline is every scenario of the scenario directory as written (what `scenario --all
//! --coverage` covers), or the base scenario alone with `--no-baseline`; the base scenario's
//! own run says which Task states it enters, and those are the states faulted.
//!
//! With `--interleavings N`, [`interleave`] runs the base scenario under N scheduler seeds
//! instead of faults and groups the distinct outcomes.

pub mod interleave;
pub mod judge;
pub mod plan;
pub mod report;
pub mod reproduce;
pub mod run;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::coverage::{self, Model, Transition};
use crate::run::RunOptions;
use crate::scenario::{self, Scenario};
use crate::stop::Stop;
use crate::suite::{Outcome, ScenarioReport};
use plan::{Plan, Selection, Variant};

/// What `explore` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub base: String,
    pub scenarios_dir: PathBuf,
    pub app_dir: PathBuf,
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub max_variants: usize,
    pub time_limit: Duration,
    /// Bounds every wait of one run.
    pub timeout: Duration,
    /// Replaces the base scenario's seed (and so its order ids and payment decisions).
    pub seed: Option<u64>,
    /// Fault only these states (names or ids); all the base scenario enters when empty.
    pub states: Vec<String>,
    /// Run the whole scenario directory as the baseline (else the base scenario alone).
    pub baseline: bool,
    pub stop: Stop,
}

impl Options {
    /// What every run of this exploration shares, its time limit counted from `started`.
    fn runner(&self, started: Instant) -> run::Runner {
        run::Runner {
            run: RunOptions {
                timeout: self.timeout,
                app_dir: self.app_dir.clone(),
                stop: self.stop.clone(),
                ..RunOptions::default()
            },
            jobs: self.jobs,
            deadline: started + self.time_limit,
            out_dir: self.out_dir.clone(),
            base: self.base.clone(),
        }
    }
}

/// One variant's result.
#[derive(Debug, Clone)]
pub struct VariantResult {
    pub variant: Variant,
    pub report: ScenarioReport,
    /// Transitions it covered that the baseline did not.
    pub new_transitions: usize,
    /// The reproducer written for it (a violation only).
    pub reproducer: Option<PathBuf>,
    /// The command that runs the reproducer.
    pub command: Option<String>,
}

/// What an exploration found.
#[derive(Debug)]
pub struct Exploration {
    pub base: String,
    pub plan: Plan,
    /// The baseline's scenario names and the baseline runs that did not pass.
    pub baseline_names: Vec<String>,
    pub baseline_problems: Vec<(String, String)>,
    pub baseline_coverage: coverage::Coverage,
    /// Baseline and variants together.
    pub total_coverage: coverage::Coverage,
    pub variants: Vec<VariantResult>,
    pub newly_covered: Vec<(Transition, Vec<String>)>,
    pub unreached: Vec<(Transition, String)>,
    pub wall_time: Duration,
}

impl Exploration {
    pub fn violations(&self) -> impl Iterator<Item = &VariantResult> {
        self.variants
            .iter()
            .filter(|v| v.report.outcome == Outcome::Failed)
    }

    /// Variants that could not run or were not run.
    pub fn errors(&self) -> impl Iterator<Item = &VariantResult> {
        self.variants
            .iter()
            .filter(|v| v.report.outcome == Outcome::Error)
    }

    /// 1 when a variant broke an invariant, 2 when one could not run, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.violations().next().is_some() {
            1
        } else if self
            .errors()
            .any(|v| !v.report.message.starts_with(run::NOT_RUN))
        {
            2
        } else {
            0
        }
    }
}

/// Progress callbacks: the phase (`baseline`, `variants`), the line to print for the run
/// that finished (variants only), done and total.
pub type Progress<'a> = &'a mut dyn FnMut(&str, Option<String>, usize, usize);

/// Runs the exploration. An error is a usage or setup problem (exit 2): the base scenario
/// unreadable or not running, the definition unreadable.
pub async fn explore(options: &Options, progress: Progress<'_>) -> anyhow::Result<Exploration> {
    let started = Instant::now();
    let model = coverage::load_model(&options.app_dir).context("reading the state machine")?;
    check_states(&model, &options.states)?;
    let (base, base_text) = load_base(options)?;
    let runner = &options.runner(started);
    let baseline = baseline_scenarios(options, &base)?;
    let baseline_names = baseline.iter().map(|s| s.name.clone()).collect();
    let baseline_reports = runner
        .run(baseline, HashMap::new(), |_, done, total| {
            progress("baseline", None, done, total)
        })
        .await;
    let base_report = baseline_reports
        .iter()
        .find(|r| r.name == base.name)
        .context("the base scenario produced no report")?;
    if base_report.outcome == Outcome::Error {
        bail!(
            "the base scenario {} did not run: {}",
            base.name,
            base_report.message
        );
    }
    let (base_entered, _) = judge::covered_by(&model, base_report);
    let selection = Selection {
        only: options.states.clone(),
        max_variants: options.max_variants,
    };
    let plan = plan::plan(&model, &base_entered, &selection);
    let baseline_coverage = coverage::of_reports(&model, &baseline_reports);
    let baseline_set = judge::covered_set(&baseline_coverage);
    let (scenarios, jobs, variants) = variant_jobs(options, &base, &base_text, &plan)?;
    let by_name: HashMap<String, Variant> = variants.iter().cloned().collect();
    let reports = runner
        .run(scenarios, jobs, |r, done, total| {
            let line = by_name.get(&r.name).map(|variant| {
                let result = result_of(&model, &baseline_set, variant.clone(), r.clone(), runner);
                report::variant_line(&result)
            });
            progress("variants", line, done, total)
        })
        .await;
    let results = variants
        .into_iter()
        .zip(reports)
        .map(|((_, variant), report)| result_of(&model, &baseline_set, variant, report, runner))
        .collect::<Vec<_>>();
    let mut all = baseline_reports.clone();
    all.extend(results.iter().map(|r| r.report.clone()));
    let total_coverage = coverage::of_reports(&model, &all);
    let context = judge::Context {
        base: base.name.clone(),
        entered: judge::entered_set(&total_coverage),
        base_entered,
        not_run: not_run_states(&plan, &results),
        faulted: plan
            .variants
            .iter()
            .chain(&plan.truncated)
            .map(|v| v.state_id.clone())
            .collect(),
    };
    let variant_reports: Vec<ScenarioReport> = results.iter().map(|r| r.report.clone()).collect();
    Ok(Exploration {
        base: base.name.clone(),
        newly_covered: judge::newly_covered(&model, &baseline_set, &variant_reports),
        unreached: judge::unreached(&model, &judge::covered_set(&total_coverage), &context),
        baseline_problems: baseline_reports
            .iter()
            .filter(|r| r.outcome != Outcome::Passed)
            .map(|r| (r.name.clone(), r.message.clone()))
            .collect(),
        plan,
        baseline_names,
        baseline_coverage,
        total_coverage,
        variants: results,
        wall_time: started.elapsed(),
    })
}

/// Every `--state` names a Task state of the definition (by name or path).
fn check_states(model: &Model, names: &[String]) -> anyhow::Result<()> {
    let tasks: Vec<&coverage::model::State> = model
        .states
        .iter()
        .filter(|s| s.kind == coverage::model::StateType::Task)
        .collect();
    for name in names {
        if !tasks.iter().any(|s| s.name == *name || s.id == *name) {
            let known: Vec<&str> = tasks.iter().map(|s| s.id.as_str()).collect();
            bail!(
                "--state {name:?}: the state machine has no Task state of that name (its Task states: {})",
                known.join(", ")
            );
        }
    }
    Ok(())
}

/// The base scenario (its seed replaced by `--seed`) and the text it was parsed from.
fn load_base(options: &Options) -> anyhow::Result<(Scenario, String)> {
    if !scenario::is_valid_name(&options.base) {
        bail!(
            "{:?} is not a scenario name (letters, digits, - and _)",
            options.base
        );
    }
    let path = options.scenarios_dir.join(format!("{}.yaml", options.base));
    // Loading first gives the file's own errors (file:line:col) their usual wording.
    let loaded = scenario::load_file(&path).map_err(|err| anyhow::anyhow!("{err}"))?;
    if loaded.mock_config.is_some() {
        bail!(
            "{}: explore adds state faults, and this scenario's mock_config mocks the state machine itself; explore a scenario without mock_config",
            path.display()
        );
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = reproduce::with_seed(&text, options.seed.unwrap_or(loaded.seed));
    let base =
        scenario::parse(&path, &options.base, &text).map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok((base, text))
}

/// The baseline: every scenario of the directory (the base one as explore runs it), or the
/// base alone.
fn baseline_scenarios(options: &Options, base: &Scenario) -> anyhow::Result<Vec<Scenario>> {
    if !options.baseline {
        return Ok(vec![base.clone()]);
    }
    let dir = &options.scenarios_dir;
    let names =
        scenario::list_names(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    names
        .iter()
        .map(|name| {
            if *name == base.name {
                Ok(base.clone())
            } else {
                scenario::load_named(dir, name).map_err(|err| anyhow::anyhow!("{err}"))
            }
        })
        .collect()
}

type Jobs = (
    Vec<Scenario>,
    HashMap<String, run::VariantJob>,
    Vec<(String, Variant)>,
);

/// Each planned variant as a scenario (parsed from the text its reproducer would hold).
fn variant_jobs(
    options: &Options,
    base: &Scenario,
    base_text: &str,
    plan: &Plan,
) -> anyhow::Result<Jobs> {
    let mut scenarios = Vec::new();
    let mut jobs = HashMap::new();
    let mut named = Vec::new();
    let mut taken = BTreeSet::new();
    for variant in &plan.variants {
        let mut name = variant.name(&base.name);
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{}-{n}", variant.name(&base.name));
            n += 1;
        }
        let text = reproduce::variant_text(base, base_text, variant);
        let scenario = reproduce::variant_scenario(&name, &text, &options.out_dir)
            .with_context(|| format!("the variant {name} does not parse (a bug in explore)"))?;
        jobs.insert(
            name.clone(),
            run::VariantJob {
                text,
                describe: variant.describe(),
            },
        );
        scenarios.push(scenario);
        named.push((name, variant.clone()));
    }
    Ok((scenarios, jobs, named))
}

/// A variant's result: its report, the transitions it added, its reproducer.
fn result_of(
    model: &Model,
    baseline: &BTreeSet<Transition>,
    variant: Variant,
    report: ScenarioReport,
    runner: &run::Runner,
) -> VariantResult {
    let (_, covered) = judge::covered_by(model, &report);
    let reproducer = (report.outcome == Outcome::Failed)
        .then(|| runner.out_dir.join(format!("{}.yaml", report.name)))
        .filter(|path| path.is_file());
    VariantResult {
        variant,
        command: reproducer.as_ref().map(|_| runner.command(&report.name)),
        new_transitions: covered.difference(baseline).count(),
        reproducer,
        report,
    }
}

/// States with planned variants that were cut (`--max-variants`) or did not run.
fn not_run_states(plan: &Plan, results: &[VariantResult]) -> BTreeSet<String> {
    plan.truncated
        .iter()
        .map(|v| v.state_id.clone())
        .chain(
            results
                .iter()
                .filter(|r| r.report.outcome == Outcome::Error)
                .map(|r| r.variant.state_id.clone()),
        )
        .collect()
}
