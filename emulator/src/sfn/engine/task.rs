//! Task: calls a resource and records its Task*/LambdaFunction* events.
//!
//! Resources: `arn:aws:states:::lambda:invoke` (output wraps the payload with SDK metadata),
//! a plain Lambda ARN (output is the payload), `arn:aws:states:::dynamodb:<op>` and
//! `arn:aws:states:::events:putEvents` (output is the service's response). Errors become
//! `Lambda.<Code>` / `DynamoDB.<Code>` / `EventBridge.<Code>`; a failed function's error is
//! its payload's `errorType`. `TimeoutSeconds` is wall time (like a Lambda's own timeout).

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::dataflow::Extra;
use super::limits;
use super::paths::{self, to_text};
use super::{Engine, Failure, StateRun, Step};
use crate::bus::{Invocation, Service};
use crate::protocol::AwsError;
use crate::sfn::asl::model::Dynamic;
use crate::sfn::history::not_truncated;

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

fn parse_target(resource: &str) -> Option<Target> {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        let (integration, action) = rest.split_once(':')?;
        let (service, resource_type, error_prefix) = match integration {
            "lambda" if action == "invoke" => return Some(Target::LambdaInvoke),
            "dynamodb" => (Service::DynamoDb, "dynamodb", "DynamoDB"),
            "events" => (Service::EventBridge, "events", "EventBridge"),
            "aws-sdk" => return Some(sdk_target(action)),
            _ => {
                return Some(Target::Unsupported {
                    resource_type: integration.to_owned(),
                    action: action.to_owned(),
                });
            }
        };
        return Some(Target::Service {
            service,
            resource_type,
            action: action.to_owned(),
            error_prefix,
        });
    }
    let parts: Vec<&str> = resource.split(':').collect();
    (parts.len() >= 7 && parts.get(2) == Some(&"lambda") && parts.get(5) == Some(&"function"))
        .then(|| Target::LambdaFunction(resource.to_owned()))
}

/// `dynamodb:putItem` (after `aws-sdk:`); a service integration pattern suffix
/// (`.waitForTaskToken`) is not run here, so such a resource is only mockable.
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

