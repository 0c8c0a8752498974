//! One table: its key schema and definition, its items ordered by primary key, and the
//! stream it feeds. Each table sits behind its own lock in the [`super::store::Store`].

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::model::{AttrValue, Item, Number};
use crate::protocol::AwsError;

pub use super::store::State;

/// A scalar key value, ordered the way DynamoDB orders sort keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPart {
    S(String),
    N(Number),
    B(Vec<u8>),
}

impl KeyPart {
    pub fn to_value(&self) -> AttrValue {
        match self {
            KeyPart::S(s) => AttrValue::S(s.clone()),
            KeyPart::N(n) => AttrValue::N(n.clone()),
            KeyPart::B(b) => AttrValue::B(b.clone()),
        }
    }
}

/// A primary key: hash part and, for composite keys, range part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrimaryKey(pub KeyPart, pub Option<KeyPart>);

#[derive(Debug, Clone)]
pub struct KeyAttr {
    pub name: String,
    /// `S`, `N` or `B`.
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct KeySchema {
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
}

impl KeySchema {
    /// Reads the `KeySchema` member of `owner` (a table or an index definition) against the
    /// attribute definitions; `constraint_path` names the member in AWS's length error
    /// (`keySchema`, `globalSecondaryIndexes.1.member.keySchema`).
    pub fn parse(
        owner: &Value,
        definitions: &BTreeMap<String, String>,
        constraint_path: &str,
    ) -> Result<KeySchema, AwsError> {
        let invalid = |detail: &str| {
            AwsError::validation(format!(
                "One or more parameter values were invalid: {detail}"
            ))
        };
        let elements = super::input::req_array(owner, "KeySchema")?;
        let mut hash = None;
        let mut range = None;
        for (position, element) in elements.iter().enumerate() {
            let name = super::input::req_str(element, "AttributeName")?;
            let kind = super::input::opt_enum(element, "KeyType", &["HASH", "RANGE"])?
                .ok_or_else(|| super::input::missing("KeyType"))?;
            let attr_type = definitions.get(name).ok_or_else(|| {
                let defined: Vec<&str> = definitions.keys().map(String::as_str).collect();
                invalid(&format!(
                    "Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                    defined.join(", ")
                ))
            })?;
            let attr = KeyAttr {
                name: name.to_owned(),
                kind: attr_type.clone(),
            };
            match (kind, position) {
                ("HASH", 0) => hash = Some(attr),
                ("RANGE", 1) => range = Some(attr),
                _ => {
                    return Err(invalid(
                        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
                    ));
                }
            }
        }
        let hash = hash.ok_or_else(|| {
            AwsError::validation(format!("1 validation error detected: Value '[]' at '{constraint_path}' failed to satisfy constraint: Member must have length greater than or equal to 1"))
        })?;
        Ok(KeySchema { hash, range })
    }

    pub fn attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    pub fn is_key(&self, name: &str) -> bool {
        self.attrs().any(|a| a.name == name)
    }

