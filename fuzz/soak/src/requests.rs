//! Valid, SDK-shaped requests for every service the emulator serves, drawn from a bounded set
//! of resource names (so the emulator's state stays bounded however long the soak runs), and
//! the ids the emulator handed out (REST API ids, execution ARNs) learned from its answers.

use std::sync::Mutex;

use base64::Engine as _;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";

/// One HTTP request, as bytes on the wire will carry it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `service:Operation`, with the mutation applied appended by the caller.
    pub label: String,
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An SDK-looking SigV4 header for `service` (the emulator accepts any credentials).
pub fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

fn json_request(signing: &str, version: &str, target: &str, body: &Value) -> Request {
    Request {
        label: target.to_owned(),
        method: "POST".to_owned(),
        path: "/".to_owned(),
        headers: vec![
            (
                "content-type".into(),
                format!("application/x-amz-json-{version}"),
            ),
            ("x-amz-target".into(), target.to_owned()),
            ("authorization".into(), authorization(signing)),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn ddb(operation: &str, body: Value) -> Request {
    json_request(
        "dynamodb",
        "1.0",
        &format!("DynamoDB_20120810.{operation}"),
        &body,
    )
}

fn sfn(operation: &str, body: Value) -> Request {
    json_request(
        "states",
        "1.0",
        &format!("AWSStepFunctions.{operation}"),
        &body,
    )
}

fn events(operation: &str, body: Value) -> Request {
    json_request("events", "1.1", &format!("AWSEvents.{operation}"), &body)
}

fn rest(signing: &str, method: &str, path: String, body: Option<Value>) -> Request {
    let mut headers = vec![("authorization".to_owned(), authorization(signing))];
    if body.is_some() {
        headers.push(("content-type".into(), "application/json".into()));
    }
    Request {
        label: format!(
            "{signing}:{method} {}",
            path.split('?').next().unwrap_or("")
        ),
        method: method.to_owned(),
        path,
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    }
}

fn ses(params: &[(&str, String)]) -> Request {
    let body: String = form_encode(params);
    let action = params.first().map(|(_, v)| v.clone()).unwrap_or_default();
    Request {
        label: format!("ses:{action}"),
        method: "POST".to_owned(),
        path: "/".to_owned(),
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
            ("authorization".into(), authorization("email")),
        ],
        body: body.into_bytes(),
    }
}

fn form_encode(params: &[(&str, String)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let pairs: Vec<String> = (params.iter())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.join("&")
}

/// What the emulator handed out that later requests refer to; each list is bounded.
#[derive(Default)]
pub struct Known {
    rest_apis: Mutex<Vec<(String, String)>>,
    executions: Mutex<Vec<String>>,
}

const KNOWN_CAP: usize = 64;

fn remember<T>(list: &Mutex<Vec<T>>, item: T) {
    let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
    if list.len() >= KNOWN_CAP {
        list.remove(0);
    }
    list.push(item);
}

fn recall<T: Clone>(list: &Mutex<Vec<T>>, rng: &mut ChaCha8Rng) -> Option<T> {
    let list = list.lock().unwrap_or_else(|e| e.into_inner());
    list.choose(rng).cloned()
}

impl Known {
    /// Learns ids from a 2xx answer to `request`.
    pub fn learn(&self, request: &Request, answer: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(answer) else {
            return;
        };
        if let Some(arn) = value["executionArn"].as_str() {
            remember(&self.executions, arn.to_owned());
        }
        if request.method == "POST"
            && request.path == "/restapis"
            && let (Some(id), Some(root)) = (value["id"].as_str(), value["rootResourceId"].as_str())
        {
            remember(&self.rest_apis, (id.to_owned(), root.to_owned()));
        }
    }
}

/// A random valid request of a random service.
pub fn any(rng: &mut ChaCha8Rng, known: &Known) -> Request {
    match rng.random_range(0..100) {
        0..35 => dynamodb(rng),
        35..55 => step_functions(rng, known),
        55..70 => eventbridge(rng),
        70..82 => lambda(rng),
        82..92 => apigateway(rng, known),
        _ => email(rng),
    }
}

// --- DynamoDB ------------------------------------------------------------------------------

fn table(rng: &mut ChaCha8Rng) -> String {
    format!("soak{}", rng.random_range(0..4))
}

fn key(rng: &mut ChaCha8Rng) -> Value {
    json!({"pk": {"S": format!("k{}", rng.random_range(0..300))}})
}

/// A random attribute value (nested up to `depth`).
pub fn attr(rng: &mut ChaCha8Rng, depth: u32) -> Value {
    let kinds = if depth == 0 { 6 } else { 9 };
    match rng.random_range(0..kinds) {
        0 => json!({"S": format!("s{}", rng.random_range(0..1000))}),
        1 => json!({"N": format!("{}", rng.random_range(-1000i64..1000))}),
        2 => json!({"BOOL": rng.random_bool(0.5)}),
        3 => json!({"NULL": true}),
        4 => json!({"SS": ["a", format!("b{}", rng.random_range(0..9))]}),
        5 => json!({"B": "AQID"}),
        6 => json!({"NS": ["1", format!("{}", rng.random_range(2..9))]}),
        7 => {
            json!({"L": (0..rng.random_range(0..4)).map(|_| attr(rng, depth - 1)).collect::<Vec<_>>()})
        }
        _ => json!({"M": {"x": attr(rng, depth - 1), "y": attr(rng, depth - 1)}}),
    }
}

fn item(rng: &mut ChaCha8Rng) -> Value {
    let mut item = key(rng);
    item["n"] = json!({"N": format!("{}", rng.random_range(0..100))});
    item["g"] = json!({"S": format!("g{}", rng.random_range(0..5))});
    for name in ["a", "b", "c"] {
        if rng.random_bool(0.6) {
            item[name] = attr(rng, 2);
        }
    }
    item
}

const UPDATES: &[&str] = &[
    "SET a = :v",
    "SET n = if_not_exists(n, :zero) + :one",
    "ADD c :one",
    "REMOVE a, b",
    "SET l = list_append(if_not_exists(l, :empty), :list)",
    "SET m = :map, n = n - :one",
];

const CONDITIONS: &[&str] = &[
    "attribute_not_exists(pk)",
    "attribute_exists(pk) AND n < :hundred",
    "size(a) > :zero OR attribute_type(a, :type)",
    "NOT begins_with(g, :prefix)",
];

fn values() -> Value {
    json!({
        ":v": {"S": "v"}, ":one": {"N": "1"}, ":zero": {"N": "0"}, ":hundred": {"N": "100"},
        ":empty": {"L": []}, ":list": {"L": [{"N": "1"}]}, ":map": {"M": {"k": {"S": "v"}}},
        ":type": {"S": "S"}, ":prefix": {"S": "g1"}
    })
}

/// The `values()` entries that `expression` uses.
fn used_values(expressions: &[&str]) -> Value {
    let all = values();
    let mut used = serde_json::Map::new();
    if let Some(all) = all.as_object() {
        for (k, v) in all {
            let uses = |e: &&str| {
                e.match_indices(k.as_str()).any(|(i, _)| {
                    !e[i + k.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
                })
            };
            if expressions.iter().any(uses) {
                used.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(used)
}

fn with_expressions(mut body: Value, members: &[(&str, &str)]) -> Value {
    let expressions: Vec<&str> = members.iter().map(|(_, e)| *e).collect();
    for (member, expression) in members {
        body[*member] = json!(expression);
    }
    let values = used_values(&expressions);
    if values.as_object().is_some_and(|v| !v.is_empty()) {
        body["ExpressionAttributeValues"] = values;
    }
    body
}

fn dynamodb(rng: &mut ChaCha8Rng) -> Request {
    let t = table(rng);
    match rng.random_range(0..20) {
        0 => ddb(
            "CreateTable",
            json!({
                "TableName": t, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "g", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [{"IndexName": "byG",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}],
                "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
            }),
        ),
        1 => ddb("DescribeTable", json!({"TableName": t})),
        2 => ddb("ListTables", json!({"Limit": rng.random_range(1..10)})),
        3..=5 => {
            let body = json!({"TableName": t, "Item": item(rng)});
            if rng.random_bool(0.3) {
                ddb(
                    "PutItem",
                    with_expressions(
                        body,
                        &[(
                            "ConditionExpression",
                            CONDITIONS.choose(rng).copied().unwrap_or(""),
                        )],
                    ),
                )
            } else {
                ddb("PutItem", body)
            }
        }
        6 | 7 => ddb(
            "GetItem",
            json!({"TableName": t, "Key": key(rng), "ConsistentRead": true}),
        ),
        8 | 9 => {
            let update = UPDATES.choose(rng).copied().unwrap_or("SET a = :v");
            let body = json!({"TableName": t, "Key": key(rng), "ReturnValues": "ALL_NEW"});
            ddb(
                "UpdateItem",
                with_expressions(body, &[("UpdateExpression", update)]),
            )
        }
        10 => ddb("DeleteItem", json!({"TableName": t, "Key": key(rng)})),
        11 | 12 => {
            let body = json!({"TableName": t, "Limit": rng.random_range(1..50),
                              "ExpressionAttributeValues": {":p": key(rng)["pk"]}});
            let mut body = with_expressions(body, &[("KeyConditionExpression", "pk = :p")]);
            body["ExpressionAttributeValues"][":p"] = key(rng)["pk"].clone();
            ddb("Query", body)
        }
        13 => {
            let body = json!({"TableName": t, "IndexName": "byG",
                              "ExpressionAttributeValues": {":g": {"S": "g1"}}});
            let mut body = with_expressions(body, &[("KeyConditionExpression", "g = :g")]);
            body["ExpressionAttributeValues"][":g"] = json!({"S": "g1"});
            ddb("Query", body)
        }
        14 | 15 => {
            let body = json!({"TableName": t, "Limit": rng.random_range(1..100)});
            if rng.random_bool(0.5) {
                ddb(
                    "Scan",
                    with_expressions(body, &[("FilterExpression", "n < :hundred")]),
                )
            } else {
                ddb("Scan", body)
            }
        }
        16 => {
            let puts: Vec<Value> = (0..rng.random_range(1..25))
                .map(|_| json!({"PutRequest": {"Item": item(rng)}}))
                .collect();
            ddb("BatchWriteItem", json!({"RequestItems": {t: puts}}))
        }
        17 => {
            let keys: Vec<Value> = (0..rng.random_range(1..20))
                .map(|i| json!({"pk": {"S": format!("k{i}")}}))
                .collect();
            ddb("BatchGetItem", json!({"RequestItems": {t: {"Keys": keys}}}))
        }
        18 => ddb(
            "TransactWriteItems",
            json!({"TransactItems": [
                {"Put": {"TableName": t, "Item": item(rng)}},
                {"Update": with_expressions(json!({"TableName": t, "Key": {"pk": {"S": "k-tx"}}}),
                                            &[("UpdateExpression", "ADD c :one")])}
            ]}),
        ),
        _ => match rng.random_range(0..4) {
            0 => ddb("DeleteTable", json!({"TableName": t})),
            1 => json_request(
                "dynamodb",
                "1.0",
                "DynamoDBStreams_20120810.ListStreams",
                &json!({}),
            ),
            2 => ddb("DescribeTimeToLive", json!({"TableName": t})),
            _ => ddb(
                "UpdateTimeToLive",
                json!({"TableName": t,
                "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "ttl"}}),
            ),
        },
    }
}

// --- Step Functions ------------------------------------------------------------------------

fn machine_arn(i: u32) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:soakm{i}")
}

/// State machines that finish (or wait a little): every state type, both query languages.
fn definition(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..8) {
        0 => json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"s.$": "States.Format('n={}', $.n)",
                  "a.$": "States.Array($.n, 1, 'x')", "sum.$": "States.MathAdd($.n, 1)",
                  "parts.$": "States.StringSplit('a,b,c', ',')"}, "ResultPath": "$.p", "Next": "Q"},
            "Q": {"Type": "Pass", "Result": {"done": true}, "End": true}}}),
        1 => json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 50, "Next": "Big"},
                {"And": [{"Variable": "$.n", "IsPresent": true}, {"Variable": "$.n", "NumericLessThan": 10}], "Next": "Small"}],
                  "Default": "Mid"},
            "Big": {"Type": "Succeed"}, "Small": {"Type": "Fail", "Error": "Small", "Cause": "n < 10"},
            "Mid": {"Type": "Pass", "End": true}}}),
        2 => json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
            "MaxConcurrency": 2, "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
            "End": true}}}),
        3 => {
            json!({"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": true}}}]}}})
        }
        4 => json!({"StartAt": "Put", "States": {"Put": {"Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "soak0", "Item": {"pk": {"S.$": "States.Format('sfn{}', $.n)"}}},
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
            "End": true}, "Caught": {"Type": "Pass", "End": true}}}),
        5 => json!({"StartAt": "L", "States": {"L": {"Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "soakf0", "Payload.$": "$"}, "TimeoutSeconds": 5,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}}),
        6 => json!({"QueryLanguage": "JSONata", "StartAt": "J", "States": {"J": {"Type": "Pass",
            "Output": "{% {'double': $states.input.n * 2, 'items': $count($states.input.items)} %}",
            "Assign": {"seen": "{% $states.input.n %}"}, "End": true}}}),
        _ => json!({"StartAt": "E", "States": {"E": {"Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "soak", "DetailType": "FromSfn", "Detail": {"n.$": "$.n"}}]},
            "End": true}}}),
    }
}

fn execution_input(rng: &mut ChaCha8Rng) -> String {
    let items: Vec<u32> = (0..rng.random_range(0..5)).collect();
    json!({"n": rng.random_range(0..100), "items": items}).to_string()
}

fn step_functions(rng: &mut ChaCha8Rng, known: &Known) -> Request {
    let i = rng.random_range(0..6);
    let role = format!("arn:aws:iam::{ACCOUNT}:role/soak");
    match rng.random_range(0..14) {
        0 | 1 => sfn(
            "CreateStateMachine",
            json!({"name": format!("soakm{i}"),
            "definition": definition(rng).to_string(), "roleArn": role}),
        ),
        2 => sfn(
            "UpdateStateMachine",
            json!({"stateMachineArn": machine_arn(i),
            "definition": definition(rng).to_string()}),
        ),
        3 => sfn(
            "DescribeStateMachine",
            json!({"stateMachineArn": machine_arn(i)}),
        ),
        4 => sfn(
            "ListStateMachines",
            json!({"maxResults": rng.random_range(1..20)}),
        ),
        5 => sfn(
            "ValidateStateMachineDefinition",
            json!({"definition": definition(rng).to_string()}),
        ),
        6..=8 => sfn(
            "StartExecution",
            json!({"stateMachineArn": machine_arn(i),
            "name": format!("e{}", rng.random_range(0..200)), "input": execution_input(rng)}),
        ),
        9 | 10 => match recall(&known.executions, rng) {
            Some(arn) => sfn("DescribeExecution", json!({"executionArn": arn})),
            None => sfn("ListExecutions", json!({"stateMachineArn": machine_arn(i)})),
        },
        11 => match recall(&known.executions, rng) {
            Some(arn) => sfn(
                "GetExecutionHistory",
                json!({"executionArn": arn, "maxResults": 100}),
            ),
            None => sfn("ListStateMachines", json!({})),
        },
        12 => match recall(&known.executions, rng) {
            Some(arn) => sfn(
                "StopExecution",
                json!({"executionArn": arn, "error": "Soak"}),
            ),
            None => sfn("ListStateMachines", json!({})),
        },
        _ => sfn(
            "DeleteStateMachine",
            json!({"stateMachineArn": machine_arn(i)}),
        ),
    }
}

// --- EventBridge ---------------------------------------------------------------------------

const PATTERNS: &[&str] = &[
    r#"{"source": ["soak"]}"#,
    r#"{"source": [{"prefix": "so"}], "detail": {"n": [{"numeric": [">", 10]}]}}"#,
    r#"{"detail-type": [{"anything-but": "X"}], "detail": {"k": [{"exists": true}]}}"#,
    r#"{"$or": [{"source": ["a"]}, {"detail": {"n": [1, 2, 3]}}]}"#,
];

fn eventbridge(rng: &mut ChaCha8Rng) -> Request {
    let rule = format!("soakr{}", rng.random_range(0..8));
    let pattern = PATTERNS.choose(rng).copied().unwrap_or("{}");
    match rng.random_range(0..12) {
        0 | 1 => events("PutRule", json!({"Name": rule, "EventPattern": pattern})),
        2 => events(
            "PutTargets",
            json!({"Rule": rule, "Targets": [
            {"Id": "m", "Arn": machine_arn(rng.random_range(0..6)),
             "RoleArn": format!("arn:aws:iam::{ACCOUNT}:role/soak"), "InputPath": "$.detail"}]}),
        ),
        3 => events(
            "PutTargets",
            json!({"Rule": rule, "Targets": [
            {"Id": "f", "Arn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:soakf0")}]}),
        ),
        4..=6 => {
            let entries: Vec<Value> = (0..rng.random_range(1..10))
                .map(|_| {
                    json!({"Source": "soak", "DetailType": "T",
                    "Detail": json!({"n": rng.random_range(0..20), "k": "v"}).to_string()})
                })
                .collect();
            events("PutEvents", json!({"Entries": entries}))
        }
        7 => events("DescribeRule", json!({"Name": rule})),
        8 => events("ListRules", json!({"NamePrefix": "soak"})),
        9 => events(
            "TestEventPattern",
            json!({"EventPattern": pattern, "Event": json!({
            "id": "1", "account": ACCOUNT, "source": "soak", "time": "2026-01-01T00:00:00Z",
            "region": REGION, "detail-type": "T", "detail": {"n": 11, "k": "v"}}).to_string()}),
        ),
        10 => events("RemoveTargets", json!({"Rule": rule, "Ids": ["m", "f"]})),
        _ => events("DeleteRule", json!({"Name": rule})),
    }
}

// --- Lambda --------------------------------------------------------------------------------

/// A deployment package whose `bootstrap` exits at once (the invocation fails; the emulator
/// must start and reap the process all the same).
pub fn zip_file() -> String {
    use std::io::Write as _;
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
        if zip.start_file("bootstrap", options).is_ok() {
            let _ = zip.write_all(b"#!/bin/sh\nexit 0\n");
        }
        let _ = zip.finish();
    }
    base64::engine::general_purpose::STANDARD.encode(buffer.into_inner())
}

