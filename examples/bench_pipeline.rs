//! The end-to-end workload of the benchmark (issue #14): orders per second through the whole
//! pipeline — `POST /orders` → API Gateway → `alex-create-order` → `alex-orders` → stream →
//! `alex-order-events` → EventBridge → `alex-order-processing` → the four Lambdas → SES — on
//! the embedded emulator (real clock), with the latency of each order from its `202` to its
//! execution's `stopDate`.
//!
//! ```text
//! cargo run --example bench_pipeline -- [--orders 2000] [--concurrency 32] [--warmup 64]
//! ```
//!
//! It provisions `app/` exactly as `orderlab scenario` does (`stack::provision`), with payments
//! always approved and stock for every order, runs `--warmup` orders first (Lambda processes
//! and caches warm; not counted), then submits `--orders` orders from `--concurrency` concurrent
//! clients and waits (bounded by `--timeout`) until every execution has ended. It then checks
//! every order is COMPLETED in the table with one e-mail each, and prints the figures as
//! Markdown. Loopback only; the emulator is stopped on every way out.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail, ensure};
use aws_sdk_dynamodb::types::AttributeValue;
use clap::Parser;
use orderlab::backend::{self, BackendKind, BackendOptions};
use orderlab::stack::{self, Clients, Settings, Stack};
use serde_json::json;

#[derive(Parser, Clone)]
#[command(about = "Orders per second through the whole pipeline on the embedded emulator")]
struct Args {
    /// Orders measured.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    orders: u32,
    /// Clients submitting orders at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Orders run (and waited for) before the measurement, not counted.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    warmup: u32,
    /// Bound, in seconds, on each phase (provisioning, submitting, waiting).
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// The application's `app/` [default: found upwards from the current directory].
    #[arg(long)]
    app_dir: Option<PathBuf>,
}

/// Inventory items the orders spread over; each has stock for every order.
const ITEMS: usize = 16;

/// One accepted order: its id and when its `202` arrived (seconds since the epoch).
struct Accepted {
    order_id: String,
    at: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let app_dir = match &args.app_dir {
        Some(dir) => dir.clone(),
        None => orderlab::run::default_app_dir(),
    };
    let running = backend::start(
        &BackendKind::Embedded,
        BackendOptions {
            real_time: true,
            seed: 0,
        },
    )
    .await?;
    let endpoint = running.endpoint().to_owned();
    let result = tokio::select! {
        result = bench(&args, &app_dir, &endpoint) => result,
        _ = interrupted() => Err(anyhow::anyhow!("interrupted")),
    };
    if tokio::time::timeout(orderlab::run::STOP_BOUND, running.stop())
        .await
        .is_err()
    {
        eprintln!("bench_pipeline: the emulator did not stop in time");
    }
    orderlab::cleanup::remove_all();
    print!("{}", result?);
    Ok(())
}

async fn bench(args: &Args, app_dir: &std::path::Path, endpoint: &str) -> anyhow::Result<String> {
    let timeout = Duration::from_secs(args.timeout);
    let mut settings = Settings::new(app_dir, 42);
    settings.payment_approval_rate = "1".to_owned();
    let clients = Clients::new(endpoint, &settings.region).await;
    let started = Instant::now();
    let stack = stack::provision(&clients, endpoint, &settings, timeout)
        .await
        .context("provisioning the stack")?;
    eprintln!("provisioned in {:.1} s", started.elapsed().as_secs_f64());
    let stock = u64::from(args.orders + args.warmup) * 3;
    load_inventory(&clients, &stack, stock).await?;
    let http = reqwest::Client::new();

    let warm = submit(
        &http,
        &stack,
        "warm",
        args.warmup,
        args.concurrency,
        timeout,
    )
    .await?;
    wait_ended(&clients, &stack, warm.len(), timeout).await?;
    eprintln!("{} warm-up orders done", warm.len());

    let first_post = wall_now();
    let clock = Instant::now();
    let accepted = submit(
        &http,
        &stack,
        "order",
        args.orders,
        args.concurrency,
        timeout,
    )
    .await?;
    let submitted_in = clock.elapsed().as_secs_f64();
    wait_ended(&clients, &stack, warm.len() + accepted.len(), timeout).await?;
    let waited_in = clock.elapsed().as_secs_f64();

    let stops = stop_dates(&clients, &stack).await?;
    let completed = completed_orders(&clients, &stack).await?;
    let emails = email_count(endpoint).await?;
    let arns: Vec<&str> = (accepted.iter())
        .filter_map(|order| Some(stops.get(&order.order_id)?.arn.as_str()))
        .collect();
    let states = state_times(&clients, &arns).await?;
    let phases = Phases {
        first_post,
        submitted_in,
        waited_in,
        states,
    };
    report(args, &accepted, &stops, &completed, emails, &phases)
}

