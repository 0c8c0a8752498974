//! Single-item operations — PutItem, GetItem, UpdateItem, DeleteItem — and the write plans
//! they share with TransactWriteItems (`prepare_*`).

use serde_json::{Value, json};

use super::parsed::{Expressions, Projection, ReadInput, WriteInput, WriteKind};
use super::{
    WriteError, WritePlan, check_item_size, check_placeholders_need_expression, commit,
    condition_failed,
};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::capacity::{self, Usage, read_units, with_usage};
use crate::dynamodb::expr::{Placeholders, eval, keys, parser, update};
use crate::dynamodb::legacy::{self, Duplicates};
use crate::dynamodb::model::{AttrValue, ITEM_NESTING, Item, item_to_json};
use crate::dynamodb::table::{KeySchema, State};
use crate::dynamodb::{collections, input};
use crate::protocol::AwsError;

const RETURN_VALUES: [&str; 5] = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];

/// How a write is prepared against the store, once its input is parsed.
pub type Prepare = fn(&State, WriteInput<'_>) -> Result<WritePlan, WriteError>;

/// Checks the condition of a planned write; `Ok` means it may go ahead. Evaluation errors,
/// then unused placeholders, then a path into a key attribute, then the outcome.
fn guard(
    request: &Value,
    scalar_keys: bool,
    key: &KeySchema,
    exprs: &Expressions,
    old: Option<&Item>,
) -> Result<(), WriteError> {
    let empty = Item::new();
    let outcome = match &exprs.condition {
        Some(cond) => Some(eval::condition(
            old.unwrap_or(&empty),
            cond,
            "ConditionExpression",
        )?),
        None => None,
    };
    exprs
        .ph
        .check_all_used(outcome.is_some() || has_other_expression(request))?;
    if let (Some(cond), true) = (&exprs.condition, scalar_keys) {
        keys::check_scalar(keys::condition_paths(cond), |name| key.is_key(name))?;
    }
    if outcome == Some(false) {
        return Err(WriteError::ConditionFailed(old.cloned()));
    }
    Ok(())
}

fn has_other_expression(request: &Value) -> bool {
    ["UpdateExpression", "ProjectionExpression"]
        .iter()
        .any(|m| request.get(*m).is_some_and(|v| !v.is_null()))
}

pub fn prepare_put(state: &State, input: WriteInput<'_>) -> Result<WritePlan, WriteError> {
    let table_name = input::table_name(input.request)?;
    let item = input.attributes?;
    let table = state.table(table_name)?;
    let key = table.key.key_of_item(&item)?;
    check_item_size(&item)?;
    crate::dynamodb::index::check_item(table, &item)?;
    let old = table.items.get(&key).cloned();
    guard(
        input.request,
        input.scalar_keys,
        &table.key,
        &input.expressions?,
        old.as_ref(),
    )?;
    Ok(WritePlan {
        table: table_name.to_owned(),
        key,
        old,
        new: Some(item),
        updated: Vec::new(),
    })
}

pub fn prepare_delete(state: &State, input: WriteInput<'_>) -> Result<WritePlan, WriteError> {
    let table_name = input::table_name(input.request)?;
    let key_map = input.attributes?;
    let table = state.table(table_name)?;
    let key = table.key.key_from_map(&key_map)?;
    let old = table.items.get(&key).cloned();
    guard(
        input.request,
        input.scalar_keys,
        &table.key,
        &input.expressions?,
        old.as_ref(),
    )?;
    Ok(WritePlan {
        table: table_name.to_owned(),
        key,
        old,
        new: None,
        updated: Vec::new(),
    })
}

/// A ConditionCheck: a plan that changes nothing.
pub fn prepare_check(state: &State, input: WriteInput<'_>) -> Result<WritePlan, WriteError> {
    if input::opt_str(input.request, "ConditionExpression")?.is_none() {
        return Err(input::missing("ConditionExpression").into());
    }
    let mut plan = prepare_delete(state, input)?;
    plan.new = plan.old.clone();
    Ok(plan)
}

pub fn prepare_update(state: &State, input: WriteInput<'_>) -> Result<WritePlan, WriteError> {
    let table_name = input::table_name(input.request)?;
    let key_map = input.attributes?;
    let table = state.table(table_name)?;
    let key = table.key.key_from_map(&key_map)?;
    let exprs = input.expressions?;
    let old = table.items.get(&key).cloned();
    guard(
        input.request,
        input.scalar_keys,
        &table.key,
        &exprs,
        old.as_ref(),
    )?;
    // As DynamoDB Local does: a failing condition is reported before a key attribute update,
    // and that before a value read from inside a key attribute.
    refuse_key_updates(&table.key, &exprs.update)?;
    if input.scalar_keys {
        keys::check_scalar(keys::update_value_paths(&exprs.update), |name| {
            table.key.is_key(name)
        })?;
    }
    let base = old.as_ref().unwrap_or(&key_map);
    let new = if exprs.legacy_updates.is_empty() {
        update::apply(base, &exprs.update)?
    } else {
        legacy::updates::apply(table, base, &exprs.legacy_updates)?
    };
    check_nesting(&new)?;
    check_item_size(&new)?;
    crate::dynamodb::index::check_item(table, &new)?;
    let updated: Vec<crate::dynamodb::expr::Path> = exprs
        .update
        .iter()
        .map(|a| update::action_path(a).clone())
        .chain(legacy::updates::paths(&exprs.legacy_updates))
        .collect();
    Ok(WritePlan {
        table: table_name.to_owned(),
        key,
        old,
        new: Some(new),
        updated,
    })
}

/// An update may not nest values deeper than an item may hold (DynamoDB Local's message).
fn check_nesting(item: &Item) -> Result<(), AwsError> {
    if item
        .values()
        .all(|v: &AttrValue| v.nests_within(ITEM_NESTING))
    {
        return Ok(());
    }
    Err(AwsError::validation(
        "Nesting Levels have exceeded supported limits",
    ))
}

/// An update action may not touch the table's key attributes.
fn refuse_key_updates(
    key: &crate::dynamodb::table::KeySchema,
    actions: &[crate::dynamodb::expr::Action],
) -> Result<(), AwsError> {
    for action in actions {
        let top = update::action_path(action).top();
        if key.is_key(top) {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key"
            )));
        }
    }
    Ok(())
}

