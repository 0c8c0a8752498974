//! Mutations of a valid request: bit flips, truncation, spliced bytes, JSON type swaps, deep
//! nesting, huge members, broken headers and paths, garbage bodies — and, unless turned off,
//! the attacks of issue #10 (deep or long expressions, nested intrinsics, endless loops,
//! oversized payloads, out-of-range numbers).

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::requests::{ACCOUNT, Request, authorization};

/// Applies one mutation (or none) and returns its name.
pub fn mutate(rng: &mut ChaCha8Rng, request: &mut Request, attacks: bool) -> &'static str {
    match rng.random_range(0..100) {
        0..45 => "valid",
        45..53 => {
            bit_flips(rng, &mut request.body);
            "bitflip"
        }
        53..59 => {
            let keep = rng.random_range(0..=request.body.len());
            request.body.truncate(keep);
            "truncate"
        }
        59..64 => {
            splice(rng, &mut request.body);
            "splice"
        }
        64..73 => json_edit(rng, request, type_swap, "typeswap"),
        73..77 => deep_nesting(rng, request),
        77..79 => json_edit(rng, request, huge, "huge"),
        79..85 => {
            headers(rng, request);
            "headers"
        }
        85..89 => {
            path(rng, request);
            "path"
        }
        89..92 => {
            request.body = (0..rng.random_range(0..4096))
                .map(|_| rng.random())
                .collect();
            "garbage"
        }
        92..95 => json_edit(rng, request, numbers, "numbers"),
        _ if attacks => attack(rng, request),
        _ => "valid",
    }
}

fn bit_flips(rng: &mut ChaCha8Rng, body: &mut [u8]) {
    if body.is_empty() {
        return;
    }
    for _ in 0..rng.random_range(1..8) {
        let i = rng.random_range(0..body.len());
        if let Some(byte) = body.get_mut(i) {
            *byte ^= 1 << rng.random_range(0..8);
        }
    }
}

fn splice(rng: &mut ChaCha8Rng, body: &mut Vec<u8>) {
    let at = rng.random_range(0..=body.len());
    let junk: &[&[u8]] = &[
        b"\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\\",
        b"\xff\xfe",
        b"\0",
        b"null",
        b"1e999",
        b"\"\\ud800\"",
    ];
    let insert: Vec<u8> = (0..rng.random_range(1..6))
        .flat_map(|_| junk.choose(rng).copied().unwrap_or(b"").to_vec())
        .collect();
    let end = (at + rng.random_range(0..4)).min(body.len());
    body.splice(at..end, insert);
}

/// Parses the body as JSON, edits one random node with `edit`, writes it back.
fn json_edit(
    rng: &mut ChaCha8Rng,
    request: &mut Request,
    edit: fn(&mut ChaCha8Rng, &mut Value),
    name: &'static str,
) -> &'static str {
    let Ok(mut value) = serde_json::from_slice::<Value>(&request.body) else {
        return "valid";
    };
    if let Some(node) = random_node(rng, &mut value) {
        edit(rng, node);
    }
    request.body = value.to_string().into_bytes();
    name
}

/// A random node of `value` (the root included), reached by a random walk.
fn random_node<'v>(rng: &mut ChaCha8Rng, value: &'v mut Value) -> Option<&'v mut Value> {
    let mut node = value;
    loop {
        let len = match &*node {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        if len == 0 || rng.random_bool(0.3) {
            return Some(node);
        }
        let i = rng.random_range(0..len);
        node = match node {
            Value::Object(map) => map.values_mut().nth(i)?,
            Value::Array(items) => items.get_mut(i)?,
            _ => return Some(node),
        };
    }
}

fn type_swap(rng: &mut ChaCha8Rng, node: &mut Value) {
    *node = match rng.random_range(0..7) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random_range(-5i64..100000)),
        3 => json!(-1.5e300),
        4 => json!("x"),
        5 => json!([node.clone()]),
        _ => json!({"S": node.clone()}),
    };
}

