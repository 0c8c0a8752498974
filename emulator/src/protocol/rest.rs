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
    let mut out = Vec::with_capacity(segment.len());
    let mut bytes = segment.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let mut lookahead = bytes.clone();
            if let (Some(high), Some(low)) = (
                lookahead.next().and_then(hex_value),
                lookahead.next().and_then(hex_value),
            ) {
                out.push(high << 4 | low);
                bytes = lookahead;
                continue;
            }
        }
        out.push(byte);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
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
    let mut body = serde_json::json!({ "Type": fault, "message": err.message });
    if let (Some(details), Some(object)) = (&err.details, body.as_object_mut()) {
        object.extend(details.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Response::builder()
        .status(err.status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id())
        .header("x-amzn-errortype", err.code.as_str())
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// An error with a body of just `{"message": "…"}`, as API Gateway's front door answers
/// (e.g. `MissingAuthenticationTokenException`: "Missing Authentication Token").
pub(crate) fn message_error(err: &AwsError) -> Response {
    let body = serde_json::json!({ "message": err.message });
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
        assert_eq!(segments("/a%41"), vec!["aA"]);
    }

    #[test]
    fn raw_utf8_after_a_percent_is_kept_not_sliced() {
        assert_eq!(segments("/%\u{e9}x/%4\u{e9}"), vec!["%\u{e9}x", "%4\u{e9}"]);
        assert_eq!(segments("/caf\u{e9}%20!"), vec!["caf\u{e9} !"]);
    }
}
