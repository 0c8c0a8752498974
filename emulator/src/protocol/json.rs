//! AWS JSON 1.0 / 1.1: `POST /` with `X-Amz-Target: Prefix.Operation` and a JSON body.

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use super::{AwsError, AwsRequest, request_id};

/// The JSON protocol version a service speaks; it decides the answer's content type.
#[derive(Debug, Clone, Copy)]
pub enum JsonVersion {
    V1_0,
    V1_1,
}

impl JsonVersion {
    /// The version a target prefix (`AWSEvents.PutEvents` → EventBridge) speaks.
    pub(crate) fn of_target(target: &str) -> JsonVersion {
        if target.starts_with("AWSEvents.") {
            JsonVersion::V1_1
        } else {
            JsonVersion::V1_0
        }
    }

    /// The `Content-Type` of requests and answers in this version.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// Whether `request` is a POST with a content type this protocol takes: the version's own
/// (`application/x-amz-json-1.0` / `-1.1`, what the AWS CLI, boto3 and the SDKs send) or plain
/// `application/json` (which DynamoDB also takes). A body-less request may omit the type.
/// Neither is a type a browser may send cross-origin without a preflight.
pub(crate) fn is_json_post(version: JsonVersion, request: &AwsRequest) -> bool {
    if request.method != http::Method::POST {
        return false;
    }
    let content_type = request
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    match content_type {
        None => request.body.is_empty(),
        Some(ct) => ct == version.content_type() || ct == "application/json",
    }
}

/// AWS's answer to an `X-Amz-Target` request that is not a POST of a JSON content type: 404
/// with the body `<UnknownOperationException/>` (DynamoDB's, as dynalite records it).
pub(crate) fn not_a_json_post() -> Response {
    Response::builder()
        .status(404)
        .header("x-amzn-requestid", request_id())
        .header("x-amzn-errortype", "UnknownOperationException")
        .body(Body::from("<UnknownOperationException/>\n"))
        .unwrap_or_default()
}

/// The request body as JSON; an empty body is `{}`.
pub fn parse_body(request: &AwsRequest) -> Result<Value, AwsError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(&request.body).map_err(|_| {
        AwsError::serialization("Start of structure or map found where not expected.")
    })?;
    if !value.is_object() {
        return Err(AwsError::serialization(
            "Start of structure or map found where not expected.",
        ));
    }
    Ok(value)
}

/// A 200 answer carrying `output`.
pub fn ok(version: JsonVersion, output: &Value) -> Response {
    let body = serde_json::to_vec(output).unwrap_or_else(|_| b"{}".to_vec());
    Response::builder()
        .status(200)
        .header("content-type", version.content_type())
        .header("x-amzn-requestid", request_id())
        .body(Body::from(body))
        .unwrap_or_default()
}

/// An error answer: `{"__type": "NAMESPACE#Code", "message": "…"}` plus `x-amzn-ErrorType`.
/// `namespace` may be empty, in which case `__type` is the bare code (JSON 1.1 services).
pub fn error(version: JsonVersion, namespace: &str, err: &AwsError) -> Response {
    let type_name = if namespace.is_empty() {
        err.code.clone()
    } else {
        format!("{namespace}#{}", err.code)
    };
    let mut body = serde_json::json!({ "__type": type_name, "message": err.message });
    if let (Some(details), Some(object)) = (&err.details, body.as_object_mut()) {
        object.extend(details.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Response::builder()
        .status(err.status)
        .header("content-type", version.content_type())
        .header("x-amzn-requestid", request_id())
        .header("x-amzn-errortype", err.code.as_str())
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}