/// SIGINT or SIGTERM: the run is abandoned and the emulator (with its Lambda processes)
/// stopped.
async fn interrupted() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn wall_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

async fn load_inventory(clients: &Clients, stack: &Stack, stock: u64) -> anyhow::Result<()> {
    for i in 0..ITEMS {
        clients
            .dynamodb
            .put_item()
            .table_name(&stack.inventory_table)
            .item("item_id", AttributeValue::S(format!("item-{i}")))
            .item("name", AttributeValue::S(format!("Item {i}")))
            .item("price", AttributeValue::N("12.50".to_owned()))
            .item("stock", AttributeValue::N(stock.to_string()))
            .send()
            .await
            .context("PutItem inventory")?;
    }
    Ok(())
}

/// Submits `count` orders (ids `<tag>-<n>`) from `concurrency` clients; every one must get 202.
async fn submit(
    http: &reqwest::Client,
    stack: &Stack,
    tag: &'static str,
    count: u32,
    concurrency: u32,
    timeout: Duration,
) -> anyhow::Result<Vec<Accepted>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (http, url, next) = (http.clone(), stack.orders_url.clone(), next.clone());
        workers.spawn(async move {
            let mut accepted = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count as usize {
                    return anyhow::Ok(accepted);
                }
                accepted.push(post_order(&http, &url, &format!("{tag}-{n:06}"), n).await?);
            }
        });
    }
    let all = tokio::time::timeout(timeout, workers.join_all())
        .await
        .context("submitting orders timed out")?;
    let mut accepted = Vec::new();
    for batch in all {
        accepted.extend(batch?);
    }
    Ok(accepted)
}

async fn post_order(
    http: &reqwest::Client,
    url: &str,
    order_id: &str,
    n: usize,
) -> anyhow::Result<Accepted> {
    let body = json!({
        "order_id": order_id,
        "customer": {"name": "Bench Customer", "email": format!("customer{}@example.com", n % 100)},
        "items": [{"item_id": format!("item-{}", n % ITEMS), "quantity": 1 + n % 3}],
        "payment_token": "tok_approve",
    });
    let response = http
        .post(url)
        .json(&body)
        .send()
        .await
        .context("POST /orders")?;
    let status = response.status();
    let at = wall_now();
    if status.as_u16() != 202 {
        let text = response.text().await.unwrap_or_default();
        bail!("POST /orders {order_id}: HTTP {status}: {text}");
    }
    Ok(Accepted {
        order_id: order_id.to_owned(),
        at,
    })
}

