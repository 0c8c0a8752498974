//! Definition-time checks of JSONata states: every `{% … %}` expression must parse, as
//! CreateStateMachine/UpdateStateMachine refuse it otherwise
//! (`INVALID_JSONATA_EXPRESSION: <parser message> at /States/<name>/<field>`).

use serde_json::{Map, Value};

use super::syntax::{nesting_error, pointer};

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
    "ItemBatcher",
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
            let expr = expr.trim();
            let error = match nesting_error(expr) {
                Some(message) => Some(message),
                None => jsonata_core::parser::parse(expr)
                    .err()
                    .map(|err| err.to_string()),
            };
            if let Some(error) = error {
                problems.push(format!(
                    "INVALID_JSONATA_EXPRESSION: {} at {}",
                    without_code(&error),
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
        Some((code, rest)) if is_error_code(code) => rest,
        _ => message,
    }
}

/// `S0207`: an uppercase letter and four digits.
fn is_error_code(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && code.len() == 5
        && chars.all(|c| c.is_ascii_digit())
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
    fn deeply_nested_expressions_are_refused_before_parsing() {
        let deep = format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000));
        let definition = serde_json::json!({"QueryLanguage": "JSONata", "StartAt": "Main", "States": {
            "Main": {"Type": "Pass", "Output": format!("{{% {deep} %}}"), "End": true}}});
        let err = parse_definition(&definition.to_string()).unwrap_err();
        assert_eq!(
            err,
            "Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: Stack overflow - maximum expression nesting depth (100) exceeded while parsing expression at /States/Main/Output'"
        );
        let string = format!("{{% '{}' %}}", "(".repeat(500));
        let quoted = serde_json::json!({"QueryLanguage": "JSONata", "StartAt": "Main", "States": {
            "Main": {"Type": "Pass", "Output": string, "End": true}}});
        parse_definition(&quoted.to_string()).expect("brackets in strings do not count");
    }

    #[test]
    fn jsonpath_states_are_not_parsed_as_jsonata() {
        parse_definition(
            r#"{"StartAt":"Main","States":{"Main":{"Type":"Pass","Result":{"a":"{% 1 + %}"},"End":true}}}"#,
        )
        .expect("a JSONPath Pass may hold any string");
    }
}
