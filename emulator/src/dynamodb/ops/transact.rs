//! TransactWriteItems (all-or-nothing, with AWS's cancellation reasons and client request
//! tokens) and TransactGetItems.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::idempotency::{self, Verdict};
use super::items::{
    Prepare, plan_metrics, plan_usage, prepare_check, prepare_delete, prepare_put, prepare_update,
    projection, read_item,
};
use super::parsed::{ReadInput, WriteInput, WriteKind};
use super::{WriteError, commit};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::capacity::{self, Detail, Usage};
use crate::dynamodb::collections::{self, PerTable};
use crate::dynamodb::expr::Placeholders;
use crate::dynamodb::input;
use crate::dynamodb::model::{AttrValue, Item, item_to_json};
use crate::dynamodb::table::{PrimaryKey, State};
use crate::protocol::AwsError;

fn check_count(items: &[Value]) -> Result<(), AwsError> {
    if items.is_empty() || items.len() > 100 {
        let bound = if items.is_empty() {
            "greater than or equal to 1"
        } else {
            "less than or equal to 100"
        };
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length {bound}"
        )));
    }
    Ok(())
}

/// One action of a transaction, with everything that does not need the store checked and
/// parsed before the lock is taken; the results are reported in AWS's stages.
struct Action<'a> {
    body: &'a Value,
    prepare: Prepare,
    /// The first stage: its expressions and attribute values, then its placeholders.
    values: Result<(), AwsError>,
    placeholder_values: Result<(), AwsError>,
    /// The second stage: placeholders given without an expression.
    placeholders: Result<(), AwsError>,
    input: WriteInput<'a>,
}

impl<'a> Action<'a> {
    fn new(body: &'a Value, kind: WriteKind, prepare: Prepare) -> Action<'a> {
        let values = check_expressions_and_values(body);
        let placeholder_values = Placeholders::for_request(body, has_expression(body)).map(|_| ());
        let placeholders = if has_expression(body) {
            Ok(())
        } else {
            let put_or_delete = body.get("UpdateExpression").is_none();
            super::check_placeholders_need_expression(body, put_or_delete)
        };
        Action {
            body,
            prepare,
            values,
            placeholder_values,
            placeholders,
            input: WriteInput {
                scalar_keys: false,
                ..WriteInput::new(body, kind)
            },
        }
    }

    /// The item a Put writes, parsed; `None` for the other actions.
    fn put_item(&self) -> Option<&Item> {
        match (self.input.kind, &self.input.attributes) {
            (WriteKind::Put, Ok(item)) => Some(item),
            _ => None,
        }
    }
}

/// The single action of one transaction item.
fn action(element: &Value) -> Result<(&Value, WriteKind, Prepare), AwsError> {
    let candidates: [(&str, WriteKind, Prepare); 4] = [
        ("Put", WriteKind::Put, prepare_put),
        ("Update", WriteKind::Update, prepare_update),
        ("Delete", WriteKind::Delete, prepare_delete),
        ("ConditionCheck", WriteKind::ConditionCheck, prepare_check),
    ];
    let mut found = candidates.iter().filter_map(|(name, kind, prepare)| {
        element
            .get(*name)
            .filter(|v| !v.is_null())
            .map(|v| (v, *kind, *prepare))
    });
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        _ => Err(AwsError::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        )),
    }
}

pub fn transact_write_items(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let detail = capacity::requested(request)?;
    let metrics = collections::requested(request)?;
    let elements = input::req_array(request, "TransactItems")?;
    check_count(elements)?;
    let token = idempotency::client_request_token(request)?;
    let actions: Vec<Action<'_>> = elements
        .iter()
        .map(|element| {
            action(element).map(|(body, kind, prepare)| Action::new(body, kind, prepare))
        })
        .collect::<Result<_, _>>()?;
    let now = db.context().clock.now();
    // Lock order: the token ledger, then the tables by name (see `store`).
    let mut ledger = token.map(|_| db.store().tokens());
    let tables = db.handles(
        actions
            .iter()
            .filter_map(|a| input::table_name(a.body).ok()),
    );
    let mut state = tables.write();
    if let (Some(token), Some(ledger)) = (token, &ledger) {
        // The token is looked at once every action's expressions and values are valid.
        let verdict = ledger.verdict(token, request, now);
        if verdict != Verdict::Run {
            for action in &actions {
                action.values.clone()?;
            }
        }
        match verdict {
            Verdict::Run => {}
            Verdict::AlreadyCommitted => return Ok(json!({})),
            Verdict::Mismatch => return Err(idempotency::mismatch()),
        }
    }
    let result = run_transaction(db, &mut state, actions, detail, metrics);
    if let (Some(token), Some(ledger), Ok(_)) = (token, &mut ledger, &result) {
        ledger.record(token, request, now);
    }
    result
}

