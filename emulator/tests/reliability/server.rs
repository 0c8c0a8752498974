//! Reliability: server. What a browser, a DNS-rebinding page or a careless client sends to the
//! listener: unsigned requests (finding 5), foreign `Host`s and web-page `Origin`s (finding 5),
//! JSON requests without their content type (finding 5), control routes without JSON
//! (finding 5), raw UTF-8 in a REST path (finding 9). Each test also checks that the emulator
//! still serves afterwards. (A handler panic becoming a 500 `InternalFailure` is tested on the
//! middleware itself, in `server.rs`'s unit tests: no request reaches a panic any more.)

use std::net::SocketAddr;
use std::time::Duration;

use aws_sdk_lambda::Client as Lambda;
use orderlab_emulator::{Config, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support;

const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=00";

/// One HTTP/1.1 exchange over a fresh connection: `head` is the request line and headers
/// (without the blank line); returns (status, head and body as text).
async fn raw(addr: SocketAddr, head: &[u8], body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = head.to_vec();
    request.extend_from_slice(
        format!(
            "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    stream.write_all(&request).await.expect("send");
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
    read.await.expect("an answer in time").expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer (connection dropped?): {text:?}"));
    (status, text)
}

/// The emulator still answers a signed SDK call.
async fn still_serves(emulator: &Emulator) {
    let lambda = Lambda::new(&support::sdk_config(emulator).await);
    let functions = lambda.list_functions().send().await.expect("ListFunctions");
    assert!(functions.functions().is_empty(), "{functions:?}");
}

/// The drive-by attack: a page `fetch`es a `text/plain` POST (no preflight) to create a
/// function. Unsigned, it is refused as Lambda refuses it, and nothing is created.
#[tokio::test]
async fn a_browser_simple_post_cannot_create_a_function() {
    let emulator = support::start().await;
    let zip = base64_zip();
    let body = format!(
        r#"{{"FunctionName":"pwn","Role":"arn:aws:iam::000000000000:role/r","Runtime":"provided.al2023","Handler":"x","Code":{{"ZipFile":"{zip}"}}}}"#
    );
    let head = format!(
        "POST /2015-03-31/functions HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain;charset=UTF-8",
        emulator.addr()
    );
    let (status, text) = raw(emulator.addr(), head.as_bytes(), body.as_bytes()).await;
    assert_eq!(status, 403, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("x-amzn-errortype: missingauthenticationtokenexception"),
        "{text}"
    );
    assert!(
        text.ends_with(r#"{"message":"Missing Authentication Token"}"#),
        "{text}"
    );
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

fn base64_zip() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(support::zip_with("bootstrap", b"#!/bin/sh\n"))
}

#[tokio::test]
async fn unsigned_requests_get_each_protocols_missing_token_error() {
    let emulator = support::start().await;
    let host = format!("Host: {}", emulator.addr());
    let dynamodb = format!(
        "POST / HTTP/1.1\r\n{host}\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Content-Type: application/x-amz-json-1.0"
    );
    let (status, text) = raw(emulator.addr(), dynamodb.as_bytes(), b"{}").await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.ends_with(
            r#"{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}"#
        ),
        "{text}"
    );

    let ses =
        format!("POST / HTTP/1.1\r\n{host}\r\nContent-Type: application/x-www-form-urlencoded");
    let (status, text) = raw(emulator.addr(), ses.as_bytes(), b"Action=ListIdentities").await;
    assert_eq!(status, 403, "{text}");
    assert!(
        text.contains("<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message>"),
        "{text}"
    );

    let apigateway = format!("GET /restapis HTTP/1.1\r\n{host}");
    let (status, text) = raw(emulator.addr(), apigateway.as_bytes(), b"").await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("Missing Authentication Token"), "{text}");

    // A presigned query string counts as signed.
    let presigned = format!(
        "GET /2015-03-31/functions?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Flambda%2Faws4_request&X-Amz-Signature=00 HTTP/1.1\r\n{host}"
    );
    let (status, text) = raw(emulator.addr(), presigned.as_bytes(), b"").await;
    assert_eq!(status, 200, "{text}");
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn json_protocols_demand_their_content_type() {
    let emulator = support::start().await;
    let host = format!("Host: {}", emulator.addr());
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/x-amz-json-1.1",
    ] {
        let head = format!(
            "POST / HTTP/1.1\r\n{host}\r\nX-Amz-Target: DynamoDB_20120810.CreateTable\r\n\
             Authorization: {SIGNED}\r\nContent-Type: {content_type}"
        );
        let (status, text) = raw(emulator.addr(), head.as_bytes(), b"{}").await;
        assert_eq!(status, 404, "{content_type}: {text}");
        assert!(text.ends_with("<UnknownOperationException/>\n"), "{text}");
    }
    let get = format!(
        "GET / HTTP/1.1\r\n{host}\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n\
         Authorization: {SIGNED}"
    );
    let (status, _) = raw(emulator.addr(), get.as_bytes(), b"").await;
    assert_eq!(status, 404);
    for (target, content_type) in [
        ("DynamoDB_20120810.ListTables", "application/x-amz-json-1.0"),
        ("DynamoDB_20120810.ListTables", "application/json"),
        ("AWSEvents.ListEventBuses", "application/x-amz-json-1.1"),
    ] {
        let head = format!(
            "POST / HTTP/1.1\r\n{host}\r\nX-Amz-Target: {target}\r\n\
             Authorization: {SIGNED}\r\nContent-Type: {content_type}; charset=utf-8"
        );
        let (status, text) = raw(emulator.addr(), head.as_bytes(), b"{}").await;
        assert_eq!(status, 200, "{target} {content_type}: {text}");
    }
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// DNS rebinding (a foreign `Host`) and web pages (any `Origin`, `null` included) are refused
/// on every kind of route: AWS APIs, control routes and API Gateway invocations.
#[tokio::test]
async fn foreign_hosts_and_web_pages_are_refused_on_every_route() {
    let emulator = support::start().await;
    let addr = emulator.addr();
    let routes: [(&str, &str); 4] = [
        ("GET /_orderlab/health HTTP/1.1", ""),
        ("GET /2015-03-31/functions HTTP/1.1", ""),
        ("POST /restapis/a/b/_user_request_/orders HTTP/1.1", ""),
        (
            "POST / HTTP/1.1",
            "\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0",
        ),
    ];
    let port = addr.port();
    for (line, extra) in routes {
        for headers in [
            format!("Host: attacker.example:{port}"),
            format!("Host: 127.0.0.1.nip.io:{port}"),
            format!("Host: 127.0.0.1:{port}\r\nOrigin: https://attacker.example"),
            format!("Host: localhost:{port}\r\nOrigin: null"),
        ] {
            let head = format!("{line}\r\n{headers}\r\nAuthorization: {SIGNED}{extra}");
            let (status, text) = raw(addr, head.as_bytes(), b"{}").await;
            assert_eq!(status, 403, "{head}: {text}");
            assert!(text.contains("AccessDeniedException"), "{text}");
            assert!(text.contains("orderlab refused this request"), "{text}");
        }
    }
    // Loopback names in all their forms are served.
    for host in [
        format!("localhost:{port}"),
        format!("api.localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.9.9.9:{port}"),
        format!("[::1]:{port}"),
    ] {
        let head = format!("GET /_orderlab/health HTTP/1.1\r\nHost: {host}");
        let (status, text) = raw(addr, head.as_bytes(), b"").await;
        assert_eq!(status, 200, "{host}: {text}");
    }
    // The JSON error has the JSON protocol's shape.
    let head =
        "POST / HTTP/1.1\r\nHost: evil.example\r\nX-Amz-Target: DynamoDB_20120810.ListTables";
    let (_, text) = raw(addr, head.as_bytes(), b"{}").await;
    assert!(
        text.contains(r#""__type":"com.amazon.coral.service#AccessDeniedException""#),
        "{text}"
    );
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn allowed_hosts_and_origins_are_served() {
    let emulator = Emulator::start(Config {
        allow_hosts: vec!["box.lan".into()],
        allow_origins: vec!["https://console.example".into()],
        ..Config::default()
    })
    .await
    .expect("emulator starts");
    let addr = emulator.addr();
    for headers in [
        format!("Host: box.lan:{}", addr.port()),
        "Host: BOX.LAN".to_owned(),
        "Host: localhost\r\nOrigin: https://console.example".to_owned(),
    ] {
        let head = format!("GET /_orderlab/health HTTP/1.1\r\n{headers}");
        let (status, text) = raw(addr, head.as_bytes(), b"").await;
        assert_eq!(status, 200, "{headers}: {text}");
    }
    for headers in [
        "Host: other.lan",
        "Host: box.lan\r\nOrigin: https://other.example",
    ] {
        let head = format!("GET /_orderlab/health HTTP/1.1\r\n{headers}");
        let (status, _) = raw(addr, head.as_bytes(), b"").await;
        assert_eq!(status, 403, "{headers}");
    }
    emulator.shutdown().await;
}

/// JSON bodies nest at most 128 deep (serde_json's recursion limit): deeper is AWS's
/// `SerializationException`, never a stack overflow; an Invoke payload is checked without
/// recursing at all.
#[tokio::test]
async fn deeply_nested_json_bodies_are_serialization_errors() {
    let emulator = support::start().await;
    let host = format!("Host: {}", emulator.addr());
    let depth = 100_000;
    let body = format!(
        r#"{{"TableName":{}1{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let head = format!(
        "POST / HTTP/1.1\r\n{host}\r\nX-Amz-Target: DynamoDB_20120810.DescribeTable\r\n\
         Authorization: {SIGNED}\r\nContent-Type: application/x-amz-json-1.0"
    );
    let (status, text) = raw(emulator.addr(), head.as_bytes(), body.as_bytes()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("SerializationException"), "{text}");
    let invoke = format!(
        "POST /2015-03-31/functions/f/invocations HTTP/1.1\r\n{host}\r\nAuthorization: {SIGNED}"
    );
    // Lambda only checks that a payload is JSON (without recursing) and passes it on as is.
    let (status, text) = raw(emulator.addr(), invoke.as_bytes(), body.as_bytes()).await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("ResourceNotFoundException"), "{text}");
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// `POST /_orderlab/faults` takes only JSON, so a page cannot send it without a preflight.
#[tokio::test]
async fn control_routes_demand_json() {
    let emulator = support::start().await;
    let url = format!("{}/_orderlab/faults", emulator.endpoint());
    let http = reqwest::Client::new();
    let document = r#"{"Functions": {"f": {"0": {"Return": {"ok": true}}}}}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = http.post(&url).body(document);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let answer = request.send().await.expect("POST");
        assert_eq!(answer.status(), 415, "{content_type:?}");
        assert_eq!(
            answer.headers()["x-amzn-errortype"],
            "UnsupportedMediaTypeException"
        );
    }
    let accepted = http
        .post(&url)
        .header("content-type", "application/json")
        .body(document)
        .send()
        .await
        .expect("POST");
    assert_eq!(accepted.status(), 204);
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// Finding 9: a raw (not percent-encoded) UTF-8 byte after `%` in a REST path made the path
/// decoder slice inside a character and panic, dropping the connection.
#[tokio::test]
async fn raw_utf8_in_a_rest_path_is_an_aws_error_not_a_panic() {
    let emulator = support::start().await;
    let addr = emulator.addr();
    for path in [
        "/2015-03-31/functions/%\u{e9}/configuration",
        "/2015-03-31/functions/%4\u{e9}/configuration",
        "/2015-03-31/functions/\u{e9}%/configuration",
    ] {
        let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {SIGNED}");
        let (status, text) = raw(addr, head.as_bytes(), b"").await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(text.contains("ResourceNotFoundException"), "{text}");
        assert!(text.contains("Function not found"), "{text}");
    }
    let head = format!(
        "GET /restapis/%\u{e9}/%\u{e9}/resources HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {SIGNED}"
    );
    let (status, text) = raw(addr, head.as_bytes(), b"").await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("NotFoundException"), "{text}");
    still_serves(&emulator).await;
    emulator.shutdown().await;
}
