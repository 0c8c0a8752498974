//! REST-JSON: the operation is the method plus the path; answers are JSON with a status code,
//! errors carry `x-amzn-ErrorType`.

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use super::{AwsError, AwsRequest, request_id};

/// The request body as JSON; an empty body is `{}`.
pub fn parse_body(request: &AwsRequest) -> Result<Value, AwsError> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&request.body).map_err(|e| {
        AwsError::serialization(format!("Could not parse request body into json: {e}"))
    })
}

/// The path split into percent-decoded segments, without empty ones.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&segment[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON answer with `status`.
pub fn json(status: u16, output: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id())
        .body(Body::from(serde_json::to_vec(output).unwrap_or_default()))
        .unwrap_or_default()
}

/// An answer with no body.
pub fn empty(status: u16) -> Response {
    Response::builder()
        .status(status)
        .header("x-amzn-requestid", request_id())
        .body(Body::empty())
        .unwrap_or_default()
}

/// An error: `x-amzn-ErrorType: Code` and `{"Type": "User", "message": "…"}` (Lambda's shape;
/// SDKs read `message` or `Message`).
pub fn error(err: &AwsError) -> Response {
    let fault = if err.sender_fault { "User" } else { "Service" };
    let body = serde_json::json!({ "Type": fault, "message": err.message });
    Response::builder()
        .status(err.status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id())
        .header("x-amzn-errortype", err.code.as_str())
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_decoded() {
        assert_eq!(
            segments("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations"),
            vec!["2015-03-31", "functions", "arn:aws:lambda", "invocations"]
        );
    }

    #[test]
    fn a_truncated_escape_is_kept_literally() {
        assert_eq!(segments("/a%4"), vec!["a%4"]);
    }
}
