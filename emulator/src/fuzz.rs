//! Fuzzing entry points, compiled only with the cargo feature `fuzzing` and hidden from the
//! docs: they are not part of the emulator's API. The AFL++ harnesses in `fuzz/` (a crate of
//! its own, outside the workspace) call one of these per input; `fuzz/README.md` describes the
//! input format of each and `scripts/fuzz.sh` runs them.
//!
//! Each entry point takes the fuzzer's raw bytes and drives the code a request would reach,
//! through the service's own operation dispatch where there is one (so a check added anywhere
//! on that path is fuzzed too), on a fresh set of services with a virtual clock:
//!
//! - [`dynamodb_expression`]: condition, update, filter, key-condition and projection
//!   expressions with `#name`/`:value` placeholders, evaluated against a small table.
//! - [`asl_definition`]: ValidateStateMachineDefinition and CreateStateMachine.
//! - [`sfn_paths`]: JSONPath input/output processing, payload templates and intrinsic functions.
//! - [`event_pattern`]: TestEventPattern and PutRule (pattern parser and matcher).
//! - [`protocol_json`], [`protocol_rest`], [`protocol_query`]: one request of each wire
//!   protocol, decoded and routed as the server routes it.
//!
//! The work runs on a tokio worker thread with tokio's default stack, the stack the server's
//! handlers and the executions run on, so a recursion that would overflow in the server
//! overflows here too. A panic anywhere is a crash: the harnesses install AFL's panic hook,
//! which aborts even where the emulator catches a panic.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Map, Value, json};

use crate::bus::JsonService;
use crate::clock::{Clock, ClockMode};
use crate::protocol::json::{self as json_protocol, JsonVersion};
use crate::protocol::{AwsRequest, query, rest};
use crate::sfn::asl::model::PathField;
use crate::sfn::engine::context::VARIABLES_KEY;
use crate::sfn::engine::paths;
use crate::{Context, Services};

/// The stack of the worker thread the input runs on: tokio's default (2 MiB), what every
/// request handler and execution in the server gets.
const WORKER_STACK_BYTES: usize = 2 * 1024 * 1024;

const ROLE_ARN: &str = "arn:aws:iam::000000000000:role/fuzz";

/// An SDK-shaped `Authorization` header (any credentials are accepted).
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";

/// One multi-threaded runtime with a single worker, made on first use (so after AFL's fork
/// server has forked: threads do not survive a fork).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let built = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_stack_size(WORKER_STACK_BYTES)
            .enable_all()
            .build();
        match built {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("fuzz: cannot start a tokio runtime: {err}");
                std::process::abort();
            }
        }
    })
}

