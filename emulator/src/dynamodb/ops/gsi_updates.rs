//! UpdateTable's `GlobalSecondaryIndexUpdates`: creating a GSI (new key attributes come from
//! the request's `AttributeDefinitions`; the index is derived from the table's items, so it is
//! backfilled at once) and deleting one. One create or delete per call, as AWS allows.
//!
//! The emulator builds and drops indexes instantly: the UpdateTable answer reports the index
//! `CREATING` (or `DELETING`) as AWS does, and from the next call on it is `ACTIVE` (or gone).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dynamodb::index::{self, Index};
use crate::dynamodb::input;
use crate::dynamodb::table::Table;
use crate::protocol::AwsError;

/// GSIs one table may have.
const MAX_GSIS: usize = 20;

/// What an UpdateTable call does to the table's GSIs.
pub enum Change<'a> {
    Create(&'a Value),
    Delete(&'a str),
    /// `Update` actions: new provisioned throughput, by index name.
    Throughput(Vec<(&'a str, &'a Value)>),
}

/// How the UpdateTable answer shows an index that changed in this call.
pub enum Transient {
    Creating(String),
    Deleting(Box<Index>),
}

/// Reads `GlobalSecondaryIndexUpdates` (shape only; `None` when absent or empty).
pub fn parse(request: &Value) -> Result<Option<Change<'_>>, AwsError> {
    let Some(updates) = input::opt_array(request, "GlobalSecondaryIndexUpdates")? else {
        return Ok(None);
    };
    let mut creates = Vec::new();
    let mut deletes = Vec::new();
    let mut throughput = Vec::new();
    for update in updates {
        let create = update.get("Create").filter(|v| !v.is_null());
        let delete = update.get("Delete").filter(|v| !v.is_null());
        let change = update.get("Update").filter(|v| !v.is_null());
        if create.is_none() && delete.is_none() && change.is_none() {
            return Err(AwsError::validation(
                "Update global secondary index action is null",
            ));
        }
        creates.extend(create);
        if let Some(delete) = delete {
            deletes.push(input::req_str(delete, "IndexName")?);
        }
        if let Some(change) = change {
            let name = input::req_str(change, "IndexName")?;
            input::req_object(change, "ProvisionedThroughput")?;
            throughput.push((name, &change["ProvisionedThroughput"]));
        }
    }
    if creates.len() + deletes.len() > 1 {
        return Err(AwsError::new(
            400,
            "LimitExceededException",
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
        ));
    }
    Ok(match (creates.first(), deletes.first()) {
        (Some(create), _) => Some(Change::Create(create)),
        (_, Some(name)) => Some(Change::Delete(name)),
        _ if throughput.is_empty() => None,
        _ => Some(Change::Throughput(throughput)),
    })
}

/// Checks a change against the table without applying it.
pub fn check(table: &Table, request: &Value, change: &Change<'_>) -> Result<(), AwsError> {
    match change {
        Change::Create(definition) => new_index(table, request, definition).map(|_| ()),
        Change::Delete(name) => find_global(table, name).map(|_| ()),
        Change::Throughput(updates) => updates
            .iter()
            .try_for_each(|(name, _)| find_global(table, name).map(|_| ())),
    }
}

/// Applies a checked change; returns how the answer shows the changed index.
pub fn apply(
    table: &mut Table,
    request: &Value,
    change: &Change<'_>,
) -> Result<Option<Transient>, AwsError> {
    match change {
        Change::Create(definition) => {
            let (index, definitions) = new_index(table, request, definition)?;
            let name = index.name.clone();
            table.indexes.push(index);
            table.attribute_definitions = definitions_json(&definitions);
            Ok(Some(Transient::Creating(name)))
        }
        Change::Delete(name) => {
            let position = find_global(table, name)?;
            let removed = table.indexes.remove(position);
            prune_definitions(table);
            Ok(Some(Transient::Deleting(Box::new(removed))))
        }
        Change::Throughput(updates) => {
            for (name, throughput) in updates {
                let position = find_global(table, name)?;
                if let Some(index) = table.indexes.get_mut(position) {
                    index.provisioned = Some(json!({
                        "NumberOfDecreasesToday": 0,
                        "ReadCapacityUnits": throughput.get("ReadCapacityUnits").cloned().unwrap_or(json!(0)),
                        "WriteCapacityUnits": throughput.get("WriteCapacityUnits").cloned().unwrap_or(json!(0)),
                    }));
                }
            }
            Ok(None)
        }
    }
}

