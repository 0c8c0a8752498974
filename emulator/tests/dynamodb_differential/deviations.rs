//! Where DynamoDB Local is known to answer differently from AWS. Each rule recognises one such
//! answer of DynamoDB Local and rewrites it into AWS's answer; a mismatch is excused only when
//! the rewritten answer equals the emulator's exactly. docs/dynamodb-differences.md lists every
//! rule with its evidence. The rules for answers AWS leaves open (several errors in one
//! request, indexes being built) live in [`super::tolerances`]; this table lists them all.

use serde_json::{Value, json};

use super::tolerances;
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
    (
        "which overlapping projection paths are named",
        tolerances::overlap_pair,
    ),
    (
        "which of several failing update actions is reported",
        tolerances::update_error_choice,
    ),
    ("transaction repeating an item", repeated_item),
    ("NE sort key condition answered 500", ne_sort_key_condition),
    (
        "which of several invalid transaction actions is reported",
        tolerances::transaction_error_choice,
    ),
    (
        "which of several invalid BatchGetItem keys is reported",
        tolerances::batch_key_error_choice,
    ),
    (
        "GSI Scan filter reading unprojected attributes",
        gsi_scan_unprojected_filter,
    ),
    ("1 MB page counted after the filter", page_after_filter),
    (
        "redundant or unclosed parentheses reported",
        tolerances::unbalanced_redundant_parentheses,
    ),
    ("DeleteTable answered ACTIVE", delete_table_status),
    ("CreateTable validation wording", create_table_wording),
    (
        "UpdateTable index validation answered 500",
        update_table_internal_failure,
    ),
    (
        "index build in progress",
        tolerances::index_build_in_progress,
    ),
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

pub const LOCAL_KEY_MESSAGES: &[&str] = &[
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
            tolerances::UPDATE_EVALUATION_ERRORS.contains(&m) || m == "Invalid attribute value type"
        });
    if refused && repeats && executed {
        *local = ours.clone();
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

/// `KeyConditions` with NE on the sort key: DynamoDB Local fails with a 500; AWS refuses NE
/// (like IN, CONTAINS, NULL) as not indexable.
fn ne_sort_key_condition(request: &Request, ours: &Answer, local: &mut Answer) -> bool {
    let not_indexable = "Attempted conditional constraint is not an indexable operation";
    let ne_on_key = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b.get("KeyConditions").cloned())
        .and_then(|k| k.as_object().cloned())
        .is_some_and(|k| {
            k.values()
                .any(|c| c.get("ComparisonOperator").and_then(Value::as_str) == Some("NE"))
        });
    if ne_on_key
        && local.code.as_deref() == Some("InternalFailure")
        && ours.message.as_deref() == Some(not_indexable)
    {
        *local = ours.clone();
        return true;
    }
    false
}
