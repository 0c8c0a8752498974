//! The differential test's wire layer: one raw AWS JSON 1.0 request sent byte-for-byte to an
//! endpoint, and the answer reduced to what AWS defines (status, error code, message, body with
//! volatile fields — timestamps, ARNs, ids — removed and unordered collections sorted).

use serde_json::{Map, Value, json};

/// What one endpoint answered, normalised for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// Error code (the part of `__type` after `#`), when the call failed.
    pub code: Option<String>,
    pub message: Option<String>,
    pub body: Value,
}

/// A request: the operation for `X-Amz-Target` and the raw body.
#[derive(Debug, Clone)]
pub struct Request {
    pub operation: String,
    pub body: String,
}

impl Request {
    pub fn json(operation: &str, body: &Value) -> Request {
        Request {
            operation: operation.to_owned(),
            body: body.to_string(),
        }
    }
}

const FAKE_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKIDDIFFERENTIAL/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";

pub async fn send(http: &reqwest::Client, endpoint: &str, request: &Request) -> Answer {
    let response = http
        .post(endpoint)
        .header(
            "X-Amz-Target",
            format!("DynamoDB_20120810.{}", request.operation),
        )
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Date", "20260101T000000Z")
        .header("Authorization", FAKE_AUTHORIZATION)
        .body(request.body.clone())
        .send()
        .await
        .expect("endpoint answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    normalise(request, status, body)
}

fn normalise(request: &Request, status: u16, body: Value) -> Answer {
    if status >= 300 {
        let code = body
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
        let message = body
            .get("Message")
            .or_else(|| body.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut rest = body.as_object().cloned().unwrap_or_default();
        for volatile in ["__type", "Message", "message"] {
            rest.remove(volatile);
        }
        return Answer {
            status,
            code,
            message,
            body: canonical(&Value::Object(rest), &request.operation),
        };
    }
    Answer {
        status,
        code: None,
        message: None,
        body: canonical(&body, &request.operation),
    }
}

/// Fields whose values AWS does not fix (ids, times, ARNs with generated labels, statistics).
const VOLATILE: &[&str] = &[
    "CreationDateTime",
    "TableId",
    "TableArn",
    "LatestStreamArn",
    "LatestStreamLabel",
    "IndexArn",
    "LastIncreaseDateTime",
    "LastDecreaseDateTime",
    "NumberOfDecreasesToday",
    "TableSizeBytes",
    "ItemCount",
    "IndexSizeBytes",
    "TableThroughputModeSummary",
    "DeletionProtectionEnabled",
    "WarmThroughput",
    "TableClassSummary",
    "LastUpdateToPayPerRequestDateTime",
];

/// Sorts what AWS leaves unordered and drops what it leaves unspecified.
pub fn canonical(value: &Value, operation: &str) -> Value {
    let mut value = strip(value);
    if operation == "Scan" {
        sort_array(&mut value, "Items");
    }
    if operation == "BatchGetItem"
        && let Some(responses) = value.get_mut("Responses").and_then(Value::as_object_mut)
    {
        for items in responses.values_mut() {
            sort_value(items);
        }
    }
    value
}

fn strip(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                if VOLATILE.contains(&key.as_str()) {
                    continue;
                }
                let inner = &map[key];
                let stripped = match (key.as_str(), inner) {
                    ("SS" | "NS" | "BS", Value::Array(members)) => {
                        let mut sorted: Vec<Value> = members.clone();
                        sorted.sort_by_key(|v| v.to_string());
                        Value::Array(sorted)
                    }
                    _ => strip(inner),
                };
                out.insert(key.clone(), stripped);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => other.clone(),
    }
}

pub fn sort_array(value: &mut Value, field: &str) {
    if let Some(items) = value.get_mut(field) {
        sort_value(items);
    }
}

fn sort_value(items: &mut Value) {
    if let Value::Array(list) = items {
        list.sort_by_key(|v| v.to_string());
    }
}

/// A compact rendering for mismatch reports.
pub fn render(answer: &Answer) -> Value {
    json!({
        "status": answer.status,
        "code": answer.code,
        "message": answer.message,
        "body": answer.body,
    })
}
