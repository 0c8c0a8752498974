//! Task: calls a resource and records its Task*/LambdaFunction* events.
//!
//! Resources: `arn:aws:states:::lambda:invoke` (output wraps the payload with SDK metadata),
//! a plain Lambda ARN (output is the payload), `arn:aws:states:::dynamodb:<op>` and
//! `arn:aws:states:::events:putEvents` (output is the service's response), and
//! `arn:aws:states:::aws-sdk:<service>:<action>` ([`super::sdk`]). Errors become
//! `Lambda.<Code>` / `DynamoDB.<Code>` / `EventBridge.<Code>`; a failed function's error is
//! its payload's `errorType`. `TimeoutSeconds` of a request-response call is wall time (like a
//! Lambda's own timeout).
//!
//! The callback pattern (`lambda:invoke`, `events:putEvents` and `aws-sdk:…` with the
//! `.waitForTaskToken` suffix): the Task opens a task token (`$$.Task.Token`), makes its call,
//! records `TaskSubmitted` with the call's answer, then waits on the emulator's clock for the
//! token to be settled ([`super::callback`]): `TaskSucceeded` with SendTaskSuccess's output,
//! `TaskFailed` with SendTaskFailure's error and cause, or `TaskTimedOut` (`States.Timeout`)
//! when `TimeoutSeconds` pass or no heartbeat came within `HeartbeatSeconds`. A mocked callback
//! Task (MockConfigFile, TestState's `mock`) answers with the mock and does not wait.
//! `TaskScheduled` shows `timeoutInSeconds` and `heartbeatInSeconds` when the Task has them;
//! the heartbeat is enforced while a callback waits (a request-response call sends none).

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::callback::{self, Ended};
use super::dataflow::Extra;
use super::limits;
use super::paths::{self, to_text};
use super::{Engine, Failure, Origin, StateRun, Step};
use crate::bus::{Invocation, Service};
use crate::protocol::AwsError;
use crate::sfn::asl::model::Dynamic;
use crate::sfn::history::{EventType, not_truncated};

/// The suffix of the callback service integration pattern.
const CALLBACK: &str = ".waitForTaskToken";

/// What a Task's `Resource` names.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    LambdaInvoke,
    LambdaFunction(String),
    Service {
        service: Service,
        /// `dynamodb`, `events`: history's resourceType.
        resource_type: &'static str,
        /// `updateItem`: history's resource.
        action: String,
        /// `DynamoDB`: the prefix of error names.
        error_prefix: &'static str,
    },
    /// `arn:aws:states:::aws-sdk:<service>:<action>` ([`super::sdk`]).
    Sdk {
        service: String,
        action: String,
    },
    /// Another integration: runs only where a MockConfigFile test case mocks the state.
    Unsupported {
        resource_type: String,
        action: String,
    },
}

impl Target {
    /// History's `resourceType` and `resource` (the action, with the pattern's suffix).
    fn names(&self, callback: bool) -> (String, String) {
        let suffix = if callback { CALLBACK } else { "" };
        match self {
            Target::LambdaInvoke => ("lambda".to_owned(), format!("invoke{suffix}")),
            Target::LambdaFunction(arn) => ("lambda".to_owned(), arn.clone()),
            Target::Service {
                resource_type,
                action,
                ..
            } => ((*resource_type).to_owned(), format!("{action}{suffix}")),
            Target::Sdk { service, action } => {
                (format!("aws-sdk:{service}"), format!("{action}{suffix}"))
            }
            Target::Unsupported {
                resource_type,
                action,
            } => (resource_type.clone(), action.clone()),
        }
    }
}

/// The target and whether the Task waits for a callback (`.waitForTaskToken` on an
/// integration that runs here: Lambda `invoke`, EventBridge `putEvents`, SDK integrations;
/// on another one the whole resource is only mockable).
fn parse_target(resource: &str) -> Option<(Target, bool)> {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        let (integration, full_action) = rest.split_once(':')?;
        let (action, callback) = match full_action.strip_suffix(CALLBACK) {
            Some(action) => (action, true),
            None => (full_action, false),
        };
        let service = |service, resource_type, error_prefix| Target::Service {
            service,
            resource_type,
            action: action.to_owned(),
            error_prefix,
        };
        let target = match integration {
            "lambda" if action == "invoke" => Target::LambdaInvoke,
            "dynamodb" if !callback => service(Service::DynamoDb, "dynamodb", "DynamoDB"),
            "events" if !callback || action == "putEvents" => {
                service(Service::EventBridge, "events", "EventBridge")
            }
            "aws-sdk" => sdk_target(action),
            _ => Target::Unsupported {
                resource_type: integration.to_owned(),
                action: full_action.to_owned(),
            },
        };
        let callback = callback && !matches!(target, Target::Unsupported { .. });
        return Some((target, callback));
    }
    let parts: Vec<&str> = resource.split(':').collect();
    (parts.len() >= 7 && parts.get(2) == Some(&"lambda") && parts.get(5) == Some(&"function"))
        .then(|| (Target::LambdaFunction(resource.to_owned()), false))
}

