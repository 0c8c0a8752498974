//! The `orderlab` command line: run scenarios (`scenario`), explore one's failure branches
//! fault by fault (`explore`: 1 when a variant breaks an invariant), list them (`list`), serve the
//! embedded emulator on its own (`emulate`), or write the Lambdas' deployment zips
//! (`lambda-zips`), or delete a `--backend aws` run's leftovers (`teardown --prefix`). Exit codes: 0 all passed, 1 a snapshot or expectation failed, 2 a
//! scenario or usage error, 130 / 143 stopped by SIGINT / SIGTERM (in-flight scenarios cancelled, every emulator shut down, within 5 s), 141 stdout closed
//! before `scenario` finished (`| head`). Nothing here panics on a closed stdout or stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use std::io::IsTerminal;
use std::time::Instant;

use clap::{Parser, Subcommand};
use orderlab::backend::BackendKind;
use orderlab::output::{error_line, is_closed_pipe, write_err, write_out};
use orderlab::run::RunOptions;
use orderlab::scenario::{self, Scenario};
use orderlab::stop::{self, Reason, Stop};
use orderlab::suite::{self, SuiteOptions};

#[derive(Parser)]
#[command(
    name = "orderlab",
    version,
    about = "Runs the alex order pipeline on a local AWS emulator and snapshot-asserts what happened"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios and compare each with its snapshot.
    Scenario(ScenarioArgs),
    /// Fault exploration: run SCENARIO once per fault its state machine's Retry and Catch
    /// clauses allow (each on a fresh emulator), check the invariants, report the coverage
    /// gained and write a reproducer scenario for every violation.
    Explore(ExploreArgs),
    /// List the scenarios with their descriptions.
    List {
        /// Directory holding the scenario files [default: `scenarios/` in the current
        /// directory or the nearest parent holding one].
        #[arg(long)]
        scenarios_dir: Option<PathBuf>,
    },
    /// Serve the embedded emulator until Ctrl-C or SIGTERM (a local endpoint for the AWS CLI
    /// or any SDK).
    Emulate(orderlab::emulate::EmulateArgs),
    /// Delete every resource under a run prefix that `--backend aws` left (a crash, a second
    /// Ctrl-C), printing each; exit 0 when nothing under it is left.
    Teardown(orderlab::backend::aws::teardown::TeardownArgs),
    /// Build the Lambda functions and write one deployment zip per function, `<binary>.zip`
    /// with the executable as `bootstrap` (for Terraform's `filename`, see the README).
    LambdaZips {
        /// Directory to write the zips into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The application's `app/` directory [default: found upwards from the current
        /// directory]; the Lambdas are built in the Cargo project holding it.
        #[arg(long)]
        app_dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ExploreArgs {
    /// The base scenario (scenarios/<name>.yaml); each variant is it plus one fault.
    scenario: String,
    /// How many variants run at once (each on its own emulator).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    jobs: u64,
    /// Where reproducer scenarios (and their snapshots) are written.
    #[arg(long, value_name = "DIR", default_value = "explore-out")]
    out: PathBuf,
    /// At most this many variants (the plan puts each error's exhausted-retries variant
    /// first, so a short plan still reaches every Catch).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    max_variants: u64,
    /// Variants not started within SECS of the start are reported as not run.
    #[arg(long, value_name = "SECS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    time_limit: u64,
    /// Replace the base scenario's seed (its order ids and payment decisions).
    #[arg(long)]
    seed: Option<u64>,
    /// Fault only this state (name or path; repeatable) [default: every Task state the base
    /// scenario enters].
    #[arg(long = "state", value_name = "STATE")]
    states: Vec<String>,
    /// Compare with the base scenario alone instead of running every scenario of the
    /// directory as the baseline.
    #[arg(long)]
    no_baseline: bool,
    /// Instead of faults: run the scenario under N scheduler seeds (`schedule_seed` 1..=N),
    /// check the invariants on each and group the distinct outcomes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    interleavings: Option<u64>,
    /// Print a machine-readable JSON result on stdout instead of the human one.
    #[arg(long)]
    json: bool,
    /// Bound, in seconds, on every wait of one run (at least 1).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Directory holding the scenario files [default: `scenarios/` found upwards].
    #[arg(long)]
    scenarios_dir: Option<PathBuf>,
    /// The application to deploy [default: `app/` found upwards].
    #[arg(long)]
    app_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ScenarioArgs {
    /// Scenario names (scenarios/<name>.yaml).
    #[arg(required_unless_present = "all")]
    names: Vec<String>,
    /// Run every scenario.
    #[arg(long, conflicts_with = "names")]
    all: bool,
    /// With `--all`: run only shard K of N (a deterministic 1/N of the sorted scenarios; shards
    /// 1..N together run each exactly once), e.g. one per CI runner.
    #[arg(long, value_name = "K/N")]
    shard: Option<orderlab::shard::Shard>,
    /// Run with this seed instead of each scenario's own (order ids, payment decisions and
    /// the order concurrent work runs in); the snapshot is then `<name>.seed-<N>.snap`.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the new snapshot instead of comparing.
    #[arg(long)]
    accept: bool,
    /// `embedded`, `localstack`, `aws` (a real account; see the README) or `endpoint=<URL>`.
    #[arg(long, default_value = "embedded")]
    backend: BackendKind,
    #[command(flatten)]
    aws: orderlab::backend::aws::AwsArgs,
    /// Write a JUnit XML report (one test case per scenario) to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    json: bool,
    /// How many scenarios run at once (each on its own backend instance).
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Bound, in seconds, on every wait (at least 1).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Run the embedded emulator on the wall clock instead of its virtual clock.
    #[arg(long)]
    real_time: bool,
    /// Directory holding the scenario files; their snapshots are in its `snapshots/`
    /// [default: `scenarios/` in the current directory or the nearest parent holding one].
    #[arg(long)]
    scenarios_dir: Option<PathBuf>,
    /// The application to deploy: tables, functions, state machine, … (its Lambda functions
    /// are built in the Cargo project holding it) [default: `app/` in the current directory
    /// or the nearest parent holding one].
    #[arg(long)]
    app_dir: Option<PathBuf>,
    /// Print the state machine's coverage (states and transitions the scenarios exercised,
    /// and those they did not) and write it as JSON.
    #[arg(long)]
    coverage: bool,
    /// Where `--coverage` writes its JSON (implies `--coverage`).
    #[arg(long, value_name = "FILE")]
    coverage_json: Option<PathBuf>,
    /// Fail (exit 1) when state or transition coverage is below PERCENT, listing what is
    /// uncovered (implies `--coverage`).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    /// Write a self-contained HTML report to DIR/index.html: the state machine coloured by
    /// coverage, each scenario's paths highlighted, timelines, tables, e-mails, diffs.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Write a GitHub-flavoured Markdown summary to FILE (results and a Mermaid diagram of
    /// the covered edges), e.g. `--summary "$GITHUB_STEP_SUMMARY"`.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

/// `0`–`100`.
fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}

/// The directory a flag named, or `name` found upwards from the current directory.
fn user_dir(flag_value: Option<&PathBuf>, name: &str, flag: &str) -> Result<PathBuf, String> {
    match flag_value {
        Some(dir) => Ok(dir.clone()),
        None => orderlab::paths::discover(name, flag),
    }
}

/// Exit codes.
const PASSED: u8 = 0;
const FAILED: u8 = 1;
const ERROR: u8 = 2;

/// After a signal, how long the command gets to stop cleanly (cancel, stop every backend
/// within [`STOP_BOUND`]) before the process exits anyway.
const GRACE: Duration = Duration::from_millis(4000);
/// [`GRACE`] for `scenario --backend aws`: its teardown (a second signal still exits at once).
const AWS_GRACE: Duration = orderlab::backend::aws::TEARDOWN_BOUND;
/// How long the runtime waits for tasks still running when it is dropped (a blocking
/// `cargo build` is killed by the cleanup instead).
const RUNTIME_GRACE: Duration = Duration::from_millis(250);

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            error_line(&format!("error: cannot start the async runtime: {err}"));
            return ExitCode::from(ERROR);
        }
    };
    let code = runtime.block_on(run(cli.command));
    runtime.shutdown_timeout(RUNTIME_GRACE);
    orderlab::cleanup::remove_all();
    ExitCode::from(code)
}