fn lambda(rng: &mut ChaCha8Rng) -> Request {
    let f = format!("soakf{}", rng.random_range(0..3));
    let base = "/2015-03-31/functions";
    match rng.random_range(0..10) {
        0 => rest(
            "lambda",
            "POST",
            base.to_owned(),
            Some(json!({
            "FunctionName": f, "Runtime": "provided.al2023", "Handler": "bootstrap",
            "Role": format!("arn:aws:iam::{ACCOUNT}:role/soak"), "Timeout": 3,
            "Code": {"ZipFile": zip_file()}})),
        ),
        1 => rest("lambda", "GET", format!("{base}/{f}"), None),
        2 => rest("lambda", "GET", format!("{base}/{f}/configuration"), None),
        3 => rest(
            "lambda",
            "PUT",
            format!("{base}/{f}/configuration"),
            Some(json!({
            "Timeout": rng.random_range(1..10), "Environment": {"Variables": {"K": "v"}}})),
        ),
        4 => rest(
            "lambda",
            "GET",
            format!("{base}?MaxItems={}", rng.random_range(1..20)),
            None,
        ),
        5 | 6 => {
            let mut request = rest(
                "lambda",
                "POST",
                format!("{base}/{f}/invocations"),
                Some(json!({"n": rng.random_range(0..10)})),
            );
            if rng.random_bool(0.3) {
                request
                    .headers
                    .push(("x-amz-invocation-type".into(), "Event".into()));
            }
            request
        }
        7 => rest(
            "lambda",
            "POST",
            format!("{base}/{f}/policy"),
            Some(json!({
            "StatementId": format!("s{}", rng.random_range(0..3)), "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com"})),
        ),
        8 => rest(
            "lambda",
            "GET",
            "/2015-03-31/event-source-mappings".to_owned(),
            None,
        ),
        _ => rest("lambda", "DELETE", format!("{base}/{f}"), None),
    }
}

