//! REST-JSON services (Lambda, API Gateway) for AWS SDK integrations: a Task's PascalCase
//! Parameters bound to the operation's URI, query string, headers and JSON body as botocore's
//! model places them, and the answer's body (plus header and status members) back in the SDK's
//! PascalCase names.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Map, Value};

use super::models::{Kind, Operation, Service, location, member, shape_of, wire_name};
use crate::bus::HttpAnswer;
use crate::protocol::{AwsError, AwsRequest};

/// Characters kept as they are in a URI label (RFC 3986 unreserved).
fn encode(text: &str, greedy: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b'/' if greedy => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A scalar as text (for URIs, query strings and headers).
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The request an SDK sends for `operation` with `parameters`; `Err(member)` names a
/// parameter the operation does not have, or a URI member left out.
pub fn request(
    service: Service,
    operation: &Operation,
    parameters: &Value,
) -> Result<AwsRequest, String> {
    let (template, literal_query) = operation.uri.split_once('?').unwrap_or((operation.uri, ""));
    let mut path = template.to_owned();
    let mut query: Vec<String> = Vec::new();
    if !literal_query.is_empty() {
        query.push(literal_query.to_owned());
    }
    let mut headers = HeaderMap::new();
    let mut body = Map::new();
    let mut payload = None;
    let members = match operation.input.map(|input| service.kind(input)) {
        Some(Kind::Structure(members)) => Some(members),
        _ => None,
    };
    let payload_member = operation.input.and_then(|input| service.payload(input));
    let empty = Map::new();
    for (key, value) in parameters.as_object().unwrap_or(&empty) {
        let (name, spec) = members
            .and_then(|members| member(members, key))
            .ok_or_else(|| format!("The field '{key}' is not a member of the operation's input"))?;
        let wire = wire_name(name, spec);
        match location(spec) {
            Some("uri") => {
                let value = text(value);
                path = path
                    .replace(&format!("{{{wire}+}}"), &encode(&value, true))
                    .replace(&format!("{{{wire}}}"), &encode(&value, false));
            }
            Some("querystring") => query_members(&mut query, wire, value),
            Some("header") => {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::try_from(wire),
                    HeaderValue::try_from(text(value)),
                ) {
                    headers.insert(name, value);
                }
            }
            _ if payload_member == Some(name.as_str()) => {
                payload = Some(match value {
                    Value::String(raw) => Bytes::from(raw.clone()),
                    other => Bytes::from(service.wire_value(other, shape_of(spec), 0).to_string()),
                });
            }
            _ => {
                body.insert(
                    wire.to_owned(),
                    service.wire_value(value, shape_of(spec), 0),
                );
            }
        }
    }
    if let Some(start) = path.find('{') {
        let label = path.get(start + 1..).unwrap_or_default();
        let label = label
            .split('}')
            .next()
            .unwrap_or_default()
            .trim_end_matches('+');
        let name = members
            .and_then(|members| members.iter().find(|(n, spec)| wire_name(n, spec) == label))
            .map_or_else(|| label.to_owned(), |(name, _)| super::upper_first(name));
        return Err(format!("Parameter '{name}' must not be null"));
    }
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let body = payload.unwrap_or_else(|| Bytes::from(Value::Object(body).to_string()));
    Ok(AwsRequest {
        method: Method::from_bytes(operation.method.as_bytes()).unwrap_or(Method::POST),
        path,
        query: query.join("&"),
        headers,
        body,
    })
}

/// A query-string member: a list repeats its name, a map gives each key its own parameter.
fn query_members(query: &mut Vec<String>, name: &str, value: &Value) {
    let pair = |key: &str, value: &Value| {
        format!("{}={}", encode(key, false), encode(&text(value), false))
    };
    match value {
        Value::Array(items) => query.extend(items.iter().map(|item| pair(name, item))),
        Value::Object(entries) => query.extend(entries.iter().map(|(k, v)| pair(k, v))),
        other => query.push(pair(name, other)),
    }
}

/// A 2xx answer as the SDK returns it; otherwise the service's error.
pub fn answer(
    service: Service,
    operation: &Operation,
    answer: &HttpAnswer,
) -> Result<Value, AwsError> {
    if !(200..300).contains(&answer.status) {
        return Err(error(answer));
    }
    let Some(output) = operation.output else {
        return Ok(Value::Object(Map::new()));
    };
    let body: Value = if answer.body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
    };
    let Kind::Structure(members) = service.kind(output) else {
        return Ok(Value::Object(Map::new()));
    };
    if let Some(payload) = service.payload(output) {
        let mut result = Map::new();
        if let Some(spec) = members.get(payload) {
            let value = match body {
                Value::Null => Value::String(String::from_utf8_lossy(&answer.body).into_owned()),
                body => service.sdk_value(&body, shape_of(spec), 0),
            };
            result.insert(super::upper_first(payload), value);
        }
        return Ok(Value::Object(result));
    }
    let mut result = match service.sdk_value(&body, output, 0) {
        Value::Object(result) => result,
        _ => Map::new(),
    };
    for (name, spec) in members {
        let value = match location(spec) {
            Some("header") => answer
                .headers
                .get(wire_name(name, spec))
                .and_then(|v| v.to_str().ok())
                .map(|v| Value::String(v.to_owned())),
            Some("statusCode") => Some(Value::from(answer.status)),
            _ => None,
        };
        if let Some(value) = value {
            result.insert(super::upper_first(name), value);
        }
    }
    Ok(Value::Object(result))
}

/// The error an answer carries: `x-amzn-ErrorType` (or the body's `__type`/`code`) and its
/// `message`.
fn error(answer: &HttpAnswer) -> AwsError {
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let code = answer
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            body.get("__type")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| body.get("code").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "UnknownError".to_owned());
    let code = code.split(':').next().unwrap_or_default();
    let code = code.rsplit('#').next().unwrap_or(code);
    let message = ["message", "Message"]
        .iter()
        .find_map(|key| body.get(*key).and_then(Value::as_str))
        .unwrap_or_default();
    AwsError::new(answer.status, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_bound_where_the_model_puts_them() {
        let lambda = Service::named("lambda").unwrap();
        let operation = lambda.operation("ListTags").unwrap();
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        let request =
            super::request(lambda, &operation, &serde_json::json!({"Resource": arn})).unwrap();
        assert_eq!(request.method, Method::GET);
        assert_eq!(
            request.path,
            "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af"
        );
        let gateway = Service::named("apigateway").unwrap();
        let operation = gateway.operation("CreateRestApi").unwrap();
        let parameters = serde_json::json!({"Name": "shop", "Tags": {"Team": "x"}});
        let request = super::request(gateway, &operation, &parameters).unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"name": "shop", "tags": {"Team": "x"}})
        );
        let operation = gateway.operation("GetResources").unwrap();
        let parameters = serde_json::json!({"RestApiId": "a b", "Limit": 5});
        let request = super::request(gateway, &operation, &parameters).unwrap();
        assert_eq!(request.path, "/restapis/a%20b/resources");
        assert_eq!(request.query, "limit=5");
    }
}