/// Wraps a random node in 64 to 10,000 arrays or objects. Built as text: a `Value` that deep
/// would overflow this driver's own stack when serialised or dropped.
fn deep_nesting(rng: &mut ChaCha8Rng, request: &mut Request) -> &'static str {
    const MARK: &str = "\u{1}deep\u{1}";
    let Ok(mut value) = serde_json::from_slice::<Value>(&request.body) else {
        return "valid";
    };
    let Some(node) = random_node(rng, &mut value) else {
        return "valid";
    };
    let inner = node.take().to_string();
    *node = json!(MARK);
    let depth = *[64usize, 200, 1_000, 10_000].choose(rng).unwrap_or(&64);
    let (open, close) = if rng.random_bool(0.5) {
        ("[", "]")
    } else {
        ("{\"a\":", "}")
    };
    let nested = format!("{}{inner}{}", open.repeat(depth), close.repeat(depth));
    let text = value
        .to_string()
        .replacen(&json!(MARK).to_string(), &nested, 1);
    request.body = text.into_bytes();
    "deepnest"
}

fn huge(rng: &mut ChaCha8Rng, node: &mut Value) {
    *node = match rng.random_range(0..3) {
        0 => json!("x".repeat(rng.random_range(100_000..4_000_000))),
        1 => Value::Array(vec![json!({"S": "v"}); rng.random_range(10_000..100_000)]),
        _ => {
            let map = (0..rng.random_range(1_000..50_000)).map(|i| (format!("k{i}"), json!(i)));
            Value::Object(map.collect())
        }
    };
}

fn numbers(rng: &mut ChaCha8Rng, node: &mut Value) {
    let text = match rng.random_range(0..6) {
        0 => "1e400".to_owned(),
        1 => "-0".to_owned(),
        2 => format!("1{}", "0".repeat(rng.random_range(38..5000))),
        3 => "0.0000000000000000000000000000000000000000001".to_owned(),
        4 => "18446744073709551616".to_owned(),
        _ => "NaN".to_owned(),
    };
    *node = match rng.random_range(0..3) {
        0 => json!({"N": text}),
        1 => json!(text),
        _ => serde_json::from_str(&text).unwrap_or(Value::Null),
    };
}

fn headers(rng: &mut ChaCha8Rng, request: &mut Request) {
    let names = ["content-type", "authorization", "x-amz-target"];
    let name = names.choose(rng).copied().unwrap_or("content-type");
    request
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    let replacement = match (name, rng.random_range(0..4)) {
        (_, 0) => return,
        ("content-type", 1) => "text/plain",
        ("content-type", 2) => "application/x-amz-json-1.1",
        ("content-type", _) => "application/x-www-form-urlencoded",
        ("authorization", 1) => "Bearer x",
        ("authorization", _) => "AWS4-HMAC-SHA256 Credential=/",
        (_, 1) => "DynamoDB_20120810.NoSuchOperation",
        (_, 2) => "AWSStepFunctions",
        _ => ".",
    };
    request
        .headers
        .push((name.to_owned(), replacement.to_owned()));
    if rng.random_bool(0.2) {
        request
            .headers
            .push(("origin".into(), "https://evil.example".into()));
    }
    if rng.random_bool(0.2) {
        request.method = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]
            .choose(rng)
            .copied()
            .unwrap_or("GET")
            .to_owned();
    }
}

fn path(rng: &mut ChaCha8Rng, request: &mut Request) {
    let junk = [
        "%", "%4", "%zz", "%E2%82", "%C3%A9", "%00", "..", "//", "é", "€", "?&&=", "#",
    ];
    let mut path = request.path.clone();
    for _ in 0..rng.random_range(1..4) {
        let piece = junk.choose(rng).copied().unwrap_or("%");
        let at = rng.random_range(1.min(path.len())..=path.len());
        let at = (at..=path.len())
            .find(|i| path.is_char_boundary(*i))
            .unwrap_or(path.len());
        path.insert_str(at, piece);
    }
    if rng.random_bool(0.3) {
        path = format!(
            "/2015-03-31/functions/{}/invocations",
            "a".repeat(rng.random_range(1..300))
        );
    }
    request.path = path;
}