    /// `KeySchema` as DescribeTable reports it.
    pub fn to_json(&self) -> Value {
        let mut schema = vec![json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(range) = &self.range {
            schema.push(json!({"AttributeName": range.name, "KeyType": "RANGE"}));
        }
        Value::Array(schema)
    }

    /// The key of an item being written (PutItem): every key attribute present and typed.
    pub fn key_of_item(&self, item: &Item) -> Result<PrimaryKey, AwsError> {
        let part = |attr: &KeyAttr| -> Result<KeyPart, AwsError> {
            let value = item.get(&attr.name).ok_or_else(|| {
                AwsError::validation(format!(
                    "One or more parameter values were invalid: Missing the key {} in the item",
                    attr.name
                ))
            })?;
            key_part(attr, value, true)
        };
        Ok(PrimaryKey(
            part(&self.hash)?,
            self.range.as_ref().map(part).transpose()?,
        ))
    }

    /// The key named by a `Key` member: exactly the key attributes, correctly typed.
    pub fn key_from_map(&self, key: &Item) -> Result<PrimaryKey, AwsError> {
        let schema_mismatch =
            || AwsError::validation("The provided key element does not match the schema");
        if key.len() != self.attrs().count() {
            return Err(schema_mismatch());
        }
        let part = |attr: &KeyAttr| -> Result<KeyPart, AwsError> {
            let value = key.get(&attr.name).ok_or_else(schema_mismatch)?;
            key_part(attr, value, false)
        };
        Ok(PrimaryKey(
            part(&self.hash)?,
            self.range.as_ref().map(part).transpose()?,
        ))
    }

    /// The key attributes of `key` as an item (for `Keys`, `LastEvaluatedKey`).
    pub fn key_item(&self, key: &PrimaryKey) -> Item {
        let mut item = Item::new();
        item.insert(self.hash.name.clone(), key.0.to_value());
        if let (Some(attr), Some(part)) = (&self.range, &key.1) {
            item.insert(attr.name.clone(), part.to_value());
        }
        item
    }
}

fn key_part(attr: &KeyAttr, value: &AttrValue, in_item: bool) -> Result<KeyPart, AwsError> {
    let part = match (attr.kind.as_str(), value) {
        ("S", AttrValue::S(s)) => KeyPart::S(s.clone()),
        ("N", AttrValue::N(n)) => KeyPart::N(n.clone()),
        ("B", AttrValue::B(b)) => KeyPart::B(b.clone()),
        _ if in_item => {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                attr.name,
                attr.kind,
                value.type_name()
            )));
        }
        _ => {
            return Err(AwsError::validation(
                "The provided key element does not match the schema",
            ));
        }
    };
    let empty = matches!(&part, KeyPart::S(s) if s.is_empty())
        || matches!(&part, KeyPart::B(b) if b.is_empty());
    if empty {
        let kind = if attr.kind == "S" { "string" } else { "binary" };
        return Err(AwsError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {}",
            attr.name
        )));
    }
    Ok(part)
}

/// A table's stream settings as `StreamSpecification`.
#[derive(Debug, Clone)]
pub struct StreamSpec {
    pub enabled: bool,
    pub view_type: String,
}

pub struct Table {
    pub name: String,
    pub arn: String,
    pub table_id: String,
    pub created: f64,
    pub key: KeySchema,
    /// `AttributeDefinitions`, `BillingMode`, `ProvisionedThroughput`, indexes: as given.
    pub attribute_definitions: Value,
    pub billing_mode: String,
    /// When the table last became PAY_PER_REQUEST (it then keeps a `BillingModeSummary`).
    pub pay_per_request_since: Option<f64>,
    pub provisioned: Value,
    pub stream: Option<StreamSpec>,
    pub latest_stream_arn: Option<String>,
    pub latest_stream_label: Option<String>,
    /// The TimeToLive attribute, when TTL is enabled.
    pub ttl_attribute: Option<String>,
    pub items: BTreeMap<PrimaryKey, Item>,
    /// Global and local secondary indexes, in the order CreateTable listed them.
    pub indexes: Vec<super::index::Index>,
    /// Resource tags (TagResource, CreateTable's `Tags`), by key.
    pub tags: BTreeMap<String, String>,
    /// `DeletionProtectionEnabled`: DeleteTable is refused while it is set.
    pub deletion_protection: bool,
    /// Table class, encryption, on-demand and warm throughput, settings replication.
    pub options: super::ops::table_options::Options,
    /// The table's resource-based policy.
    pub policy: Option<super::ops::resource_policy::Policy>,
    /// Resource-based policies of the table's streams, by stream label.
    pub stream_slots: BTreeMap<String, Option<super::ops::resource_policy::Policy>>,
    /// Set by DeleteTable under the table's write lock: the table is gone, whoever still
    /// holds it.
    pub deleted: bool,
}

impl Table {
    pub fn index(&self, name: &str) -> Result<&super::index::Index, AwsError> {
        self.indexes.iter().find(|i| i.name == name).ok_or_else(|| {
            AwsError::validation(format!(
                "The table does not have the specified index: {name}"
            ))
        })
    }

    pub fn size_bytes(&self) -> usize {
        self.items.values().map(super::model::item_size).sum()
    }
}

/// 400 `ResourceNotFoundException` with DynamoDB's generic message.
pub fn not_found() -> AwsError {
    AwsError::new(
        400,
        "ResourceNotFoundException",
        "Requested resource not found",
    )
}