/// Runs a single write — parsed first, then prepared and committed under the lock — and
/// shapes its answer.
fn write(
    db: &DynamoDb,
    request: &Value,
    allowed_returns: &[&str],
    kind: WriteKind,
    prepare: Prepare,
) -> Result<Value, AwsError> {
    let returns = input::opt_enum(request, "ReturnValues", &RETURN_VALUES)?.unwrap_or("NONE");
    if !allowed_returns.contains(&returns) {
        return Err(AwsError::validation("Return values set to invalid value"));
    }
    input::opt_enum(
        request,
        "ReturnValuesOnConditionCheckFailure",
        &["ALL_OLD", "NONE"],
    )?;
    let detail = capacity::requested(request)?;
    let collection_metrics = collections::requested(request)?;
    let params = match kind {
        WriteKind::Update => &legacy::UPDATE,
        _ => &legacy::PUT_OR_DELETE,
    };
    legacy::check_write_shapes(request)?;
    // DynamoDB Local 11.1.0 reports placeholders without an expression, and mixed
    // parameters, before a bad `Expected` in a PutItem, after it in an UpdateItem or
    // DeleteItem.
    if kind == WriteKind::Put {
        legacy::check_mixing(request, params)?;
        check_placeholders_need_expression(request, true)?;
        legacy::check_write(request, params)?;
    } else {
        legacy::check_write(request, params)?;
        check_placeholders_need_expression(request, kind == WriteKind::Delete)?;
    }
    let parsed = WriteInput::single(request, kind);
    let tables = db.handles(input::table_name(request).ok());
    let mut state = tables.write();
    let plan = match prepare(&state, parsed) {
        Ok(plan) => plan,
        Err(WriteError::Aws(err)) => return Err(err),
        Err(WriteError::ConditionFailed(old)) => {
            return Err(condition_failed(request, old.as_ref()));
        }
    };
    let usage = plan_usage(&state, &plan);
    commit(db.context(), &mut state, &plan);
    let mut output = json!({});
    if let Some(attributes) = returned_attributes(&plan, returns) {
        input::set_member(&mut output, "Attributes", item_to_json(&attributes));
    }
    let metrics = collection_metrics
        .then(|| plan_metrics(&state, &plan))
        .flatten();
    let output = collections::with_metrics(output, metrics);
    Ok(with_usage(output, detail, &plan.table, &usage))
}

/// What a planned write costs its table and indexes.
pub fn plan_usage(state: &State, plan: &WritePlan) -> Usage {
    match state.table(&plan.table) {
        Ok(table) => capacity::write_usage(table, plan.old.as_ref(), plan.new.as_ref()),
        Err(_) => Usage::default(),
    }
}

/// The item collection metrics of a committed write (`None` when its table has no LSI).
pub fn plan_metrics(state: &State, plan: &WritePlan) -> Option<Value> {
    let table = state.table(&plan.table).ok()?;
    collections::metrics(table, &plan.key)
}