/// `dynamodb:putItem` (after `aws-sdk:`, without a `.waitForTaskToken` suffix); another
/// pattern suffix (`.sync`) is not run here, so such a resource is only mockable.
fn sdk_target(rest: &str) -> Target {
    match rest.split_once(':') {
        Some((service, action)) if !action.contains('.') && !action.contains(':') => Target::Sdk {
            service: service.to_owned(),
            action: action.to_owned(),
        },
        _ => Target::Unsupported {
            resource_type: "aws-sdk".to_owned(),
            action: rest.to_owned(),
        },
    }
}

/// A Task's `TimeoutSeconds` and `HeartbeatSeconds` as its definition gives them.
pub struct Times<'a> {
    pub timeout: Option<&'a Dynamic<u64>>,
    pub heartbeat: Option<&'a Dynamic<u64>>,
}

/// `TimeoutSeconds` and `HeartbeatSeconds` for this run.
#[derive(Clone, Copy)]
struct Seconds {
    timeout: Option<u64>,
    heartbeat: Option<u64>,
}

/// A Task's `field` (`TimeoutSeconds`, `HeartbeatSeconds`) in seconds for this run, if it has
/// one: the number, or what its `…Path` or JSONata expression yields (a positive integer).
fn resolve_seconds(
    engine: &Engine,
    run: &StateRun<'_>,
    given: Option<&Dynamic<u64>>,
    field: &str,
) -> Result<Option<u64>, Failure> {
    let value = match given {
        None => return Ok(None),
        Some(Dynamic::Literal(seconds)) => return Ok(Some(*seconds)),
        Some(Dynamic::Path(path)) => {
            let context = run.context(&engine.info, None);
            paths::read(path, &format!("{field}Path"), &run.input, &context)
                .map_err(|e| run.fail(e))?
        }
        Some(Dynamic::Jsonata(expr)) => run.jsonata_template(
            engine,
            &Value::String(expr.clone()),
            field,
            Extra::default(),
        )?,
    };
    match value.as_u64().filter(|s| *s > 0) {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(run.fail(paths::PathError::runtime(format!(
            "The {field} value must be a positive integer, but was: {}",
            to_text(&value)
        )))),
    }
}

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    resource: &str,
    times: Times<'_>,
) -> Result<Step, Failure> {
    let seconds = Seconds {
        timeout: resolve_seconds(engine, run, times.timeout, "TimeoutSeconds")?,
        heartbeat: resolve_seconds(engine, run, times.heartbeat, "HeartbeatSeconds")?,
    };
    let (target, is_callback) = parse_target(resource)
        .filter(|(target, _)| {
            !matches!(target, Target::Unsupported { .. }) || crate::sfn::mock::covers(engine, run)
        })
        .ok_or_else(|| unsupported(run, resource))?;
    // The token is open from before Parameters are evaluated ($$.Task.Token) to the Task's end.
    let token = is_callback.then(|| callback::open(engine));
    run.task_token = token.as_ref().map(|token| token.text.clone());
    let parameters = engine.effective_input(run)?;
    let call = call_target(engine, run, &target, parameters, seconds, token.as_ref());
    let result = match seconds.timeout {
        // A callback's TimeoutSeconds is its wait's deadline, on the emulator's clock.
        Some(timeout) if token.is_none() => engine
            .ctx
            .clock
            .real_timeout(Duration::from_secs(timeout), call)
            .await
            .unwrap_or_else(|_| Err(Failure::of_integration("States.Timeout", ""))),
        _ => call.await,
    };
    let result = result.map_err(|failure| failure.raised_by_resource(resource))?;
    let output = engine.state_output(run, result)?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

fn unsupported(run: &StateRun<'_>, resource: &str) -> Failure {
    run.fail(paths::PathError::runtime(format!(
        "The resource '{resource}' is not supported by this emulator"
    )))
}

async fn call_target(
    engine: &Engine,
    run: &mut StateRun<'_>,
    target: &Target,
    parameters: Value,
    seconds: Seconds,
    token: Option<&callback::Token>,
) -> Result<Value, Failure> {
    if let Target::LambdaFunction(arn) = target {
        return call_lambda_function(engine, run, arn, parameters, seconds).await;
    }
    let (kind, action) = target.names(token.is_some());
    record_scheduled(engine, run, (&kind, &action), &parameters, seconds);
    let started = engine.ctx.clock.now();
    let mocked = crate::sfn::mock::response(engine, run);
    let waits = token.filter(|_| mocked.is_none());
    if waits.is_some() && crate::sfn::test_state::scope::active() {
        let failure = run.fail(paths::PathError::runtime(
            "TestState does not wait for a task token: mock the state to test a '.waitForTaskToken' Task",
        ));
        record_outcome(engine, run, &kind, &action, &Err(failure.clone()));
        return Err(failure);
    }
    let result = match mocked {
        Some(mocked) => mocked,
        None => call_resource(engine, run, target, parameters).await,
    };
    let result = within_quota(result, &kind);
    match (waits, result) {
        (Some(token), Ok(submitted)) => {
            record_submitted(engine, run, (&kind, &action), &submitted);
            let limits = callback::Limits {
                started,
                timeout: seconds.timeout,
                heartbeat: seconds.heartbeat,
            };
            await_callback(engine, run, token, (&kind, &action), &limits).await
        }
        (_, result) => {
            record_outcome(engine, run, &kind, &action, &result);
            result
        }
    }
}

/// The call itself (not mocked).
async fn call_resource(
    engine: &Engine,
    run: &StateRun<'_>,
    target: &Target,
    parameters: Value,
) -> Result<Value, Failure> {
    match target {
        Target::LambdaInvoke => lambda_invoke(engine, &parameters).await,
        Target::Service {
            service,
            action,
            error_prefix,
            ..
        } => service_call(engine, *service, action, error_prefix, parameters).await,
        Target::Sdk { service, action } => {
            super::sdk::call(engine, service, action, parameters).await
        }
        Target::Unsupported {
            resource_type,
            action,
        } => {
            let resource = format!("arn:aws:states:::{resource_type}:{action}");
            Err(unsupported(run, &resource))
        }
        Target::LambdaFunction(arn) => invoke(engine, arn, &parameters)
            .await
            .map(|invocation| parse_payload(&invocation.payload)),
    }
}

/// Waits for the callback and records how the Task ended: TaskSucceeded, TaskFailed or
/// TaskTimedOut (nothing when the execution itself ended meanwhile: its own event follows).
async fn await_callback(
    engine: &Engine,
    run: &mut StateRun<'_>,
    token: &callback::Token,
    (kind, action): (&str, &str),
    limits: &callback::Limits,
) -> Result<Value, Failure> {
    match callback::wait(engine, token, limits).await {
        Ended::Settled(Err(failure)) if failure.origin == Origin::Execution => Err(failure),
        Ended::Settled(result) => {
            let result = within_quota(result, kind);
            record_outcome(engine, run, kind, action, &result);
            result
        }
        Ended::TimedOut(failure) => {
            let mut details = failure.details();
            if let Some(object) = details.as_object_mut() {
                object.insert("resourceType".into(), json!(kind));
                object.insert("resource".into(), json!(action));
            }
            engine.record(
                &mut run.previous,
                EventType::TaskTimedOut,
                Some(("taskTimedOutEventDetails", details)),
            );
            Err(failure)
        }
    }
}

/// A result over the payload quota (or nested too deeply to handle) fails the Task with
/// `States.DataLimitExceeded`, naming the resource as AWS does: `lambda` for
/// `lambda:invoke`, the function ARN for a Lambda resource.
fn within_quota(result: Result<Value, Failure>, resource: &str) -> Result<Value, Failure> {
    match result {
        Ok(value) if limits::too_deep(&value) || limits::too_large(&value) => {
            Err(limits::data_limit_exceeded(resource))
        }
        other => other,
    }
}

fn record_scheduled(
    engine: &Engine,
    run: &mut StateRun<'_>,
    (kind, action): (&str, &str),
    parameters: &Value,
    seconds: Seconds,
) {
    let mut details = json!({
        "resourceType": kind,
        "resource": action,
        "region": engine.ctx.region,
        "parameters": to_text(parameters),
    });
    if let Some(object) = details.as_object_mut() {
        if let Some(timeout) = seconds.timeout {
            object.insert("timeoutInSeconds".into(), json!(timeout));
        }
        if let Some(heartbeat) = seconds.heartbeat {
            object.insert("heartbeatInSeconds".into(), json!(heartbeat));
        }
    }
    engine.record(
        &mut run.previous,
        EventType::TaskScheduled,
        Some(("taskScheduledEventDetails", details)),
    );
    engine.record(
        &mut run.previous,
        EventType::TaskStarted,
        Some((
            "taskStartedEventDetails",
            json!({ "resourceType": kind, "resource": action }),
        )),
    );
}

/// TaskSubmitted: a callback Task's call answered; the Task now waits for its token.
fn record_submitted(
    engine: &Engine,
    run: &mut StateRun<'_>,
    (kind, action): (&str, &str),
    output: &Value,
) {
    engine.record(
        &mut run.previous,
        EventType::TaskSubmitted,
        Some((
            "taskSubmittedEventDetails",
            json!({
                "resourceType": kind,
                "resource": action,
                "output": to_text(output),
                "outputDetails": not_truncated(),
            }),
        )),
    );
}

fn record_outcome(
    engine: &Engine,
    run: &mut StateRun<'_>,
    kind: &str,
    action: &str,
    result: &Result<Value, Failure>,
) {
    let mut details = match result {
        Ok(output) => json!({ "output": to_text(output), "outputDetails": not_truncated() }),
        Err(failure) => failure.details(),
    };
    if let Some(object) = details.as_object_mut() {
        object.insert("resourceType".into(), json!(kind));
        object.insert("resource".into(), json!(action));
    }
    let (event_type, key) = match result {
        Ok(_) => (EventType::TaskSucceeded, "taskSucceededEventDetails"),
        Err(_) => (EventType::TaskFailed, "taskFailedEventDetails"),
    };
    engine.record(&mut run.previous, event_type, Some((key, details)));
}

async fn call_lambda_function(
    engine: &Engine,
    run: &mut StateRun<'_>,
    arn: &str,
    input: Value,
    seconds: Seconds,
) -> Result<Value, Failure> {
    let mut details =
        json!({ "resource": arn, "input": to_text(&input), "inputDetails": not_truncated() });
    if let (Some(timeout), Some(object)) = (seconds.timeout, details.as_object_mut()) {
        object.insert("timeoutInSeconds".into(), json!(timeout));
    }
    engine.record(
        &mut run.previous,
        EventType::LambdaFunctionScheduled,
        Some(("lambdaFunctionScheduledEventDetails", details)),
    );
    engine.record(&mut run.previous, EventType::LambdaFunctionStarted, None);
    let result = match crate::sfn::mock::response(engine, run) {
        Some(mocked) => mocked,
        None => invoke(engine, arn, &input)
            .await
            .map(|invocation| parse_payload(&invocation.payload)),
    };
    let result = within_quota(result, arn);
    let (event_type, key, details) = match &result {
        Ok(output) => (
            EventType::LambdaFunctionSucceeded,
            "lambdaFunctionSucceededEventDetails",
            json!({ "output": to_text(output), "outputDetails": not_truncated() }),
        ),
        Err(failure) => (
            EventType::LambdaFunctionFailed,
            "lambdaFunctionFailedEventDetails",
            failure.details(),
        ),
    };
    engine.record(&mut run.previous, event_type, Some((key, details)));
    result
}

/// Invokes `function` with `payload`; a function error or bus error becomes a Failure.
async fn invoke(engine: &Engine, function: &str, payload: &Value) -> Result<Invocation, Failure> {
    let body = Bytes::from(to_text(payload));
    let invocation = engine
        .integrations
        .invoke(function, body)
        .await
        .map_err(|err| aws_failure("Lambda", &err))?;
    if invocation.function_error.is_some() {
        return Err(function_failure(&invocation.payload));
    }
    Ok(invocation)
}

/// A failed function: error = the payload's `errorType` (else Lambda.Unknown), cause = the
/// payload text.
pub fn function_failure(payload: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(payload).into_owned();
    let error = serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|doc| doc.get("errorType")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "Lambda.Unknown".to_owned());
    Failure::of_integration(error, text)
}

