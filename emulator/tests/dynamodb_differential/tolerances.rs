//! Tolerances: requests with several errors, or states AWS leaves in flux, where two
//! different answers are both valid and AWS does not define which one comes. Each rule applies
//! only when both answers are of the named kind; docs/dynamodb-differences.md lists them.

use serde_json::{Value, json};

use super::deviations::LOCAL_KEY_MESSAGES;
use super::values;
use super::wire::{Answer, Request};

/// Both refuse overlapping ProjectionExpression paths, but DynamoDB Local names an erratic
/// pair (sometimes a path that overlaps nothing, e.g. `[l]` and `[n]` for `l, n, l[0]`).
pub fn overlap_pair(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let both = ["ProjectionExpression", "UpdateExpression"]
        .iter()
        .any(|kind| {
            let stem = format!("Invalid {kind}: Two document paths overlap with each other;");
            [ours.message.as_deref(), local.message.as_deref()]
                .iter()
                .all(|m| m.is_some_and(|m| m.starts_with(&stem)))
        });
    if both && ours.message != local.message {
        local.message = ours.message.clone();
        return true;
    }
    false
}

pub const UPDATE_EVALUATION_ERRORS: &[&str] = &[
    "The provided expression refers to an attribute that does not exist in the item",
    "An operand in the update expression has an incorrect data type",
    "The document path provided in the update expression is invalid for update",
];

/// An UpdateExpression (or the Update items of a transaction) with several actions that each
/// fail: AWS does not define which error is reported. DynamoDB Local picks by its internal hash-map order, which the emulator
/// follows for plain names but not in every case; both answers are one of the evaluation
/// errors, and the request has at least two actions.
pub fn update_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let evaluation = |a: &Answer| {
        a.message
            .as_deref()
            .is_some_and(|m| UPDATE_EVALUATION_ERRORS.contains(&m))
    };
    let several_actions = serde_json::from_str::<Value>(&request.body)
        .map_or(0, |body| update_actions_in(&body))
        >= 2;
    if several_actions && evaluation(ours) && evaluation(local) && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// The update actions of a request: its UpdateExpression's, or in a transaction all of its
/// Update items'.
fn update_actions_in(body: &Value) -> usize {
    let own = body
        .get("UpdateExpression")
        .and_then(Value::as_str)
        .map_or(0, update_action_count);
    let in_transaction: usize =
        body.get("TransactItems")
            .and_then(Value::as_array)
            .map_or(0, |items| {
                items
                    .iter()
                    .filter_map(|item| item.get("Update"))
                    .map(update_actions_in)
                    .sum()
            });
    own + in_transaction
}

/// The actions of an UpdateExpression: one per clause keyword plus one per comma outside
/// parentheses.
fn update_action_count(expression: &str) -> usize {
    let clauses = expression
        .split_whitespace()
        .filter(|word| ["SET", "REMOVE", "ADD", "DELETE"].contains(&word.to_uppercase().as_str()))
        .count();
    let mut depth = 0i32;
    let mut commas = 0;
    for c in expression.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    clauses + commas
}

/// Per-action validation errors of TransactWriteItems: placeholders, expressions, keys and
/// attribute values.
fn per_action_error(message: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "Invalid ConditionExpression: ",
        "Invalid UpdateExpression: ",
        "Value provided in ExpressionAttribute",
        "ExpressionAttribute",
        "The provided key element does not match the schema",
        "The number of conditions on the keys is invalid",
        "One or more parameter values",
        "One of the required keys was not given a value",
        "A value provided cannot be converted into a number",
        "Number overflow.",
    ];
    PREFIXES.iter().any(|p| message.starts_with(p))
}