/// Validates, prepares every action against `state` and commits them all, or none.
fn run_transaction(
    db: &DynamoDb,
    state: &mut State,
    actions: Vec<Action<'_>>,
    detail: Option<Detail>,
    metrics: bool,
) -> Result<Value, AwsError> {
    validate_in_stages(state, &actions)?;
    let mut plans = Vec::new();
    let mut reasons = Vec::new();
    let mut failed = false;
    for Action {
        body,
        prepare,
        input,
        ..
    } in actions
    {
        let writes = input.kind != WriteKind::ConditionCheck;
        match prepare(state, input) {
            Ok(plan) => {
                reasons.push(json!({ "Code": "None" }));
                plans.push((plan, writes));
            }
            Err(WriteError::Aws(err)) => match validation_reason(&err) {
                Some(reason) => {
                    failed = true;
                    reasons.push(reason);
                }
                None => return Err(err),
            },
            Err(WriteError::ConditionFailed(old)) => {
                failed = true;
                reasons.push(failure_reason(body, old.as_ref()));
            }
        }
    }
    if failed {
        return Err(cancelled(reasons));
    }
    // Every action, ConditionCheck included, writes twice its units (a transaction).
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    let mut collections = PerTable::default();
    for (plan, writes) in &plans {
        let usage = plan_usage(state, plan).doubled();
        usages.entry(plan.table.clone()).or_default().add(&usage);
        commit(db.context(), state, plan);
        if metrics && *writes {
            collections.add(&plan.table, plan_metrics(state, plan));
        }
    }
    let mut output = json!({});
    collections.apply(&mut output, metrics);
    Ok(capacity::with_usages(output, detail, &usages))
}

/// The first validation stage for one action: its expressions, placeholders and values.
fn check_expressions_and_values(body: &Value) -> Result<(), AwsError> {
    if has_expression(body) {
        super::check_expressions(body)?;
    }
    for member in ["Item", "Key"] {
        input::opt_item(body, member)?;
    }
    Ok(())
}

