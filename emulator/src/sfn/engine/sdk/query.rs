//! Query-protocol services (IAM, SES) for AWS SDK integrations: a Task's PascalCase Parameters
//! flattened into the form an SDK posts (`A.B`, `A.member.N`, `A.entry.N.key`), and the XML
//! answer read back, typed by botocore's output shape (numbers, booleans, lists, maps).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Map, Value};

use super::models::{Kind, Operation, Service, member, shape_of, wire_name};
use super::xml::{self, Element};
use crate::bus::HttpAnswer;
use crate::protocol::{AwsError, AwsRequest};

/// How deep parameters are flattened (the form's names are bounded too).
const MAX_DEPTH: usize = 16;

/// The form an SDK posts for `action`; `Err` names a parameter the operation does not have.
pub fn request(
    service: Service,
    action: &str,
    operation: &Operation,
    parameters: &Value,
) -> Result<AwsRequest, String> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", action);
    form.append_pair("Version", service.version());
    let mut pairs = Vec::new();
    match (operation.input.map(|input| service.kind(input)), parameters) {
        (Some(Kind::Structure(members)), Value::Object(object)) => {
            for (key, value) in object {
                let (name, spec) = member(members, key).ok_or_else(|| {
                    format!("The field '{key}' is not a member of the operation's input")
                })?;
                flatten(
                    service,
                    wire_name(name, spec),
                    value,
                    shape_of(spec),
                    &mut pairs,
                    0,
                );
            }
        }
        (_, Value::Object(object)) if !object.is_empty() => {
            return Err("The operation takes no parameters".to_owned());
        }
        _ => {}
    }
    for (name, value) in &pairs {
        form.append_pair(name, value);
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    Ok(AwsRequest {
        method: Method::POST,
        path: "/".to_owned(),
        query: String::new(),
        headers,
        body: Bytes::from(form.finish()),
    })
}

fn flatten(
    service: Service,
    prefix: &str,
    value: &Value,
    shape: &str,
    pairs: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match (service.kind(shape), value) {
        (Kind::Structure(members), Value::Object(object)) => {
            for (key, item) in object {
                let (name, child_shape) = match member(members, key) {
                    Some((name, spec)) => (wire_name(name, spec).to_owned(), shape_of(spec)),
                    None => (key.clone(), "string"),
                };
                let name = format!("{prefix}.{name}");
                flatten(service, &name, item, child_shape, pairs, depth + 1);
            }
        }
        (Kind::List(item_shape), Value::Array(items)) => {
            if items.is_empty() {
                pairs.push((prefix.to_owned(), String::new()));
            }
            for (index, item) in items.iter().enumerate() {
                let name = format!("{prefix}.member.{}", index + 1);
                flatten(service, &name, item, item_shape, pairs, depth + 1);
            }
        }
        (Kind::Map(value_shape), Value::Object(entries)) => {
            for (index, (key, item)) in entries.iter().enumerate() {
                let entry = format!("{prefix}.entry.{}", index + 1);
                pairs.push((format!("{entry}.key"), key.clone()));
                let name = format!("{entry}.value");
                flatten(service, &name, item, value_shape, pairs, depth + 1);
            }
        }
        (_, Value::String(text)) => pairs.push((prefix.to_owned(), text.clone())),
        (_, other) => pairs.push((prefix.to_owned(), other.to_string())),
    }
}

/// A 2xx answer's `<ActionResult>` as the SDK returns it; otherwise the service's error.
pub fn answer(
    service: Service,
    operation: &Operation,
    answer: &HttpAnswer,
) -> Result<Value, AwsError> {
    let text = String::from_utf8_lossy(&answer.body);
    let root = xml::parse(&text)
        .map_err(|why| AwsError::internal(format!("Unreadable XML answer: {why}")))?;
    if !(200..300).contains(&answer.status) {
        let error = root.child("Error");
        let field = |name: &str| {
            error
                .and_then(|e| e.child(name))
                .map(|e| e.text.clone())
                .unwrap_or_default()
        };
        return Err(AwsError::new(
            answer.status,
            field("Code"),
            field("Message"),
        ));
    }
    let result = operation
        .result_wrapper
        .and_then(|wrapper| root.child(wrapper));
    match (operation.output, result) {
        (Some(output), Some(result)) => Ok(read(service, result, output, 0)),
        _ => Ok(Value::Object(Map::new())),
    }
}

/// An element read as `shape`.
fn read(service: Service, element: &Element, shape: &str, depth: usize) -> Value {
    if depth > MAX_DEPTH * 2 {
        return Value::Null;
    }
    match service.kind(shape) {
        Kind::Structure(members) => {
            let mut object = Map::new();
            for (name, spec) in members {
                if let Some(child) = element.child(wire_name(name, spec)) {
                    object.insert(
                        name.clone(),
                        read(service, child, shape_of(spec), depth + 1),
                    );
                }
            }
            Value::Object(object)
        }
        Kind::List(item_shape) => Value::Array(
            element
                .all("member")
                .map(|item| read(service, item, item_shape, depth + 1))
                .collect(),
        ),
        Kind::Map(value_shape) => Value::Object(
            element
                .all("entry")
                .filter_map(|entry| {
                    let key = entry.child("key")?.text.clone();
                    let value = entry.child("value")?;
                    Some((key, read(service, value, value_shape, depth + 1)))
                })
                .collect(),
        ),
        Kind::Integer => element
            .text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::Null),
        Kind::Float => element
            .text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Kind::Boolean => Value::Bool(element.text.trim() == "true"),
        Kind::Text => Value::String(element.text.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(request: &AwsRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(&request.body).into_owned().collect()
    }

    #[test]
    fn parameters_are_flattened_as_an_sdk_posts_them() {
        let iam = Service::named("iam").unwrap();
        let operation = iam.operation("TagRole").unwrap();
        let parameters = serde_json::json!({"RoleName": "r",
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]});
        let request = request(iam, "TagRole", &operation, &parameters).unwrap();
        let pairs = form(&request);
        let has = |name: &str, value: &str| pairs.iter().any(|(n, v)| n == name && v == value);
        assert!(has("Action", "TagRole") && has("Version", "2010-05-08"));
        assert!(has("RoleName", "r"));
        assert!(has("Tags.member.1.Key", "a") && has("Tags.member.2.Value", "2"));
        let unknown = serde_json::json!({"RoleName": "r", "Nope": 1});
        assert!(super::request(iam, "TagRole", &operation, &unknown).is_err());
    }

    #[test]
    fn answers_are_typed_by_the_output_shape() {
        let iam = Service::named("iam").unwrap();
        let operation = iam.operation("ListRoleTags").unwrap();
        let body = "<ListRoleTagsResponse><ListRoleTagsResult><Tags><member><Key>k</Key>\
                    <Value>v</Value></member></Tags><IsTruncated>false</IsTruncated>\
                    </ListRoleTagsResult></ListRoleTagsResponse>";
        let ok = HttpAnswer {
            status: 200,
            headers: HeaderMap::new(),
            body: Bytes::from(body),
        };
        assert_eq!(
            answer(iam, &operation, &ok).unwrap(),
            serde_json::json!({"Tags": [{"Key": "k", "Value": "v"}], "IsTruncated": false})
        );
        let error = HttpAnswer {
            status: 404,
            headers: HeaderMap::new(),
            body: Bytes::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>\
                 <Message>gone</Message></Error></ErrorResponse>",
            ),
        };
        let err = answer(iam, &operation, &error).unwrap_err();
        assert_eq!(
            (err.status, err.code.as_str(), err.message.as_str()),
            (404, "NoSuchEntity", "gone")
        );
    }
}