// --- API Gateway ---------------------------------------------------------------------------

fn apigateway(rng: &mut ChaCha8Rng, known: &Known) -> Request {
    let Some((api, root)) = recall(&known.rest_apis, rng) else {
        return rest(
            "apigateway",
            "POST",
            "/restapis".to_owned(),
            Some(json!({"name": "soak"})),
        );
    };
    let base = format!("/restapis/{api}");
    match rng.random_range(0..9) {
        0 => rest("apigateway", "GET", "/restapis".to_owned(), None),
        1 => rest("apigateway", "GET", format!("{base}/resources"), None),
        2 => rest(
            "apigateway",
            "POST",
            format!("{base}/resources/{root}"),
            Some(json!({"pathPart": format!("p{}", rng.random_range(0..3))})),
        ),
        3 => rest(
            "apigateway",
            "PUT",
            format!("{base}/resources/{root}/methods/POST"),
            Some(json!({"authorizationType": "NONE"})),
        ),
        4 => rest(
            "apigateway",
            "PUT",
            format!("{base}/resources/{root}/methods/POST/integration"),
            Some(json!({"type": "AWS_PROXY", "httpMethod": "POST",
                "uri": format!("arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:{ACCOUNT}:function:soakf0/invocations")})),
        ),
        5 => rest(
            "apigateway",
            "POST",
            format!("{base}/deployments"),
            Some(json!({"stageName": "prod"})),
        ),
        6 | 7 => {
            let mut request = rest(
                "apigateway",
                "POST",
                format!("{base}/prod/_user_request_/?q={}", rng.random_range(0..9)),
                Some(json!({"order": rng.random_range(0..9)})),
            );
            request.label = "apigateway:invoke".to_owned();
            request
        }
        _ => match rng.random_range(0..4) {
            0 => rest("apigateway", "DELETE", base, None),
            _ => rest("apigateway", "GET", format!("{base}/stages"), None),
        },
    }
}

