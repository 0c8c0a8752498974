//! Issue #14's isolation figure: GetItem on one table while another table is busy — a loop of
//! full Scans (1 MB pages, answered in full or filtered down to nothing, so the second keeps
//! the table locked as long without 1 MB answers to serialize and parse) or of writes carrying
//! a ~4 KB ConditionExpression. A benchmark, not
//! a test: it prints a Markdown table for `docs/performance.md` (GetItem latency p50 / p99 /
//! max on table `iso-b`, quiet and under each load) and exits 1 if any answer was not HTTP 200.
//!
//! ```sh
//! cargo build -p orderlab-emulator --example bench_isolation
//! $CARGO_TARGET_DIR/debug/examples/bench_isolation [--items 4000] [--probes 2000] [--loaders 2]
//! cargo build --release -p orderlab-emulator --example bench_isolation   # the release figure
//! ```
//!
//! The emulator runs in-process on its own two-worker runtime (port 0, loopback); the loaders
//! share a second runtime, and read of each Scan page only its `LastEvaluatedKey` (as a client
//! in another process, their parsing is not the emulator's work). The probe sends one GetItem
//! at a time from a thread and runtime of its own.
#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TABLE_A: &str = "iso-a";
const TABLE_B: &str = "iso-b";

struct Options {
    items: usize,
    probes: usize,
    loaders: usize,
}

fn options() -> Options {
    let mut options = Options {
        items: 4000,
        probes: 2000,
        loaders: 2,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--items", Some(n)) => options.items = n,
            ("--probes", Some(n)) => options.probes = n,
            ("--loaders", Some(n)) => options.loaders = n,
            _ => {
                eprintln!("usage: bench_isolation [--items N] [--probes N] [--loaders N]");
                std::process::exit(2);
            }
        }
    }
    options
}

fn main() -> std::process::ExitCode {
    let options = options();
    let (endpoint, _server) = start_in_process();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("driver runtime");
    runtime.block_on(run(endpoint, options))
}

/// An emulator on its own runtime and thread; dropped with the process.
fn start_in_process() -> (String, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("emulator runtime");
        runtime.block_on(async move {
            let emulator = orderlab_emulator::Emulator::start(orderlab_emulator::Config {
                clock: orderlab_emulator::ClockMode::Virtual,
                ..Default::default()
            })
            .await
            .expect("emulator starts");
            tx.send(emulator.endpoint()).expect("endpoint sent");
            std::future::pending::<()>().await;
        });
    });
    (rx.recv().expect("emulator endpoint"), server)
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    endpoint: String,
    failures: Arc<AtomicUsize>,
}

impl Client {
    /// One DynamoDB call; a non-200 answer is counted and its body printed once.
    async fn call(&self, operation: &str, body: &Value) -> Value {
        let text = self.call_text(operation, body).await;
        serde_json::from_slice(&text).unwrap_or(Value::Null)
    }

    /// One Scan page's `LastEvaluatedKey` (its items are skipped, not built).
    async fn scan_page(&self, request: &Value) -> Option<Value> {
        #[derive(serde::Deserialize)]
        struct Page {
            #[serde(rename = "LastEvaluatedKey")]
            last_evaluated_key: Option<Value>,
        }
        let text = self.call_text("Scan", request).await;
        let page: Option<Page> = serde_json::from_slice(&text).ok();
        page.and_then(|p| p.last_evaluated_key)
    }

    /// One DynamoDB call's answer text; a non-200 answer is counted and printed once.
    async fn call_text(&self, operation: &str, body: &Value) -> bytes::Bytes {
        let sent = self
            .http
            .post(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await;
        let (status, answer) = match sent {
            Ok(response) => (
                response.status().as_u16(),
                response.bytes().await.unwrap_or_default(),
            ),
            Err(error) => (0, bytes::Bytes::from(error.to_string())),
        };
        if status != 200 && self.failures.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "{operation}: HTTP {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        answer
    }
}

async fn setup(client: &Client, items: usize) {
    for name in [TABLE_A, TABLE_B] {
        let table = json!({
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        });
        client.call("CreateTable", &table).await;
    }
    let payload = "x".repeat(1000);
    let keys: Vec<usize> = (0..items).collect();
    for chunk in keys.chunks(25) {
        let puts: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"PutRequest": {"Item": {"pk": {"S": format!("a-{i:06}")}, "data": {"S": payload}}}}))
            .collect();
        let batch = json!({"RequestItems": {TABLE_A: puts}});
        client.call("BatchWriteItem", &batch).await;
    }
    let item = json!({"TableName": TABLE_B, "Item": {"pk": {"S": "b-1"}, "data": {"S": "probe"}}});
    client.call("PutItem", &item).await;
}

/// The load on table A.
#[derive(Clone, Copy, PartialEq)]
enum Load {
    Quiet,
    Scan,
    FilteredScan,
    LongWrite,
}

