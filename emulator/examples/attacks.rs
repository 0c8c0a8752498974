//! Replays issue #10's attacks against an emulator and measures what an unrelated client sees
//! meanwhile: a ListTables every few milliseconds, its latency percentiles, and whether the
//! emulator still answers afterwards. A benchmark, not a test: it prints a Markdown table for
//! `docs/reliability.md` and exits 1 if the emulator died or a p99 exceeded the bar.
//!
//! ```sh
//! cargo build --workspace --example attacks     # the workspace's feature set: no rebuild
//! target/debug/examples/attacks                          # in-process emulator
//! target/debug/examples/attacks http://127.0.0.1:4566    # a running one
//! ```
//!
//! The in-process emulator runs on its own two-worker runtime, so the probe measures the
//! emulator's scheduling, not the driver's. Requests are raw HTTP with AWS's headers
//! (`Authorization`, `Content-Type`, `X-Amz-Target`) so each attack is exactly the bytes a
//! hostile client would send.
#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The bar from issue #10: a concurrent ListTables answers within this at the 99th percentile.
const P99_BAR: Duration = Duration::from_millis(100);
const PROBE_INTERVAL: Duration = Duration::from_millis(5);
/// A quick attack is repeated for this long, so the probe sees it under sustained load.
const SUSTAIN: Duration = Duration::from_secs(2);

fn main() -> std::process::ExitCode {
    let endpoint = std::env::args().nth(1);
    let (endpoint, _server) = match endpoint {
        Some(url) => (url, None),
        None => {
            let (url, server) = start_in_process();
            (url, Some(server))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("driver runtime");
    runtime.block_on(run_all(endpoint))
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
}

/// One request's answer: status and the AWS error code, if any.
struct Answer {
    status: u16,
    code: String,
    body: Value,
}

impl Client {
    async fn json(&self, service: &str, target: &str, version: &str, body: String) -> Answer {
        let request = self
            .http
            .post(&self.endpoint)
            .header("content-type", format!("application/x-amz-json-{version}"))
            .header("x-amz-target", target)
            .header("authorization", authorization(service))
            .body(body);
        answer(request.send().await).await
    }

    async fn dynamodb(&self, operation: &str, body: Value) -> Answer {
        let target = format!("DynamoDB_20120810.{operation}");
        self.json("dynamodb", &target, "1.0", body.to_string())
            .await
    }

    async fn sfn(&self, operation: &str, body: Value) -> Answer {
        let target = format!("AWSStepFunctions.{operation}");
        self.json("states", &target, "1.0", body.to_string()).await
    }

    async fn rest(&self, method: reqwest::Method, path: &str, body: Vec<u8>) -> Answer {
        let request = self
            .http
            .request(method, format!("{}{path}", self.endpoint))
            .header("content-type", "application/json")
            .header("authorization", authorization("lambda"))
            .body(body);
        answer(request.send().await).await
    }
}

fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

async fn answer(sent: reqwest::Result<reqwest::Response>) -> Answer {
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return Answer {
                status: 0,
                code: format!("connection: {error}"),
                body: Value::Null,
            };
        }
    };
    let status = response.status().as_u16();
    let header = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let code = body
        .get("__type")
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
        .or(header)
        .unwrap_or_default();
    Answer { status, code, body }
}

/// ListTables latencies while an attack runs.
struct Probe {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<(Vec<Duration>, usize)>,
}

fn probe(client: &Client) -> Probe {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let client = client.clone();
    let task = tokio::spawn(async move {
        let (mut latencies, mut failures) = (Vec::new(), 0);
        while !*stopped.borrow() {
            let started = Instant::now();
            let answer = client.dynamodb("ListTables", json!({})).await;
            latencies.push(started.elapsed());
            if answer.status != 200 {
                failures += 1;
            }
            tokio::select! {
                _ = tokio::time::sleep(PROBE_INTERVAL) => {}
                _ = stopped.changed() => {}
            }
        }
        (latencies, failures)
    });
    Probe { stop, task }
}

