//! The harness's reliability suite: crashed scenarios are reported (the unit tests of
//! `src/suite.rs` make a scenario task panic), signals stop the run cleanly, output to a closed
//! pipe is not a panic, and a scenario file cannot overflow the stack or expand without bound.
//!
//! The signal tests run the built `orderlab` with `TMPDIR` pointing at a directory of their
//! own, so every temporary directory it (or its emulator) makes is visible there, and find
//! the processes a function started by a marker in their environment or command line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime, State};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

const ORDERLAB: &str = env!("CARGO_BIN_EXE_orderlab");

/// A signal must stop orderlab within this (the bound).
const STOP_WITHIN: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// A closed stdout

/// A stdout whose reader is already gone: every write fails with EPIPE.
fn closed_stdout() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Stdio::from(writer)
}

fn assert_quiet(stderr: &[u8], what: &str) {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{what}: {stderr}");
}

#[test]
fn list_into_a_closed_pipe_exits_quietly() {
    let output = Command::new(ORDERLAB)
        .arg("list")
        .stdout(closed_stdout())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_quiet(&output.stderr, "list");
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn help_and_usage_into_a_closed_pipe_exit_quietly() {
    for args in [&["--help"][..], &["--version"], &["list", "--nope"]] {
        let output = Command::new(ORDERLAB)
            .args(args)
            .stdout(closed_stdout())
            .output()
            .unwrap();
        assert_ne!(output.status.code(), Some(101), "{args:?}: {output:?}");
        assert_quiet(&output.stderr, &format!("{args:?}"));
    }
}

#[tokio::test]
async fn emulate_into_a_closed_pipe_stops_quietly() {
    let mut child = tokio::process::Command::new(ORDERLAB)
        .args(["emulate", "--port", "0"])
        .stdout(closed_stdout())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stderr = drain(child.stderr.take());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("emulate stops once its banner cannot be written")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_quiet(stderr.await.unwrap().as_bytes(), "emulate");
}

/// `scenario` stops when its output is unread: the run is abandoned (exit 141, as if killed
/// by SIGPIPE, so a pipeline with `pipefail` is not green) with no panic and no message.
#[test]
fn a_scenario_run_into_a_closed_pipe_stops_quietly() {
    let output = Command::new(ORDERLAB)
        .args(["scenario", "happy-path"])
        .stdout(closed_stdout())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(141), "{output:?}");
    assert_quiet(&output.stderr, "scenario");
}

// ---------------------------------------------------------------------------------------------
// Scenario files that would overflow the stack or expand without bound

/// Writes `text` as `<dir>/<name>.yaml` and runs `orderlab scenario <name>` on it: it must
/// exit 2, promptly, with one `file:line:col: message` error.
fn assert_located_error(dir: &Path, name: &str, text: &str, fragment: &str) {
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let output = Command::new(ORDERLAB)
        .args(["scenario", name, "--scenarios-dir"])
        .arg(dir)
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
    assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    let prefix = format!("error: {}:", file.display());
    let location = stderr
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{name}: expected {prefix:?} first in {stderr}"));
    let mut parts = location.splitn(3, ':');
    let line: u64 = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    let column: u64 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    assert!(line > 0 && column > 0, "{name}: no line:col in {stderr}");
    assert!(
        stderr.contains(fragment),
        "{name}: expected {fragment:?} in {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{name}: one error only: {stderr}"
    );
}

#[test]
fn deeply_nested_flow_yaml_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "description: x\nseed: 1\ninventory: {}\n",
        "[".repeat(100_000)
    );
    assert_located_error(
        dir.path(),
        "deep-flow",
        &text,
        "nested deeper than 32 levels",
    );
}

#[test]
fn deeply_nested_block_yaml_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    // `- - - … x`: 100k block sequences, one inside the other, in a free-form `return` value.
    let text = format!(
        "description: x\nseed: 1\nfaults:\n  - function: f\n    invocations: all\n    return:\n      {}x\n",
        "- ".repeat(100_000)
    );
    assert_located_error(
        dir.path(),
        "deep-block",
        &text,
        "nested deeper than 32 levels",
    );
}

