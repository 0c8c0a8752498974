//! Soak driver: for a bounded time, sends a loop of random and mutated AWS requests (every
//! service of the emulator, SDK-shaped, then mutated — see `mutate.rs`) to `orderlab emulate`,
//! from several concurrent workers with seeded generators, while a prober measures a
//! concurrent ListTables' latency and a sampler reads the emulator's RSS from
//! /proc/PID/status.
//!
//! Fails (exit 1) on a connection error or time-out, the emulator exiting, any 5xx other
//! than a deliberate `InternalFailure`, or a failed health check at the end. With `--spawn` it
//! starts the emulator itself on a free loopback port and stops it with SIGINT at the end,
//! timing the stop.
//!
//! ```text
//! orderlab-soak --spawn target/debug/orderlab --seconds 600 --seed 1
//! orderlab-soak --endpoint http://127.0.0.1:4566 --pid 1234 --seconds 60
//! ```

mod mutate;
mod requests;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use requests::{Known, Request};

/// A request that takes longer than this is a freeze.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Bodies above this size may be refused before they are read (the connection then closes).
const LARGE_BODY: usize = 1024 * 1024;

struct Args {
    seconds: u64,
    seed: u64,
    workers: usize,
    endpoint: Option<String>,
    pid: Option<u32>,
    spawn: Option<PathBuf>,
    out: PathBuf,
    attacks: bool,
    trace: Option<PathBuf>,
    /// The run fails when the emulator's RSS exceeds this (MiB).
    max_rss_mib: u64,
    /// The run fails when the ListTables prober's p99 exceeds this (ms).
    max_p99_ms: f64,
}