/// Polls ListExecutions every 100 ms until `expected` executions have ended.
async fn wait_ended(
    clients: &Clients,
    stack: &Stack,
    expected: usize,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let executions = list_executions(clients, stack).await?;
        let ended = executions
            .iter()
            .filter(|e| e.stop_date().is_some())
            .count();
        if ended >= expected {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("timed out: {ended} of {expected} executions ended");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn list_executions(
    clients: &Clients,
    stack: &Stack,
) -> anyhow::Result<Vec<aws_sdk_sfn::types::ExecutionListItem>> {
    let mut all = Vec::new();
    let mut token = None;
    for _ in 0..10_000 {
        let page = clients
            .sfn
            .list_executions()
            .state_machine_arn(&stack.state_machine_arn)
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .context("ListExecutions")?;
        all.extend(page.executions().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(all);
        }
    }
    bail!("ListExecutions: more than 10,000 pages")
}

/// One order's execution: status, startDate and stopDate (seconds since the epoch), ARN.
struct Run {
    status: String,
    start: f64,
    stop: f64,
    arn: String,
}

/// Order id → its execution, by DescribeExecution.
async fn stop_dates(clients: &Clients, stack: &Stack) -> anyhow::Result<HashMap<String, Run>> {
    let mut stops = HashMap::new();
    for execution in list_executions(clients, stack).await? {
        let described = clients
            .sfn
            .describe_execution()
            .execution_arn(execution.execution_arn())
            .send()
            .await
            .context("DescribeExecution")?;
        let order_id = described
            .input()
            .and_then(orderlab::run::wait::order_id_of_input)
            .context("an execution without an order_id")?;
        let stop = described
            .stop_date()
            .context("an execution without a stopDate")?;
        let run = Run {
            status: described.status().as_str().to_owned(),
            start: described.start_date().as_secs_f64(),
            stop: stop.as_secs_f64(),
            arn: execution.execution_arn().to_owned(),
        };
        stops.insert(order_id, run);
    }
    Ok(stops)
}

/// Executions whose histories are read for the per-state times.
const HISTORY_SAMPLE: usize = 100;

/// Mean milliseconds per state (entered → exited) over up to [`HISTORY_SAMPLE`] executions,
/// in the order the states were first entered.
async fn state_times(clients: &Clients, arns: &[&str]) -> anyhow::Result<Vec<(String, f64)>> {
    let mut totals: Vec<(String, f64, u32)> = Vec::new();
    for arn in arns.iter().take(HISTORY_SAMPLE) {
        let history = clients
            .sfn
            .get_execution_history()
            .execution_arn(*arn)
            .max_results(1000)
            .send()
            .await
            .context("GetExecutionHistory")?;
        let mut entered: HashMap<String, f64> = HashMap::new();
        for event in history.events() {
            let at = event.timestamp().as_secs_f64();
            if let Some(details) = event.state_entered_event_details() {
                entered.insert(details.name().to_owned(), at);
            } else if let Some(details) = event.state_exited_event_details()
                && let Some(begun) = entered.remove(details.name())
            {
                let name = details.name();
                match totals.iter_mut().find(|(n, _, _)| n == name) {
                    Some(total) => {
                        total.1 += at - begun;
                        total.2 += 1;
                    }
                    None => totals.push((name.to_owned(), at - begun, 1)),
                }
            }
        }
    }
    Ok(totals
        .into_iter()
        .map(|(name, sum, n)| (name, sum * 1000.0 / f64::from(n)))
        .collect())
}

/// The ids of the orders whose status in the table is COMPLETED.
async fn completed_orders(
    clients: &Clients,
    stack: &Stack,
) -> anyhow::Result<std::collections::HashSet<String>> {
    let mut completed = std::collections::HashSet::new();
    let mut start = None;
    for _ in 0..10_000 {
        let page = clients
            .dynamodb
            .scan()
            .table_name(&stack.orders_table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .context("Scan orders")?;
        for item in page.items() {
            let text = |key: &str| item.get(key).and_then(|v| v.as_s().ok()).cloned();
            if text("status").as_deref() == Some("COMPLETED") {
                completed.extend(text("order_id"));
            }
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(completed);
        }
    }
    bail!("Scan: more than 10,000 pages")
}

async fn email_count(endpoint: &str) -> anyhow::Result<usize> {
    let outbox: serde_json::Value = reqwest::get(format!("{endpoint}/_aws/ses"))
        .await
        .context("GET /_aws/ses")?
        .json()
        .await
        .context("GET /_aws/ses: not JSON")?;
    Ok(outbox["messages"].as_array().map_or(0, Vec::len))
}

/// When the measurement ran and what the sampled histories say.
struct Phases {
    first_post: f64,
    submitted_in: f64,
    waited_in: f64,
    states: Vec<(String, f64)>,
}

/// The figures as Markdown; an error when an order did not complete.
fn report(
    args: &Args,
    accepted: &[Accepted],
    stops: &HashMap<String, Run>,
    completed: &std::collections::HashSet<String>,
    emails: usize,
    phases: &Phases,
) -> anyhow::Result<String> {
    let (first_post, submitted_in, waited_in) =
        (phases.first_post, phases.submitted_in, phases.waited_in);
    let mut latencies = Vec::with_capacity(accepted.len());
    let (mut to_start, mut running) = (Vec::new(), Vec::new());
    let mut last_stop = first_post;
    for order in accepted {
        let run = stops
            .get(&order.order_id)
            .with_context(|| format!("order {} has no execution", order.order_id))?;
        let (status, stop) = (&run.status, &run.stop);
        ensure!(
            status == "SUCCEEDED",
            "order {}: execution {status}",
            order.order_id
        );
        ensure!(
            completed.contains(&order.order_id),
            "order {} is not COMPLETED in the table",
            order.order_id
        );
        latencies.push((stop - order.at).max(0.0) * 1000.0);
        to_start.push((run.start - order.at).max(0.0) * 1000.0);
        running.push((run.stop - run.start).max(0.0) * 1000.0);
        last_stop = last_stop.max(*stop);
    }
    let expected_emails = accepted.len() + args.warmup as usize;
    ensure!(
        emails == expected_emails,
        "{emails} e-mails, expected {expected_emails}"
    );
    for values in [&mut latencies, &mut to_start, &mut running] {
        values.sort_by(f64::total_cmp);
    }
    let span = (last_stop - first_post).max(f64::EPSILON);
    let n = accepted.len();
    let mut text = format!(
        "| end-to-end (embedded emulator, real clock) | figure |\n|---|---|\n\
         | orders (COMPLETED, one e-mail each) | {n} from {c} concurrent clients, after {w} warm-up orders |\n\
         | orders/s (first POST → last execution stopped) | {:.0} |\n\
         | POST /orders accepted per s | {:.0} |\n\
         | order latency p50 / p90 / p99 / max (202 → stopDate) | {} ms |\n\
         | of which 202 → execution started (stream, mapping, `alex-order-events`, EventBridge) p50 / p90 / p99 / max | {} ms |\n\
         | of which the execution (startDate → stopDate) p50 / p90 / p99 / max | {} ms |\n\
         | wall time: submitting / until every execution ended | {submitted_in:.2} s / {waited_in:.2} s |\n",
        n as f64 / span,
        n as f64 / submitted_in.max(f64::EPSILON),
        spread(&latencies),
        spread(&to_start),
        spread(&running),
        c = args.concurrency,
        w = args.warmup,
    );
    text.push_str(&format!(
        "\nMean time per state over {} sampled executions (entered → exited):\n\n| state | ms |\n|---|---|\n",
        n.min(HISTORY_SAMPLE)
    ));
    for (state, ms) in &phases.states {
        text.push_str(&format!("| {state} | {ms:.1} |\n"));
    }
    Ok(text)
}

/// p50 / p90 / p99 / max of sorted milliseconds.
fn spread(sorted: &[f64]) -> String {
    let [p50, p90, p99, max] = [50.0, 90.0, 99.0, 100.0].map(|p| percentile(sorted, p));
    format!("{p50:.0} / {p90:.0} / {p99:.0} / {max:.0}")
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