#[test]
fn an_alias_bomb_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    // "Billion laughs": nine levels of ten aliases each expand to 10⁹ strings.
    let mut text = String::from(
        "description: x\nseed: 1\nfaults:\n  - function: f\n    invocations: all\n    return:\n",
    );
    text.push_str("      l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..=9 {
        let previous = format!("*l{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("      l{level}: &l{level} [{items}]\n"));
    }
    assert_located_error(
        dir.path(),
        "alias-bomb",
        &text,
        "alias replay limit exceeded",
    );
}

// ---------------------------------------------------------------------------------------------
// Signals

/// Reads a child's pipe to the end in the background (so it never blocks on a full pipe).
fn drain(pipe: Option<impl AsyncRead + Unpin + Send + 'static>) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let mut text = String::new();
        if let Some(pipe) = pipe {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    })
}

/// The pids of live processes whose command line or environment contains `marker`.
fn processes_with(marker: &str) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            ["cmdline", "environ"].iter().any(|file| {
                std::fs::read(format!("/proc/{pid}/{file}"))
                    .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(marker))
            })
        })
        .collect()
}

/// Polls (bounded by `within`) until `done` holds; false when it never did.
async fn eventually(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn send(pid: Option<u32>, signal: i32) {
    let pid = pid
        .and_then(|pid| i32::try_from(pid).ok())
        .expect("a running child");
    // SAFETY: kill(2) touches no memory.
    assert_eq!(
        unsafe { libc::kill(pid, signal) },
        0,
        "kill({pid}, {signal})"
    );
}

/// Kills whatever a failed test left behind, so a failure does not leak `sleep 1000`s.
struct Leftovers(String);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for pid in processes_with(&self.0) {
            // SAFETY: kill(2) touches no memory.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

/// A marker no other process on the machine has.
fn unique_marker(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("orderlab-reliability-{what}-{}-{nanos}", std::process::id())
}

/// The zip of a function whose bootstrap never asks for work: it starts a grandchild in a
/// session of its own (`setsid`, out of the function's process group) and then sleeps.
fn hanging_function_zip(marker: &str) -> Vec<u8> {
    use std::io::Write;
    let script = format!("#!/bin/sh\n# {marker}\nsetsid sleep 1000 &\nsleep 900\n");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    writer.start_file("bootstrap", options).unwrap();
    writer.write_all(script.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

/// Creates the hanging function on `endpoint`, waits until it is Active and invokes it (the
/// invocation stays in flight: the function never answers).
async fn invoke_hanging_function(endpoint: &str, marker: &str) -> tokio::task::JoinHandle<()> {
    let config = orderlab::stack::sdk_config(endpoint, "us-east-1").await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    lambda
        .create_function()
        .function_name("hang")
        .runtime(Runtime::Providedal2023)
        .role("arn:aws:iam::000000000000:role/lambda-role")
        .handler("bootstrap")
        .timeout(900)
        .environment(Environment::builder().variables("MARKER", marker).build())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(hanging_function_zip(marker)))
                .build(),
        )
        .send()
        .await
        .expect("CreateFunction");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let function = lambda.get_function().function_name("hang").send().await;
        let state = function
            .ok()
            .and_then(|f| f.configuration)
            .and_then(|c| c.state);
        if state == Some(State::Active) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the function never became Active"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::spawn(async move {
        let _ = lambda.invoke().function_name("hang").send().await;
    })
}

