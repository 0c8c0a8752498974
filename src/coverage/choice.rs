//! Which Choice rule an execution took, when the history alone cannot say (two rules, or a
//! rule and `Default`, lead to the same state): the JSONPath rules are evaluated on the
//! Choice's input, as Step Functions does. Anything this does not evaluate — JSONata
//! `Condition`s, the context object (`$$`), filters — answers None, and the transition is
//! reported as unexplained rather than guessed.

use serde_json::Value;

/// Nesting of And/Or/Not evaluated at most.
const MAX_DEPTH: usize = 32;

/// The index of the first rule of `rules` that matches `input`; `Some(None)` when none
/// does (the Default); None when a rule before the decision cannot be evaluated.
pub fn taken(rules: &[Value], input: &Value) -> Option<Option<usize>> {
    for (index, rule) in rules.iter().enumerate() {
        if matches(rule, input, 0)? {
            return Some(Some(index));
        }
    }
    Some(None)
}

fn matches(rule: &Value, input: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(all) = rule.get("And").and_then(Value::as_array) {
        return all
            .iter()
            .try_fold(true, |acc, r| Some(acc && matches(r, input, depth + 1)?));
    }
    if let Some(any) = rule.get("Or").and_then(Value::as_array) {
        return any
            .iter()
            .try_fold(false, |acc, r| Some(acc || matches(r, input, depth + 1)?));
    }
    if let Some(not) = rule.get("Not") {
        return matches(not, input, depth + 1).map(|b| !b);
    }
    let variable = select(input, rule.get("Variable")?.as_str()?);
    let object = rule.as_object()?;
    let (operator, operand) = object
        .iter()
        .find(|(key, _)| !matches!(key.as_str(), "Variable" | "Next" | "Comment" | "Assign"))?;
    let (operator, operand) = match operator.strip_suffix("Path") {
        Some(op) => (op, select(input, operand.as_str()?)?.clone()),
        None => (operator.as_str(), operand.clone()),
    };
    compare(operator, variable, &operand)
}

fn compare(operator: &str, variable: Option<&Value>, operand: &Value) -> Option<bool> {
    let flag = operand.as_bool();
    match operator {
        "IsPresent" => return Some(variable.is_some() == flag?),
        "IsNull" => return Some(variable.is_some_and(Value::is_null) == flag?),
        "IsNumeric" => return Some(variable.is_some_and(Value::is_number) == flag?),
        "IsString" => return Some(variable.is_some_and(Value::is_string) == flag?),
        "IsBoolean" => return Some(variable.is_some_and(Value::is_boolean) == flag?),
        _ => {}
    }
    let Some(variable) = variable else {
        // Step Functions fails the execution here (States.Runtime); it took no rule.
        return None;
    };
    let (kind, test) = split_operator(operator)?;
    let order = match kind {
        "String" => variable
            .as_str()
            .zip(operand.as_str())
            .map(|(a, b)| a.cmp(b)),
        "Numeric" => variable
            .as_f64()
            .zip(operand.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        "Boolean" if test == "Equals" => {
            return Some(variable.as_bool().is_some() && variable.as_bool() == operand.as_bool());
        }
        _ => return None,
    };
    // A type mismatch (a string compared as a number) is false, as in Step Functions.
    let Some(order) = order else {
        return Some(false);
    };
    use std::cmp::Ordering::{Equal, Greater, Less};
    Some(match test {
        "Equals" => order == Equal,
        "LessThan" => order == Less,
        "GreaterThan" => order == Greater,
        "LessThanEquals" => order != Greater,
        "GreaterThanEquals" => order != Less,
        _ => return None,
    })
}

/// `NumericLessThan` → (`Numeric`, `LessThan`).
fn split_operator(operator: &str) -> Option<(&str, &str)> {
    ["String", "Numeric", "Boolean"]
        .into_iter()
        .find_map(|kind| Some((kind, operator.strip_prefix(kind)?)))
}

/// `$`, `$.a.b`, `$.a[0].b`, `$['a']`: the value at a plain path (None when absent or the
/// path is anything more).
fn select<'v>(input: &'v Value, path: &str) -> Option<&'v Value> {
    let mut rest = path.strip_prefix('$')?;
    let mut value = input;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let (key, tail) = after.split_at(end);
            value = value.get(key)?;
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('[') {
            let (inside, tail) = after.split_once(']')?;
            value = match inside.trim_matches('\'') {
                key if inside.starts_with('\'') => value.get(key)?,
                index => value.get(index.parse::<usize>().ok()?)?,
            };
            rest = tail;
        } else {
            return None;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_matching_rule_is_taken_and_none_means_default() {
        let rules = [
            json!({"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}),
            json!({"And": [
                {"Variable": "$.tags[0]", "StringEquals": "vip"},
                {"Not": {"Variable": "$.gone", "IsPresent": true}}
            ], "Next": "Big"}),
            json!({"Variable": "$.ok", "BooleanEqualsPath": "$.want", "Next": "Small"}),
        ];
        assert_eq!(taken(&rules, &json!({"n": 11})), Some(Some(0)));
        assert_eq!(
            taken(&rules, &json!({"n": 1, "tags": ["vip"]})),
            Some(Some(1))
        );
        let input = json!({"n": 1, "tags": ["x"], "ok": true, "want": true});
        assert_eq!(taken(&rules, &input), Some(Some(2)));
        let input = json!({"n": 1, "tags": ["vip"], "gone": 1, "ok": true, "want": false});
        assert_eq!(taken(&rules, &input), Some(None));
        assert_eq!(
            taken(&[json!({"Condition": "{% true %}"})], &json!({})),
            None
        );
    }
}