fn returned_attributes(plan: &WritePlan, returns: &str) -> Option<Item> {
    let pick = |item: &Option<Item>| -> Option<Item> {
        // Whole top-level attributes, for each updated path present in `item`.
        let item = item.as_ref()?;
        let picked: Item = plan
            .updated
            .iter()
            .filter(|path| eval::resolve(item, path).is_some())
            .filter_map(|path| {
                item.get(path.top())
                    .map(|v| (path.top().to_owned(), v.clone()))
            })
            .collect();
        (!picked.is_empty()).then_some(picked)
    };
    match returns {
        "ALL_OLD" => plan.old.clone(),
        "ALL_NEW" => plan.new.clone(),
        "UPDATED_OLD" => pick(&plan.old),
        "UPDATED_NEW" => pick(&plan.new),
        _ => None,
    }
}

pub fn put_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    write(
        db,
        request,
        &["NONE", "ALL_OLD"],
        WriteKind::Put,
        prepare_put,
    )
}

pub fn delete_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    write(
        db,
        request,
        &["NONE", "ALL_OLD"],
        WriteKind::Delete,
        prepare_delete,
    )
}

pub fn update_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    write(
        db,
        request,
        &RETURN_VALUES,
        WriteKind::Update,
        prepare_update,
    )
}

/// Reads one item (GetItem, TransactGetItems, BatchGetItem), projected, with the size of the
/// whole stored item (what the read costs; 0 when there is none).
pub fn read_item(
    state: &State,
    input: ReadInput<'_>,
    projection: &Projection,
) -> Result<(Option<Item>, usize), AwsError> {
    let table_name = input::table_name(input.request)?;
    let key_map = input.key?;
    let table = state.table(table_name)?;
    let projection = projection.as_ref().map_err(Clone::clone)?;
    // A projection into a key attribute is refused before the key is looked at.
    keys::check_scalar(projection.iter().flatten(), |name| table.key.is_key(name))?;
    let key = table.key.key_from_map(&key_map)?;
    let stored = table.items.get(&key);
    let size = stored.map_or(0, crate::dynamodb::model::item_size);
    let item = stored.map(|item| match projection {
        Some(paths) => eval::project(item, paths),
        None => item.clone(),
    });
    Ok((item, size))
}

/// The request's ProjectionExpression (or legacy AttributesToGet), with placeholders checked.
pub fn projection(request: &Value) -> Result<Option<Vec<crate::dynamodb::expr::Path>>, AwsError> {
    projection_reporting(request, Duplicates::SameName)
}

/// [`projection`] for a Query or Scan, which check repeated names in `AttributesToGet` later.
pub fn legacy_projection(
    request: &Value,
) -> Result<Option<Vec<crate::dynamodb::expr::Path>>, AwsError> {
    projection_reporting(request, Duplicates::Later)
}

/// [`projection`] for a BatchGetItem table, which words a repeated attribute name its own way.
pub fn batch_projection(
    request: &Value,
) -> Result<Option<Vec<crate::dynamodb::expr::Path>>, AwsError> {
    projection_reporting(request, Duplicates::Batch)
}

fn projection_reporting(
    request: &Value,
    duplicates: Duplicates,
) -> Result<Option<Vec<crate::dynamodb::expr::Path>>, AwsError> {
    let has_projection = request.get("ProjectionExpression").is_some();
    let mut ph = Placeholders::for_request(request, has_projection)?;
    match input::opt_str(request, "ProjectionExpression")? {
        Some(source) => Ok(Some(parser::projection(source, &mut ph)?)),
        None => legacy::attributes_to_get(request, duplicates),
    }
}

pub fn get_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let consistent = input::opt_bool(request, "ConsistentRead")?.unwrap_or(false);
    let detail = capacity::requested(request)?;
    // GetItem has no ExpressionAttributeValues member: one sent is ignored, as AWS ignores
    // any member outside an operation's shape.
    let without_values;
    let request = match request.as_object() {
        Some(map) if map.contains_key("ExpressionAttributeValues") => {
            let mut map = map.clone();
            map.remove("ExpressionAttributeValues");
            without_values = Value::Object(map);
            &without_values
        }
        _ => request,
    };
    // A repeated AttributesToGet name comes first (DynamoDB Local 11.1.0).
    legacy::attributes_to_get(request, Duplicates::SameName)?;
    legacy::check_mixing(request, &legacy::GET)?;
    let has_projection = request.get("ProjectionExpression").is_some();
    let mut ph = Placeholders::for_request(request, has_projection)?;
    if let Some(source) = input::opt_str(request, "ProjectionExpression")? {
        parser::projection(source, &mut ph)?;
    }
    // AWS checks the names, then the key, then the values.
    ph.check_names_used(has_projection)?;
    let read = ReadInput::new(request);
    let paths = projection(request);
    let tables = db.handles(input::table_name(request).ok());
    let (item, size) = read_item(&tables.read(), read, &paths)?;
    ph.check_all_used(has_projection)?;
    let mut output = json!({});
    if let Some(item) = item {
        input::set_member(&mut output, "Item", item_to_json(&item));
    }
    let table = input::table_name(request)?;
    let usage = Usage::table(read_units(size, consistent));
    Ok(with_usage(output, detail, table, &usage))
}
