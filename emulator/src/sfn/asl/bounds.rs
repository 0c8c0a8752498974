//! The InvalidDefinition checks on single fields: numeric bounds (AWS's documented ranges),
//! `Next` together with `End`, and the syntax of paths, `.$` templates and intrinsic calls,
//! so that nothing an execution would have to parse (recursively) is accepted unbounded.
//!
//! Bounds (Step Functions developer guide): Retry `IntervalSeconds` 1–99999999,
//! `MaxAttempts` 0–99999999, `BackoffRate` ≥ 1.0, `MaxDelaySeconds` greater than 0 and less
//! than 31622401, `JitterStrategy` FULL or NONE; `TimeoutSeconds`, `HeartbeatSeconds` and Wait
//! `Seconds` take the same 99999999 ceiling (positive, non-negative for Wait). Where AWS's
//! exact diagnostic text is not published, the messages follow the wording AWS uses for a bad
//! `.$` value (`The value for the field '…' must be …`).

use serde_json::{Map, Value};

use super::intrinsic;
use super::syntax::{is_reference_path, is_valid_path, pointer};
use crate::jsonpath::too_complex;

/// The largest value AWS accepts for its second and attempt counts.
const MAX_COUNT: u64 = 99_999_999;
/// `MaxDelaySeconds` must be less than 31622401.
const MAX_DELAY_SECONDS: u64 = 31_622_400;

/// The fields whose value is a path the engine resolves (JSONPath states).
const PATH_FIELDS: &[&str] = &[
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];

/// The fields that hold payload templates (`"key.$": "<path or intrinsic>"`).
const TEMPLATE_FIELDS: &[&str] = &["Parameters", "ResultSelector", "ItemSelector", "Assign"];

/// Pushes every field-level problem of the state `object` at JSON pointer `at`, first those of
/// its JSONata expressions ([`super::jsonata_check`]) if it is a JSONata state.
pub fn check_state(
    object: &Map<String, Value>,
    at: &str,
    type_name: &str,
    jsonata: bool,
    problems: &mut Vec<String>,
) {
    if jsonata {
        super::jsonata_check::check_state(object, at, problems);
    }
    if object.contains_key("Next") && object.get("End") == Some(&Value::Bool(true)) {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Only one of 'Next' or 'End' can be present at {}",
            pointer(at)
        ));
    }
    match type_name {
        "Wait" => integer_field(object, "Seconds", 0, MAX_COUNT, at, problems),
        "Task" => {
            integer_field(object, "TimeoutSeconds", 1, MAX_COUNT, at, problems);
            integer_field(object, "HeartbeatSeconds", 1, MAX_COUNT, at, problems);
            check_heartbeat(object, at, problems);
        }
        _ => {}
    }
    for (i, retrier) in list(object, "Retry") {
        if let Some(retrier) = retrier.as_object() {
            check_retrier(retrier, &format!("{at}/Retry[{i}]"), problems);
        }
    }
    if !jsonata {
        check_paths(object, at, problems);
    }
}

/// A Task's `HeartbeatSeconds`, when both are numbers, must be smaller than its
/// `TimeoutSeconds` (a heartbeat could never run out first).
fn check_heartbeat(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let seconds = |field: &str| object.get(field).and_then(Value::as_u64);
    if let (Some(heartbeat), Some(timeout)) =
        (seconds("HeartbeatSeconds"), seconds("TimeoutSeconds"))
        && heartbeat >= timeout
    {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: HeartbeatSeconds must be smaller than TimeoutSeconds at {at}/HeartbeatSeconds"
        ));
    }
}

/// The machine's own `TimeoutSeconds`.
pub fn check_machine(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    integer_field(object, "TimeoutSeconds", 1, MAX_COUNT, at, problems);
}

fn check_retrier(retrier: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    integer_field(retrier, "IntervalSeconds", 1, MAX_COUNT, at, problems);
    integer_field(retrier, "MaxAttempts", 0, MAX_COUNT, at, problems);
    integer_field(
        retrier,
        "MaxDelaySeconds",
        1,
        MAX_DELAY_SECONDS,
        at,
        problems,
    );
    if let Some(rate) = retrier.get("BackoffRate")
        && !rate.as_f64().is_some_and(|rate| rate >= 1.0)
    {
        problems.push(invalid_value(
            "BackoffRate",
            "a number greater than or equal to 1.0",
            at,
        ));
    }
    if let Some(jitter) = retrier.get("JitterStrategy")
        && !matches!(jitter.as_str(), Some("FULL" | "NONE"))
    {
        problems.push(invalid_value("JitterStrategy", "one of [FULL, NONE]", at));
    }
}

/// A numeric `field`, if present as a number, must be an integer in `min..=max`. (A string
/// is a JSONata expression in a JSONata state and checked when it runs.)
fn integer_field(
    object: &Map<String, Value>,
    field: &str,
    min: u64,
    max: u64,
    at: &str,
    problems: &mut Vec<String>,
) {
    let Some(value) = object.get(field).filter(|v| v.is_number()) else {
        return;
    };
    if !value.as_u64().is_some_and(|n| (min..=max).contains(&n)) {
        problems.push(invalid_value(
            field,
            &format!("an integer between {min} and {max}"),
            at,
        ));
    }
}

fn invalid_value(field: &str, what: &str, at: &str) -> String {
    format!(
        "SCHEMA_VALIDATION_FAILED: The value for the field '{field}' must be {what} at {at}/{field}"
    )
}