/// A transaction in which several actions are invalid: AWS does not define which one is
/// reported. The emulator validates stage by stage across the actions in the order observed
/// with DynamoDB Local, which still differs in some mixes; both answers must be per-action
/// validation errors of a request with at least two actions.
pub fn transaction_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let actions = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| {
            b.get("TransactItems")
                .and_then(Value::as_array)
                .map(Vec::len)
        })
        .unwrap_or(0);
    let both = [&ours.message, &local.message]
        .iter()
        .all(|m| m.as_deref().is_some_and(per_action_error));
    if request.operation == "TransactWriteItems"
        && actions >= 2
        && both
        && ours.code.as_deref() == Some("ValidationException")
        && ours.code == local.code
    {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// A BatchGetItem in which several keys are invalid: AWS does not define which one is
/// reported. DynamoDB Local checks the keys in its hash-set order, so the same two keys give
/// one error or the other depending on their values (`{"N":"1"}` next to an empty `pk` is
/// reported as a type mismatch, `{"N":"1.5"}` as the empty value, whatever their order in the
/// request). Both answers must be key validation errors of a request with at least two
/// invalid keys.
pub fn batch_key_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let invalid_keys = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("RequestItems").and_then(Value::as_object).cloned())
        .map_or(0, |tables| {
            tables
                .iter()
                .map(|(table, spec)| {
                    let keys = spec.get("Keys").and_then(Value::as_array);
                    keys.map_or(0, |keys| {
                        keys.iter().filter(|k| !valid_key(table, k)).count()
                    })
                })
                .sum()
        });
    let key_error = |a: &Answer| {
        a.message.as_deref().is_some_and(|m| {
            m.starts_with("The provided key element does not match the schema")
                || m.starts_with("One or more parameter values")
                || LOCAL_KEY_MESSAGES.contains(&m)
        })
    };
    if request.operation == "BatchGetItem"
        && invalid_keys >= 2
        && key_error(ours)
        && key_error(local)
        && ours.code.as_deref() == Some("ValidationException")
        && ours.code == local.code
    {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// Whether `key` matches the differential tables' key schemas (`pk` S, and `sk` N on the
/// range table) with no empty string.
fn valid_key(table: &str, key: &Value) -> bool {
    let Some(key) = key.as_object() else {
        return false;
    };
    let schema: &[(&str, &str)] = match table {
        values::HASH_TABLE => &[("pk", "S")],
        values::RANGE_TABLE => &[("pk", "S"), ("sk", "N")],
        _ => return true,
    };
    key.len() == schema.len()
        && schema.iter().all(|(name, kind)| {
            key.get(*name)
                .and_then(|v| v.get(*kind))
                .and_then(Value::as_str)
                .is_some_and(|text| !text.is_empty())
        })
}

/// A GSI that UpdateTable created or deleted: DynamoDB Local (like AWS) builds it in the
/// background and reports it `CREATING` (`Backfilling`) or `DELETING` for a while; the
/// emulator is done at once (`ACTIVE`, or gone). Only the status of an index that the
/// emulator reports `ACTIVE` (or no longer has) is excused.
pub fn index_build_in_progress(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let mut applied = false;
    for member in ["Table", "TableDescription"] {
        let our_indexes: Vec<Value> = ours.body[member]["GlobalSecondaryIndexes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ours_named = |name: &Value| our_indexes.iter().find(|i| &i["IndexName"] == name);
        let Some(list) = local
            .body
            .get_mut(member)
            .and_then(|t| t.get_mut("GlobalSecondaryIndexes"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let before = list.len();
        list.retain(|i| {
            i["IndexStatus"] != json!("DELETING") || ours_named(&i["IndexName"]).is_some()
        });
        applied |= list.len() != before;
        for index in list.iter_mut() {
            let building = index["IndexStatus"] == json!("CREATING");
            let active_here = ours_named(&index["IndexName"])
                .is_some_and(|i| i["IndexStatus"] == json!("ACTIVE"));
            if building && active_here {
                index["IndexStatus"] = json!("ACTIVE");
                if let Some(index) = index.as_object_mut() {
                    index.remove("Backfilling");
                }
                applied = true;
            }
        }
        if list.is_empty()
            && let Some(table) = local.body.get_mut(member).and_then(Value::as_object_mut)
        {
            table.remove("GlobalSecondaryIndexes");
        }
    }
    applied
}

/// An expression with redundant parentheses that are also unbalanced (`(((a > :v))`): two
/// errors, and AWS does not define which is reported. DynamoDB Local reports either,
/// depending on what the parentheses hold; the emulator reports redundancy as soon as a group
/// closes. Both answers must be one of the two errors for the same expression.
pub fn unbalanced_redundant_parentheses(
    request: &Request,
    ours: &Answer,
    local: &mut Answer,
) -> bool {
    let body = serde_json::from_str::<Value>(&request.body).unwrap_or_default();
    let unbalanced = |text: &str| text.matches('(').count() != text.matches(')').count();
    let expressions = [
        "ConditionExpression",
        "FilterExpression",
        "KeyConditionExpression",
    ];
    let Some(kind) = expressions.iter().find(|member| {
        body.get(**member)
            .and_then(Value::as_str)
            .is_some_and(|text| text.contains("((") && unbalanced(text))
    }) else {
        return false;
    };
    let one_of_both = |a: &Answer| {
        a.message.as_deref().is_some_and(|m| {
            m == format!("Invalid {kind}: The expression has redundant parentheses;")
                || m.starts_with(&format!("Invalid {kind}: Syntax error; token: "))
        })
    };
    if one_of_both(ours) && one_of_both(local) && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}
