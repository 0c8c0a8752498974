//! Running one scenario end to end: start the backend → provision → load inventory → submit
//! orders → wait for the executions → collect. The backend is stopped whatever happens —
//! also when the run is stopped early ([`RunOptions::stop`]: a signal), and always within
//! [`STOP_BOUND`].

pub mod collect;
pub mod faults;
pub mod inject;
pub mod pages;
pub mod wait;

use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::backend::{self, BackendKind, BackendOptions};
use crate::scenario::Scenario;
use crate::stack::{self, Clients, Settings, Stack};
use crate::stop::Stop;
pub use collect::{Collected, Email, ExecutionRecord, Moment, OrderOutcome};
pub use inject::Submission;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub backend: BackendKind,
    /// Bounds every wait (resources becoming ready, executions ending).
    pub timeout: Duration,
    pub real_time: bool,
    /// The application to deploy (`app/`), found at run time.
    pub app_dir: std::path::PathBuf,
    /// Tripped to abandon the run: whatever is in flight is dropped and the backend stopped.
    pub stop: Stop,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            backend: BackendKind::Embedded,
            timeout: Duration::from_secs(30),
            real_time: false,
            app_dir: default_app_dir(),
            stop: Stop::new(),
        }
    }
}

/// `app/` in the current directory or the nearest parent holding one (`app` when there is
/// none: provisioning then says it cannot read it).
pub fn default_app_dir() -> std::path::PathBuf {
    crate::paths::discover(crate::paths::APP, "--app-dir")
        .unwrap_or_else(|_| std::path::PathBuf::from(crate::paths::APP))
}

/// How long stopping a backend may take before the harness gives up on it (the embedded
/// emulator bounds its own shutdown below this; the whole process must be gone within 5 s of
/// a signal).
pub const STOP_BOUND: Duration = Duration::from_millis(3500);

/// Wall time of each phase, in order.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn record(&mut self, phase: &'static str, started: Instant) {
        self.phases.push((phase, started.elapsed()));
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub stack: Stack,
    pub collected: Collected,
    pub timings: Timings,
}

/// Runs `scenario` on a freshly started backend and stops the backend afterwards.
pub async fn run_scenario(scenario: &Scenario, options: &RunOptions) -> anyhow::Result<RunResult> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let backend_options = BackendOptions {
        real_time: options.real_time,
        seed: scenario.schedule_seed,
    };
    let running = tokio::select! {
        biased;
        reason = options.stop.requested() => anyhow::bail!("stopped: {reason}"),
        begun = backend::start(&options.backend, backend_options) => begun
            .with_context(|| format!("starting the {} backend", options.backend))?,
    };
    timings.record("start", started);
    let endpoint = running.endpoint().to_owned();
    let target = running.target(
        Settings::new(&options.app_dir, scenario.seed),
        options.timeout,
    );
    let result = tokio::select! {
        biased;
        reason = options.stop.requested() => Err(anyhow::anyhow!("stopped: {reason}")),
        result = run_on(&endpoint, target, scenario, options, &mut timings) => result,
    };
    stop_backend(running, &options.backend).await;
    result.map(|(stack, collected)| RunResult {
        stack,
        collected,
        timings,
    })
}

/// Stops `running`, giving up after its bound ([`STOP_BOUND`] but for the aws backend's
/// teardown).
async fn stop_backend(running: Box<dyn backend::Running>, kind: &BackendKind) {
    let bound = running.stop_bound();
    if tokio::time::timeout(bound, running.stop()).await.is_err() {
        tracing::warn!(backend = %kind, ?bound, "the backend did not stop in time");
    }
}

async fn run_on(
    endpoint: &str,
    target: backend::TargetFuture,
    scenario: &Scenario,
    options: &RunOptions,
    timings: &mut Timings,
) -> anyhow::Result<(Stack, Collected)> {
    let started = Instant::now();
    let (clients, settings) = target.await.context("preparing the account")?;
    let stack = stack::provision(&clients, endpoint, &settings, options.timeout)
        .await
        .context("provisioning the stack")?;
    timings.record("provision", started);
    after_provision_hook();

    let started = Instant::now();
    let (submissions, raw_responses, tables_before) = pages::within(
        options.timeout,
        "inject",
        inject_all(&clients, endpoint, &stack, scenario, options),
    )
    .await?;
    timings.record("inject", started);

    let started = Instant::now();
    let accepted: Vec<String> = submissions
        .iter()
        .filter(|s| s.accepted())
        .map(|s| s.order_id.clone())
        .collect();
    // The wait polls until `timeout` and then names the stuck orders; the outer bound only
    // catches a request the backend never answers.
    let executions = pages::within(
        options.timeout.saturating_add(WAIT_SLACK),
        "wait",
        wait::wait_for_executions(&clients, &stack, &accepted, options.timeout),
    )
    .await?;
    timings.record("wait", started);

    let started = Instant::now();
    let mut collected = pages::within(
        options.timeout,
        "collect",
        collect::collect(&clients, endpoint, &stack, &submissions, &executions),
    )
    .await?;
    collected.raw_requests = raw_responses;
    collected.tables_before = tables_before;
    timings.record("collect", started);
    Ok((stack, collected))
}