// --- SES -----------------------------------------------------------------------------------

fn email(rng: &mut ChaCha8Rng) -> Request {
    let address = format!("a{}@example.com", rng.random_range(0..4));
    let version = ("Version", "2010-12-01".to_owned());
    match rng.random_range(0..6) {
        0 => ses(&[
            ("Action", "VerifyEmailIdentity".into()),
            ("EmailAddress", address),
            version,
        ]),
        1 | 2 => ses(&[
            ("Action", "SendEmail".into()),
            ("Source", address),
            ("Destination.ToAddresses.member.1", "to@example.com".into()),
            (
                "Message.Subject.Data",
                format!("Order {}", rng.random_range(0..100)),
            ),
            ("Message.Body.Text.Data", "Thanks".into()),
            version,
        ]),
        3 => ses(&[("Action", "ListIdentities".into()), version]),
        4 => ses(&[
            ("Action", "GetIdentityVerificationAttributes".into()),
            ("Identities.member.1", address),
            version,
        ]),
        _ => ses(&[
            ("Action", "SendRawEmail".into()),
            ("Source", address),
            (
                "RawMessage.Data",
                base64::engine::general_purpose::STANDARD
                    .encode("Subject: hi\r\nTo: to@example.com\r\n\r\nbody"),
            ),
            version,
        ]),
    }
}