fn aws_failure(prefix: &str, err: &AwsError) -> Failure {
    Failure::of_integration(format!("{prefix}.{}", err.code), err.message.clone())
}

fn parse_payload(payload: &[u8]) -> Value {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()))
}

async fn lambda_invoke(engine: &Engine, parameters: &Value) -> Result<Value, Failure> {
    let function = parameters
        .get("FunctionName")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Failure::of_integration(
                "States.Runtime",
                "The field 'FunctionName' is required for arn:aws:states:::lambda:invoke",
            )
        })?;
    let payload = parameters.get("Payload").cloned().unwrap_or(json!({}));
    let invocation = invoke(engine, function, &payload).await?;
    Ok(invoke_output(engine, &invocation))
}

/// The `lambda:invoke` result: the payload wrapped in the SDK's response metadata.
fn invoke_output(engine: &Engine, invocation: &Invocation) -> Value {
    let request_id = super::entropy::current().ids.uuid().to_string();
    let date = http_date(engine.ctx.clock.now());
    json!({
        "ExecutedVersion": invocation.executed_version,
        "Payload": parse_payload(&invocation.payload),
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": [invocation.executed_version],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [invocation.payload.len().to_string()],
                "Date": [date],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": invocation.payload.len().to_string(),
                "Content-Type": "application/json",
                "Date": date,
                "X-Amz-Executed-Version": invocation.executed_version,
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": invocation.status_code,
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": invocation.status_code,
    })
}