impl Load {
    fn label(self) -> &'static str {
        match self {
            Load::Quiet => "quiet (nothing on iso-a)",
            Load::Scan => "full Scans of iso-a (1 MB pages) in a loop",
            Load::FilteredScan => {
                "full Scans of iso-a, a FilterExpression matching nothing (1 MB read per page)"
            }
            Load::LongWrite => "UpdateItem on iso-a with a ~4 KB ConditionExpression, in a loop",
        }
    }
}

/// A ConditionExpression of just under 4 KB: long attribute names that no item has.
fn long_condition() -> String {
    let mut clauses = Vec::new();
    let mut length = 0;
    for i in 0.. {
        let clause = format!("attribute_not_exists(missing_{i:03}_{})", "q".repeat(220));
        if length + clause.len() + 4 > 4000 {
            break;
        }
        length += clause.len() + 4;
        clauses.push(clause);
    }
    clauses.join(" OR ")
}

/// One loader: repeats its load on table A until `stop`; returns how many it completed.
async fn load(client: Client, load: Load, stop: Arc<AtomicBool>, seed: usize) -> usize {
    let condition = long_condition();
    let mut done = 0;
    while !stop.load(Ordering::SeqCst) {
        match load {
            Load::Quiet => return 0,
            Load::Scan | Load::FilteredScan => {
                let mut request = json!({"TableName": TABLE_A});
                if load == Load::FilteredScan {
                    request["FilterExpression"] = json!("#d = :never");
                    request["ExpressionAttributeNames"] = json!({"#d": "data"});
                    request["ExpressionAttributeValues"] = json!({":never": {"S": "never"}});
                }
                loop {
                    match client.scan_page(&request).await {
                        Some(key) if !stop.load(Ordering::SeqCst) => {
                            request["ExclusiveStartKey"] = key
                        }
                        _ => break,
                    }
                }
            }
            Load::LongWrite => {
                let update = json!({
                    "TableName": TABLE_A,
                    "Key": {"pk": {"S": format!("w-{seed}")}},
                    "UpdateExpression": "ADD n :one",
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": {":one": {"N": "1"}}
                });
                client.call("UpdateItem", &update).await;
            }
        }
        done += 1;
    }
    done
}

struct Row {
    load: Load,
    latencies: Vec<Duration>,
    completed: usize,
}

async fn measure(client: &Client, kind: Load, options: &Options) -> Row {
    let stop = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = (0..options.loaders)
        .map(|seed| tokio::spawn(load(client.clone(), kind, stop.clone(), seed)))
        .collect();
    // Let the loaders get going before the first probe.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let probe = Client {
        http: reqwest::Client::new(),
        ..client.clone()
    };
    let probes = options.probes;
    let prober = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("probe runtime");
        runtime.block_on(probe_get_item(&probe, probes))
    });
    let mut latencies = match tokio::task::spawn_blocking(move || prober.join()).await {
        Ok(Ok(latencies)) => latencies,
        _ => {
            client.failures.fetch_add(1, Ordering::SeqCst);
            Vec::new()
        }
    };
    stop.store(true, Ordering::SeqCst);
    let mut completed = 0;
    for loader in loaders {
        completed += loader.await.unwrap_or(0);
    }
    latencies.sort();
    Row {
        load: kind,
        latencies,
        completed,
    }
}

/// `probes` GetItems of `b-1`, one at a time; their latencies (a wrong answer is a failure).
async fn probe_get_item(client: &Client, probes: usize) -> Vec<Duration> {
    let get = json!({"TableName": TABLE_B, "Key": {"pk": {"S": "b-1"}}});
    let mut latencies = Vec::with_capacity(probes);
    for _ in 0..probes {
        let started = Instant::now();
        let answer = client.call("GetItem", &get).await;
        latencies.push(started.elapsed());
        if answer["Item"]["data"]["S"] != "probe" {
            client.failures.fetch_add(1, Ordering::SeqCst);
        }
    }
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

async fn run(endpoint: String, options: Options) -> std::process::ExitCode {
    let client = Client {
        http: reqwest::Client::new(),
        endpoint,
        failures: Arc::default(),
    };
    setup(&client, options.items).await;
    let mut rows = Vec::new();
    for kind in [Load::Quiet, Load::Scan, Load::FilteredScan, Load::LongWrite] {
        rows.push(measure(&client, kind, &options).await);
    }
    println!(
        "GetItem on `{TABLE_B}` ({} probes, one at a time) while {} loader(s) work on `{TABLE_A}` ({} items of ~1 KB):\n",
        options.probes, options.loaders, options.items
    );
    println!("| load on iso-a | loads completed | GetItem p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    for row in &rows {
        let l = &row.latencies;
        println!(
            "| {} | {} | {} ms | {} ms | {} ms |",
            row.load.label(),
            row.completed,
            ms(percentile(l, 0.5)),
            ms(percentile(l, 0.99)),
            ms(l.last().copied().unwrap_or_default())
        );
    }
    let failures = client.failures.load(Ordering::SeqCst);
    println!("\nnon-200 or wrong answers: {failures}");
    if failures == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
