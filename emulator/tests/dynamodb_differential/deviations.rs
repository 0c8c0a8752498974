//! Where DynamoDB Local is known to answer differently from AWS. Each rule recognises one such
//! answer of DynamoDB Local and rewrites it into AWS's answer; a mismatch is excused only when
//! the rewritten answer equals the emulator's exactly. docs/dynamodb-differences.md lists every
//! rule with its evidence.

use serde_json::{Value, json};

use super::values;
use super::wire::{Answer, Request};

type Rule = fn(&Request, &Answer, &mut Answer) -> bool;

/// Every known deviation of DynamoDB Local, by name.
const RULES: &[(&str, Rule)] = &[
    ("non-JSON body answered 500", non_json_body),
    ("non-existent table message", missing_table),
    ("key schema mismatch messages", key_mismatch),
    ("unknown operation message", unknown_operation),
    ("request constraint messages", constraint_message),
    ("number normalisation", numbers),
    ("unrequested ConsumedCapacity", consumed_capacity),
    ("cancellation reason message", cancellation_message),
    ("binary rendered as a Java buffer", java_buffer),
    ("key name left off messages", key_name_left_off),
    ("item key messages without detail", item_key_detail),
    ("non-string TableName", table_name_type),
    (
        "on-demand GSI without ProvisionedThroughput",
        on_demand_gsi_throughput,
    ),
    (
        "Query page ending at Limit without LastEvaluatedKey",
        query_limit_page,
    ),
    ("which overlapping projection paths are named", overlap_pair),
    (
        "which of several failing update actions is reported",
        update_error_choice,
    ),
    ("transaction repeating an item", repeated_item),
    (
        "which of several invalid transaction actions is reported",
        transaction_error_choice,
    ),
    (
        "which of several invalid BatchGetItem keys is reported",
        batch_key_error_choice,
    ),
    (
        "GSI Scan filter reading unprojected attributes",
        gsi_scan_unprojected_filter,
    ),
    ("1 MB page counted after the filter", page_after_filter),
    (
        "redundant or unclosed parentheses reported",
        unbalanced_redundant_parentheses,
    ),
    ("DeleteTable answered ACTIVE", delete_table_status),
    ("CreateTable validation wording", create_table_wording),
    (
        "UpdateTable index validation answered 500",
        update_table_internal_failure,
    ),
    ("index build in progress", index_build_in_progress),
];

/// The rules that turn DynamoDB Local's answer into the emulator's, or `None` when no set of
/// known deviations explains the difference.
pub fn excused(request: &Request, ours: &Answer, local: &Answer) -> Option<Vec<&'static str>> {
    let mut rewritten = local.clone();
    let mut applied = Vec::new();
    for (name, rule) in RULES {
        if rule(request, ours, &mut rewritten) {
            applied.push(*name);
        }
    }
    (!applied.is_empty() && rewritten == *ours).then_some(applied)
}

fn non_json_body(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let not_json = serde_json::from_str::<Value>(&request.body).is_err();
    if local.status == 500 && not_json && ours.code.as_deref() == Some("SerializationException") {
        *local = ours.clone();
        return true;
    }
    false
}

fn missing_table(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let aws = ours.code.as_deref() == Some("ResourceNotFoundException")
        && ours
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("Requested resource not found"));
    if aws && local.message.as_deref() == Some("Cannot do operations on a non-existent table") {
        local.message = ours.message.clone();
        return true;
    }
    false
}

const LOCAL_KEY_MESSAGES: &[&str] = &[
    "The number of conditions on the keys is invalid",
    "One or more parameter values were invalid: Type mismatch for key",
];

fn key_mismatch(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let aws = "The provided key element does not match the schema";
    if ours.message.as_deref() == Some(aws)
        && local
            .message
            .as_deref()
            .is_some_and(|m| LOCAL_KEY_MESSAGES.contains(&m))
    {
        local.status = 400;
        local.code = Some("ValidationException".to_owned());
        local.message = Some(aws.to_owned());
        local.body = json!({});
        return true;
    }
    false
}

fn unknown_operation(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    if local.code.as_deref() == Some("UnknownOperationException")
        && ours.code == local.code
        && local.message.as_deref() == Some("An unknown operation was requested.")
    {
        local.message = ours.message.clone();
        return true;
    }
    false
}

fn constraint_message(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let coral = ours
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("1 validation error detected: "));
    if coral && local.code.as_deref() == Some("ValidationException") && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}

fn numbers(request: &Request, _: &Answer, local: &mut Answer) -> bool {
    let before = (local.body.clone(), local.message.clone());
    canonical_numbers(&mut local.body);
    local.message = local.message.as_deref().map(canonical_message_numbers);
    // Canonical numbers can change the order of unordered collections: sort again.
    local.body = super::wire::canonical(&local.body, &request.operation);
    before != (local.body.clone(), local.message.clone())
}