struct Row {
    name: &'static str,
    answer: String,
    took: Duration,
    rounds: usize,
    probes: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    failures: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `attack` once for its answer, then again until [`SUSTAIN`] has passed, while the probe
/// measures ListTables.
async fn measure(client: &Client, attack: &Attack) -> Row {
    let name = attack.name;
    print!("{name} … ");
    let _ = std::io::stdout().flush();
    let probe = probe(client);
    let started = Instant::now();
    let answer = (attack.run)(client.clone()).await;
    let took = started.elapsed();
    let mut rounds = 1;
    while started.elapsed() < SUSTAIN {
        (attack.run)(client.clone()).await;
        rounds += 1;
    }
    let _ = probe.stop.send(true);
    let (mut latencies, failures) = probe.task.await.unwrap_or_default();
    latencies.sort();
    println!("{answer}");
    Row {
        name,
        answer,
        took,
        rounds,
        probes: latencies.len(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        failures,
    }
}

fn summary(answer: &Answer) -> String {
    if answer.status == 200 {
        return "200".to_owned();
    }
    let message = answer
        .body
        .get("message")
        .or_else(|| answer.body.get("Message"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message: String = message.chars().take(90).collect();
    format!("{} {} {message}", answer.status, answer.code)
}

async fn run_all(endpoint: String) -> std::process::ExitCode {
    let client = Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("http client"),
        endpoint,
    };
    setup(&client).await;
    let mut rows = Vec::new();
    for attack in ATTACKS {
        rows.push(measure(&client, attack).await);
    }
    let alive = client.dynamodb("ListTables", json!({})).await.status == 200;
    print_table(&rows, alive);
    let slow = rows.iter().any(|r| r.p99 > P99_BAR || r.failures > 0);
    if alive && !slow {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn print_table(rows: &[Row], alive: bool) {
    println!();
    println!(
        "| attack | answer | one attack took | rounds in ≥ 2 s | ListTables meanwhile | p50 | p99 | max | failed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.2} s | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
            r.name,
            r.answer.replace('|', "\\|"),
            r.took.as_secs_f64(),
            r.rounds,
            r.probes,
            ms(r.p50),
            ms(r.p99),
            ms(r.max),
            r.failures
        );
    }
    println!();
    println!(
        "emulator alive afterwards: {}",
        if alive { "yes" } else { "NO" }
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn setup(client: &Client) {
    let table = json!({
        "TableName": "attacked",
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"}
        ],
        "KeySchema": [
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}
        ],
        "BillingMode": "PAY_PER_REQUEST"
    });
    client.dynamodb("CreateTable", table).await;
    let item = json!({"TableName": "attacked", "Item": {"id": {"S": "a"}, "sk": {"S": "1"}}});
    client.dynamodb("PutItem", item).await;
}

struct Attack {
    name: &'static str,
    run: fn(Client) -> std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send>>,
}

macro_rules! attack {
    ($name:literal, $body:expr) => {
        Attack {
            name: $name,
            run: |client| Box::pin($body(client)),
        }
    };
}

const ATTACKS: &[Attack] = &[
    attack!(
        "1 ConditionExpression, 250 nested parentheses",
        nested_parens
    ),
    attack!("1 ConditionExpression, 500 chained NOT", chained_not),
    attack!(
        "1 UpdateExpression, nested if_not_exists",
        nested_if_not_exists
    ),
    attack!("1 FilterExpression, 100k OR", hundred_k_or),
    attack!(
        "1 KeyConditionExpression, nested parentheses",
        nested_key_condition
    ),
    attack!("2 SFN Parameters, States.Array( x50k", deep_intrinsic),
    attack!("2 SFN InputPath, deep JSONPath filter", deep_jsonpath),
    attack!(
        "3 SFN Pass/Choice loop for 3 s, then StopExecution",
        endless_loop
    ),
    attack!("4 UpdateExpression, 10k SET actions", ten_k_set),
    attack!(
        "5 forged text/plain POST /2015-03-31/functions",
        forged_create_function
    ),
    attack!("5 DNS rebinding (Host: evil.example)", rebinding),
    attack!("7 JSONata runaway evaluation", jsonata_runaway),
    attack!("7 inline Map over 100k items", big_map),
    attack!("7 PutItem with a 1M-digit number", million_digits),
    attack!("8 Invoke payload over 6 MB", big_invoke),
    attack!("8 StartExecution input over 256 KB", big_sfn_input),
    attack!("8 definition over 1 MB", big_definition),
    attack!("8 zip bomb (1 MB → 300 MB)", zip_bomb),
    attack!("9 raw UTF-8 byte in a REST path", utf8_path),
    attack!(
        "9 StartExecution TimeoutSeconds near u64::MAX",
        huge_timeout
    ),
];

fn condition(expression: String) -> Value {
    json!({
        "TableName": "attacked",
        "Item": {"id": {"S": "a"}, "sk": {"S": "1"}},
        "ConditionExpression": expression,
        "ExpressionAttributeValues": {":v": {"S": "a"}}
    })
}

async fn nested_parens(client: Client) -> String {
    let expression = format!("{}id = :v{}", "(".repeat(250), ")".repeat(250));
    summary(&client.dynamodb("PutItem", condition(expression)).await)
}

async fn chained_not(client: Client) -> String {
    let expression = format!("{}id = :v", "NOT ".repeat(500));
    summary(&client.dynamodb("PutItem", condition(expression)).await)
}

async fn nested_if_not_exists(client: Client) -> String {
    let depth = 400;
    let expression = format!(
        "SET b = {}:v{}",
        "if_not_exists(b, ".repeat(depth),
        ")".repeat(depth)
    );
    let body = json!({
        "TableName": "attacked",
        "Key": {"id": {"S": "a"}, "sk": {"S": "1"}},
        "UpdateExpression": expression,
        "ExpressionAttributeValues": {":v": {"S": "a"}}
    });
    summary(&client.dynamodb("UpdateItem", body).await)
}

async fn hundred_k_or(client: Client) -> String {
    let expression = vec!["id = :v"; 100_000].join(" OR ");
    let body = json!({
        "TableName": "attacked",
        "FilterExpression": expression,
        "ExpressionAttributeValues": {":v": {"S": "a"}}
    });
    summary(&client.dynamodb("Scan", body).await)
}

async fn nested_key_condition(client: Client) -> String {
    let expression = format!("{}id = :v{}", "(".repeat(2000), ")".repeat(2000));
    let body = json!({
        "TableName": "attacked",
        "KeyConditionExpression": expression,
        "ExpressionAttributeValues": {":v": {"S": "a"}}
    });
    summary(&client.dynamodb("Query", body).await)
}

async fn ten_k_set(client: Client) -> String {
    let actions: Vec<String> = (0..10_000).map(|i| format!("a{i} = :v")).collect();
    let body = json!({
        "TableName": "attacked",
        "Key": {"id": {"S": "a"}, "sk": {"S": "1"}},
        "UpdateExpression": format!("SET {}", actions.join(", ")),
        "ExpressionAttributeValues": {":v": {"S": "a"}}
    });
    summary(&client.dynamodb("UpdateItem", body).await)
}

async fn million_digits(client: Client) -> String {
    let body = json!({
        "TableName": "attacked",
        "Item": {"id": {"S": "n"}, "sk": {"S": "1"}, "n": {"N": "9".repeat(1_000_000)}}
    });
    summary(&client.dynamodb("PutItem", body).await)
}

const ROLE: &str = "arn:aws:iam::000000000000:role/attacks";

/// Creates a state machine and starts one execution of it; the answer of whichever failed,
/// or the execution's ARN.
async fn start_machine(client: &Client, name: &str, definition: Value, input: &str) -> Answer {
    let created = client
        .sfn(
            "CreateStateMachine",
            json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE}),
        )
        .await;
    let Some(arn) = created.body.get("stateMachineArn").and_then(Value::as_str) else {
        return created;
    };
    client
        .sfn(
            "StartExecution",
            json!({"stateMachineArn": arn, "input": input}),
        )
        .await
}

/// Waits (bounded) until the execution has ended; its status and error.
async fn outcome(client: &Client, started: &Answer) -> String {
    let Some(arn) = started.body.get("executionArn").and_then(Value::as_str) else {
        return summary(started);
    };
    for _ in 0..600 {
        let described = client
            .sfn("DescribeExecution", json!({"executionArn": arn}))
            .await;
        let status = described.body["status"].as_str().unwrap_or("?").to_owned();
        if status != "RUNNING" {
            let error = described.body["error"].as_str().unwrap_or_default();
            return format!("execution {status} {error}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    "execution still RUNNING after 60 s".to_owned()
}

async fn deep_intrinsic(client: Client) -> String {
    let depth = 50_000;
    let intrinsic = format!("{}1{}", "States.Array(".repeat(depth), ")".repeat(depth));
    let definition = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"x.$": intrinsic}, "End": true}}
    });
    let started = start_machine(&client, "deep-intrinsic", definition, "{}").await;
    outcome(&client, &started).await
}