fn find_global(table: &Table, name: &str) -> Result<usize, AwsError> {
    table
        .indexes
        .iter()
        .position(|i| i.global && i.name == name)
        .ok_or_else(crate::dynamodb::table::not_found)
}

/// The index a Create action defines, and the table's attribute definitions with its keys.
fn new_index(
    table: &Table,
    request: &Value,
    definition: &Value,
) -> Result<(Index, BTreeMap<String, String>), AwsError> {
    let given = input::opt_array(request, "AttributeDefinitions")?
        .ok_or_else(|| AwsError::validation("No Attribute Schema Defined"))?;
    let mut definitions = current_definitions(table);
    for attribute in given {
        let name = input::req_str(attribute, "AttributeName")?;
        let kind = input::opt_enum(attribute, "AttributeType", &["S", "N", "B"])?
            .ok_or_else(|| input::missing("AttributeType"))?;
        match definitions.get(name) {
            Some(existing) if existing != kind => {
                return Err(AwsError::validation(
                    "invalid attribute, SchemaElement redefined should be of same type as previously defined",
                ));
            }
            _ => definitions.insert(name.to_owned(), kind.to_owned()),
        };
    }
    let name = input::req_str(definition, "IndexName")?;
    if table.indexes.iter().any(|i| i.name == name) {
        return Err(AwsError::validation(
            "Attempting to create an index which already exists",
        ));
    }
    let mut index = index::parse_index(
        definition,
        true,
        &table.arn,
        &definitions,
        &table.billing_mode,
    )?;
    index::check_index(&index, &table.key, &table.indexes)?;
    if table.indexes.iter().filter(|i| i.global).count() >= MAX_GSIS {
        return Err(AwsError::validation(format!(
            "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
        )));
    }
    index.on_demand_throughput = table.billing_mode == "PAY_PER_REQUEST";
    Ok((index, definitions))
}

fn current_definitions(table: &Table) -> BTreeMap<String, String> {
    table
        .attribute_definitions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| {
            Some((
                d.get("AttributeName")?.as_str()?.to_owned(),
                d.get("AttributeType")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Attribute definitions ordered by name, as DynamoDB reports them after an index change.
fn definitions_json(definitions: &BTreeMap<String, String>) -> Value {
    Value::Array(
        definitions
            .iter()
            .map(|(name, kind)| json!({"AttributeName": name, "AttributeType": kind}))
            .collect(),
    )
}

/// Drops definitions no key of the table or of its remaining indexes uses.
fn prune_definitions(table: &mut Table) {
    let used =
        |name: &str| table.key.is_key(name) || table.indexes.iter().any(|i| i.key.is_key(name));
    let kept: Vec<Value> = table
        .attribute_definitions
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| {
            d.get("AttributeName")
                .and_then(Value::as_str)
                .is_some_and(used)
        })
        .cloned()
        .collect();
    table.attribute_definitions = Value::Array(kept);
}

/// Shows the index changed by this call in a `TableDescription`: a new index `CREATING`
/// (not yet backfilling, no size yet), a dropped one `DELETING`.
pub fn show_transient(description: &mut Value, table: &Table, transient: &Transient) {
    let strip_sizes = |entry: &mut Value| {
        if let Some(entry) = entry.as_object_mut() {
            entry.remove("IndexSizeBytes");
            entry.remove("ItemCount");
        }
    };
    match transient {
        Transient::Creating(name) => {
            let entries = description
                .get_mut("GlobalSecondaryIndexes")
                .and_then(Value::as_array_mut);
            for entry in entries.into_iter().flatten() {
                if entry.get("IndexName") == Some(&json!(name)) {
                    strip_sizes(entry);
                    input::set_member(entry, "IndexStatus", json!("CREATING"));
                    input::set_member(entry, "Backfilling", json!(false));
                }
            }
        }
        Transient::Deleting(index) => {
            let mut entry = index.describe(table);
            strip_sizes(&mut entry);
            input::set_member(&mut entry, "IndexStatus", json!("DELETING"));
            match description
                .get_mut("GlobalSecondaryIndexes")
                .and_then(Value::as_array_mut)
            {
                Some(list) => list.push(entry),
                None => description["GlobalSecondaryIndexes"] = json!([entry]),
            }
        }
    }
}
