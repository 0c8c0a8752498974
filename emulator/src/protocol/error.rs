//! The one error type every service returns; each protocol renders it in its own shape.

use std::fmt;

/// An AWS service error: HTTP status, error code (the shape name AWS uses, such as
/// `ResourceNotFoundException`) and message, exactly as AWS words them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// `Sender` (client fault) or `Receiver` (server fault), for the query protocol.
    pub sender_fault: bool,
    /// Extra top-level members of the error document (e.g. DynamoDB's `CancellationReasons`).
    pub details: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

impl AwsError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> AwsError {
        AwsError {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: status < 500,
            details: None,
        }
    }

    /// Adds members to the error document beside `__type` and `message`.
    pub fn with_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> AwsError {
        self.details = Some(Box::new(details));
        self
    }

    /// 400 `ValidationException`.
    pub fn validation(message: impl Into<String>) -> AwsError {
        AwsError::new(400, "ValidationException", message)
    }

    /// 400 `SerializationException`: the body is not valid JSON for the operation.
    pub fn serialization(message: impl Into<String>) -> AwsError {
        AwsError::new(400, "SerializationException", message)
    }

    /// 400 `UnknownOperationException`.
    pub fn unknown_operation() -> AwsError {
        AwsError::new(400, "UnknownOperationException", "")
    }

    /// 503 `ServiceUnavailable`.
    pub fn service_unavailable(message: impl Into<String>) -> AwsError {
        AwsError::new(503, "ServiceUnavailable", message)
    }

    /// 500 `InternalFailure`: a bug in the emulator, never the caller's fault.
    pub fn internal(message: impl Into<String>) -> AwsError {
        AwsError::new(500, "InternalFailure", message)
    }
}

/// AWS's message for a required member left out: `1 validation error detected: Value null at
/// 'MEMBER' failed to satisfy constraint: Member must not be null`. `member` is the member's path
/// as AWS names it (see [`lower_camel`]), e.g. `tableName` or `targets.1.member.id`.
pub fn null_member_message(member: &str) -> String {
    format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    )
}

/// A request member's name as AWS's validation messages spell it: the first letter lower-cased
/// (`TableName` → `tableName`).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}
