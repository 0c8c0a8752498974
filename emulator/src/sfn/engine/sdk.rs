//! AWS SDK service integrations: `arn:aws:states:::aws-sdk:<service>:<action>`.
//!
//! The action is the API's operation in camelCase (`putItem` → `PutItem`); Parameters are the
//! request in PascalCase and the answer comes back in PascalCase, as AWS's SDK integrations
//! do. Emulated services answer through the bus: DynamoDB, EventBridge and Step Functions
//! (whose camelCase API is translated both ways) as JSON operations; Lambda (`invoke`, and
//! through [`rest`] every other operation it serves), API Gateway ([`rest`]), IAM and SES
//! ([`query`]) as the HTTP requests an SDK sends, bound by botocore's model ([`models`]); STS's
//! `getCallerIdentity`. An action of those services that the emulator does not serve fails
//! with `States.Runtime`; a service the emulator does not run fails the Task with
//! `<Service>.SdkClientException`, as an SDK that cannot reach an endpoint does (mock such
//! states in a MockConfigFile test case). Errors are named `<Service>.<Error>` in PascalCase
//! with the `Exception` suffix always present (`DynamoDb.ConditionalCheckFailedException`,
//! `Sfn.ExecutionDoesNotExistException`, `Iam.NoSuchEntityException`), the cause in the SDK's
//! words.

mod models;
mod query;
mod rest;
mod xml;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::paths::to_text;
use super::{Engine, Failure};
use crate::bus::{HttpService, Service};
use crate::protocol::AwsError;

/// How deep key-case translation goes (responses are bounded by the payload limits anyway).
const MAX_DEPTH: usize = 64;

/// `dynamodb` → `DynamoDb`: the service's name in error names.
pub fn error_service_name(service: &str) -> String {
    match service {
        "dynamodb" => "DynamoDb".to_owned(),
        "eventbridge" => "EventBridge".to_owned(),
        "apigateway" => "ApiGateway".to_owned(),
        "iam" => "Iam".to_owned(),
        "sesv2" => "SesV2".to_owned(),
        "acmpca" => "AcmPca".to_owned(),
        other => upper_first(other),
    }
}

/// Runs `action` of `service` with `parameters`.
pub async fn call(
    engine: &Engine,
    service: &str,
    action: &str,
    parameters: Value,
) -> Result<Value, Failure> {
    let operation = upper_first(action);
    let bus_call = |target: Service, input: Value| async move {
        engine
            .integrations
            .call(target, &operation, input)
            .await
            .map_err(|err| sdk_failure(service, &err))
    };
    match (service, action) {
        ("dynamodb", _) => bus_call(Service::DynamoDb, parameters).await,
        ("eventbridge", _) => bus_call(Service::EventBridge, parameters).await,
        ("sfn", _) => {
            let input = rename_keys(&parameters, lower_first, 0);
            let output = bus_call(Service::StepFunctions, input).await?;
            Ok(rename_keys(&output, upper_first, 0))
        }
        ("lambda", "invoke") => lambda_invoke(engine, &parameters).await,
        ("sts", "getCallerIdentity") => Ok(caller_identity(engine)),
        ("lambda", _) => http_call(engine, HttpService::Lambda, service, action, &parameters).await,
        ("apigateway", _) => {
            http_call(
                engine,
                HttpService::ApiGateway,
                service,
                action,
                &parameters,
            )
            .await
        }
        ("iam", _) => http_call(engine, HttpService::Iam, service, action, &parameters).await,
        ("ses", _) => http_call(engine, HttpService::Ses, service, action, &parameters).await,
        ("sts" | "sesv2", _) => Err(not_served(service, action)),
        _ => Err(Failure::of_integration(
            format!("{}.SdkClientException", error_service_name(service)),
            format!(
                "Unable to execute HTTP request: the service '{service}' is not available in this emulator"
            ),
        )),
    }
}

/// `States.Runtime` for an action of an emulated service that the emulator does not serve.
fn not_served(service: &str, action: &str) -> Failure {
    Failure::of_integration(
        "States.Runtime",
        format!(
            "The resource 'arn:aws:states:::aws-sdk:{service}:{action}' is not supported by this emulator"
        ),
    )
}

