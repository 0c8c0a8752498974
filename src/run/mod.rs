//! Running one scenario end to end: start the backend → provision → load inventory → submit
//! orders → wait for the executions → collect. The backend is stopped whatever happens.

pub mod collect;
pub mod faults;
pub mod inject;
pub mod wait;

use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::backend::{self, BackendKind, BackendOptions};
use crate::scenario::Scenario;
use crate::stack::{self, Clients, Settings, Stack};
pub use collect::{Collected, Email, ExecutionRecord, OrderOutcome};
pub use inject::Submission;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub backend: BackendKind,
    /// Bounds every wait (resources becoming ready, executions ending).
    pub timeout: Duration,
    pub real_time: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            backend: BackendKind::Embedded,
            timeout: Duration::from_secs(30),
            real_time: false,
        }
    }
}

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
    };
    let running = backend::start(&options.backend, backend_options)
        .await
        .with_context(|| format!("starting the {} backend", options.backend))?;
    timings.record("start", started);
    let endpoint = running.endpoint().to_owned();
    let result = run_on(&endpoint, scenario, options, &mut timings).await;
    running.stop().await;
    result.map(|(stack, collected)| RunResult {
        stack,
        collected,
        timings,
    })
}

async fn run_on(
    endpoint: &str,
    scenario: &Scenario,
    options: &RunOptions,
    timings: &mut Timings,
) -> anyhow::Result<(Stack, Collected)> {
    let settings = Settings::new(scenario.seed);
    let clients = Clients::new(endpoint, &settings.region).await;

    let started = Instant::now();
    let stack = stack::provision(&clients, endpoint, &settings, options.timeout)
        .await
        .context("provisioning the stack")?;
    timings.record("provision", started);

    let started = Instant::now();
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
    inject::load_inventory(&clients, &stack, scenario).await?;
    let mut submissions = inject::submit_orders(&clients, &stack, scenario).await?;
    let raw_responses = inject::send_raw_requests(&stack, scenario).await?;
    submissions.extend(
        raw_responses
            .iter()
            .filter_map(inject::RawResponse::accepted),
    );
    timings.record("inject", started);

    let started = Instant::now();
    let accepted: Vec<String> = submissions
        .iter()
        .filter(|s| s.accepted())
        .map(|s| s.order_id.clone())
        .collect();
    let executions =
        wait::wait_for_executions(&clients, &stack, &accepted, options.timeout).await?;
    timings.record("wait", started);

    let started = Instant::now();
    let mut collected =
        collect::collect(&clients, endpoint, &stack, &submissions, &executions).await?;
    collected.raw_requests = raw_responses;
    timings.record("collect", started);
    Ok((stack, collected))
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