async fn deep_jsonpath(client: Client) -> String {
    let depth = 20_000;
    let path = format!("$[?({}@.a{})]", "(".repeat(depth), ")".repeat(depth));
    let definition = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": path, "End": true}}
    });
    let started = start_machine(&client, "deep-jsonpath", definition, "[]").await;
    outcome(&client, &started).await
}

async fn endless_loop(client: Client) -> String {
    let definition = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [
                {"Variable": "$.never", "IsPresent": true, "Next": "Done"}
            ], "Default": "A"},
            "Done": {"Type": "Succeed"}
        }
    });
    let started = start_machine(&client, "endless", definition, "{}").await;
    let Some(arn) = started.body.get("executionArn").and_then(Value::as_str) else {
        return summary(&started);
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stopped = client
        .sfn("StopExecution", json!({"executionArn": arn}))
        .await;
    format!(
        "StopExecution {}; {}",
        stopped.status,
        outcome(&client, &started).await
    )
}

async fn jsonata_runaway(client: Client) -> String {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {
            "Type": "Pass",
            "Output": "{% $reduce([1..9999999], function($a, $b) { $a + $b }) %}",
            "End": true
        }}
    });
    let started = start_machine(&client, "jsonata-runaway", definition, "{}").await;
    outcome(&client, &started).await
}