/// Runs `command` under a [`Stop`] that SIGINT and SIGTERM trip; once tripped, the command
/// has [`GRACE`] to wind down and the exit code is the reason's.
async fn run(command: Command) -> u8 {
    let stop = Stop::new();
    if let Err(err) = stop::listen_for_signals(&stop) {
        error_line(&format!("error: cannot handle SIGINT/SIGTERM: {err}"));
        return ERROR;
    }
    // The aws backend's teardown needs longer than an emulator's shutdown.
    let grace = match &command {
        Command::Scenario(args) if matches!(args.backend, BackendKind::Aws(_)) => AWS_GRACE,
        _ => GRACE,
    };
    let work = dispatch(command, stop.clone());
    tokio::pin!(work);
    let reason = tokio::select! {
        code = &mut work => return stop.reason().map_or(code, Reason::exit_code),
        reason = stop.requested() => reason,
    };
    if tokio::time::timeout(grace, &mut work).await.is_err() {
        error_line(&format!(
            "orderlab: still stopping after {} s: exiting anyway",
            grace.as_secs_f64()
        ));
    }
    reason.exit_code()
}

async fn dispatch(command: Command, stop: Stop) -> u8 {
    match command {
        Command::Scenario(args) => scenario_command(args, stop).await,
        Command::Explore(args) => explore_command(args, stop).await,
        Command::List { scenarios_dir } => {
            match user_dir(
                scenarios_dir.as_ref(),
                orderlab::paths::SCENARIOS,
                "--scenarios-dir",
            ) {
                Ok(dir) => list_command(&dir),
                Err(message) => {
                    error_line(&format!("error: {message}"));
                    ERROR
                }
            }
        }
        Command::Emulate(args) => orderlab::emulate::run(args, stop).await,
        Command::LambdaZips { out, app_dir } => lambda_zips_command(&out, app_dir.as_ref()),
        Command::Teardown(args) => orderlab::backend::aws::teardown::command(args).await,
    }
}

