//! Choice: the first rule whose condition holds names the next state; else `Default`; else
//! States.NoChoiceMatched. Every comparison operator, their `…Path` forms, the type tests,
//! StringMatches, And/Or/Not.

use std::cmp::Ordering;

use serde_json::Value;

use super::dataflow::Extra;
use super::jsonata::{self, Scope};
use super::tail::Produced;
use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::model::{ChoiceBranch, Condition};
use crate::sfn::asl::syntax::parse_timestamp;

pub fn run(
    engine: &Engine,
    run: &StateRun<'_>,
    choices: &[ChoiceBranch],
    default: Option<&str>,
) -> Result<Step, Failure> {
    if run.jsonata() {
        return run_jsonata(engine, run, choices, default);
    }
    let context = run.context(&engine.info, None);
    let input = engine.passed_input(run)?;
    let mut chosen = None;
    for branch in choices {
        if evaluate(&branch.condition, &input, &context).map_err(|e| run.fail(e))? {
            chosen = Some(branch);
            break;
        }
    }
    finish(engine, run, &input, chosen, default)
}

/// The chosen rule's (or, with none, the state's) Assign and Output through the shared tail,
/// and the rule's Next (else `Default`, else States.NoChoiceMatched).
fn finish(
    engine: &Engine,
    run: &StateRun<'_>,
    input: &Value,
    chosen: Option<&ChoiceBranch>,
    default: Option<&str>,
) -> Result<Step, Failure> {
    let next = chosen
        .map(|b| b.next.clone())
        .or_else(|| default.map(str::to_owned))
        .ok_or_else(|| no_match(run))?;
    let mut produced = Produced::passed(run, input);
    if let Some(branch) = chosen {
        produced.assign = branch.assign.as_ref();
        produced.output = branch.output.as_ref();
    }
    let output = engine.finish(run, produced)?;
    Ok(Step {
        output,
        next: Some(next),
    })
}

fn no_match(run: &StateRun<'_>) -> Failure {
    Failure::of_state(&run.state.name, "States.NoChoiceMatched", "No Matches!")
}

/// JSONata Choice: each rule's `Condition`, then the rule's (or the state's) Assign/Output.
fn run_jsonata(
    engine: &Engine,
    run: &StateRun<'_>,
    choices: &[ChoiceBranch],
    default: Option<&str>,
) -> Result<Step, Failure> {
    let scope = Scope {
        states: run.states(engine, Extra::default()),
        vars: &run.vars,
    };
    let mut chosen = None;
    for (index, branch) in choices.iter().enumerate() {
        let holds = match &branch.condition {
            Condition::Jsonata(Value::String(text)) => match jsonata::expression(text) {
                Some(expr) => {
                    let field = format!("Choices[{index}]/Condition");
                    let value =
                        jsonata::evaluate_defined(expr, &field, &scope).map_err(|e| run.fail(e))?;
                    match value {
                        Value::Bool(holds) => holds,
                        other => {
                            return Err(
                                run.fail(jsonata::unexpected_type(expr, &field, "boolean", &other))
                            );
                        }
                    }
                }
                None => false,
            },
            Condition::Jsonata(Value::Bool(holds)) => *holds,
            _ => false,
        };
        if holds {
            chosen = Some(branch);
            break;
        }
    }
    finish(engine, run, &run.input, chosen, default)
}