/// `{N:2.50}` in a message becomes `{N:2.5}`.
fn canonical_message_numbers(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("{N:") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let end = rest.find('}').unwrap_or(rest.len());
        out.push_str(&canonical_number(&rest[..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn canonical_numbers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match (key.as_str(), &mut *inner) {
                    ("N", Value::String(n)) => *n = canonical_number(n),
                    ("NS", Value::Array(members)) => {
                        for member in members.iter_mut() {
                            if let Value::String(n) = member {
                                *n = canonical_number(n);
                            }
                        }
                        members.sort_by_key(|v| v.to_string());
                    }
                    _ => canonical_numbers(inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonical_numbers),
        _ => {}
    }
}

/// Leading and trailing zeros trimmed, as AWS stores numbers (plain decimals only).
fn canonical_number(text: &str) -> String {
    if text.contains(['e', 'E']) {
        return text.to_owned();
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    if body == "0" {
        body
    } else {
        format!("{sign}{body}")
    }
}

fn consumed_capacity(request: &Request, _: &Answer, local: &mut Answer) -> bool {
    let asked = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("ReturnConsumedCapacity").cloned())
        .is_some_and(|v| v != json!("NONE"));
    if asked {
        return false;
    }
    local
        .body
        .as_object_mut()
        .is_some_and(|b| b.remove("ConsumedCapacity").is_some())
}

fn cancellation_message(_: &Request, _: &Answer, local: &mut Answer) -> bool {
    let Some(reasons) = local
        .body
        .get_mut("CancellationReasons")
        .and_then(Value::as_array_mut)
    else {
        return false;
    };
    let mut changed = false;
    for reason in reasons {
        if reason["Message"] == json!("The conditional request failed.") {
            reason["Message"] = json!("The conditional request failed");
            changed = true;
        }
    }
    changed
}

/// DynamoDB Local renders a B operand in messages as `java.nio.HeapByteBuffer[…]`; the rest of
/// the message must match exactly.
fn java_buffer(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let (Some(theirs), Some(mine)) = (local.message.as_deref(), ours.message.as_deref()) else {
        return false;
    };
    let Some(at) = theirs.find("{B:java.nio.HeapByteBuffer[") else {
        return false;
    };
    if mine.get(..at + 3) == theirs.get(..at + 3) && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// DynamoDB Local says `Query condition missed key schema element`; AWS names the element.
fn key_name_left_off(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let Some(mine) = ours.message.as_deref() else {
        return false;
    };
    let stem = "Query condition missed key schema element";
    if local.message.as_deref() == Some(stem) && mine.starts_with(&format!("{stem}: ")) {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// PutItem key errors: AWS names the key attribute and the types; DynamoDB Local does not.
fn item_key_detail(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let (Some(mine), Some(theirs)) = (ours.message.as_deref(), local.message.as_deref()) else {
        return false;
    };
    let missing = theirs == "One of the required keys was not given a value"
        && mine.starts_with("One or more parameter values were invalid: Missing the key ");
    let mismatch = theirs == "One or more parameter values were invalid: Type mismatch for key"
        && mine.starts_with("One or more parameter values were invalid: Type mismatch for key ");
    let index_stem = "One or more parameter values were invalid: Type mismatch for Index Key";
    let index_mismatch = theirs == index_stem && mine.starts_with(&format!("{index_stem} "));
    let mismatch = mismatch || index_mismatch;
    if (missing || mismatch) && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// A TableName that is not a string: AWS fails deserialisation (SerializationException),
/// DynamoDB Local validates the name.
fn table_name_type(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let not_string = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("TableName").cloned())
        .is_some_and(|t| !t.is_string());
    let local_name_check = local
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("Invalid table/index name."));
    if not_string && local_name_check && ours.code.as_deref() == Some("SerializationException") {
        *local = ours.clone();
        return true;
    }
    false
}

/// A Query page that stops because it reached Limit: AWS returns LastEvaluatedKey even when
/// no further item exists; DynamoDB Local leaves it off.
fn query_limit_page(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let limit = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("Limit").and_then(Value::as_u64));
    let scanned = ours.body.get("ScannedCount").and_then(Value::as_u64);
    let Some(key) = ours.body.get("LastEvaluatedKey") else {
        return false;
    };
    if request.operation != "Query" || limit.is_none() || limit != scanned {
        return false;
    }
    match local.body.as_object_mut() {
        Some(body) if !body.contains_key("LastEvaluatedKey") => {
            body.insert("LastEvaluatedKey".to_owned(), key.clone());
            true
        }
        _ => false,
    }
}

/// Both refuse overlapping ProjectionExpression paths, but DynamoDB Local names an erratic
/// pair (sometimes a path that overlaps nothing, e.g. `[l]` and `[n]` for `l, n, l[0]`).
fn overlap_pair(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
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

const UPDATE_EVALUATION_ERRORS: &[&str] = &[
    "The provided expression refers to an attribute that does not exist in the item",
    "An operand in the update expression has an incorrect data type",
    "The document path provided in the update expression is invalid for update",
];

/// An UpdateExpression (or the Update items of a transaction) with several actions that each
/// fail: AWS does not define which error is reported. DynamoDB Local picks by its internal hash-map order, which the emulator
/// follows for plain names but not in every case; both answers are one of the evaluation
/// errors, and the request has at least two actions.
fn update_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
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

/// A transaction with two actions on one item: AWS refuses it ("no two actions can target the
/// same item"); DynamoDB Local runs the actions first and may cancel instead (showing in the
/// cancellation reasons an item with the other action's write applied) or fail evaluating one.
fn repeated_item(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let refused = ours.message.as_deref()
        == Some("Transaction request cannot include multiple operations on one item");
    let repeats = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("TransactItems").and_then(Value::as_array).cloned())
        .is_some_and(|items| {
            let keys: Vec<String> = items
                .iter()
                .filter_map(|i| i.as_object().and_then(|o| o.values().next()).cloned())
                .map(|a| {
                    let key = a.get("Item").unwrap_or(&a["Key"]);
                    format!("{}{}{}", a["TableName"], key["pk"], key["sk"])
                })
                .collect();
            (1..keys.len()).any(|i| keys[..i].contains(&keys[i]))
        });
    let executed = local.code.as_deref() == Some("TransactionCanceledException")
        || local.message.as_deref().is_some_and(|m| {
            UPDATE_EVALUATION_ERRORS.contains(&m) || m == "Invalid attribute value type"
        });
    if refused && repeats && executed {
        *local = ours.clone();
        return true;
    }
    false
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
fn transaction_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
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

/// A GSI of an on-demand table: AWS reports `ProvisionedThroughput` with zero capacity units,
/// DynamoDB Local leaves the member off.
fn on_demand_gsi_throughput(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let mut applied = false;
    for member in ["TableDescription", "Table"] {
        let Some(indexes) = local
            .body
            .get_mut(member)
            .and_then(|t| t.get_mut("GlobalSecondaryIndexes"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let on_demand = ours.body[member]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST";
        for index in indexes.iter_mut().filter(|_| on_demand) {
            if index.get("ProvisionedThroughput").is_none() {
                index["ProvisionedThroughput"] =
                    json!({"ReadCapacityUnits": 0, "WriteCapacityUnits": 0});
                applied = true;
            }
        }
    }
    applied
}

/// A BatchGetItem in which several keys are invalid: AWS does not define which one is
/// reported. DynamoDB Local checks the keys in its hash-set order, so the same two keys give
/// one error or the other depending on their values (`{"N":"1"}` next to an empty `pk` is
/// reported as a type mismatch, `{"N":"1.5"}` as the empty value, whatever their order in the
/// request). Both answers must be key validation errors of a request with at least two
/// invalid keys.
fn batch_key_error_choice(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
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

/// A Scan of a GSI whose filter names an attribute the index does not project: a GSI holds
/// only its projected attributes, so on AWS the filter sees the attribute absent; DynamoDB
/// Local evaluates it against the table's item (and refuses the same filter on a Query with
/// "Secondary index … does not project one or more filter attributes"). Only then, and with
/// the same number of items read, may the kept items differ.
fn gsi_scan_unprojected_filter(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let body = serde_json::from_str::<Value>(&request.body).unwrap_or_default();
    let on_gsi = request.operation == "Scan"
        && body.get("IndexName").and_then(Value::as_str) == Some(values::GSI);
    let unprojected = body
        .get("FilterExpression")
        .and_then(Value::as_str)
        .is_some_and(|filter| {
            filter_attribute_names(filter, &body)
                .iter()
                .any(|name| !GSI_PROJECTED.contains(&name.as_str()))
        });
    let same_read = ours.body.get("ScannedCount") == local.body.get("ScannedCount");
    if on_gsi && unprojected && same_read && ours.status == 200 && local.status == 200 {
        local.body = ours.body.clone();
        return true;
    }
    false
}

/// What the differential GSI `by_status` holds: table key, index key, and `a`.
const GSI_PROJECTED: &[&str] = &["pk", "sk", "status", "n", "a"];

/// The top-level attribute names a filter reads: `#name` placeholders resolved, function
/// names and keywords left out.
fn filter_attribute_names(filter: &str, body: &Value) -> Vec<String> {
    const NOT_NAMES: &[&str] = &[
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
    ];
    let mut names = Vec::new();
    let mut rest = filter;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '#' || c == ':') {
        let tail = &rest[start..];
        let end = tail[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(tail.len(), |i| i + 1);
        let token = &tail[..end];
        // Only the first element of a path: `m.x` and `l[1]` read `m` and `l`.
        let after_dot = rest[..start].ends_with('.');
        if !after_dot && !token.starts_with(':') && !NOT_NAMES.contains(&token) {
            let name = match token.strip_prefix('#') {
                Some(_) => body["ExpressionAttributeNames"][token]
                    .as_str()
                    .unwrap_or(token)
                    .to_owned(),
                None => token.to_owned(),
            };
            names.push(name);
        }
        rest = &tail[end..];
    }
    names
}

/// A Query or Scan with a filter over more than 1 MB: AWS counts the megabyte before the
/// filter (developer guide, "Query result set limit": it "applies before any
/// FilterExpression"), so the page stops and has a LastEvaluatedKey; DynamoDB Local counts only
/// the items the filter keeps and reads on. Its page must extend the emulator's: the same
/// items first, more read after.
fn page_after_filter(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let filtered = serde_json::from_str::<Value>(&request.body)
        .is_ok_and(|b| b.get("FilterExpression").is_some());
    let scanned = |a: &Answer| a.body.get("ScannedCount").and_then(Value::as_u64);
    let items = |a: &Answer| a.body.get("Items").and_then(Value::as_array).cloned();
    let (Some(ours_items), Some(local_items)) = (items(ours), items(local)) else {
        return false;
    };
    let extends = local_items.starts_with(&ours_items);
    let read_on = scanned(local) > scanned(ours)
        && ours.body.get("LastEvaluatedKey").is_some()
        && local.body.get("LastEvaluatedKey").is_none();
    if filtered && extends && read_on && ours.status == 200 && local.status == 200 {
        local.body = ours.body.clone();
        return true;
    }
    false
}

/// DeleteTable: AWS answers `TableStatus` `DELETING`; DynamoDB Local answers `ACTIVE`.
fn delete_table_status(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let status = |a: &Answer| a.body["TableDescription"]["TableStatus"].clone();
    if request.operation == "DeleteTable"
        && status(ours) == json!("DELETING")
        && status(local) == json!("ACTIVE")
    {
        local.body["TableDescription"]["TableStatus"] = json!("DELETING");
        return true;
    }
    false
}

/// A GSI that UpdateTable created or deleted: DynamoDB Local (like AWS) builds it in the
/// background and reports it `CREATING` (`Backfilling`) or `DELETING` for a while; the
/// emulator is done at once (`ACTIVE`, or gone). Only the status of an index that the
/// emulator reports `ACTIVE` (or no longer has) is excused.
fn index_build_in_progress(_: &Request, ours: &Answer, local: &mut Answer) -> bool {
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

/// CreateTable's validation messages in DynamoDB Local's own wording, with AWS's for each.
const CREATE_TABLE_WORDING: &[(&str, &str)] = &[
    (
        "Hash Key not specified in Attribute Definitions.  Type unknown.",
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions.",
    ),
    (
        "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
    ),
    (
        "No provisioned throughput specified for the table",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
    ),
    (
        "Local Secondary indices are not allowed on hash tables, only hash and range tables",
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
    ),
    (
        "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second",
        "One or more parameter values were invalid: Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    ),
    (
        "GSI list is empty/invalid",
        "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty",
    ),
];

/// CreateTable refused for the same reason with DynamoDB Local's wording; AWS's message must
/// start with the AWS text paired with DynamoDB Local's (it may name the attributes after it).
fn create_table_wording(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let (Some(mine), Some(theirs)) = (ours.message.as_deref(), local.message.as_deref()) else {
        return false;
    };
    let paired = CREATE_TABLE_WORDING
        .iter()
        .any(|(local_text, aws_text)| theirs == *local_text && mine.starts_with(aws_text));
    if request.operation == "CreateTable" && paired && ours.code == local.code {
        local.message = ours.message.clone();
        return true;
    }
    false
}

/// UpdateTable index changes DynamoDB Local fails on with `500 InternalFailure` (a Create
/// without `AttributeDefinitions` on some tables, a key attribute redefined with another type);
/// AWS refuses them with a `ValidationException`, as the emulator does.
fn update_table_internal_failure(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let index_update = request.body.contains("GlobalSecondaryIndexUpdates");
    if request.operation == "UpdateTable"
        && index_update
        && local.status == 500
        && local.code.as_deref() == Some("InternalFailure")
        && ours.code.as_deref() == Some("ValidationException")
    {
        *local = ours.clone();
        return true;
    }
    false
}

/// An expression with redundant parentheses that are also unbalanced (`(((a > :v))`): two
/// errors, and AWS does not define which is reported. DynamoDB Local reports either,
/// depending on what the parentheses hold; the emulator reports redundancy as soon as a group
/// closes. Both answers must be one of the two errors for the same expression.
fn unbalanced_redundant_parentheses(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
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