/// `orderlab emulate --port 0` with an invocation in flight whose function started a
/// `setsid` grandchild; `signal` must stop it within 5 s with `code`, leaving no process of
/// the function and no temporary directory.
async fn emulate_stops_on(signal: i32, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let marker = unique_marker("emulate");
    let _leftovers = Leftovers(marker.clone());
    let mut child = tokio::process::Command::new(ORDERLAB)
        .args(["emulate", "--port", "0"])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stderr = drain(child.stderr.take());
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), stdout.next_line())
        .await
        .expect("emulate prints its address")
        .unwrap()
        .unwrap_or_default();
    let endpoint = first
        .split_once("listening on ")
        .map(|(_, url)| url.trim().to_owned())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    let stdout = drain(Some(stdout.into_inner()));

    let invocation = invoke_hanging_function(&endpoint, &marker).await;
    // The bootstrap shell, its `sleep 900` and the setsid `sleep 1000`.
    assert!(
        eventually(Duration::from_secs(30), || processes_with(&marker).len()
            >= 3)
        .await,
        "the function's processes never started: {:?}",
        processes_with(&marker)
    );

    send(child.id(), signal);
    let sent = Instant::now();
    let status = tokio::time::timeout(STOP_WITHIN * 2, child.wait()).await;
    let took = sent.elapsed();
    invocation.abort();
    eprintln!("orderlab emulate: signal {signal} → exit after {took:?}");
    let status = status
        .expect("orderlab emulate did not stop within 10 s")
        .unwrap();
    let (stdout, stderr) = (stdout.await.unwrap(), stderr.await.unwrap());
    assert!(took <= STOP_WITHIN, "took {took:?}; stderr: {stderr}");
    assert_eq!(
        status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        eventually(Duration::from_secs(2), || processes_with(&marker)
            .is_empty())
        .await,
        "processes of the function outlived orderlab: {:?}",
        processes_with(&marker)
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|entry| entry.ok().map(|e| e.file_name()))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_emulate_with_an_invocation_in_flight() {
    emulate_stops_on(libc::SIGTERM, 143).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_emulate_with_an_invocation_in_flight() {
    emulate_stops_on(libc::SIGINT, 130).await;
}

/// `orderlab scenario fatal-failure --real-time` spends an hour in retry back-off with its
/// Lambda processes alive; `signal` must stop it within 5 s with `code`, leaving no Lambda
/// process and no temporary directory of orderlab's.
async fn scenario_stops_on(signal: i32, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    // Lambda processes run as <TMPDIR>/orderlab-lambda-*/bootstrap.
    let marker = format!("{}/orderlab-lambda-", tmp.path().display());
    let _leftovers = Leftovers(marker.clone());
    let mut child = tokio::process::Command::new(ORDERLAB)
        .args([
            "scenario",
            "fatal-failure",
            "--real-time",
            "--timeout",
            "3600",
        ])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    // The first run builds the Lambdas, which can take minutes.
    assert!(
        eventually(Duration::from_secs(900), || !processes_with(&marker)
            .is_empty())
        .await,
        "no Lambda process started"
    );

    send(child.id(), signal);
    let sent = Instant::now();
    let status = tokio::time::timeout(STOP_WITHIN * 2, child.wait()).await;
    let took = sent.elapsed();
    eprintln!("orderlab scenario: signal {signal} → exit after {took:?}");
    let status = status
        .expect("orderlab scenario did not stop within 10 s")
        .unwrap();
    let (stdout, stderr) = (stdout.await.unwrap(), stderr.await.unwrap());
    assert!(took <= STOP_WITHIN, "took {took:?}; stderr: {stderr}");
    assert_eq!(
        status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("error fatal-failure: stopped:"),
        "the report names the stopped scenario: {stdout}"
    );
    assert!(
        eventually(Duration::from_secs(2), || processes_with(&marker)
            .is_empty())
        .await,
        "Lambda processes outlived orderlab: {:?}",
        processes_with(&marker)
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|entry| {
            entry
                .ok()
                .map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .filter(|name| name.starts_with("orderlab"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_scenario_run() {
    scenario_stops_on(libc::SIGTERM, 143).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_a_scenario_run() {
    scenario_stops_on(libc::SIGINT, 130).await;
}
