//! Definition-time checks of JSONata states: every `{% … %}` expression must parse, as
//! CreateStateMachine/UpdateStateMachine refuse it otherwise
//! (`INVALID_JSONATA_EXPRESSION: <parser message> at /States/<name>/<field>`).

use serde_json::{Map, Value};

use super::model::pointer;

/// The fields of a JSONata state whose strings may be expressions.
const FIELDS: &[&str] = &[
    "Arguments",
    "Output",
    "Assign",
    "Items",
    "ItemSelector",
    "Seconds",
    "Timestamp",
    "Error",
    "Cause",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
];

/// Pushes a problem for each expression of the state at `at` that does not parse.
pub fn check_state(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    for field in FIELDS {
        if let Some(value) = object.get(*field) {
            check_value(value, &format!("{at}/{field}"), problems);
        }
    }
    for list in ["Choices", "Catch"] {
        let items = object.get(list).and_then(Value::as_array);
        for (i, item) in items.into_iter().flatten().enumerate() {
            for field in ["Condition", "Output", "Assign"] {
                if let Some(value) = item.get(field) {
                    check_value(value, &format!("{at}/{list}[{i}]/{field}"), problems);
                }
            }
        }
    }
}

fn check_value(value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            let Some(expr) = text
                .strip_prefix("{%")
                .and_then(|rest| rest.strip_suffix("%}"))
            else {
                return;
            };
            if let Err(err) = jsonata_core::parser::parse(expr.trim()) {
                problems.push(format!(
                    "INVALID_JSONATA_EXPRESSION: {} at {}",
                    without_code(&err.to_string()),
                    pointer(at)
                ));
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                check_value(item, &format!("{at}/{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_value(item, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// `S0207: Unexpected end of expression` → `Unexpected end of expression`.
fn without_code(message: &str) -> &str {
    let message = message.strip_prefix("Parse error: ").unwrap_or(message);
    match message.split_once(": ") {
        Some((code, rest))
            if code.len() == 5
                && code.starts_with(|c: char| c.is_ascii_uppercase())
                && code[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            rest
        }
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_definition;

    #[test]
    fn an_expression_that_does_not_parse_is_refused() {
        let err = parse_definition(
            r#"{"QueryLanguage":"JSONata","StartAt":"Main","States":{"Main":{"Type":"Pass","Output":"{% 1 + %}","End":true}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/Main/Output'"
        );
    }

    #[test]
    fn jsonpath_states_are_not_parsed_as_jsonata() {
        parse_definition(
            r#"{"StartAt":"Main","States":{"Main":{"Type":"Pass","Result":{"a":"{% 1 + %}"},"End":true}}}"#,
        )
        .expect("a JSONPath Pass may hold any string");
    }
}