async fn big_map(client: Client) -> String {
    let items = vec!["0"; 100_000].join(",");
    let definition = json!({
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": true}}
            },
            "ResultSelector": {"n.$": "States.ArrayLength($)"},
            "End": true
        }}
    });
    let started = start_machine(&client, "big-map", definition, &format!("[{items}]")).await;
    outcome(&client, &started).await
}

async fn big_sfn_input(client: Client) -> String {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let input = json!({"x": "a".repeat(300 * 1024)}).to_string();
    summary(&start_machine(&client, "big-input", definition, &input).await)
}

async fn big_definition(client: Client) -> String {
    let definition = json!({
        "Comment": "x".repeat(1_100_000),
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": true}}
    });
    summary(&start_machine(&client, "big-definition", definition, "{}").await)
}

async fn huge_timeout(client: Client) -> String {
    let definition = json!({
        "TimeoutSeconds": u64::MAX - 1,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}
    });
    let started = start_machine(&client, "huge-timeout", definition, "{}").await;
    outcome(&client, &started).await
}

fn zip_of(name: &str, contents: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .unix_permissions(0o755)
        .large_file(contents.len() > u32::MAX as usize);
    writer.start_file(name, options).expect("zip entry");
    writer.write_all(contents).expect("zip write");
    writer.finish().expect("zip finish").into_inner()
}

fn create_function_body(name: &str, zip: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    json!({
        "FunctionName": name,
        "Runtime": "provided.al2023",
        "Handler": "bootstrap",
        "Role": ROLE,
        "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)}
    })
    .to_string()
    .into_bytes()
}

async fn big_invoke(client: Client) -> String {
    let zip = zip_of("bootstrap", b"#!/bin/sh\nexit 0\n");
    let created = client
        .rest(
            reqwest::Method::POST,
            "/2015-03-31/functions",
            create_function_body("big-invoke", &zip),
        )
        .await;
    if created.status != 201 {
        return format!("CreateFunction: {}", summary(&created));
    }
    let payload = json!({"x": "a".repeat(7 * 1024 * 1024)}).to_string();
    let path = "/2015-03-31/functions/big-invoke/invocations";
    summary(
        &client
            .rest(reqwest::Method::POST, path, payload.into_bytes())
            .await,
    )
}

async fn zip_bomb(client: Client) -> String {
    let zeros = vec![0u8; 300 * 1024 * 1024];
    let zip = zip_of("bootstrap", &zeros);
    drop(zeros);
    let body = create_function_body("zip-bomb", &zip);
    summary(
        &client
            .rest(reqwest::Method::POST, "/2015-03-31/functions", body)
            .await,
    )
}

async fn utf8_path(client: Client) -> String {
    let path = "/2015-03-31/functions/\u{e9}\u{e9}/invocations";
    summary(&client.rest(reqwest::Method::GET, path, Vec::new()).await)
}

async fn forged_create_function(client: Client) -> String {
    let zip = zip_of("bootstrap", b"#!/bin/sh\ntouch /tmp/pwned\n");
    let sent = client
        .http
        .post(format!("{}/2015-03-31/functions", client.endpoint))
        .header("content-type", "text/plain")
        .header("origin", "http://evil.example")
        .body(create_function_body("forged", &zip))
        .send()
        .await;
    summary(&answer(sent).await)
}

async fn rebinding(client: Client) -> String {
    let sent = client
        .http
        .post(&client.endpoint)
        .header("host", "evil.example")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("authorization", authorization("dynamodb"))
        .body("{}")
        .send()
        .await;
    summary(&answer(sent).await)
}
