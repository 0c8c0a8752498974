//! Secondary indexes (global and local): their definitions as CreateTable takes them and
//! DescribeTable reports them, the index key of an item, projections, and the write-time check
//! of index key attributes. Index contents are derived from the table's items on each read, so
//! an index is always exactly as consistent as the table.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::expr::{Cond, Operand, Path};
use super::input;
use super::model::{AttrValue, Item, item_size};
use super::ops::table_options::{self, OnDemand};
use super::table::{KeyAttr, KeyPart, KeySchema, PrimaryKey, Table};
use crate::protocol::AwsError;

/// What an index copies from the table besides the keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub arn: String,
    pub global: bool,
    pub key: KeySchema,
    pub projection: Projection,
    /// The GSI's `ProvisionedThroughput` as given (provisioned tables only).
    pub provisioned: Option<Value>,
    /// Reported with `OnDemandThroughput` (unlimited): GSIs that UpdateTable added to an
    /// on-demand table.
    pub on_demand_throughput: bool,
    /// `OnDemandThroughput` given when the GSI was created.
    pub on_demand: Option<OnDemand>,
    /// `WarmThroughput` (read and write units per second) given when the GSI was created.
    pub warm: Option<(i64, i64)>,
}

/// One entry of an index: the item's index key, its table key, and the item.
pub struct Entry<'a> {
    pub index_key: PrimaryKey,
    pub table_key: &'a PrimaryKey,
    pub item: &'a Item,
}

fn invalid(detail: &str) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

impl Index {
    /// Whether `name` is projected into the index (keys always are).
    pub fn projects(&self, table_key: &KeySchema, name: &str) -> bool {
        table_key.is_key(name)
            || self.key.is_key(name)
            || match &self.projection {
                Projection::All => true,
                Projection::KeysOnly => false,
                Projection::Include(names) => names.iter().any(|n| n == name),
            }
    }

    /// The item as the index holds it.
    pub fn project(&self, table_key: &KeySchema, item: &Item) -> Item {
        if self.projection == Projection::All {
            return item.clone();
        }
        item.iter()
            .filter(|(name, _)| self.projects(table_key, name))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }

    /// The item's index key, or `None` when it lacks one (a sparse index leaves it out).
    pub fn key_of(&self, item: &Item) -> Option<PrimaryKey> {
        let part = |attr: &KeyAttr| match (attr.kind.as_str(), item.get(&attr.name)?) {
            ("S", AttrValue::S(s)) => Some(KeyPart::S(s.clone())),
            ("N", AttrValue::N(n)) => Some(KeyPart::N(n.clone())),
            ("B", AttrValue::B(b)) => Some(KeyPart::B(b.clone())),
            _ => None,
        };
        let hash = part(&self.key.hash)?;
        let range = match &self.key.range {
            Some(attr) => Some(part(attr)?),
            None => None,
        };
        Some(PrimaryKey(hash, range))
    }

    /// Every entry of the index, ordered by index key then table key.
    pub fn entries<'a>(&self, table: &'a Table) -> Vec<Entry<'a>> {
        let mut entries: Vec<Entry<'a>> = table
            .items
            .iter()
            .filter_map(|(table_key, item)| {
                Some(Entry {
                    index_key: self.key_of(item)?,
                    table_key,
                    item,
                })
            })
            .collect();
        entries.sort_by(|a, b| (&a.index_key, a.table_key).cmp(&(&b.index_key, b.table_key)));
        entries
    }

    /// The `LastEvaluatedKey` of an entry: table key plus index key.
    pub fn last_key(&self, table_key: &KeySchema, entry: &Entry<'_>) -> Item {
        let mut key = table_key.key_item(entry.table_key);
        key.extend(self.key.key_item(&entry.index_key));
        key
    }

    /// The index as DescribeTable reports it.
    pub fn describe(&self, table: &Table) -> Value {
        let entries = self.entries(table);
        let size: usize = entries
            .iter()
            .map(|e| item_size(&self.project(&table.key, e.item)))
            .sum();
        let mut projection = json!({ "ProjectionType": match &self.projection {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include(_) => "INCLUDE",
        }});
        if let Projection::Include(names) = &self.projection {
            input::set_member(&mut projection, "NonKeyAttributes", json!(names));
        }
        let mut out = json!({
            "IndexName": self.name,
            "KeySchema": self.key.to_json(),
            "Projection": projection,
            "IndexSizeBytes": size,
            "ItemCount": entries.len(),
            "IndexArn": self.arn,
        });
        if self.global {
            input::set_member(&mut out, "IndexStatus", json!("ACTIVE"));
            if let Some(throughput) = &self.provisioned {
                input::set_member(&mut out, "ProvisionedThroughput", throughput.clone());
            }
            if let Some(on_demand) = &self.on_demand {
                input::set_member(&mut out, "OnDemandThroughput", on_demand.to_json());
            } else if self.on_demand_throughput {
                input::set_member(
                    &mut out,
                    "OnDemandThroughput",
                    json!({"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": -1}),
                );
            }
            if let Some((read, write)) = self.warm {
                input::set_member(
                    &mut out,
                    "WarmThroughput",
                    json!({"ReadUnitsPerSecond": read, "WriteUnitsPerSecond": write, "Status": "ACTIVE"}),
                );
            }
        }
        out
    }
}