/// InputPath/OutputPath/ItemsPath must be valid paths, ResultPath (also a catcher's) a
/// Reference Path, the other `…Path` fields and `.$` templates bounded and well-formed.
fn check_paths(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    for field in ["InputPath", "OutputPath", "ItemsPath"] {
        if let Some(path) = object.get(field).and_then(Value::as_str)
            && !is_valid_path(path)
        {
            problems.push(invalid_value(field, "a valid JSONPath", at));
        }
    }
    check_result_path(object, at, problems);
    for (i, catcher) in list(object, "Catch") {
        if let Some(catcher) = catcher.as_object() {
            check_result_path(catcher, &format!("{at}/Catch[{i}]"), problems);
        }
    }
    for field in PATH_FIELDS {
        if let Some(path) = object.get(*field).and_then(Value::as_str)
            && too_complex(path)
        {
            problems.push(invalid_value(field, "a valid JSONPath", at));
        }
    }
    for field in ["ErrorPath", "CausePath"] {
        if let Some(expr) = object.get(field).and_then(Value::as_str)
            && !valid_expression(expr)
        {
            problems.push(invalid_value(
                field,
                "a valid JSONPath or a valid intrinsic function call",
                at,
            ));
        }
    }
    for field in TEMPLATE_FIELDS {
        if let Some(template) = object.get(*field) {
            check_template(template, &format!("{at}/{field}"), problems);
        }
    }
}

fn check_result_path(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    if let Some(path) = object.get("ResultPath").and_then(Value::as_str)
        && !is_reference_path(path)
    {
        problems.push(invalid_value("ResultPath", "a valid ReferencePath", at));
    }
}

/// Every `"key.$"` string in a payload template must be a path or an intrinsic call; AWS's
/// message names the key and points at the template field (recorded:
/// `The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic
/// function call at /States/IntrinsicEscape/Parameters`).
pub(super) fn check_template(template: &Value, at: &str, problems: &mut Vec<String>) {
    let mut stack = vec![template];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(object) => {
                for (key, item) in object {
                    match (key.ends_with(".$"), item) {
                        (true, Value::String(expr)) if !valid_expression(expr) => {
                            problems.push(format!(
                                "SCHEMA_VALIDATION_FAILED: The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call at {at}"
                            ));
                        }
                        (true, Value::String(_)) => {}
                        _ => stack.push(item),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// A `.$` value (or ErrorPath/CausePath): an intrinsic call or a path.
fn valid_expression(expr: &str) -> bool {
    if expr.starts_with("States.") {
        intrinsic::is_valid(expr)
    } else {
        is_valid_path(expr)
    }
}

fn list<'a>(
    object: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = (usize, &'a Value)> + 'a {
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

#[cfg(test)]
mod tests {
    use super::super::parse_definition;
    use serde_json::{Value, json};

    fn refused(states: Value) -> String {
        let definition = json!({ "StartAt": "A", "States": states });
        parse_definition(&definition.to_string()).expect_err("refused")
    }

    #[test]
    fn next_with_end_is_refused() {
        let err = refused(json!({"A": {"Type": "Pass", "Next": "A", "End": true}}));
        assert_eq!(
            err,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Only one of 'Next' or 'End' can be present at /States/A'"
        );
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        let err = refused(json!({"A": {"Type": "Wait", "Seconds": -1, "End": true}}));
        assert!(
            err.contains("The value for the field 'Seconds' must be an integer between 0 and 99999999 at /States/A/Seconds"),
            "{err}"
        );
        let err = refused(
            json!({"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1e12, "BackoffRate": 0.5, "MaxDelaySeconds": 31622401}]}}),
        );
        for field in ["MaxAttempts", "BackoffRate", "MaxDelaySeconds"] {
            assert!(
                err.contains(&format!("/States/A/Retry[0]/{field}")),
                "{field}: {err}"
            );
        }
        parse_definition(
            &json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 99999999, "End": true}}}).to_string(),
        )
        .expect("the largest wait is accepted");
    }

    #[test]
    fn a_heartbeat_not_below_the_timeout_is_refused() {
        let task = |heartbeat: u64| {
            json!({"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "TimeoutSeconds": 60, "HeartbeatSeconds": heartbeat, "End": true}})
        };
        let err = refused(task(60));
        assert!(
            err.contains(
                "HeartbeatSeconds must be smaller than TimeoutSeconds at /States/A/HeartbeatSeconds"
            ),
            "{err}"
        );
        let definition = json!({"StartAt": "A", "States": task(59)});
        parse_definition(&definition.to_string()).expect("a shorter heartbeat is accepted");
    }

    #[test]
    fn malformed_paths_and_templates_are_refused() {
        let err = refused(
            json!({"A": {"Type": "Pass", "InputPath": "$.a[", "ResultPath": "$.a[*]", "End": true}}),
        );
        assert!(
            err.contains("'InputPath' must be a valid JSONPath at /States/A/InputPath"),
            "{err}"
        );
        assert!(
            err.contains("'ResultPath' must be a valid ReferencePath at /States/A/ResultPath"),
            "{err}"
        );
        let nested = format!("{}1{}", "States.Array(".repeat(50_000), ")".repeat(50_000));
        let err = refused(
            json!({"A": {"Type": "Pass", "Parameters": {"x": {"v.$": nested}}, "End": true}}),
        );
        assert!(
            err.ends_with("The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters'"),
            "{err}"
        );
    }
}