/// Runs `work` to completion on the worker thread; a panic in it is raised again here.
fn run<F>(work: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = runtime();
    let task = runtime.spawn(work);
    if let Err(err) = runtime.block_on(task)
        && err.is_panic()
    {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A fresh emulator without a listener: every service, a virtual clock. Dropping it stops its
/// background runtime, so work an input left running (an execution in a `Wait`) cannot keep
/// threads alive across fuzz iterations.
fn services() -> Fixture {
    let background = match crate::background::Background::start() {
        Ok(background) => background,
        Err(err) => {
            eprintln!("fuzz: the background runtime did not start: {err}");
            std::process::abort();
        }
    };
    let ctx = Arc::new(Context {
        region: "us-east-1".to_owned(),
        account_id: "000000000000".to_owned(),
        clock: Clock::new(ClockMode::Virtual),
        sched: crate::sched::Scheduler::new(false, 0, Default::default()),
        bus: Default::default(),
        background,
        endpoint: "http://127.0.0.1:9".to_owned(),
        function_faults: Default::default(),
        state_mocks: Default::default(),
        callbacks: Default::default(),
        strict_aws: None,
        ids: crate::ids::Ids::new(0),
    });
    Fixture {
        services: Services::new(&ctx, &Arc::default()),
        ctx,
    }
}

/// One fuzz iteration's services; see [`services`].
struct Fixture {
    services: Arc<Services>,
    ctx: Arc<Context>,
}

impl std::ops::Deref for Fixture {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.ctx.background.stop();
    }
}

/// A fixture step that must succeed, or the target would fuzz nothing: abort loudly.
fn must(step: &str, result: Result<Value, crate::protocol::AwsError>) {
    if let Err(err) = result {
        eprintln!("fuzz: fixture step {step} failed: {err:?}");
        std::process::abort();
    }
}

fn text_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// `first line`, `rest` (the rest empty when there is no newline).
fn split_line(text: &str) -> (&str, &str) {
    text.split_once('\n').unwrap_or((text, ""))
}

// ---------------------------------------------------------------------------------------------
// DynamoDB expressions

/// Input: a first line naming the expression kind (`condition`, `update`, `filter`, `key`,
/// `projection`), the expression on the following lines; or `request OPERATION` and a JSON
/// request body. Without a known kind the whole input is a ConditionExpression. The
/// placeholders of [`ddb_names`] and [`ddb_values`] that the expression mentions are defined.
pub fn dynamodb_expression(data: &[u8]) {
    let text = text_of(data);
    run(async move {
        let services = services();
        let db = services.dynamodb.clone();
        ddb_fixture(&*db).await;
        let (first, rest) = split_line(&text);
        if let Some(operation) = first.strip_prefix("request ") {
            let input = serde_json::from_str(rest).unwrap_or(Value::Null);
            let _ = db.call(operation.trim(), input).await;
            return;
        }
        let (kind, expression) = match first.trim() {
            kind @ ("condition" | "update" | "filter" | "key" | "projection") => (kind, rest),
            _ => ("condition", text.as_str()),
        };
        for (operation, request) in ddb_requests(kind, expression) {
            let _ = db.call(operation, request).await;
        }
    });
}

/// Table `tab` (pk S, sk S; index `byKind` on kind) with three items of every attribute type.
async fn ddb_fixture(db: &dyn JsonService) {
    let table = json!({
        "TableName": "tab",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"}
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}
        ],
        "GlobalSecondaryIndexes": [{
            "IndexName": "byKind",
            "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}
        }],
        "BillingMode": "PAY_PER_REQUEST"
    });
    must("CreateTable", db.call("CreateTable", table).await);
    for (pk, sk) in [("a", "1"), ("a", "2"), ("b", "1")] {
        let item = json!({
            "pk": {"S": pk}, "sk": {"S": sk}, "kind": {"S": "k"}, "a": {"S": "x"},
            "n": {"N": "5"}, "status": {"S": "PENDING"}, "flag": {"BOOL": true},
            "nul": {"NULL": true}, "bin": {"B": "AQI="}, "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]},
            "l": {"L": [{"N": "1"}, {"S": "y"}, {"M": {"z": {"N": "3"}}}]},
            "m": {"M": {"x": {"N": "2"}, "y": {"L": [{"S": "p"}]}, "d": {"M": {"e": {"S": "f"}}}}}
        });
        must(
            "PutItem",
            db.call("PutItem", json!({"TableName": "tab", "Item": item}))
                .await,
        );
    }
}