fn usage() -> ! {
    eprintln!(
        "usage: orderlab-soak (--spawn ORDERLAB | --endpoint URL --pid PID) [--seconds N] [--seed N] \
         [--workers N] [--out DIR] [--no-attacks] [--trace FILE] [--max-rss-mib N] [--max-p99-ms N]"
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut args = Args {
        seconds: 60,
        seed: 1,
        workers: 4,
        endpoint: None,
        pid: None,
        spawn: None,
        out: PathBuf::from("fuzz/out/soak"),
        attacks: true,
        trace: None,
        max_rss_mib: 2048,
        max_p99_ms: 1000.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--seconds" => args.seconds = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => args.seed = value().parse().unwrap_or_else(|_| usage()),
            "--workers" => args.workers = value().parse().unwrap_or_else(|_| usage()),
            "--endpoint" => args.endpoint = Some(value()),
            "--pid" => args.pid = Some(value().parse().unwrap_or_else(|_| usage())),
            "--spawn" => args.spawn = Some(PathBuf::from(value())),
            "--out" => args.out = PathBuf::from(value()),
            "--no-attacks" => args.attacks = false,
            "--trace" => args.trace = Some(PathBuf::from(value())),
            "--max-rss-mib" => args.max_rss_mib = value().parse().unwrap_or_else(|_| usage()),
            "--max-p99-ms" => args.max_p99_ms = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if args.spawn.is_none() && (args.endpoint.is_none() || args.pid.is_none()) {
        usage();
    }
    args
}

/// Everything counted while the soak runs.
#[derive(Default)]
struct Stats {
    by_status: BTreeMap<u16, u64>,
    by_mutation: BTreeMap<&'static str, u64>,
    server_errors: BTreeMap<String, u64>,
    internal_failures: u64,
    early_closes: u64,
    failures: Vec<String>,
    slowest: (Duration, String),
}

struct Shared {
    endpoint: String,
    pid: u32,
    client: reqwest::Client,
    known: Known,
    stats: Mutex<Stats>,
    dead: AtomicBool,
    saved: AtomicU64,
    out: PathBuf,
    attacks: bool,
    /// `--trace`: one line per request (elapsed ms, label, mutation, body bytes, status, ms,
    /// emulator RSS MiB after it), to find which request makes memory or latency jump.
    trace: Option<Mutex<std::fs::File>>,
    started: Instant,
}

impl Shared {
    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, message: String, request: &Request) {
        let file = self.save(request, "failure");
        eprintln!("FAIL {message} ({})", file.display());
        self.stats().failures.push(message);
    }

    /// Writes `request` (capped at 256 KB of body) under the output directory.
    fn save(&self, request: &Request, kind: &str) -> PathBuf {
        let n = self.saved.fetch_add(1, Ordering::Relaxed);
        let name: String = (request.label.chars())
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(60)
            .collect();
        let path = self.out.join(format!("{kind}-{n:04}-{name}.http"));
        let mut text = format!("{} {}\n", request.method, request.path).into_bytes();
        for (k, v) in &request.headers {
            text.extend_from_slice(format!("{k}: {v}\n").as_bytes());
        }
        text.push(b'\n');
        text.extend_from_slice(request.body.get(..256 * 1024).unwrap_or(&request.body));
        let _ = std::fs::write(&path, text);
        path
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4566)
}

fn spawn_emulator(binary: &PathBuf, out: &std::path::Path) -> std::io::Result<(Child, String)> {
    let port = free_port();
    let log = std::fs::File::create(out.join("emulator.log"))?;
    let child = Command::new(binary)
        .args(["emulate", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

async fn healthy(client: &reqwest::Client, endpoint: &str) -> bool {
    let answer = client
        .get(format!("{endpoint}/_orderlab/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    answer.is_ok_and(|a| a.status().is_success())
}

async fn wait_healthy(client: &reqwest::Client, endpoint: &str) -> bool {
    for _ in 0..600 {
        if healthy(client, endpoint).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Sends `request`; `Err` is a transport failure.
async fn send(
    shared: &Shared,
    request: &Request,
) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut builder = shared
        .client
        .request(method, format!("{}{}", shared.endpoint, request.path))
        .body(request.body.clone());
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    let answer = builder.send().await.map_err(|e| format!("{e:?}"))?;
    let status = answer.status().as_u16();
    let error_type = (answer.headers().get("x-amzn-errortype"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = answer.bytes().await.map_err(|e| format!("{e:?}"))?;
    Ok((status, error_type, body.to_vec()))
}

/// A request with raw bytes in its target (which an HTTP client library would escape), over
/// a fresh connection; returns the status code.
async fn send_raw(shared: &Shared, rng: &mut ChaCha8Rng) -> Result<u16, String> {
    let host = shared.endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| e.to_string())?;
    let raw: &[&[u8]] = &[
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"%1\xc3\xa9",
        b"%e2%82%ac",
        b"\xff",
    ];
    let piece = raw[rng.random_range(0..raw.len())];
    let mut head = b"GET /2015-03-31/functions/f".to_vec();
    head.extend_from_slice(piece);
    head.extend_from_slice(b"/configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    head.extend_from_slice(
        format!(
            "Authorization: {}\r\n\r\n",
            requests::authorization("lambda")
        )
        .as_bytes(),
    );
    stream.write_all(&head).await.map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    let status = String::from_utf8_lossy(answer.get(9..12).unwrap_or_default()).to_string();
    status
        .parse()
        .map_err(|_| format!("no status line in {:?}", String::from_utf8_lossy(&answer)))
}

/// Counts one answer; a transport error or a 5xx other than InternalFailure is a failure.
fn record(
    shared: &Shared,
    request: &Request,
    mutation: &'static str,
    answer: Result<(u16, Option<String>, Vec<u8>), String>,
    took: Duration,
) {
    {
        let mut stats = shared.stats();
        *stats.by_mutation.entry(mutation).or_default() += 1;
        if took > stats.slowest.0 {
            stats.slowest = (took, format!("{} [{mutation}]", request.label));
        }
    }
    match answer {
        Ok((status, error_type, body)) => {
            *shared.stats().by_status.entry(status).or_default() += 1;
            if (200..300).contains(&status) {
                shared.known.learn(request, &body);
            }
            if status >= 500 {
                let code = error_type.unwrap_or_else(|| {
                    String::from_utf8_lossy(body.get(..120).unwrap_or(&body)).into_owned()
                });
                if code.contains("InternalFailure") {
                    shared.stats().internal_failures += 1;
                    shared.save(request, "internal-failure");
                } else {
                    *shared
                        .stats()
                        .server_errors
                        .entry(format!("{status} {code}"))
                        .or_default() += 1;
                    let said = String::from_utf8_lossy(body.get(..300).unwrap_or(&body));
                    shared.fail(
                        format!("{status} {code} for {} [{mutation}]: {said}", request.label),
                        request,
                    );
                }
            }
        }
        Err(_) if request.body.len() > LARGE_BODY && !shared.dead.load(Ordering::Relaxed) => {
            shared.stats().early_closes += 1;
        }
        // The HTTP client refused to build the request (a path it cannot put in a URL): it
        // never reached the emulator.
        Err(err) if err.contains("kind: Builder") => {
            *shared.stats().by_mutation.entry("unsendable").or_default() += 1;
        }
        Err(err) => shared.fail(
            format!("transport error for {} [{mutation}]: {err}", request.label),
            request,
        ),
    }
}

async fn worker(shared: Arc<Shared>, seed: u64, deadline: Instant) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    while Instant::now() < deadline && !shared.dead.load(Ordering::Relaxed) {
        if rng.random_range(0..200) == 0 {
            let answer = tokio::time::timeout(REQUEST_TIMEOUT, send_raw(&shared, &mut rng)).await;
            let answer =
                answer.unwrap_or_else(|_| Err(format!("no answer within {REQUEST_TIMEOUT:?}")));
            let request = Request {
                label: "raw-utf8-path".into(),
                method: "GET".into(),
                path: "/2015-03-31/functions/<raw>".into(),
                headers: vec![],
                body: vec![],
            };
            record(
                &shared,
                &request,
                "rawpath",
                answer.map(|s| (s, None, vec![])),
                Duration::ZERO,
            );
            continue;
        }
        let mut request = requests::any(&mut rng, &shared.known);
        let mutation = mutate::mutate(&mut rng, &mut request, shared.attacks);
        let start = Instant::now();
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, send(&shared, &request)).await;
        let answer =
            answer.unwrap_or_else(|_| Err(format!("no answer within {REQUEST_TIMEOUT:?}")));
        let created_attack = mutation.starts_with("attack:")
            && answer.as_ref().is_ok_and(|a| a.0 == 200)
            && request.label.ends_with("CreateStateMachine");
        let body = answer.as_ref().ok().map(|a| a.2.clone());
        trace(&shared, &request, mutation, &answer, start.elapsed());
        record(&shared, &request, mutation, answer, start.elapsed());
        if created_attack
            && let Some(arn) = body
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["stateMachineArn"].as_str().map(str::to_owned))
        {
            let start_execution = requests_start(&arn);
            let answer =
                tokio::time::timeout(REQUEST_TIMEOUT, send(&shared, &start_execution)).await;
            let answer = answer.unwrap_or_else(|_| Err("no answer".into()));
            record(&shared, &start_execution, mutation, answer, start.elapsed());
        }
    }
}

fn trace(
    shared: &Shared,
    request: &Request,
    mutation: &str,
    answer: &Result<(u16, Option<String>, Vec<u8>), String>,
    took: Duration,
) {
    use std::io::Write as _;
    let Some(file) = &shared.trace else {
        return;
    };
    let status = answer.as_ref().map_or(0, |a| a.0);
    let rss = rss_kib(shared.pid).unwrap_or(0) / 1024;
    let line = format!(
        "{} {} {mutation} {} {status} {} {rss}\n",
        shared.started.elapsed().as_millis(),
        request.label,
        request.body.len(),
        took.as_millis()
    );
    let _ = file
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .write_all(line.as_bytes());
}

fn requests_start(arn: &str) -> Request {
    Request {
        label: "AWSStepFunctions.StartExecution".into(),
        method: "POST".into(),
        path: "/".into(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.0".into()),
            (
                "x-amz-target".into(),
                "AWSStepFunctions.StartExecution".into(),
            ),
            ("authorization".into(), requests::authorization("states")),
        ],
        body: serde_json::json!({"stateMachineArn": arn, "input": "{}"})
            .to_string()
            .into_bytes(),
    }
}

/// ListTables every 100 ms; the latencies.
async fn prober(shared: Arc<Shared>, deadline: Instant) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let request = Request {
        label: "prober:ListTables".into(),
        method: "POST".into(),
        path: "/".into(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.0".into()),
            ("x-amz-target".into(), "DynamoDB_20120810.ListTables".into()),
            ("authorization".into(), requests::authorization("dynamodb")),
        ],
        body: b"{}".to_vec(),
    };
    while Instant::now() < deadline && !shared.dead.load(Ordering::Relaxed) {
        let start = Instant::now();
        match tokio::time::timeout(REQUEST_TIMEOUT, send(&shared, &request)).await {
            Ok(Ok((200, _, _))) => latencies.push(start.elapsed()),
            Ok(Ok((status, code, _))) => shared.fail(
                format!("prober ListTables answered {status} {code:?}"),
                &request,
            ),
            Ok(Err(err)) => shared.fail(format!("prober ListTables: {err}"), &request),
            Err(_) => shared.fail("prober ListTables: no answer within 60 s".into(), &request),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    latencies
}

/// RSS of `pid` in KiB, `None` once the process is gone.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How many processes have `pid` as parent (the Lambda `bootstrap`s it runs).
fn children(pid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // `pid (comm) state ppid …`: the fields after the last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok())
                == Some(pid)
        })
        .count()
}

/// Samples RSS and children every 250 ms: (max RSS KiB, last RSS KiB, max children).
async fn sampler(shared: Arc<Shared>, deadline: Instant) -> (u64, u64, usize) {
    let (mut max_rss, mut last_rss, mut max_children) = (0, 0, 0);
    while Instant::now() < deadline {
        match rss_kib(shared.pid) {
            Some(rss) => {
                max_rss = max_rss.max(rss);
                last_rss = rss;
                max_children = max_children.max(children(shared.pid));
            }
            None => {
                shared.dead.store(true, Ordering::Relaxed);
                shared
                    .stats()
                    .failures
                    .push(format!("the emulator (pid {}) exited", shared.pid));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    (max_rss, last_rss, max_children)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// The longest a stop may take (issue #10: SIGINT and SIGTERM stop within 5 s).
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// SIGINT, then the time until the process exits (SIGKILL after 10 s); whether it stopped
/// within [`STOP_WITHIN`].
fn stop(child: &mut Child) -> (String, bool) {
    if let Ok(Some(status)) = child.try_wait() {
        return (format!("had already exited ({status})"), false);
    }
    let start = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(status)) = child.try_wait() {
            let took = start.elapsed();
            return (
                format!(
                    "stopped by SIGINT in {:.2} s ({status})",
                    took.as_secs_f64()
                ),
                took <= STOP_WITHIN,
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    (
        "did NOT stop within 10 s of SIGINT (killed)".to_owned(),
        false,
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = parse_args();
    let _ = std::fs::create_dir_all(&args.out);
    let client = match reqwest::Client::builder()
        .pool_max_idle_per_host(args.workers + 1)
        .timeout(REQUEST_TIMEOUT)
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            eprintln!("cannot build an HTTP client: {err}");
            return ExitCode::from(2);
        }
    };
    let mut child = None;
    let (endpoint, pid) = match &args.spawn {
        Some(binary) => match spawn_emulator(binary, &args.out) {
            Ok((c, endpoint)) => {
                let pid = c.id();
                child = Some(c);
                (endpoint, pid)
            }
            Err(err) => {
                eprintln!("cannot start {}: {err}", binary.display());
                return ExitCode::from(2);
            }
        },
        None => (
            args.endpoint.clone().unwrap_or_default(),
            args.pid.unwrap_or_default(),
        ),
    };
    if !wait_healthy(&client, &endpoint).await {
        eprintln!("the emulator at {endpoint} is not healthy");
        return ExitCode::from(2);
    }
    let shared = Arc::new(Shared {
        endpoint: endpoint.clone(),
        pid,
        client,
        known: Known::default(),
        stats: Mutex::default(),
        dead: AtomicBool::new(false),
        saved: AtomicU64::new(0),
        out: args.out.clone(),
        attacks: args.attacks,
        trace: (args.trace.as_ref())
            .and_then(|path| std::fs::File::create(path).ok())
            .map(Mutex::new),
        started: Instant::now(),
    });
    println!(
        "soak: {endpoint} (pid {pid}), {} s, seed {}, {} workers, attacks {}",
        args.seconds, args.seed, args.workers, args.attacks
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let sampler = tokio::spawn(sampler(shared.clone(), deadline));
    let prober = tokio::spawn(prober(shared.clone(), deadline));
    let workers: Vec<_> = (0..args.workers)
        .map(|i| {
            tokio::spawn(worker(
                shared.clone(),
                args.seed.wrapping_mul(1000).wrapping_add(i as u64),
                deadline,
            ))
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let mut latencies = prober.await.unwrap_or_default();
    let (max_rss, last_rss, max_children) = sampler.await.unwrap_or_default();
    let elapsed = started.elapsed();
    if !shared.dead.load(Ordering::Relaxed) && !healthy(&shared.client, &endpoint).await {
        shared
            .stats()
            .failures
            .push("health check failed after the soak".into());
    }
    let stopped = child.as_mut().map(stop);
    latencies.sort();
    let p99 = percentile(&latencies, 0.99).as_secs_f64() * 1e3;
    let mut stats = shared.stats();
    if max_rss / 1024 > args.max_rss_mib {
        let message = format!(
            "emulator RSS reached {} MiB (bound: {} MiB)",
            max_rss / 1024,
            args.max_rss_mib
        );
        stats.failures.push(message);
    }
    if p99 > args.max_p99_ms {
        let message = format!("ListTables p99 {p99:.1} ms (bound: {} ms)", args.max_p99_ms);
        stats.failures.push(message);
    }
    if let Some((stopped, false)) = &stopped {
        stats.failures.push(format!("emulator {stopped}"));
    }
    let total: u64 = stats.by_status.values().sum();
    println!(
        "requests: {total} in {:.0} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!("by status: {:?}", stats.by_status);
    println!("by mutation: {:?}", stats.by_mutation);
    println!("5xx other than InternalFailure: {:?}", stats.server_errors);
    println!(
        "InternalFailure answers: {} (requests saved under {})",
        stats.internal_failures,
        args.out.display()
    );
    println!(
        "connections closed early on bodies > 1 MB: {}",
        stats.early_closes
    );
    println!(
        "slowest request: {:.2} s ({})",
        stats.slowest.0.as_secs_f64(),
        stats.slowest.1
    );
    println!(
        "ListTables prober: {} samples, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "emulator RSS: max {} MiB, at the end {} MiB; most child processes at once: {max_children}",
        max_rss / 1024,
        last_rss / 1024
    );
    if let Some((stopped, _)) = &stopped {
        println!("emulator {stopped}");
    }
    if stats.failures.is_empty() {
        println!(
            "soak passed: 0 crashes, 0 transport errors, 0 5xx other than InternalFailure, \
             RSS ≤ {} MiB, ListTables p99 ≤ {} ms, stopped within {} s",
            args.max_rss_mib,
            args.max_p99_ms,
            STOP_WITHIN.as_secs()
        );
        ExitCode::SUCCESS
    } else {
        println!(
            "soak FAILED: {} failures; first: {}",
            stats.failures.len(),
            stats.failures.first().map(String::as_str).unwrap_or("")
        );
        ExitCode::from(1)
    }
}
