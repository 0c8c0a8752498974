//! API Gateway REST (v1) Lambda proxy integration: reading the request body and building
//! proxy responses with a JSON body.

use base64::Engine;
use serde_json::{Value, json};

/// The request body as text: `body` (possibly base64, per `isBase64Encoded`), empty when absent.
pub fn request_body(event: &Value) -> Result<String, String> {
    let body = match event.get("body") {
        None | Some(Value::Null) => return Ok(String::new()),
        Some(Value::String(body)) => body,
        Some(_) => return Err("the proxy event's body is not a string".to_string()),
    };
    if event.get("isBase64Encoded") != Some(&Value::Bool(true)) {
        return Ok(body.clone());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|error| format!("body is not valid base64: {error}"))?;
    String::from_utf8(bytes).map_err(|_| "body is not valid UTF-8".to_string())
}

/// A proxy response whose body is `body` serialised as JSON.
pub fn json_response(status_code: u16, body: &Value) -> Value {
    json!({
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": body.to_string(),
        "isBase64Encoded": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_base64_bodies_are_read() {
        assert_eq!(request_body(&json!({"body": "{}"})), Ok("{}".to_string()));
        assert_eq!(
            request_body(&json!({"body": "e30=", "isBase64Encoded": true})),
            Ok("{}".to_string())
        );
        assert_eq!(request_body(&json!({"body": null})), Ok(String::new()));
        assert_eq!(request_body(&json!({})), Ok(String::new()));
        assert!(request_body(&json!({"body": "%%", "isBase64Encoded": true})).is_err());
        assert!(request_body(&json!({"body": 5})).is_err());
    }

    #[test]
    fn responses_carry_json_bodies() {
        let response = json_response(202, &json!({"order_id": "o1", "status": "PENDING"}));
        assert_eq!(response["statusCode"], 202);
        assert_eq!(response["headers"]["Content-Type"], "application/json");
        assert_eq!(response["body"], r#"{"order_id":"o1","status":"PENDING"}"#);
    }
}