/// Checks an item being written against every index: a present index key attribute must have
/// the defined type and must not be empty.
pub fn check_item(table: &Table, item: &Item) -> Result<(), AwsError> {
    // Global indexes before local ones, as DynamoDB Local reports them.
    let globals_first = table
        .indexes
        .iter()
        .filter(|i| i.global)
        .chain(table.indexes.iter().filter(|i| !i.global));
    for index in globals_first {
        for attr in index.key.attrs() {
            let Some(value) = item.get(&attr.name) else {
                continue;
            };
            if !matches!(value, AttrValue::S(_) | AttrValue::N(_) | AttrValue::B(_)) {
                return Err(AwsError::validation("Invalid attribute value type"));
            }
            if value.type_name() != attr.kind {
                return Err(invalid(&format!(
                    "Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                    attr.name,
                    attr.kind,
                    value.type_name(),
                    index.name
                )));
            }
            let empty = matches!(value, AttrValue::S(s) if s.is_empty())
                || matches!(value, AttrValue::B(b) if b.is_empty());
            if empty {
                let kind = if attr.kind == "S" { "string" } else { "binary" };
                return Err(AwsError::validation(format!(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value. IndexName: {}, IndexKey: {}",
                    index.name, attr.name
                )));
            }
        }
    }
    Ok(())
}

/// Reads `GlobalSecondaryIndexes` and `LocalSecondaryIndexes` of a CreateTable request.
pub fn from_create_request(
    request: &Value,
    table_arn: &str,
    table_key: &KeySchema,
    definitions: &BTreeMap<String, String>,
    billing_mode: &str,
) -> Result<Vec<Index>, AwsError> {
    let mut indexes = Vec::new();
    for (member, global) in [
        ("LocalSecondaryIndexes", false),
        ("GlobalSecondaryIndexes", true),
    ] {
        let Some(list) = input::opt_array(request, member)? else {
            continue;
        };
        if list.is_empty() {
            return Err(invalid(&format!("List of {member} is empty")));
        }
        for definition in list {
            let index = parse_index(definition, global, table_arn, definitions, billing_mode)?;
            check_index(&index, table_key, &indexes)?;
            indexes.push(index);
        }
    }
    check_definitions_used(table_key, &indexes, definitions)?;
    Ok(indexes)
}

/// Parses one index definition (also used by UpdateTable's Create action).
pub fn parse_index(
    definition: &Value,
    global: bool,
    table_arn: &str,
    definitions: &BTreeMap<String, String>,
    billing_mode: &str,
) -> Result<Index, AwsError> {
    let name = input::req_str(definition, "IndexName")?;
    if name.len() < 3 || name.len() > 255 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        )));
    }
    let key = index_key_schema(definition, definitions)?;
    let projection = parse_projection(definition)?;
    let given = input::opt_object(definition, "ProvisionedThroughput")?;
    let provisioned = match (global, billing_mode, given) {
        (false, _, _) => None,
        (true, "PROVISIONED", None) => {
            return Err(invalid(&format!(
                "ProvisionedThroughput is not specified for index: {name}"
            )));
        }
        (true, "PROVISIONED", Some(t)) => Some(json!({
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": t.get("ReadCapacityUnits").cloned().unwrap_or(json!(0)),
            "WriteCapacityUnits": t.get("WriteCapacityUnits").cloned().unwrap_or(json!(0)),
        })),
        (true, _, Some(_)) => {
            return Err(invalid(&format!(
                "ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
            )));
        }
        (true, _, None) => Some(json!({
            "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
        })),
    };
    let (on_demand, warm) = if global {
        let capacity = provisioned.clone().unwrap_or(Value::Null);
        table_options::index_throughput(definition, name, billing_mode, &capacity)?
    } else {
        (None, None)
    };
    Ok(Index {
        name: name.to_owned(),
        arn: format!("{table_arn}/index/{name}"),
        global,
        key,
        projection,
        provisioned,
        on_demand_throughput: false,
        on_demand,
        warm,
    })
}

fn index_key_schema(
    definition: &Value,
    definitions: &BTreeMap<String, String>,
) -> Result<KeySchema, AwsError> {
    KeySchema::parse(
        definition,
        definitions,
        "globalSecondaryIndexes.1.member.keySchema",
    )
}

