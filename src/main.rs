//! The `orderlab` command line: run scenarios (`scenario`), list them (`list`), or serve the
//! embedded emulator on its own (`emulate`). Exit codes: 0 all passed, 1 a snapshot or
//! expectation failed, 2 a scenario or usage error.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use std::io::{IsTerminal, Write};
use std::time::Instant;

use clap::{Parser, Subcommand};
use orderlab::backend::BackendKind;
use orderlab::run::RunOptions;
use orderlab::scenario::{self, Scenario};
use orderlab::suite::{self, ScenarioReport, SuiteOptions};

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
    /// List the scenarios with their descriptions.
    List {
        /// Directory holding the scenario files.
        #[arg(long, default_value_os_t = default_scenarios_dir())]
        scenarios_dir: PathBuf,
    },
    /// Serve the embedded emulator until Ctrl-C (a local endpoint for the AWS CLI or any SDK).
    Emulate {
        #[arg(long, default_value_t = 4566)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
    },
}

#[derive(clap::Args)]
struct ScenarioArgs {
    /// Scenario names (scenarios/<name>.yaml).
    #[arg(required_unless_present = "all")]
    names: Vec<String>,
    /// Run every scenario.
    #[arg(long, conflicts_with = "names")]
    all: bool,
    /// Write the new snapshot instead of comparing.
    #[arg(long)]
    accept: bool,
    /// `embedded`, `localstack` or `endpoint=<URL>`.
    #[arg(long, default_value = "embedded")]
    backend: BackendKind,
    /// Write a JUnit XML report (one test case per scenario) to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    json: bool,
    /// How many scenarios run at once (each on its own backend instance).
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Bound, in seconds, on every wait.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Run the embedded emulator on the wall clock instead of its virtual clock.
    #[arg(long)]
    real_time: bool,
    /// Directory holding the scenario files.
    #[arg(long, default_value_os_t = default_scenarios_dir())]
    scenarios_dir: PathBuf,
}

fn default_scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Exit codes.
const PASSED: u8 = 0;
const ERROR: u8 = 2;

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Scenario(args) => scenario_command(args).await,
            Command::List { scenarios_dir } => list_command(&scenarios_dir),
            Command::Emulate { port, host } => emulate_command(SocketAddr::new(host, port)).await,
        }
    });
    ExitCode::from(code)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn list_command(dir: &std::path::Path) -> u8 {
    let names = match scenario::list_names(dir) {
        Ok(names) => names,
        Err(err) => {
            eprintln!("error: cannot list {}: {err}", dir.display());
            return ERROR;
        }
    };
    let mut code = PASSED;
    for name in names {
        match scenario::load_named(dir, &name) {
            Ok(scenario) => println!("{name:<24} {}", scenario.description.trim()),
            Err(err) => {
                println!("{name:<24} (invalid: {err})");
                code = ERROR;
            }
        }
    }
    code
}

async fn scenario_command(args: ScenarioArgs) -> u8 {
    let scenarios = match load_selected(&args) {
        Ok(scenarios) => scenarios,
        Err(message) => {
            eprintln!("error: {message}");
            return ERROR;
        }
    };
    if args.backend == BackendKind::LocalStack
        && let Err(err) = orderlab::backend::localstack::check_docker()
    {
        eprintln!("error: {err:#}");
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
        },
        accept: args.accept,
        jobs,
    };
    let started = Instant::now();
    let progress = scenarios.len() > 1 && std::io::stderr().is_terminal();
    let human = !args.json;
    let reports = suite::run_all(scenarios, &options, |report, done, total| {
        if progress {
            eprint!("\r\x1b[2K");
        }
        if human {
            print!("{}", report.text);
            let _ = std::io::stdout().flush();
        }
        if progress && done < total {
            eprint!("{}", progress_bar(done, total));
        }
    })
    .await;
    let wall_time = started.elapsed();
    if args.json {
        println!("{:#}", suite::json_report(&reports, wall_time));
    } else {
        println!("{}", summary(&reports, wall_time));
    }
    if let Some(path) = &args.junit
        && let Err(err) = std::fs::write(path, orderlab::junit::render(&reports, wall_time))
    {
        eprintln!("error: cannot write {}: {err}", path.display());
        return ERROR;
    }
    suite::exit_code(&reports)
}

/// `[#####-----] 5/10 scenarios`
fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = WIDTH * done / total.max(1);
    format!(
        "[{}{}] {done}/{total} scenarios",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

fn summary(reports: &[ScenarioReport], wall_time: Duration) -> String {
    let count = |outcome| reports.iter().filter(|r| r.outcome == outcome).count();
    let mut text = format!(
        "\n{} scenario{}: {} passed, {} failed, {} errors in {:.1} s",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        count(suite::Outcome::Passed),
        count(suite::Outcome::Failed),
        count(suite::Outcome::Error),
        wall_time.as_secs_f64()
    );
    for report in reports
        .iter()
        .filter(|r| r.outcome != suite::Outcome::Passed)
    {
        let first = report.message.lines().next().unwrap_or_default();
        text.push_str(&format!(
            "\n  {} {}: {first}",
            report.outcome.label(),
            report.name
        ));
    }
    text
}

fn load_selected(args: &ScenarioArgs) -> Result<Vec<Scenario>, String> {
    let dir = &args.scenarios_dir;
    let names = if args.all {
        scenario::list_names(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?
    } else {
        args.names.clone()
    };
    if names.is_empty() {
        return Err(format!("no scenarios in {}", dir.display()));
    }
    names
        .iter()
        .map(|name| {
            if !scenario::is_valid_name(name) {
                return Err(format!(
                    "{name:?} is not a scenario name (letters, digits, - and _)"
                ));
            }
            scenario::load_named(dir, name).map_err(|err| err.to_string())
        })
        .collect()
}

async fn emulate_command(bind: SocketAddr) -> u8 {
    let config = orderlab_emulator::Config {
        bind,
        ..orderlab_emulator::Config::default()
    };
    let emulator = match orderlab_emulator::Emulator::start(config).await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("error: cannot listen on {bind}: {err}");
            return ERROR;
        }
    };
    let endpoint = emulator.endpoint();
    println!("orderlab emulator listening on {endpoint}");
    println!(
        "  export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1"
    );
    println!("  aws --endpoint-url {endpoint} dynamodb list-tables");
    println!("Ctrl-C to stop");
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {err}");
    }
    println!("stopping (reaping Lambda processes)…");
    emulator.shutdown().await;
    PASSED
}
