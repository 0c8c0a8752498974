//! `orderlab-test-lambda`: a tiny Lambda Runtime API client for the emulator's own tests.
//!
//! Why it exists: the emulator's Lambda runs a zip's `bootstrap` as a real process that speaks
//! the Runtime API. Its integration tests need such a bootstrap that builds with the emulator
//! package alone and behaves on demand, so it uses nothing but std (`TcpStream`, HTTP/1.1).
//!
//! For each event it:
//! - `{"fail": "msg"}` → posts an error (`errorType` "TestError");
//! - `{"exit": N}` → exits with status N mid-invocation;
//! - `{"sleep_ms": N}` → sleeps, then answers `{"pid", "slept_ms"}`;
//! - `{"hold": "DIR"}` → creates `DIR/started.<pid>`, waits (at most 60 s) until `DIR/release`
//!   exists, then answers `{"pid", "held": true}` (a function that blocks until released);
//! - `{"touch": "PATH"}` → creates the file PATH, then answers `{"pid", "touched": true}`;
//! - `{"whoami": true}` → answers `{"pid", "env": {…all its environment…}}`;
//! - an API Gateway proxy event (has `"httpMethod"`) → `{"statusCode": 200, "headers":
//!   {"x-test-lambda": "yes"}, "body": <the event as text>}`, except paths containing
//!   `/fail` (an error) and `/malformed` (an answer without `statusCode`);
//! - anything else → answers the event unchanged.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn main() {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!("AWS_LAMBDA_RUNTIME_API is not set");
        std::process::exit(2);
    };
    loop {
        let Some((request_id, event)) = next(&api) else {
            std::process::exit(3);
        };
        handle(&api, &request_id, &event);
    }
}

fn handle(api: &str, request_id: &str, event: &str) {
    let pid = std::process::id();
    if event.contains("\"httpMethod\"") {
        proxy(api, request_id, event);
    } else if let Some(message) = string_field(event, "fail") {
        let body = format!(
            r#"{{"errorMessage":{},"errorType":"TestError","stackTrace":[]}}"#,
            quote(&message)
        );
        post(
            api,
            &format!("/2018-06-01/runtime/invocation/{request_id}/error"),
            &body,
        );
    } else if let Some(code) = number_field(event, "exit") {
        std::process::exit(code as i32);
    } else if let Some(ms) = number_field(event, "sleep_ms") {
        std::thread::sleep(Duration::from_millis(ms));
        respond(
            api,
            request_id,
            &format!(r#"{{"pid":{pid},"slept_ms":{ms}}}"#),
        );
    } else if let Some(dir) = string_field(event, "hold") {
        hold(std::path::Path::new(&dir));
        respond(api, request_id, &format!(r#"{{"pid":{pid},"held":true}}"#));
    } else if let Some(path) = string_field(event, "touch") {
        let _ = std::fs::write(&path, b"");
        respond(
            api,
            request_id,
            &format!(r#"{{"pid":{pid},"touched":true}}"#),
        );
    } else if event.contains("\"whoami\"") {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let pairs: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
            .collect();
        respond(
            api,
            request_id,
            &format!(r#"{{"pid":{pid},"env":{{{}}}}}"#, pairs.join(",")),
        );
    } else {
        respond(api, request_id, event);
    }
}

/// Marks this process as started in `dir`, then waits for `dir/release` (bounded).
fn hold(dir: &std::path::Path) {
    let _ = std::fs::write(dir.join(format!("started.{}", std::process::id())), b"");
    for _ in 0..6_000 {
        if dir.join("release").exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn proxy(api: &str, request_id: &str, event: &str) {
    if event.contains("/fail") {
        let body = r#"{"errorMessage":"proxy failure","errorType":"TestError"}"#;
        post(
            api,
            &format!("/2018-06-01/runtime/invocation/{request_id}/error"),
            body,
        );
    } else if event.contains("/malformed") {
        respond(api, request_id, r#"{"nope": true}"#);
    } else {
        let body = format!(
            r#"{{"statusCode":200,"headers":{{"x-test-lambda":"yes"}},"body":{}}}"#,
            quote(event)
        );
        respond(api, request_id, &body);
    }
}

fn respond(api: &str, request_id: &str, body: &str) {
    post(
        api,
        &format!("/2018-06-01/runtime/invocation/{request_id}/response"),
        body,
    );
}

/// Long-polls for the next event: (request id, body).
fn next(api: &str) -> Option<(String, String)> {
    let (head, body) = exchange(api, "GET", "/2018-06-01/runtime/invocation/next", "")?;
    let request_id = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("lambda-runtime-aws-request-id")
            .then(|| value.trim().to_owned())
    })?;
    Some((request_id, body))
}

fn post(api: &str, path: &str, body: &str) {
    let _ = exchange(api, "POST", path, body);
}

/// One HTTP/1.1 request with `Connection: close`; returns (head, body).
fn exchange(api: &str, method: &str, path: &str, body: &str) -> Option<(String, String)> {
    let mut stream = TcpStream::connect(api).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 2") {
        return None;
    }
    Some((head.to_owned(), body.to_owned()))
}

/// The string value of a top-level `"name": "…"` (enough for the test events).
fn string_field(event: &str, name: &str) -> Option<String> {
    let rest = after_key(event, name)?;
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The integer value of a top-level `"name": N`.
fn number_field(event: &str, name: &str) -> Option<u64> {
    let rest = after_key(event, name)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn after_key<'a>(event: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("\"{name}\"");
    let rest = &event[event.find(&key)? + key.len()..];
    Some(rest.trim_start().strip_prefix(':')?.trim_start())
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
