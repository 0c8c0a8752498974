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

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}