/// A test aid (`tests/aws_backend.rs`): `ORDERLAB_TEST_AFTER_PROVISION=abort` ends the
/// process at once after provisioning, as a crash would (no destructor, nothing torn down;
/// exit code 134 without a core dump); `=interrupt` sends it SIGINT, as a Ctrl-C would.
fn after_provision_hook() {
    match std::env::var("ORDERLAB_TEST_AFTER_PROVISION").as_deref() {
        // SAFETY: _exit(2) ends the process; nothing after it runs.
        Ok("abort") => unsafe { libc::_exit(134) },
        Ok("interrupt") => {
            // SAFETY: raise(3) only sends the process a signal; the handler is tokio's.
            unsafe {
                libc::raise(libc::SIGINT);
            }
        }
        _ => {}
    }
}

/// How much longer than `--timeout` the wait phase may take in all (its last poll).
const WAIT_SLACK: Duration = Duration::from_secs(10);

/// Faults, inventory, orders and raw requests: what was submitted (raw requests the API
/// accepted included), the raw answers, and both tables as they were before any order.
async fn inject_all(
    clients: &Clients,
    endpoint: &str,
    stack: &Stack,
    scenario: &Scenario,
    options: &RunOptions,
) -> anyhow::Result<(
    Vec<Submission>,
    Vec<inject::RawResponse>,
    std::collections::BTreeMap<String, Vec<serde_json::Value>>,
)> {
    if faults::has_faults(scenario) {
        if !matches!(
            options.backend,
            BackendKind::Embedded | BackendKind::Endpoint(_)
        ) {
            anyhow::bail!(
                "fault injection is not supported on the {} backend; run the scenario on the embedded backend",
                options.backend
            );
        }
        let document = faults::document(scenario, stack.state_machine_name())?;
        faults::inject(endpoint, &document).await?;
    }
    inject::load_inventory(clients, stack, scenario).await?;
    let before = collect::scan_tables(clients, stack).await?;
    // On the embedded emulator's virtual clock the run is a function of the seed: the
    // scheduler is held while the orders go in one after the other, so everything they
    // start begins from the same state.
    let deterministic = options.backend == BackendKind::Embedded && !options.real_time;
    if deterministic {
        inject::hold_scheduler(endpoint, true).await?;
    }
    let submitted = async {
        let submissions = inject::submit_orders(clients, stack, scenario, deterministic).await?;
        let raw_responses = inject::send_raw_requests(stack, scenario).await?;
        anyhow::Ok((submissions, raw_responses))
    }
    .await;
    if deterministic {
        inject::hold_scheduler(endpoint, false).await?;
    }
    let (mut submissions, raw_responses) = submitted?;
    submissions.extend(
        raw_responses
            .iter()
            .filter_map(inject::RawResponse::accepted),
    );
    Ok((submissions, raw_responses, before))
}

/// The final status of an order (from its item in the orders table).
pub fn final_status(result: &RunResult, order_id: &str) -> Option<String> {
    let item = result
        .collected
        .order_item(&result.stack.orders_table, order_id)?;
    item.get("status")?.as_str().map(str::to_owned)
}

/// The scenario's `expect` block checked against the run; one message per mismatch.
pub fn check_expectations(scenario: &Scenario, result: &RunResult) -> Vec<String> {
    let Some(expected) = &scenario.expected_statuses else {
        return Vec::new();
    };
    let mut actual = std::collections::BTreeMap::<String, usize>::new();
    let mut seen = std::collections::HashSet::new();
    for outcome in &result.collected.orders {
        let id = &outcome.submission.order_id;
        if seen.insert(id.clone())
            && let Some(status) = final_status(result, id)
        {
            *actual.entry(status).or_default() += 1;
        }
    }
    expected
        .iter()
        .filter_map(|(status, want)| {
            let got = actual.get(status).copied().unwrap_or(0);
            (got != *want).then(|| format!("expected {want} order(s) {status}, got {got}"))
        })
        .collect()
}