/// The attacks of issue #10, each a modified copy of a valid request.
fn attack(rng: &mut ChaCha8Rng, request: &mut Request) -> &'static str {
    let depth = rng.random_range(200..5000);
    let (body, target, name): (Value, &str, &'static str) = match rng.random_range(0..10) {
        0 => (
            ddb_put(&format!(
                "{}pk = :v{}",
                "(".repeat(depth),
                ")".repeat(depth)
            )),
            "PutItem",
            "attack:parens",
        ),
        1 => (
            ddb_put(&format!("{}pk = :v", "NOT ".repeat(depth))),
            "PutItem",
            "attack:nots",
        ),
        2 => {
            let mut e = ":v".to_owned();
            for _ in 0..depth.min(2000) {
                e = format!("if_not_exists(a, {e})");
            }
            (
                ddb_update(&format!("SET a = {e}")),
                "UpdateItem",
                "attack:if_not_exists",
            )
        }
        3 => {
            let actions: Vec<String> = (0..10_000).map(|i| format!("a{i} = :v")).collect();
            (
                ddb_update(&format!("SET {}", actions.join(", "))),
                "UpdateItem",
                "attack:10k-set",
            )
        }
        4 => {
            let ors: Vec<&str> = vec!["pk = :v"; 100_000];
            (
                json!({"TableName": "soak0", "FilterExpression": ors.join(" OR "),
                    "ExpressionAttributeValues": {":v": {"S": "v"}}}),
                "Scan",
                "attack:100k-or",
            )
        }
        5 => (
            json!({"TableName": "soak0", "Item": {"pk": {"S": "big"},
                     "n": {"N": format!("1{}", "0".repeat(1_000_000))}}}),
            "PutItem",
            "attack:1M-digits",
        ),
        6 => {
            let nested = format!("{}1{}", "States.Array(".repeat(50_000), ")".repeat(50_000));
            return sfn_attack(
                request,
                json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
                "Parameters": {"x.$": nested}, "End": true}}}),
                "attack:nested-intrinsic",
            );
        }
        7 => {
            return sfn_attack(
                request,
                json!({"StartAt": "P", "States": {
                "P": {"Type": "Pass", "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}],
                      "Default": "P"},
                "Done": {"Type": "Succeed"}}}),
                "attack:endless-loop",
            );
        }
        8 => {
            return sfn_attack(
                request,
                json!({"StartAt": "W", "TimeoutSeconds": 18446744073709551615u64,
                "States": {"W": {"Type": "Wait", "Seconds": 99999999999999u64, "End": true}}}),
                "attack:huge-times",
            );
        }
        _ => {
            request.method = "POST".to_owned();
            request.path = "/2015-03-31/functions/soakf0/invocations".to_owned();
            request.headers = vec![
                ("authorization".into(), authorization("lambda")),
                ("content-type".into(), "application/json".into()),
            ];
            request.body = json!({"big": "x".repeat(7 * 1024 * 1024)})
                .to_string()
                .into_bytes();
            request.label = "lambda:Invoke".to_owned();
            return "attack:7MB-invoke";
        }
    };
    *request = json_target("dynamodb", &format!("DynamoDB_20120810.{target}"), &body);
    name
}

fn ddb_put(condition: &str) -> Value {
    json!({"TableName": "soak0", "Item": {"pk": {"S": "attack"}}, "ConditionExpression": condition,
           "ExpressionAttributeValues": {":v": {"S": "v"}}})
}

fn ddb_update(update: &str) -> Value {
    json!({"TableName": "soak0", "Key": {"pk": {"S": "attack"}}, "UpdateExpression": update,
           "ExpressionAttributeValues": {":v": {"S": "v"}}})
}

fn json_target(signing: &str, target: &str, body: &Value) -> Request {
    Request {
        label: target.to_owned(),
        method: "POST".to_owned(),
        path: "/".to_owned(),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.0".into()),
            ("x-amz-target".into(), target.to_owned()),
            ("authorization".into(), authorization(signing)),
        ],
        body: body.to_string().into_bytes(),
    }
}

/// Creates (or keeps) state machine `soak-attack` with `definition`; the driver starts an
/// execution of it right after (see `main::follow_up`).
fn sfn_attack(request: &mut Request, definition: Value, name: &'static str) -> &'static str {
    *request = json_target(
        "states",
        "AWSStepFunctions.CreateStateMachine",
        &json!({
        "name": format!("soak-attack-{}", name.trim_start_matches("attack:")),
        "definition": definition.to_string(),
        "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/soak")}),
    );
    name
}
