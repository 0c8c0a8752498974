//! BatchWriteItem and BatchGetItem: many independent puts/deletes or reads in one call.
//!
//! The emulator has no throughput to exceed, so every write is processed (`UnprocessedItems`
//! is empty). BatchGetItem returns at most 16 MB of items (BatchGetItem API reference); the
//! keys past that come back in `UnprocessedKeys` with their table's read options, as AWS and
//! DynamoDB Local do.

use serde_json::{Map, Value, json};

use std::collections::BTreeMap;

use super::items::{
    batch_projection, plan_metrics, plan_usage, prepare_delete, prepare_put, read_item,
};
use super::parsed::{ReadInput, WriteInput, WriteKind};
use super::{WriteError, commit};
use crate::dynamodb::DynamoDb;
use crate::dynamodb::capacity::{self, Usage};
use crate::dynamodb::collections::{self, PerTable};
use crate::dynamodb::input;
use crate::dynamodb::model::{item_size, item_to_json};
use crate::protocol::AwsError;

/// The most keys one BatchGetItem may ask for, over all its tables.
const MAX_KEYS: usize = 100;

/// The most item data one BatchGetItem answer holds.
const RESPONSE_BYTES: usize = 16 * 1024 * 1024;

pub fn batch_write_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let detail = capacity::requested(request)?;
    let metrics = collections::requested(request)?;
    let tables = input::req_object(request, "RequestItems")?;
    let mut writes = Vec::new();
    for (table, requests) in tables {
        let requests = requests
            .as_array()
            .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))?;
        for entry in requests {
            writes.push(write_request(table, entry)?);
        }
    }
    // The model bounds each table's list to 1..=25; the service, the whole request to 25.
    let per_table_ok = tables
        .values()
        .all(|list| list.as_array().is_some_and(|l| (1..=25).contains(&l.len())));
    if writes.is_empty() || !per_table_ok {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
        ));
    }
    if writes.len() > 25 {
        return Err(AwsError::validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    // Every attribute value is parsed, and validated, before any table or key is looked at.
    let inputs: Vec<(WriteInput<'_>, bool)> = writes
        .iter()
        .map(|(body, is_put)| {
            let kind = if *is_put {
                WriteKind::Put
            } else {
                WriteKind::Delete
            };
            (WriteInput::new(body, kind), *is_put)
        })
        .collect();
    for (input, _) in &inputs {
        if let Err(err) = &input.attributes {
            return Err(err.clone());
        }
    }
    let locked = db.handles(tables.keys().map(String::as_str));
    let mut state = locked.write();
    let mut plans = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (input, is_put) in inputs {
        let plan = if is_put {
            prepare_put(&state, input)
        } else {
            prepare_delete(&state, input)
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(WriteError::Aws(err)) => return Err(err),
            Err(WriteError::ConditionFailed(_)) => {
                return Err(AwsError::internal("unexpected condition in batch write"));
            }
        };
        // Checked as each request is read, so a duplicate is reported before a later table.
        if !seen.insert((plan.table.clone(), plan.key.clone())) {
            return Err(AwsError::validation(
                "Provided list of item keys contains duplicates",
            ));
        }
        plans.push(plan);
    }
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    let mut collections = PerTable::default();
    for plan in &plans {
        let usage = plan_usage(&state, plan);
        usages.entry(plan.table.clone()).or_default().add(&usage);
        commit(db.context(), &mut state, plan);
        if metrics {
            collections.add(&plan.table, plan_metrics(&state, plan));
        }
    }
    let mut output = json!({ "UnprocessedItems": {} });
    collections.apply(&mut output, metrics);
    Ok(capacity::with_usages(output, detail, &usages))
}

/// One `PutRequest` / `DeleteRequest` turned into a PutItem/DeleteItem-shaped body.
fn write_request(table: &str, entry: &Value) -> Result<(Value, bool), AwsError> {
    if let Some(put) = entry.get("PutRequest").filter(|v| !v.is_null()) {
        let item = put
            .get("Item")
            .cloned()
            .ok_or_else(|| input::missing("Item"))?;
        return Ok((json!({ "TableName": table, "Item": item }), true));
    }
    if let Some(delete) = entry.get("DeleteRequest").filter(|v| !v.is_null()) {
        let key = delete
            .get("Key")
            .cloned()
            .ok_or_else(|| input::missing("Key"))?;
        return Ok((json!({ "TableName": table, "Key": key }), false));
    }
    Err(AwsError::validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    ))
}

pub fn batch_get_item(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let detail = capacity::requested(request)?;
    let tables = input::req_object(request, "RequestItems")?;
    if tables.is_empty() {
        return Err(AwsError::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    // Legacy and expression parameters mixed in any table, before anything else.
    for spec in tables.values() {
        crate::dynamodb::legacy::check_mixing(spec, &crate::dynamodb::legacy::GET)?;
    }
    // Every table's keys are checked before any table is read: shapes and duplicates first,
    // counted across tables as they are checked (more than 100 is refused before a missing
    // `Keys` of a later table), then empty key values, then (while reading) key types.
    let mut requested = 0usize;
    for (table, spec) in tables {
        if let Some(keys) = input::opt_array(spec, "Keys")? {
            check_keys(table, keys)?;
            requested += keys.len();
            if requested > MAX_KEYS {
                return Err(AwsError::validation(
                    "Too many items requested for the BatchGetItem call",
                ));
            }
        }
    }
    for spec in tables.values() {
        input::req_array(spec, "Keys")?;
    }
    // Each table's read options are parsed once, before the lock.
    let reads: Vec<(&String, &Value, Value, super::parsed::Projection)> = tables
        .iter()
        .map(|(table, spec)| {
            let mut body = spec.clone();
            if let Some(object) = body.as_object_mut() {
                object.remove("Keys");
                object.insert("TableName".to_owned(), json!(table));
            }
            let paths = batch_projection(&body);
            (table, spec, body, paths)
        })
        .collect();
    let locked = db.handles(tables.keys().map(String::as_str));
    let state = locked.read();
    for (table, spec) in tables {
        reject_empty_key_values(&state, table, input::req_array(spec, "Keys")?)?;
    }
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut bytes = 0;
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    for (table, spec, body, paths) in &reads {
        let keys = input::req_array(spec, "Keys")?;
        let consistent = input::opt_bool(spec, "ConsistentRead")?.unwrap_or(false);
        let mut found = Vec::new();
        let mut left = Vec::new();
        for key in keys {
            if bytes > RESPONSE_BYTES {
                left.push(key.clone());
                continue;
            }
            let (item, size) = read_item(&state, ReadInput::with_key(body, key), paths)?;
            let usage = Usage::table(capacity::read_units(size, consistent));
            usages.entry((*table).clone()).or_default().add(&usage);
            if let Some(item) = item {
                bytes += item_size(&item);
                if bytes > RESPONSE_BYTES {
                    left.push(key.clone());
                    continue;
                }
                found.push(item_to_json(&item));
            }
        }
        responses.insert((*table).clone(), Value::Array(found));
        if !left.is_empty() {
            let mut rest = (*spec).clone();
            if let Some(object) = rest.as_object_mut() {
                object.insert("Keys".to_owned(), Value::Array(left));
            }
            unprocessed.insert((*table).clone(), rest);
        }
    }
    let output = json!({ "Responses": responses, "UnprocessedKeys": unprocessed });
    Ok(capacity::with_usages(output, detail, &usages))
}

/// The keys of one table: at least one, none empty, values valid, no duplicates.
fn check_keys(table: &str, keys: &[Value]) -> Result<(), AwsError> {
    if keys.is_empty() {
        // AWS's model constraint (KeyList has at least one member).
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '[]' at 'requestItems.{table}.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )));
    }
    if keys
        .iter()
        .any(|k| k.as_object().is_none_or(|m| m.is_empty()))
    {
        return Err(AwsError::validation(format!(
            "The list of keys in RequestItems for BatchGetItem may not contain null or empty values: {table} has one or more empty keys"
        )));
    }
    for key in keys {
        crate::dynamodb::model::item_from_json(key)?;
    }
    reject_duplicate_keys(keys)
}

/// Keys, as DynamoDB Local checks them: every key's attribute names and hash attribute (type,
/// then empty value) before any key's range attribute.
fn reject_empty_key_values(
    state: &crate::dynamodb::table::State,
    table: &str,
    keys: &[Value],
) -> Result<(), AwsError> {
    let schema = &state.table(table)?.key;
    let keys: Vec<&Map<String, Value>> = keys.iter().filter_map(Value::as_object).collect();
    for key in &keys {
        let same_names = key.len() == schema.attrs().count()
            && schema.attrs().all(|a| key.contains_key(&a.name));
        if !same_names {
            return Err(AwsError::validation(
                "The provided key element does not match the schema",
            ));
        }
    }
    for key in &keys {
        if let Some(value) = key.get(&schema.hash.name)
            && value.get(&schema.hash.kind).is_none()
        {
            return Err(AwsError::validation(
                "The provided key element does not match the schema",
            ));
        }
        check_not_empty(key, &schema.hash.name)?;
    }
    if let Some(range) = &schema.range {
        for key in &keys {
            check_not_empty(key, &range.name)?;
        }
    }
    Ok(())
}

fn check_not_empty(key: &Map<String, Value>, name: &str) -> Result<(), AwsError> {
    let kind = match key.get(name) {
        Some(v) if v.get("S").and_then(Value::as_str) == Some("") => "string",
        Some(v) if v.get("B").and_then(Value::as_str) == Some("") => "binary",
        _ => return Ok(()),
    };
    Err(AwsError::validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
    )))
}

/// AWS refuses a BatchGetItem naming the same key twice for one table.
fn reject_duplicate_keys(keys: &[Value]) -> Result<(), AwsError> {
    let mut seen = std::collections::BTreeSet::new();
    for key in keys {
        let mut canonical: Vec<(String, String)> = key
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
            .unwrap_or_default();
        canonical.sort();
        if !seen.insert(canonical) {
            return Err(AwsError::validation(
                "Provided list of item keys contains duplicates",
            ));
        }
    }
    Ok(())
}