/// Whether `condition` holds for `input`.
pub fn evaluate(
    condition: &Condition,
    input: &Value,
    context: &Value,
) -> Result<bool, paths::PathError> {
    match condition {
        Condition::And(all) => {
            for c in all {
                if !evaluate(c, input, context)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(any) => {
            for c in any {
                if evaluate(c, input, context)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, input, context)?),
        Condition::Jsonata(_) => Err(paths::PathError::runtime(
            "A JSONata Condition is only valid in a JSONata Choice state",
        )),
        Condition::Compare {
            variable,
            operator,
            operand,
        } => compare(variable, operator, operand, input, context),
    }
}

fn lookup(path: &str, input: &Value, context: &Value) -> Option<Value> {
    paths::resolve(path, input, context)
}

fn compare(
    variable: &str,
    operator: &str,
    operand: &Value,
    input: &Value,
    context: &Value,
) -> Result<bool, paths::PathError> {
    let value = lookup(variable, input, context);
    if operator == "IsPresent" {
        return Ok(Some(value.is_some()) == operand.as_bool());
    }
    let value = value.ok_or_else(|| paths::invalid_path(variable))?;
    let expected = operand.as_bool();
    let test = |holds: bool| Ok(Some(holds) == expected);
    match operator {
        "IsNull" => return test(value.is_null()),
        "IsNumeric" => return test(value.is_number()),
        "IsString" => return test(value.is_string()),
        "IsBoolean" => return test(value.is_boolean()),
        "IsTimestamp" => {
            return test(value.as_str().and_then(parse_timestamp).is_some());
        }
        "StringMatches" => {
            return Ok(match (value.as_str(), operand.as_str()) {
                (Some(text), Some(pattern)) => glob_matches(pattern, text),
                _ => false,
            });
        }
        _ => {}
    }
    let (base, operand) = match operator.strip_suffix("Path") {
        Some(base) => {
            let path = operand.as_str().unwrap_or_default();
            (
                base,
                lookup(path, input, context).ok_or_else(|| paths::invalid_path(path))?,
            )
        }
        None => (operator, operand.clone()),
    };
    Ok(compare_values(base, &value, &operand))
}

fn compare_values(operator: &str, value: &Value, operand: &Value) -> bool {
    let (kind, relation) = split_operator(operator);
    let ordering = match kind {
        "String" => match (value.as_str(), operand.as_str()) {
            (Some(a), Some(b)) => Some(a.cmp(b)),
            _ => None,
        },
        "Numeric" => match (value.as_f64(), operand.as_f64()) {
            (Some(a), Some(b)) if value.is_number() && operand.is_number() => a.partial_cmp(&b),
            _ => None,
        },
        "Boolean" => match (value.as_bool(), operand.as_bool()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
        "Timestamp" => match (
            value.as_str().and_then(parse_timestamp),
            operand.as_str().and_then(parse_timestamp),
        ) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
        _ => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match relation {
        "Equals" => ordering == Ordering::Equal,
        "LessThan" => ordering == Ordering::Less,
        "GreaterThan" => ordering == Ordering::Greater,
        "LessThanEquals" => ordering != Ordering::Greater,
        "GreaterThanEquals" => ordering != Ordering::Less,
        _ => false,
    }
}

fn split_operator(operator: &str) -> (&str, &str) {
    for kind in ["String", "Numeric", "Boolean", "Timestamp"] {
        if let Some(relation) = operator.strip_prefix(kind) {
            return (kind, relation);
        }
    }
    ("", "")
}

/// `*` matches any run of characters; `\*` and `\\` are literal. Linear: the pattern is
/// split at its stars, the first piece must begin the text, the last must end it, and each
/// piece between is found (leftmost, in order) in what remains.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut pieces = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => pieces.push(String::new()),
            '\\' => pieces
                .last_mut()
                .into_iter()
                .for_each(|p| p.extend(chars.next())),
            c => pieces.last_mut().into_iter().for_each(|p| p.push(c)),
        }
    }
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    let Some((last, middle)) = rest.split_last() else {
        return text == first;
    };
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    for piece in middle {
        let Some(at) = remaining.find(piece.as_str()) else {
            return false;
        };
        remaining = remaining.get(at + piece.len()..).unwrap_or_default();
    }
    remaining.ends_with(last.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(operator: &str, operand: Value, input: Value) -> bool {
        let condition = Condition::Compare {
            variable: "$.v".into(),
            operator: operator.into(),
            operand,
        };
        evaluate(&condition, &input, &Value::Null).unwrap()
    }

    #[test]
    fn operators() {
        assert!(holds("NumericGreaterThanEquals", json!(2), json!({"v": 2})));
        assert!(!holds("NumericLessThan", json!(2), json!({"v": 2})));
        assert!(holds("StringEquals", json!("a"), json!({"v": "a"})));
        assert!(!holds("StringEquals", json!("1"), json!({"v": 1})));
        assert!(holds("BooleanEquals", json!(true), json!({"v": true})));
        assert!(holds(
            "NumericEqualsPath",
            json!("$.w"),
            json!({"v": 3, "w": 3.0})
        ));
        assert!(holds(
            "TimestampLessThan",
            json!("2024-01-02T00:00:00Z"),
            json!({"v": "2024-01-01T00:00:00Z"})
        ));
        assert!(holds("IsPresent", json!(false), json!({})));
        assert!(holds("IsNull", json!(true), json!({"v": null})));
        assert!(holds(
            "StringMatches",
            json!("log-*.txt"),
            json!({"v": "log-1.txt"})
        ));
        assert!(!holds("StringMatches", json!("a\\*"), json!({"v": "ab"})));
    }

    #[test]
    fn glob_matching_is_linear_and_exact() {
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "aXbYc"));
        assert!(glob_matches("a*b*c", "abc"));
        assert!(!glob_matches("a*b*c", "acb"));
        assert!(glob_matches("*.txt", "x.txt"));
        assert!(!glob_matches("ab*ba", "aba"), "pieces may not overlap");
        assert!(glob_matches("a\\*", "a*"));
        assert!(glob_matches("a\\\\b", "a\\b"));
        assert!(!glob_matches("", "x"));
        let text = "a".repeat(200_000);
        let pattern = format!("{}b", "*a".repeat(50_000));
        assert!(!glob_matches(&pattern, &text));
    }

    #[test]
    fn missing_variable_is_a_runtime_error() {
        let condition = Condition::Compare {
            variable: "$.x".into(),
            operator: "NumericEquals".into(),
            operand: json!(1),
        };
        let err = evaluate(&condition, &json!({}), &Value::Null).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid path '$.x' : No results for path: $['x']"
        );
    }
}