/// AWS validates a transaction stage by stage across all its actions (observed with DynamoDB
/// Local): each action's expressions and attribute values, then placeholders given without an
/// expression, then key shapes; key types and conditions come last, per action.
fn validate_in_stages(state: &State, actions: &[Action<'_>]) -> Result<(), AwsError> {
    for action in actions {
        action.values.clone()?;
        action.placeholder_values.clone()?;
    }
    for action in actions {
        action.placeholders.clone()?;
    }
    for Action { body, .. } in actions {
        if body
            .get("Key")
            .and_then(Value::as_object)
            .is_some_and(|k| k.is_empty())
        {
            return Err(AwsError::validation(
                "The provided key element does not match the schema",
            ));
        }
    }
    for action in actions {
        check_key_shape(state, action)?;
    }

    // "No two actions can target the same item" (TransactWriteItems API reference).
    let mut seen = BTreeSet::new();
    for action in actions {
        if let Some(key) = action_key(state, action)
            && !seen.insert(key)
        {
            return Err(AwsError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
    }
    Ok(())
}

/// The table and key an action targets, when its key is well-formed.
fn action_key(state: &State, action: &Action<'_>) -> Option<(String, PrimaryKey)> {
    let body = action.body;
    let table = state.table(input::table_name(body).ok()?).ok()?;
    let key = match action.put_item() {
        Some(item) => table.key.key_of_item(item).ok()?,
        None => table
            .key
            .key_from_map(&input::req_item(body, "Key").ok()?)
            .ok()?,
    };
    Some((table.name.clone(), key))
}

/// Errors reported as a `ValidationError` cancellation reason rather than failing the whole
/// request: key type mismatches (DynamoDB Local; AWS documents the `ValidationError` code).
fn validation_reason(err: &AwsError) -> Option<Value> {
    const KEY_TYPE: &str = "One or more parameter values were invalid: Type mismatch for key";
    const INDEX_KEY_TYPE: &str =
        "One or more parameter values were invalid: Type mismatch for Index Key";
    if err.message.starts_with(INDEX_KEY_TYPE) {
        return Some(json!({ "Code": "ValidationError", "Message": INDEX_KEY_TYPE }));
    }
    let key_type = err.message.starts_with(KEY_TYPE)
        || err.message == "The provided key element does not match the schema";
    key_type.then(|| json!({ "Code": "ValidationError", "Message": KEY_TYPE }))
}

fn has_expression(body: &Value) -> bool {
    ["UpdateExpression", "ConditionExpression"]
        .iter()
        .any(|m| body.get(*m).is_some_and(|v| !v.is_null()))
}

/// The key names the key schema's attributes (no more, no fewer) and no key value is empty.
fn check_key_shape(state: &State, action: &Action<'_>) -> Result<(), AwsError> {
    let body = action.body;
    let table = state.table(input::table_name(body)?)?;
    if let Some(item) = action.put_item() {
        let missing = table.key.attrs().any(|a| !item.contains_key(&a.name));
        if missing || has_empty_key_value(table, item) {
            table.key.key_of_item(item)?;
        }
        return Ok(());
    }
    let key = input::req_item(body, "Key")?;
    let same_names = key.len() == table.key.attrs().count()
        && table.key.attrs().all(|a| key.contains_key(&a.name));
    if !same_names {
        return Err(AwsError::validation(
            "The provided key element does not match the schema",
        ));
    }
    if has_empty_key_value(table, &key) {
        table.key.key_from_map(&key)?;
    }
    Ok(())
}

fn has_empty_key_value(table: &crate::dynamodb::table::Table, item: &Item) -> bool {
    table.key.attrs().any(|a| {
        matches!(item.get(&a.name), Some(AttrValue::S(s)) if s.is_empty())
            || matches!(item.get(&a.name), Some(AttrValue::B(b)) if b.is_empty())
    })
}

fn failure_reason(body: &Value, old: Option<&crate::dynamodb::model::Item>) -> Value {
    let mut reason = json!({
        "Code": "ConditionalCheckFailed",
        "Message": "The conditional request failed",
    });
    let wants_item = body
        .get("ReturnValuesOnConditionCheckFailure")
        .and_then(Value::as_str)
        == Some("ALL_OLD");
    if let (true, Some(item)) = (wants_item, old) {
        input::set_member(&mut reason, "Item", item_to_json(item));
    }
    reason
}

/// `TransactionCanceledException` listing every item's reason, as AWS words it.
fn cancelled(reasons: Vec<Value>) -> AwsError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r.get("Code").and_then(Value::as_str).unwrap_or("None"))
        .collect();
    let message = format!(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
        codes.join(", ")
    );
    let mut details = Map::new();
    details.insert("CancellationReasons".to_owned(), Value::Array(reasons));
    AwsError::new(400, "TransactionCanceledException", message).with_details(details)
}

pub fn transact_get_items(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let detail = capacity::requested(request)?;
    let elements = input::req_array(request, "TransactItems")?;
    check_count(elements)?;
    // Keys and projections are parsed before the lock; errors keep their place.
    let gets: Vec<_> = elements
        .iter()
        .map(|element| {
            let get = element
                .get("Get")
                .filter(|v| v.is_object())
                .ok_or_else(|| input::missing("Get"))?;
            Ok((get, ReadInput::new(get), projection(get)))
        })
        .collect();
    let names = gets.iter().filter_map(|g| g.as_ref().ok());
    let tables = db.handles(names.filter_map(|(get, _, _)| input::table_name(get).ok()));
    let state = tables.read();
    let mut responses = Vec::new();
    let mut seen = BTreeSet::new();
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    for parsed in gets {
        let (get, read, paths) = parsed?;
        let table = state.table(input::table_name(get)?)?;
        let key = table.key.key_from_map(&read.key.clone()?)?;
        if !seen.insert((table.name.clone(), key)) {
            return Err(AwsError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        let (item, size) = read_item(&state, read, &paths)?;
        // A transactional read: strongly consistent, and twice the units.
        let usage = Usage::table(capacity::read_units(size, true)).doubled();
        usages.entry(table.name.clone()).or_default().add(&usage);
        responses.push(match item {
            Some(item) => json!({ "Item": item_to_json(&item) }),
            None => json!({}),
        });
    }
    let output = json!({ "Responses": responses });
    Ok(capacity::with_usages(output, detail, &usages))
}