fn http_date(time: std::time::SystemTime) -> String {
    let at = super::context::date_time(time);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).unwrap_or_default()
}

async fn service_call(
    engine: &Engine,
    service: Service,
    action: &str,
    error_prefix: &str,
    mut parameters: Value,
) -> Result<Value, Failure> {
    let operation = pascal_case(action);
    if service == Service::EventBridge {
        stringify_details(&mut parameters);
    }
    engine
        .integrations
        .call(service, &operation, parameters)
        .await
        .map_err(|err| aws_failure(error_prefix, &err))
}

/// `updateItem` → `UpdateItem`.
fn pascal_case(action: &str) -> String {
    let mut chars = action.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// PutEvents entries may give `Detail` as an object; the API wants a string.
fn stringify_details(parameters: &mut Value) {
    let entries = parameters.get_mut("Entries").and_then(Value::as_array_mut);
    for entry in entries.into_iter().flatten() {
        if let Some(detail) = entry.get_mut("Detail")
            && !detail.is_string()
        {
            *detail = Value::String(to_text(detail));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_recognised() {
        assert_eq!(
            parse_target("arn:aws:states:::lambda:invoke"),
            Some((Target::LambdaInvoke, false))
        );
        assert!(matches!(
            parse_target("arn:aws:states:::dynamodb:updateItem"),
            Some((Target::Service { ref action, .. }, false)) if action == "updateItem"
        ));
        assert!(matches!(
            parse_target("arn:aws:lambda:us-east-1:000000000000:function:f"),
            Some((Target::LambdaFunction(_), false))
        ));
        assert!(matches!(
            parse_target("arn:aws:states:::sqs:sendMessage"),
            Some((Target::Unsupported { ref resource_type, .. }, false)) if resource_type == "sqs"
        ));
        assert_eq!(
            parse_target("arn:aws:states:::aws-sdk:dynamodb:putItem"),
            Some((
                Target::Sdk {
                    service: "dynamodb".into(),
                    action: "putItem".into()
                },
                false
            ))
        );
        assert_eq!(parse_target("arn:aws:sqs:us-east-1:000000000000:q"), None);
    }

    #[test]
    fn callback_resources_are_recognised() {
        let (target, callback) =
            parse_target("arn:aws:states:::lambda:invoke.waitForTaskToken").unwrap();
        assert_eq!((target.clone(), callback), (Target::LambdaInvoke, true));
        assert_eq!(
            target.names(callback),
            ("lambda".to_owned(), "invoke.waitForTaskToken".to_owned())
        );
        let (target, callback) =
            parse_target("arn:aws:states:::events:putEvents.waitForTaskToken").unwrap();
        assert!(callback);
        assert_eq!(target.names(callback).1, "putEvents.waitForTaskToken");
        let (target, callback) =
            parse_target("arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken").unwrap();
        assert!(callback);
        assert_eq!(
            target.names(callback),
            (
                "aws-sdk:sqs".to_owned(),
                "sendMessage.waitForTaskToken".to_owned()
            )
        );
        // Integrations that do not run here stay mockable only, their action shown whole.
        for resource in [
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "arn:aws:states:::dynamodb:putItem.waitForTaskToken",
            "arn:aws:states:::aws-sdk:sfn:startExecution.sync",
        ] {
            let (target, callback) = parse_target(resource).unwrap();
            assert!(matches!(target, Target::Unsupported { .. }), "{resource}");
            assert!(!callback, "{resource}");
        }
    }

    #[test]
    fn function_errors_use_the_error_type() {
        let failure = function_failure(br#"{"errorType":"OutOfStock","errorMessage":"x"}"#);
        assert_eq!(failure.error, "OutOfStock");
        assert_eq!(
            failure.cause,
            r#"{"errorType":"OutOfStock","errorMessage":"x"}"#
        );
        assert_eq!(function_failure(b"oops").error, "Lambda.Unknown");
    }
}