fn lambda_zips_command(out: &std::path::Path, app_dir: Option<&PathBuf>) -> u8 {
    let app_dir = match user_dir(app_dir, orderlab::paths::APP, "--app-dir") {
        Ok(dir) => dir,
        Err(message) => {
            error_line(&format!("error: {message}"));
            return ERROR;
        }
    };
    match orderlab::stack::artifacts::write_zips(&app_dir, out) {
        Ok(written) => {
            let lines: String = written
                .iter()
                .map(|path| format!("{}\n", path.display()))
                .collect();
            match write_out(&lines) {
                Ok(()) => PASSED,
                Err(err) if is_closed_pipe(&err) => PASSED,
                Err(_) => ERROR,
            }
        }
        Err(err) => {
            error_line(&format!("error: {err:#}"));
            ERROR
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// stdout for a command that goes on after its reader has gone: the first failed write
/// trips `stop` (quietly for a closed pipe) and later writes are skipped.
struct Stdout {
    stop: Stop,
    open: bool,
}

impl Stdout {
    fn new(stop: &Stop) -> Stdout {
        Stdout {
            stop: stop.clone(),
            open: true,
        }
    }

    fn write(&mut self, text: &str) {
        if !self.open {
            return;
        }
        if let Err(err) = write_out(text) {
            self.open = false;
            if is_closed_pipe(&err) {
                self.stop.request(Reason::OutputClosed);
            } else {
                error_line(&format!("error: cannot write to stdout: {err}"));
                self.stop.request(Reason::OutputFailed);
            }
        }
    }
}

fn list_command(dir: &std::path::Path) -> u8 {
    let names = match scenario::list_names(dir) {
        Ok(names) => names,
        Err(err) => {
            error_line(&format!("error: cannot list {}: {err}", dir.display()));
            return ERROR;
        }
    };
    let mut code = PASSED;
    for name in names {
        let line = match scenario::load_named(dir, &name) {
            Ok(scenario) => format!("{name:<24} {}\n", scenario.description.trim()),
            Err(err) => {
                code = ERROR;
                format!("{name:<24} (invalid: {err})\n")
            }
        };
        if let Err(err) = write_out(&line) {
            // The reader has gone (`| head`): stop quietly, as ripgrep does.
            if is_closed_pipe(&err) {
                return code;
            }
            error_line(&format!("error: cannot write to stdout: {err}"));
            return ERROR;
        }
    }
    code
}

async fn scenario_command(mut args: ScenarioArgs, stop: Stop) -> u8 {
    if let Err(message) = args.aws.apply(&mut args.backend) {
        error_line(&format!("error: {message}"));
        return ERROR;
    }
    let prepared = match prepare(&args) {
        Ok(prepared) => prepared,
        Err(message) => {
            error_line(&format!("error: {message}"));
            return ERROR;
        }
    };
    if args.backend == BackendKind::LocalStack
        && let Err(err) = orderlab::backend::localstack::check_docker()
    {
        error_line(&format!("error: {err:#}"));
        return ERROR;
    }
    let jobs = match args.backend {
        BackendKind::Embedded => args.jobs,
        // One shared endpoint: scenarios would see each other's tables and executions.
        _ => 1,
    };
    let options = SuiteOptions {
        run: RunOptions {
            backend: args.backend.clone(),
            timeout: Duration::from_secs(args.timeout),
            real_time: args.real_time,
            app_dir: prepared.app_dir,
            stop: stop.clone(),
        },
        accept: args.accept,
        jobs,
        snapshots_dir: orderlab::paths::snapshots_dir(&prepared.scenarios_dir),
    };
    let started = Instant::now();
    let progress = prepared.scenarios.len() > 1 && std::io::stderr().is_terminal();
    let human = !args.json;
    let mut stdout = Stdout::new(&stop);
    let reports = suite::run_all(prepared.scenarios, &options, |report, done, total| {
        if progress {
            write_err("\r\x1b[2K");
        }
        if human {
            stdout.write(&report.text);
        }
        if progress && done < total {
            write_err(&progress_bar(done, total));
        }
    })
    .await;
    let wall_time = started.elapsed();
    let mut code = suite::exit_code(&reports);
    if let Some(path) = &args.junit
        && let Err(err) = std::fs::write(path, orderlab::junit::render(&reports, wall_time))
    {
        error_line(&format!("error: cannot write {}: {err}", path.display()));
        code = ERROR;
    }
    let coverage = prepared
        .model
        .as_ref()
        .map(|model| orderlab::coverage::of_reports(model, &reports));
    if args.json {
        let mut report = suite::json_report(&reports, wall_time);
        if let Some(coverage) = &coverage {
            report["coverage"] = orderlab::coverage::figures_json(coverage);
        }
        stdout.write(&format!("{report:#}\n"));
    } else {
        stdout.write(&format!("{}\n", suite::summary(&reports, wall_time)));
    }
    if let (Some(model), Some(coverage)) = (&prepared.model, &coverage) {
        code = code.max(write_pictures(
            &args,
            model,
            coverage,
            &reports,
            &mut stdout,
        ));
        if prepared.coverage_asked {
            code = code.max(finish_coverage(&args, coverage, &mut stdout));
        }
    }
    code
}

/// `--report` and `--summary`: the exit code this adds (2 when a file cannot be written).
fn write_pictures(
    args: &ScenarioArgs,
    model: &orderlab::coverage::Model,
    coverage: &orderlab::coverage::Coverage,
    reports: &[suite::ScenarioReport],
    stdout: &mut Stdout,
) -> u8 {
    let mut code = PASSED;
    if let Some(dir) = &args.report {
        let clock = match (&args.backend, args.real_time) {
            (BackendKind::Embedded, false) => "virtual",
            _ => "wall",
        };
        let context = orderlab::pictures::Context {
            model,
            coverage,
            clock,
        };
        match orderlab::pictures::write_report(dir, context, reports) {
            Ok(path) if !args.json => {
                stdout.write(&format!("report written to {}\n", path.display()))
            }
            Ok(_) => {}
            Err(err) => {
                error_line(&format!("error: --report: {err:#}"));
                code = ERROR;
            }
        }
    }
    if let Some(file) = &args.summary
        && let Err(err) = orderlab::pictures::write_summary(file, model, coverage, reports)
    {
        error_line(&format!("error: --summary: {err:#}"));
        code = ERROR;
    }
    code
}

/// What `scenario` needs before it runs: the scenarios, the application's directory, and
/// with `--coverage`, `--report` or `--summary` the model of its state machine.
struct Prepared {
    scenarios: Vec<Scenario>,
    scenarios_dir: PathBuf,
    app_dir: PathBuf,
    model: Option<orderlab::coverage::Model>,
    /// `--coverage`, `--coverage-json` or `--min-coverage` was given.
    coverage_asked: bool,
}

fn prepare(args: &ScenarioArgs) -> Result<Prepared, String> {
    use orderlab::paths::{APP, SCENARIOS};
    let scenarios_dir = user_dir(args.scenarios_dir.as_ref(), SCENARIOS, "--scenarios-dir")?;
    let app_dir = user_dir(args.app_dir.as_ref(), APP, "--app-dir")?;
    let scenarios = load_selected(args, &scenarios_dir)?;
    let coverage_asked =
        args.coverage || args.coverage_json.is_some() || args.min_coverage.is_some();
    let pictures = args.report.is_some() || args.summary.is_some();
    let model = (coverage_asked || pictures)
        .then(|| orderlab::coverage::load_model(&app_dir))
        .transpose()
        .map_err(|err| format!("coverage: {err:#}"))?;
    Ok(Prepared {
        scenarios,
        scenarios_dir,
        app_dir,
        model,
        coverage_asked,
    })
}

/// Prints the coverage summary (human mode), writes its JSON, and checks `--min-coverage`:
/// the exit code this adds (1 below the bar, 2 when the JSON cannot be written).
fn finish_coverage(
    args: &ScenarioArgs,
    coverage: &orderlab::coverage::Coverage,
    stdout: &mut Stdout,
) -> u8 {
    let path = args
        .coverage_json
        .clone()
        .unwrap_or_else(|| PathBuf::from("coverage.json"));
    let mut code = PASSED;
    let text = format!("{:#}\n", coverage.to_json());
    if !args.json {
        stdout.write(&format!("\n{}", coverage.summary()));
    }
    match std::fs::write(&path, text) {
        Ok(()) if !args.json => stdout.write(&format!("  written to {}\n", path.display())),
        Ok(()) => {}
        Err(err) => {
            error_line(&format!("error: cannot write {}: {err}", path.display()));
            code = ERROR;
        }
    }
    if let Some(min) = args.min_coverage
        && let Some(shortfall) = coverage.shortfall(min)
    {
        error_line(&format!("error: {shortfall}"));
        code = code.max(FAILED);
    }
    code
}

/// `[#####-----] 5/10 scenarios`
fn progress_bar(done: usize, total: usize) -> String {
    labelled_bar(done, total, "scenarios")
}

/// `[#####-----] 5/10 <label>`
fn labelled_bar(done: usize, total: usize, label: &str) -> String {
    const WIDTH: usize = 30;
    let filled = (WIDTH * done / total.max(1)).min(WIDTH);
    format!(
        "[{}{}] {done}/{total} {label}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

async fn explore_command(args: ExploreArgs, stop: Stop) -> u8 {
    use orderlab::paths::{APP, SCENARIOS};
    let dirs =
        user_dir(args.scenarios_dir.as_ref(), SCENARIOS, "--scenarios-dir").and_then(|scenarios| {
            Ok((
                scenarios,
                user_dir(args.app_dir.as_ref(), APP, "--app-dir")?,
            ))
        });
    let (scenarios_dir, app_dir) = match dirs {
        Ok(dirs) => dirs,
        Err(message) => {
            error_line(&format!("error: {message}"));
            return ERROR;
        }
    };
    let options = orderlab::explore::Options {
        base: args.scenario.clone(),
        scenarios_dir,
        app_dir,
        out_dir: args.out.clone(),
        jobs: usize::try_from(args.jobs).unwrap_or(1),
        max_variants: usize::try_from(args.max_variants).unwrap_or(usize::MAX),
        time_limit: Duration::from_secs(args.time_limit),
        timeout: Duration::from_secs(args.timeout),
        seed: args.seed,
        states: args.states.clone(),
        baseline: !args.no_baseline,
        stop: stop.clone(),
    };
    let progress = std::io::stderr().is_terminal();
    let human = !args.json;
    let mut stdout = Stdout::new(&stop);
    let mut on_progress = |phase: &str, line: Option<String>, done: usize, total: usize| {
        if progress {
            write_err("\r\x1b[2K");
        }
        if let (true, Some(line)) = (human, line) {
            stdout.write(&line);
        }
        if progress && done < total {
            write_err(&labelled_bar(done, total, phase));
        }
    };
    if let Some(count) = args.interleavings {
        let result =
            orderlab::explore::interleave::explore(&options, count, &mut on_progress).await;
        return match result {
            Ok(found) => {
                if args.json {
                    let document = orderlab::explore::interleave::json(&found);
                    stdout.write(&format!("{document:#}\n"));
                } else {
                    stdout.write(&orderlab::explore::interleave::summary(&found));
                }
                found.exit_code()
            }
            Err(err) => {
                error_line(&format!("error: {err:#}"));
                ERROR
            }
        };
    }
    let result = orderlab::explore::explore(&options, &mut on_progress).await;
    match result {
        Ok(exploration) => {
            if args.json {
                let document = orderlab::explore::report::json(&exploration);
                stdout.write(&format!("{document:#}\n"));
            } else {
                stdout.write(&orderlab::explore::report::summary(&exploration));
            }
            exploration.exit_code()
        }
        Err(err) => {
            error_line(&format!("error: {err:#}"));
            ERROR
        }
    }
}

fn load_selected(args: &ScenarioArgs, dir: &std::path::Path) -> Result<Vec<Scenario>, String> {
    let names = if args.all {
        scenario::list_names(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?
    } else {
        args.names.clone()
    };
    if names.is_empty() {
        return Err(format!("no scenarios in {}", dir.display()));
    }
    let names = match args.shard {
        Some(shard) if args.all => shard.select(names),
        Some(_) => return Err("--shard K/N needs --all".to_owned()),
        None => names,
    };
    names
        .iter()
        .map(|name| {
            if !scenario::is_valid_name(name) {
                return Err(format!(
                    "{name:?} is not a scenario name (letters, digits, - and _)"
                ));
            }
            match args.seed {
                Some(seed) => scenario::load_reseeded(dir, name, seed),
                None => scenario::load_named(dir, name),
            }
            .map_err(|err| err.to_string())
        })
        .collect()
}
