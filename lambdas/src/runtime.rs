//! What every Lambda shares: tracing to stderr, the SDK configuration from the environment,
//! environment variables, timestamps, and [`FunctionError`], the error whose `error_type` the
//! state machine's Retry/Catch match on (it becomes the Lambda's `errorType`).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use std::fmt::{self, Display};
use std::future::Future;

/// `errorType` of a malformed state or event.
pub const INVALID_INPUT: &str = "InvalidInput";
/// `errorType` of a missing or unusable environment variable.
pub const CONFIGURATION: &str = "ConfigurationError";
/// `errorType` of an AWS call that failed without an error code.
pub const AWS_SDK_ERROR: &str = "AwsSdkError";

/// A function failure with a meaningful, matchable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub error_type: String,
    pub message: String,
}

impl FunctionError {
    /// A failure named `error_type`.
    pub fn new(error_type: &str, message: impl Display) -> Self {
        Self {
            error_type: error_type.to_string(),
            message: message.to_string(),
        }
    }

    /// An input that does not have the contract's shape.
    pub fn invalid_input(message: impl Display) -> Self {
        Self::new(INVALID_INPUT, message)
    }

    /// A failed AWS call, named by its AWS error code (e.g. `ResourceNotFoundException`).
    pub fn aws<E>(operation: &str, error: E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let error_type = error.code().unwrap_or(AWS_SDK_ERROR).to_string();
        let context = aws_smithy_error_context(&error);
        Self {
            error_type,
            message: format!("{operation} failed: {context}"),
        }
    }
}

impl Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for FunctionError {}

impl From<FunctionError> for Diagnostic {
    fn from(error: FunctionError) -> Self {
        Diagnostic {
            error_type: error.error_type,
            error_message: error.message,
        }
    }
}

/// The error's message followed by its sources, on one line.
fn aws_smithy_error_context(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Logs to stderr, without ANSI colours (`RUST_LOG` filters, default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

/// The SDK configuration from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, credentials).
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// A required environment variable.
pub fn required_env(name: &str) -> Result<String, FunctionError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(FunctionError::new(
            CONFIGURATION,
            format!("environment variable {name} is not set"),
        )),
    }
}

/// An optional environment variable (empty counts as unset).
pub fn optional_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Now, RFC 3339, UTC (`2025-01-31T12:00:00.123456Z`).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Runs the Lambda runtime loop with `handler`, which sees each event's JSON payload.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Result<Value, FunctionError>>,
{
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handler(event.payload)
    }))
    .await
}

/// A field of the state as a non-empty string.
pub fn state_string(state: &Value, field: &str) -> Result<String, FunctionError> {
    match state.get(field) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(FunctionError::invalid_input(format!(
            "the input has no string field {field}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn function_errors_become_diagnostics_with_their_name() {
        let diagnostic = Diagnostic::from(FunctionError::new("OutOfStock", "A ran out"));
        assert_eq!(diagnostic.error_type, "OutOfStock");
        assert_eq!(diagnostic.error_message, "A ran out");
    }

    #[test]
    fn state_strings_are_checked() {
        let state = json!({"order_id": "o1", "empty": "", "n": 1});
        assert_eq!(state_string(&state, "order_id"), Ok("o1".to_string()));
        for field in ["empty", "n", "missing"] {
            assert_eq!(
                state_string(&state, field).map_err(|e| e.error_type),
                Err(INVALID_INPUT.to_string())
            );
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let now = now_rfc3339();
        assert!(now.ends_with('Z'), "{now}");
        assert!(
            time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );
    }
}