fn parse_projection(definition: &Value) -> Result<Projection, AwsError> {
    let projection =
        input::opt_object(definition, "Projection")?.ok_or_else(|| input::missing("Projection"))?;
    let projection = Value::Object(projection.clone());
    let kind = input::opt_enum(
        &projection,
        "ProjectionType",
        &["ALL", "KEYS_ONLY", "INCLUDE"],
    )?;
    let non_key = input::opt_array(&projection, "NonKeyAttributes")?;
    match (kind, non_key) {
        (Some("INCLUDE"), Some(names)) => Ok(Projection::Include(
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        )),
        (Some("INCLUDE"), None) => Err(AwsError::validation(
            "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well",
        )),
        (Some(other), Some(_)) => Err(invalid(&format!(
            "ProjectionType is {other}, but NonKeyAttributes is specified"
        ))),
        (Some("ALL"), None) => Ok(Projection::All),
        (Some(_), None) => Ok(Projection::KeysOnly),
        (None, _) => Err(invalid("Unknown ProjectionType: null")),
    }
}

pub fn check_index(
    index: &Index,
    table_key: &KeySchema,
    earlier: &[Index],
) -> Result<(), AwsError> {
    if earlier.iter().any(|i| i.name == index.name) {
        let kind = if index.global { "global" } else { "local" };
        return Err(AwsError::validation(format!(
            "Two {kind} secondary indices have the same name"
        )));
    }
    if index.global {
        return Ok(());
    }
    if table_key.range.is_none() {
        return Err(invalid(
            "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
        ));
    }
    let same_hash = index.key.hash.name == table_key.hash.name;
    if !same_hash || index.key.range.is_none() {
        return Err(invalid(&format!(
            "Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
            index.name, index.key.hash.name, table_key.hash.name
        )));
    }
    Ok(())
}

fn check_definitions_used(
    table_key: &KeySchema,
    indexes: &[Index],
    definitions: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let used = |name: &str| table_key.is_key(name) || indexes.iter().any(|i| i.key.is_key(name));
    if definitions.keys().any(|name| !used(name)) {
        let keys: Vec<&str> = table_key
            .attrs()
            .chain(indexes.iter().flat_map(|i| i.key.attrs()))
            .map(|a| a.name.as_str())
            .collect();
        let defined: Vec<&str> = definitions.keys().map(String::as_str).collect();
        return Err(invalid(&format!(
            "Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]",
            defined.join(", "),
            keys.join(", ")
        )));
    }
    Ok(())
}

/// The top-level attributes a condition reads, in order of first appearance.
pub fn condition_attributes(cond: &Cond) -> Vec<String> {
    let mut names = Vec::new();
    walk_condition(cond, &mut names);
    names
}

fn walk_condition(cond: &Cond, out: &mut Vec<String>) {
    match cond {
        Cond::Compare(a, _, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
            walk_operand(a, out);
            walk_operand(b, out);
        }
        Cond::Between(a, b, c) => [a, b, c].into_iter().for_each(|o| walk_operand(o, out)),
        Cond::In(a, list) => std::iter::once(a)
            .chain(list)
            .for_each(|o| walk_operand(o, out)),
        Cond::And(a, b) | Cond::Or(a, b) => {
            walk_condition(a, out);
            walk_condition(b, out);
        }
        Cond::Not(a) => walk_condition(a, out),
        Cond::Exists(p) | Cond::NotExists(p) => push_path(p, out),
        Cond::AttrType(p, o) => {
            push_path(p, out);
            walk_operand(o, out);
        }
    }
}

fn walk_operand(operand: &Operand, out: &mut Vec<String>) {
    match operand {
        Operand::Path(p) => push_path(p, out),
        Operand::Size(inner) => walk_operand(inner, out),
        Operand::Value(_) => {}
        Operand::IfNotExists(p, o) => {
            push_path(p, out);
            walk_operand(o, out);
        }
        Operand::ListAppend(a, b) | Operand::Arith(a, _, b) => {
            walk_operand(a, out);
            walk_operand(b, out);
        }
    }
}

fn push_path(path: &Path, out: &mut Vec<String>) {
    let name = path.top().to_owned();
    if !out.contains(&name) {
        out.push(name);
    }
}

/// A Query's filter on an index may not name the index's key attributes nor an attribute the
/// index does not project (a Scan's filter simply sees the projected item).
pub fn check_filter(index: &Index, table_key: &KeySchema, filter: &Cond) -> Result<(), AwsError> {
    let names = condition_attributes(filter);
    // The hash key before the range key, whatever the filter's order (DynamoDB Local).
    let key_named = index
        .key
        .attrs()
        .map(|a| &a.name)
        .find(|k| names.contains(k));
    if let Some(key) = key_named {
        return Err(AwsError::validation(format!(
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: {key}"
        )));
    }
    let mut unprojected: Vec<String> = names
        .into_iter()
        .filter(|n| !index.projects(table_key, n))
        .collect();
    unprojected.sort();
    if !unprojected.is_empty() {
        return Err(invalid(&format!(
            "Secondary index {} does not project one or more filter attributes: [{}]",
            index.name,
            unprojected.join(", ")
        )));
    }
    Ok(())
}