/// The Task's `TimeoutSeconds` in seconds for this run, if it has one: the number, or what its
/// `TimeoutSecondsPath` or JSONata expression yields (a positive integer).
fn resolve_timeout(
    engine: &Engine,
    run: &StateRun<'_>,
    timeout: Option<&Dynamic<u64>>,
) -> Result<Option<u64>, Failure> {
    let value = match timeout {
        None => return Ok(None),
        Some(Dynamic::Literal(seconds)) => return Ok(Some(*seconds)),
        Some(Dynamic::Path(path)) => {
            let context = run.context(&engine.info, None);
            paths::read(path, "TimeoutSecondsPath", &run.input, &context)
                .map_err(|e| run.fail(e))?
        }
        Some(Dynamic::Jsonata(expr)) => run.jsonata_template(
            engine,
            &Value::String(expr.clone()),
            "TimeoutSeconds",
            Extra::default(),
        )?,
    };
    match value.as_u64().filter(|s| *s > 0) {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(run.fail(paths::PathError::runtime(format!(
            "The TimeoutSeconds value must be a positive integer, but was: {}",
            to_text(&value)
        )))),
    }
}

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    resource: &str,
    timeout: Option<&Dynamic<u64>>,
) -> Result<Step, Failure> {
    let timeout_seconds = resolve_timeout(engine, run, timeout)?;
    let target = parse_target(resource)
        .filter(|target| {
            !matches!(target, Target::Unsupported { .. }) || crate::sfn::mock::covers(engine, run)
        })
        .ok_or_else(|| unsupported(run, resource))?;
    let parameters = engine.effective_input(run)?;
    let call = call_target(engine, run, &target, parameters);
    let result = match timeout_seconds {
        Some(seconds) => engine
            .ctx
            .clock
            .real_timeout(Duration::from_secs(seconds), call)
            .await
            .unwrap_or_else(|_| Err(Failure::of_integration("States.Timeout", ""))),
        None => call.await,
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
) -> Result<Value, Failure> {
    match target {
        Target::LambdaFunction(arn) => call_lambda_function(engine, run, arn, parameters).await,
        Target::LambdaInvoke => {
            let (kind, action) = ("lambda", "invoke");
            record_scheduled(engine, run, kind, action, &parameters);
            let result = match crate::sfn::mock::response(engine, run) {
                Some(mocked) => mocked,
                None => lambda_invoke(engine, &parameters).await,
            };
            let result = within_quota(result, kind);
            record_outcome(engine, run, kind, action, &result);
            result
        }
        Target::Service {
            service,
            resource_type,
            action,
            error_prefix,
        } => {
            record_scheduled(engine, run, resource_type, action, &parameters);
            let result = match crate::sfn::mock::response(engine, run) {
                Some(mocked) => mocked,
                None => service_call(engine, *service, action, error_prefix, parameters).await,
            };
            let result = within_quota(result, resource_type);
            record_outcome(engine, run, resource_type, action, &result);
            result
        }
        Target::Sdk { service, action } => {
            let kind = format!("aws-sdk:{service}");
            record_scheduled(engine, run, &kind, action, &parameters);
            let result = match crate::sfn::mock::response(engine, run) {
                Some(mocked) => mocked,
                None => super::sdk::call(engine, service, action, parameters).await,
            };
            let result = within_quota(result, &kind);
            record_outcome(engine, run, &kind, action, &result);
            result
        }
        Target::Unsupported {
            resource_type,
            action,
        } => {
            record_scheduled(engine, run, resource_type, action, &parameters);
            let resource = format!("arn:aws:states:::{resource_type}:{action}");
            let result = crate::sfn::mock::response(engine, run)
                .unwrap_or_else(|| Err(unsupported(run, &resource)));
            let result = within_quota(result, resource_type);
            record_outcome(engine, run, resource_type, action, &result);
            result
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
    kind: &str,
    action: &str,
    parameters: &Value,
) {
    engine.record(
        &mut run.previous,
        "TaskScheduled",
        Some((
            "taskScheduledEventDetails",
            json!({
                "resourceType": kind,
                "resource": action,
                "region": engine.ctx.region,
                "parameters": to_text(parameters),
            }),
        )),
    );
    engine.record(
        &mut run.previous,
        "TaskStarted",
        Some((
            "taskStartedEventDetails",
            json!({ "resourceType": kind, "resource": action }),
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
        Ok(_) => ("TaskSucceeded", "taskSucceededEventDetails"),
        Err(_) => ("TaskFailed", "taskFailedEventDetails"),
    };
    engine.record(&mut run.previous, event_type, Some((key, details)));
}

async fn call_lambda_function(
    engine: &Engine,
    run: &mut StateRun<'_>,
    arn: &str,
    input: Value,
) -> Result<Value, Failure> {
    engine.record(
        &mut run.previous,
        "LambdaFunctionScheduled",
        Some((
            "lambdaFunctionScheduledEventDetails",
            json!({ "resource": arn, "input": to_text(&input), "inputDetails": not_truncated() }),
        )),
    );
    engine.record(&mut run.previous, "LambdaFunctionStarted", None);
    let result = match crate::sfn::mock::response(engine, run) {
        Some(mocked) => mocked,
        None => invoke(engine, arn, &input)
            .await
            .map(|invocation| parse_payload(&invocation.payload)),
    };
    let result = within_quota(result, arn);
    let (event_type, key, details) = match &result {
        Ok(output) => (
            "LambdaFunctionSucceeded",
            "lambdaFunctionSucceededEventDetails",
            json!({ "output": to_text(output), "outputDetails": not_truncated() }),
        ),
        Err(failure) => (
            "LambdaFunctionFailed",
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
    let request_id = uuid::Uuid::new_v4().to_string();
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
            Some(Target::LambdaInvoke)
        );
        assert!(matches!(
            parse_target("arn:aws:states:::dynamodb:updateItem"),
            Some(Target::Service { ref action, .. }) if action == "updateItem"
        ));
        assert!(matches!(
            parse_target("arn:aws:lambda:us-east-1:000000000000:function:f"),
            Some(Target::LambdaFunction(_))
        ));
        assert!(matches!(
            parse_target("arn:aws:states:::sqs:sendMessage"),
            Some(Target::Unsupported { ref resource_type, .. }) if resource_type == "sqs"
        ));
        assert_eq!(
            parse_target("arn:aws:states:::aws-sdk:dynamodb:putItem"),
            Some(Target::Sdk {
                service: "dynamodb".into(),
                action: "putItem".into()
            })
        );
        assert!(matches!(
            parse_target("arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken"),
            Some(Target::Unsupported { .. })
        ));
        assert_eq!(parse_target("arn:aws:sqs:us-east-1:000000000000:q"), None);
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
