//! What a target receives: the whole event, a constant `Input`, the part `InputPath` selects,
//! or an `InputTransformer` template filled from `InputPathsMap`.

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::protocol::AwsError;

/// The target's input text for `event`, as `target` (a PutTargets entry) asks.
pub fn target_input(target: &Value, event: &Value, rule_name: &str) -> Result<String, AwsError> {
    if let Some(input) = target["Input"].as_str() {
        return Ok(input.to_owned());
    }
    if let Some(path) = target["InputPath"].as_str() {
        return Ok(select(path, event)?.unwrap_or(Value::Null).to_string());
    }
    if target["InputTransformer"].is_object() {
        return transform(&target["InputTransformer"], event, rule_name);
    }
    Ok(event.to_string())
}

/// The value `path` selects in `event` (the first match), if any.
pub fn select(path: &str, event: &Value) -> Result<Option<Value>, AwsError> {
    let invalid = || AwsError::validation(format!("{path} is not a valid JSONPath"));
    if crate::jsonpath::too_complex(path) {
        return Err(invalid());
    }
    let path = JsonPath::parse(path).map_err(|_| invalid())?;
    Ok(path.query(event).first().cloned())
}

/// Fills `InputTemplate`'s `<name>` placeholders. Inside a JSON string a string value is
/// inserted as its text; elsewhere a value is inserted as JSON.
pub fn transform(transformer: &Value, event: &Value, rule_name: &str) -> Result<String, AwsError> {
    let template = transformer["InputTemplate"].as_str().unwrap_or_default();
    let mut values = std::collections::HashMap::new();
    if let Some(paths) = transformer["InputPathsMap"].as_object() {
        for (name, path) in paths {
            let path = path.as_str().unwrap_or_default();
            values.insert(name.clone(), select(path, event)?.unwrap_or(Value::Null));
        }
    }
    values
        .entry("aws.events.event".to_owned())
        .or_insert_with(|| event.clone());
    values
        .entry("aws.events.event.json".to_owned())
        .or_insert_with(|| event.clone());
    values
        .entry("aws.events.rule-name".to_owned())
        .or_insert_with(|| Value::String(rule_name.to_owned()));
    Ok(fill(template, &values))
}

fn fill(template: &str, values: &std::collections::HashMap<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some((value, after)) = placeholder(rest, values) {
            out.push_str(&render(value, in_string));
            rest = after;
            continue;
        }
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

/// A `<name>` placeholder with a value at the start of `text`: the value and the text after it.
fn placeholder<'a, 'v>(
    text: &'a str,
    values: &'v std::collections::HashMap<String, Value>,
) -> Option<(&'v Value, &'a str)> {
    let inner = text.strip_prefix('<')?;
    let (name, after) = inner.split_once('>')?;
    Some((values.get(name)?, after))
}

fn render(value: &Value, in_string: bool) -> String {
    let text = match (value, in_string) {
        (other, false) => return other.to_string(),
        (Value::String(s), true) => s.clone(),
        (other, true) => other.to_string(),
    };
    // The text as it sits inside a JSON string: quoted, without the quotes.
    let quoted = Value::String(text).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn input_path_selects_the_detail() {
        let event = json!({"detail": {"order_id": "o1"}});
        let target = json!({"Id": "t", "Arn": "a", "InputPath": "$.detail"});
        assert_eq!(
            target_input(&target, &event, "r").unwrap(),
            r#"{"order_id":"o1"}"#
        );
    }

    #[test]
    fn a_transformer_fills_placeholders_by_context() {
        let event = json!({"detail": {"id": "o1", "n": 3}});
        let transformer = json!({
            "InputPathsMap": {"id": "$.detail.id", "n": "$.detail.n"},
            "InputTemplate": r#"{"order": <id>, "text": "order <id> has <n>"}"#,
        });
        assert_eq!(
            transform(&transformer, &event, "r").unwrap(),
            r#"{"order": "o1", "text": "order o1 has 3"}"#
        );
    }
}