/// The `#name` placeholders an expression may use.
fn ddb_names() -> Map<String, Value> {
    let names = [
        ("#a", "a"),
        ("#n", "n"),
        ("#pk", "pk"),
        ("#sk", "sk"),
        ("#k", "kind"),
        ("#l", "l"),
        ("#m", "m"),
        ("#s", "status"),
        ("#x", "x"),
        ("#dot", "a.b"),
    ];
    names
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

/// The `:value` placeholders an expression may use: one of every attribute type.
fn ddb_values() -> Map<String, Value> {
    let values = json!({
        ":s": {"S": "x"}, ":v": {"S": "PENDING"}, ":pk": {"S": "a"}, ":sk": {"S": "1"},
        ":k": {"S": "k"}, ":n": {"N": "1"}, ":q": {"N": "2"}, ":big": {"N": "9.9E+125"},
        ":t": {"BOOL": true}, ":null": {"NULL": true}, ":b": {"B": "AQI="},
        ":ss": {"SS": ["a", "c"]}, ":ns": {"NS": ["3"]}, ":bs": {"BS": ["Ag=="]},
        ":l": {"L": [{"N": "1"}, {"S": "y"}]}, ":e": {"L": []},
        ":m": {"M": {"x": {"N": "2"}}}, ":ty": {"S": "N"}
    });
    match values {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Every `#word` / `:word` token of `expression`.
fn placeholder_tokens(expression: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut rest = expression;
    while let Some(start) = rest.find(['#', ':']) {
        let after = rest.get(start + 1..).unwrap_or_default();
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        tokens.extend(rest.get(start..start + 1 + len));
        rest = after.get(len..).unwrap_or_default();
    }
    tokens
}

/// The requests that put `expression` where `kind` says, each with the placeholders it uses.
fn ddb_requests(kind: &str, expression: &str) -> Vec<(&'static str, Value)> {
    let key = json!({"pk": {"S": "a"}, "sk": {"S": "1"}});
    let mut requests = match kind {
        "update" => vec![(
            "UpdateItem",
            json!({"TableName": "tab", "Key": key, "UpdateExpression": expression, "ReturnValues": "ALL_NEW"}),
        )],
        "filter" => vec![(
            "Scan",
            json!({"TableName": "tab", "FilterExpression": expression}),
        )],
        "key" => vec![
            (
                "Query",
                json!({"TableName": "tab", "KeyConditionExpression": expression}),
            ),
            (
                "Query",
                json!({"TableName": "tab", "IndexName": "byKind", "KeyConditionExpression": expression}),
            ),
        ],
        "projection" => vec![
            (
                "GetItem",
                json!({"TableName": "tab", "Key": key, "ProjectionExpression": expression}),
            ),
            (
                "Scan",
                json!({"TableName": "tab", "ProjectionExpression": expression}),
            ),
        ],
        _ => vec![
            (
                "UpdateItem",
                json!({"TableName": "tab", "Key": key, "ConditionExpression": expression}),
            ),
            (
                "DeleteItem",
                json!({"TableName": "tab", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}, "ConditionExpression": expression}),
            ),
        ],
    };
    let (names, values) = (ddb_names(), ddb_values());
    let tokens = placeholder_tokens(expression);
    let used = |all: &Map<String, Value>| -> Map<String, Value> {
        (all.iter())
            .filter(|(k, _)| tokens.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (names, values) = (used(&names), used(&values));
    for (_, request) in &mut requests {
        if !names.is_empty() {
            request["ExpressionAttributeNames"] = Value::Object(names.clone());
        }
        if !values.is_empty() {
            request["ExpressionAttributeValues"] = Value::Object(values.clone());
        }
    }
    requests
}

// ---------------------------------------------------------------------------------------------
// Step Functions

/// Input: a state machine definition (any text). Runs ValidateStateMachineDefinition and
/// CreateStateMachine on it, the code the API runs.
pub fn asl_definition(data: &[u8]) {
    let definition = text_of(data);
    run(async move {
        let services = services();
        let sfn = services.sfn.clone();
        let _ = (sfn)
            .call(
                "ValidateStateMachineDefinition",
                json!({ "definition": definition }),
            )
            .await;
        let _ = (sfn)
            .call(
                "CreateStateMachine",
                json!({"name": "fuzz", "definition": definition, "roleArn": ROLE_ARN}),
            )
            .await;
    });
}

/// The state input paths read when the fuzz input brings none.
fn sfn_input() -> Value {
    json!({
        "a": {"b": [1, 2, {"c": "d"}], "e": "text", "f": null},
        "n": 3, "s": "a,b,c", "l": [3, 1, 2, 2], "o": {"k": "v"},
        "items": [{"id": 1, "price": 5}, {"id": 2, "price": 15}],
        "json": "{\"x\": [1, 2]}", "b64": "aGVsbG8="
    })
}

/// A context object with one variable, `$v`.
fn sfn_context() -> Value {
    json!({
        "Execution": {"Id": "arn:aws:states:us-east-1:000000000000:execution:m:e", "Name": "e",
                      "Input": {"a": 1}, "StartTime": "2026-01-01T00:00:00.000Z"},
        "State": {"Name": "S", "EnteredTime": "2026-01-01T00:00:00.000Z", "RetryCount": 0},
        "StateMachine": {"Id": "arn:aws:states:us-east-1:000000000000:stateMachine:m", "Name": "m"},
        "Map": {"Item": {"Index": 0, "Value": 1}},
        VARIABLES_KEY: {"v": {"w": [1, 2]}}
    })
}

/// Input: a JSON object is a payload template (Parameters, ResultSelector, …) instantiated
/// against the default input; anything else is a path or intrinsic call on its first line and,
/// optionally, the state input as JSON on the following lines. The expression is evaluated as
/// a `.$` value and used as InputPath, ResultPath and OutputPath.
pub fn sfn_paths(data: &[u8]) {
    let text = text_of(data);
    run(async move {
        let context = sfn_context();
        if let Ok(template @ Value::Object(_)) = serde_json::from_str::<Value>(&text) {
            let _ = paths::apply_template(&template, &sfn_input(), &context);
            return;
        }
        let (expression, rest) = split_line(&text);
        let input = serde_json::from_str(rest).unwrap_or_else(|_| sfn_input());
        let _ = paths::evaluate_expression(expression, "Field.$", &input, &context);
        let field = PathField::Path(expression.to_owned());
        let _ = paths::apply_input_path(&field, "InputPath", &input, &context);
        let _ = paths::apply_result_path(&field, &input, json!({"r": [1]}));
        let _ = paths::apply_output_path(&field, &input, &context);
    });
}

// ---------------------------------------------------------------------------------------------
// EventBridge

/// The event a pattern is tested against when the input brings none (or an incomplete one).
fn default_event() -> Map<String, Value> {
    let event = json!({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "OrderCreated", "source": "alex.orders", "account": "000000000000",
        "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": ["arn:aws:x"],
        "detail": {"orderId": "o-1", "total": 199.99, "items": [{"sku": "A", "qty": 2}],
                   "customer": {"email": "a@example.com", "ip": "10.0.0.1"}, "flag": true,
                   "none": null}
    });
    match event {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Input: an event pattern on the first line, optionally an event (JSON) on the following
/// lines; the event's missing envelope fields are filled in. Runs TestEventPattern and PutRule.
pub fn event_pattern(data: &[u8]) {
    let text = text_of(data);
    run(async move {
        let services = services();
        let events = services.events.clone();
        let (pattern, event_text) = split_line(&text);
        let mut event = default_event();
        if let Ok(Value::Object(given)) = serde_json::from_str::<Value>(event_text) {
            event.extend(given);
        }
        let test = json!({"EventPattern": pattern, "Event": Value::Object(event).to_string()});
        let _ = events.call("TestEventPattern", test).await;
        let rule = json!({"Name": "fuzz", "EventPattern": pattern});
        let _ = events.call("PutRule", rule).await;
    });
}

// ---------------------------------------------------------------------------------------------
// Wire protocols

fn headers(content_type: &'static str, target: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("authorization", HeaderValue::from_static(AUTHORIZATION));
    if let Some(value) = target.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert("x-amz-target", value);
    }
    headers
}

/// Input: the `X-Amz-Target` value (`DynamoDB_20120810.PutItem`, …) on the first line, the
/// body after it. Decoded and routed as the server does.
pub fn protocol_json(data: &[u8]) {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (target, body) = data.split_at(split);
    let target = text_of(target);
    let request = AwsRequest {
        method: Method::POST,
        path: "/".to_owned(),
        query: String::new(),
        headers: headers("application/x-amz-json-1.0", Some(target.trim())),
        body: Bytes::copy_from_slice(body.get(1..).unwrap_or_default()),
    };
    run(route_fresh(request));
}

/// Input: `METHOD /path?query` on the first line (the request target as raw bytes, parsed as
/// the HTTP server parses it), the JSON body after it.
pub fn protocol_rest(data: &[u8]) {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (line, body) = data.split_at(split);
    let space = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let (method, target) = line.split_at(space);
    let Ok(method) = Method::from_bytes(method) else {
        return;
    };
    let Ok(uri) = http::Uri::try_from(target.get(1..).unwrap_or_default()) else {
        return;
    };
    let request = AwsRequest {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers: headers("application/json", None),
        body: Bytes::copy_from_slice(body.get(1..).unwrap_or_default()),
    };
    run(route_fresh(request));
}

/// Input: a form-encoded query-protocol body (`Action=SendEmail&…`), POSTed to `/`.
pub fn protocol_query(data: &[u8]) {
    let request = AwsRequest {
        method: Method::POST,
        path: "/".to_owned(),
        query: String::new(),
        headers: headers("application/x-www-form-urlencoded; charset=utf-8", None),
        body: Bytes::copy_from_slice(data),
    };
    run(route_fresh(request));
}

/// Routes `request` on a fresh emulator and stops its Lambda processes (if one was started).
async fn route_fresh(request: AwsRequest) {
    let services = services();
    let _ = request.query_params();
    let _ = rest::segments(&request.path);
    route(&services, &request).await;
    services.lambda.shutdown().await;
}

/// The server's routing (`server::route`, private to the server) in the same order: control
/// routes → API Gateway invocations → `X-Amz-Target` → REST paths → form bodies.
async fn route(services: &Services, request: &AwsRequest) {
    if request.path.starts_with("/_aws/") || request.path.starts_with("/_orderlab/") {
        crate::control::handle(services, request).await;
    } else if crate::apigateway::is_invocation(&request.path) {
        services.apigateway.invoke_http(request).await;
    } else if let Some((prefix, operation)) = request.target() {
        let (service, version): (&dyn JsonService, JsonVersion) = match prefix {
            "DynamoDB_20120810" => (&*services.dynamodb, JsonVersion::V1_0),
            "DynamoDBStreams_20120810" => (&*services.dynamodb_streams, JsonVersion::V1_0),
            "AWSStepFunctions" => (&*services.sfn, JsonVersion::V1_0),
            "AWSEvents" => (&*services.events, JsonVersion::V1_1),
            _ => return,
        };
        let result = match json_protocol::parse_body(request) {
            Ok(input) => service.call(operation, input).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(output) => json_protocol::ok(version, &output),
            Err(err) => json_protocol::error(version, "", &err),
        };
    } else if crate::lambda::owns_path(&request.path) {
        let _ = rest::parse_body(request);
        services.lambda.handle_http(request).await;
    } else if crate::apigateway::owns_path(&request.path) {
        services.apigateway.handle_http(request).await;
    } else if request.is_form() {
        let _ = query::QueryParams::parse(request).to_json();
        services.ses.handle_http(request).await;
    }
}