/// An action of a REST-JSON or query-protocol service: the SDK's request built from the
/// model, sent through the bus, the answer read back in the SDK's shape.
async fn http_call(
    engine: &Engine,
    target: HttpService,
    service: &str,
    action: &str,
    parameters: &Value,
) -> Result<Value, Failure> {
    let operation_name = upper_first(action);
    let model = models::Service::named(service).ok_or_else(|| not_served(service, action))?;
    let operation = model
        .operation(&operation_name)
        .ok_or_else(|| not_served(service, action))?;
    let query_protocol = model.protocol() == "query";
    let request = if query_protocol {
        query::request(model, &operation_name, &operation, parameters)
    } else {
        rest::request(model, &operation, parameters)
    }
    .map_err(|why| {
        Failure::of_integration(
            format!("{}.SdkClientException", error_service_name(service)),
            why,
        )
    })?;
    let answer = engine
        .integrations
        .http(target, &request)
        .await
        .map_err(|err| sdk_failure(service, &err))?;
    let result = if query_protocol {
        query::answer(model, &operation, &answer)
    } else {
        rest::answer(model, &operation, &answer)
    };
    result.map_err(|err| sdk_failure(service, &err))
}

/// An error answer as the SDK integration names it.
fn sdk_failure(service: &str, err: &AwsError) -> Failure {
    let name = error_service_name(service);
    let code = if err.code.ends_with("Exception") {
        err.code.clone()
    } else {
        format!("{}Exception", err.code)
    };
    let request_id = super::entropy::current().ids.uuid();
    Failure::of_integration(
        format!("{name}.{code}"),
        format!(
            "{} (Service: {name}, Status Code: {}, Request ID: {request_id})",
            err.message, err.status
        ),
    )
}

/// `lambda:invoke` through the SDK: the Invoke API's answer, a function error included
/// (`FunctionError`), not raised.
async fn lambda_invoke(engine: &Engine, parameters: &Value) -> Result<Value, Failure> {
    let function = parameters
        .get("FunctionName")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Failure::of_integration(
                "Lambda.ValidationException",
                "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
            )
        })?;
    let payload = match parameters.get("Payload") {
        None => Bytes::new(),
        Some(Value::String(text)) => Bytes::from(text.clone()),
        Some(other) => Bytes::from(to_text(other)),
    };
    let invocation = engine
        .integrations
        .invoke(function, payload)
        .await
        .map_err(|err| sdk_failure("lambda", &err))?;
    let mut output = json!({
        "ExecutedVersion": invocation.executed_version,
        "Payload": String::from_utf8_lossy(&invocation.payload),
        "StatusCode": invocation.status_code,
    });
    if let (Some(error), Some(object)) = (invocation.function_error, output.as_object_mut()) {
        object.insert("FunctionError".into(), json!(error));
    }
    Ok(output)
}

fn caller_identity(engine: &Engine) -> Value {
    let account = &engine.ctx.account_id;
    json!({
        "Account": account,
        "Arn": format!("arn:aws:iam::{account}:root"),
        "UserId": account,
    })
}

/// Every object key of `value` passed through `rename`.
fn rename_keys(value: &Value, rename: fn(&str) -> String, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value.clone();
    }
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, item)| (rename(key), rename_keys(item, rename, depth + 1)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| rename_keys(item, rename, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_named_as_sdk_integrations_name_them() {
        let err = AwsError::new(
            400,
            "ConditionalCheckFailedException",
            "The conditional request failed",
        );
        let failure = sdk_failure("dynamodb", &err);
        assert_eq!(failure.error, "DynamoDb.ConditionalCheckFailedException");
        assert!(failure.cause.starts_with(
            "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: "
        ));
        let err = AwsError::new(
            400,
            "ExecutionDoesNotExist",
            "Execution Does Not Exist: 'x'",
        );
        assert_eq!(
            sdk_failure("sfn", &err).error,
            "Sfn.ExecutionDoesNotExistException"
        );
        assert_eq!(error_service_name("eventbridge"), "EventBridge");
        assert_eq!(error_service_name("comprehend"), "Comprehend");
    }

    #[test]
    fn keys_are_translated_both_ways() {
        let input = json!({"StateMachineArn": "a", "Tags": [{"Key": "k"}]});
        assert_eq!(
            rename_keys(&input, lower_first, 0),
            json!({"stateMachineArn": "a", "tags": [{"key": "k"}]})
        );
        assert_eq!(
            rename_keys(&json!({"executionArn": "e"}), upper_first, 0),
            json!({"ExecutionArn": "e"})
        );
    }
}
