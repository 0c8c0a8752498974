//! DynamoDB's data model: attribute values with their AWS JSON form, items, their size and
//! their nesting. Numbers live in [`super::number`].
//!
//! Lists and maps nest at most 32 levels (DynamoDB developer guide, "Service quotas",
//! Attributes → Nested attribute depth). Counted as DynamoDB Local 3.3.1 counts them: an item's
//! attribute value may hold 31 nested lists or maps (the item is the first level), a value in
//! `ExpressionAttributeValues` 32. Parsing refuses a deeper value as soon as it meets it, so no
//! recursion here goes deeper than the limit.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

pub use super::number::Number;
use crate::protocol::AwsError;

/// The lists and maps an item's attribute value may nest.
pub const ITEM_NESTING: usize = 31;
/// The lists and maps a value in `ExpressionAttributeValues` may nest.
pub const VALUE_NESTING: usize = 32;

/// AWS's message for an item whose attributes nest too deeply.
pub const NESTING_MESSAGE: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttrValue>;

/// One attribute value. Sets are kept sorted, so equal sets compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(Item),
    L(Vec<AttrValue>),
    SS(BTreeSet<String>),
    NS(BTreeSet<Number>),
    BS(BTreeSet<Vec<u8>>),
}

impl AttrValue {
    /// The type descriptor AWS uses (`S`, `N`, `BOOL`, `SS`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null => "NULL",
            AttrValue::M(_) => "M",
            AttrValue::L(_) => "L",
            AttrValue::SS(_) => "SS",
            AttrValue::NS(_) => "NS",
            AttrValue::BS(_) => "BS",
        }
    }

    /// Parses the AWS JSON form (`{"S": "x"}`) of an item's attribute value.
    #[cfg(test)]
    pub fn from_json(value: &Value) -> Result<AttrValue, AwsError> {
        AttrValue::from_json_nested(value, ITEM_NESTING)
    }

    /// Parses a value that may hold at most `containers` nested lists and maps.
    pub fn from_json_nested(value: &Value, containers: usize) -> Result<AttrValue, AwsError> {
        let object = value.as_object().ok_or_else(expected_structure)?;
        let mut entries = object.iter().filter(|(_, v)| !v.is_null());
        let (tag, inner) = match (entries.next(), entries.next()) {
            (None, _) => {
                return Err(AwsError::validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
                ));
            }
            (Some(entry), None) => entry,
            (Some(_), Some(_)) => {
                return Err(AwsError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            }
        };
        parse_tagged(tag, inner, containers)
    }

    /// Whether the value holds at most `containers` nested lists and maps. Never recurses
    /// deeper than `containers`.
    pub fn nests_within(&self, containers: usize) -> bool {
        let Some(left) = containers.checked_sub(1) else {
            return !matches!(self, AttrValue::M(_) | AttrValue::L(_));
        };
        match self {
            AttrValue::M(map) => map.values().all(|v| v.nests_within(left)),
            AttrValue::L(list) => list.iter().all(|v| v.nests_within(left)),
            _ => true,
        }
    }

    /// The AWS JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            AttrValue::S(s) => json!({ "S": s }),
            AttrValue::N(n) => json!({ "N": n.to_string() }),
            AttrValue::B(b) => json!({ "B": BASE64.encode(b) }),
            AttrValue::Bool(b) => json!({ "BOOL": b }),
            AttrValue::Null => json!({ "NULL": true }),
            AttrValue::M(m) => json!({ "M": item_to_json(m) }),
            AttrValue::L(l) => json!({ "L": l.iter().map(AttrValue::to_json).collect::<Vec<_>>() }),
            AttrValue::SS(s) => json!({ "SS": s }),
            AttrValue::NS(s) => {
                json!({ "NS": s.iter().map(Number::to_string).collect::<Vec<_>>() })
            }
            AttrValue::BS(s) => {
                json!({ "BS": s.iter().map(|b| BASE64.encode(b)).collect::<Vec<_>>() })
            }
        }
    }

    /// DynamoDB's size estimate of the value in bytes.
    pub fn size(&self) -> usize {
        match self {
            AttrValue::S(s) => s.len(),
            AttrValue::N(n) => n.to_string().len().div_ceil(2) + 1,
            AttrValue::B(b) => b.len(),
            AttrValue::Bool(_) | AttrValue::Null => 1,
            AttrValue::M(m) => 3 + item_size(m),
            AttrValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttrValue::SS(s) => s.iter().map(String::len).sum(),
            AttrValue::NS(s) => s.iter().map(|n| n.to_string().len().div_ceil(2) + 1).sum(),
            AttrValue::BS(s) => s.iter().map(Vec::len).sum(),
        }
    }
}

fn expected_structure() -> AwsError {
    AwsError::serialization("Start of structure or map found where not expected.")
}

fn nesting_error() -> AwsError {
    AwsError::validation(NESTING_MESSAGE)
}

fn parse_tagged(tag: &str, inner: &Value, containers: usize) -> Result<AttrValue, AwsError> {
    let below = || containers.checked_sub(1).ok_or_else(nesting_error);
    Ok(match tag {
        "S" => AttrValue::S(as_string(inner)?.to_owned()),
        "N" => AttrValue::N(Number::parse(as_string(inner)?)?),
        "B" => AttrValue::B(decode_binary(inner)?),
        "BOOL" => AttrValue::Bool(
            inner
                .as_bool()
                .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))?,
        ),
        "NULL" => match inner.as_bool() {
            Some(true) => AttrValue::Null,
            Some(false) => {
                return Err(AwsError::validation(
                    "One or more parameter values were invalid: Null attribute value types must have the value of true",
                ));
            }
            None => {
                return Err(AwsError::serialization(
                    "Unexpected token received from parser",
                ));
            }
        },
        "M" => AttrValue::M(map_from_json(inner, below()?)?),
        "L" => {
            let below = below()?;
            AttrValue::L(
                as_array(inner)?
                    .iter()
                    .map(|v| AttrValue::from_json_nested(v, below))
                    .collect::<Result<_, _>>()?,
            )
        }
        "SS" => AttrValue::SS(parse_set(
            inner,
            "string",
            |v| Ok(as_string(v)?.to_owned()),
        )?),
        "NS" => AttrValue::NS(parse_set(inner, "number", |v| {
            Number::parse(as_string(v)?)
        })?),
        "BS" => AttrValue::BS(parse_set(inner, "binary", decode_binary)?),
        _ => {
            return Err(AwsError::validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ));
        }
    })
}

fn parse_set<T: Ord>(
    value: &Value,
    kind: &str,
    parse: impl Fn(&Value) -> Result<T, AwsError>,
) -> Result<BTreeSet<T>, AwsError> {
    let elements = as_array(value)?;
    if elements.is_empty() {
        return Err(AwsError::validation(format!(
            "One or more parameter values were invalid: An {kind} set  may not be empty"
        )));
    }
    let mut set = BTreeSet::new();
    for element in elements {
        if !set.insert(parse(element)?) {
            let shown: Vec<String> = elements.iter().map(display_scalar).collect();
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Input collection [{}] contains duplicates",
                shown.join(", ")
            )));
        }
    }
    Ok(set)
}

fn display_scalar(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

fn as_string(value: &Value) -> Result<&str, AwsError> {
    value.as_str().ok_or_else(|| {
        AwsError::serialization(format!(
            "{} can not be converted to a String",
            json_token(value)
        ))
    })
}

fn as_array(value: &Value) -> Result<&Vec<Value>, AwsError> {
    value
        .as_array()
        .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))
}

fn decode_binary(value: &Value) -> Result<Vec<u8>, AwsError> {
    BASE64
        .decode(as_string(value)?)
        .map_err(|_| AwsError::serialization("Base64 encoded binary data could not be decoded"))
}

/// The Jackson token name AWS names in its serialization errors (the one shared definition).
pub use crate::protocol::members::json_token;

/// Parses a map of attribute values (`Item`, `Key`).
pub fn item_from_json(value: &Value) -> Result<Item, AwsError> {
    map_from_json(value, ITEM_NESTING)
}

fn map_from_json(value: &Value, containers: usize) -> Result<Item, AwsError> {
    let object = value.as_object().ok_or_else(expected_structure)?;
    object
        .iter()
        .map(|(name, v)| Ok((name.clone(), AttrValue::from_json_nested(v, containers)?)))
        .collect()
}

pub fn item_to_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, v)| (name.clone(), v.to_json()))
            .collect::<Map<String, Value>>(),
    )
}

/// DynamoDB's size of an item: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, v)| name.len() + v.size()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_round_trip() {
        let json = json!({"M": {"a": {"L": [{"N": "1.0"}, {"SS": ["b", "a"]}, {"NULL": true}]}}});
        let value = AttrValue::from_json(&json).unwrap();
        assert_eq!(
            value.to_json(),
            json!({"M": {"a": {"L": [{"N": "1"}, {"SS": ["a", "b"]}, {"NULL": true}]}}})
        );
    }

    #[test]
    fn malformed_attribute_values_are_rejected() {
        assert_eq!(
            AttrValue::from_json(&json!({})).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            AttrValue::from_json(&json!({"S": 1})).unwrap_err().code,
            "SerializationException"
        );
        assert!(AttrValue::from_json(&json!({"SS": []})).is_err());
        assert!(AttrValue::from_json(&json!({"SS": ["a", "a"]})).is_err());
        assert!(AttrValue::from_json(&json!({"S": "a", "N": "1"})).is_err());
    }

    fn nested_maps(levels: usize) -> Value {
        (0..levels).fold(json!({"S": "x"}), |inner, _| json!({"M": {"a": inner}}))
    }

    #[test]
    fn nesting_is_limited() {
        let value = AttrValue::from_json(&nested_maps(31)).unwrap();
        assert!(value.nests_within(31));
        assert!(!value.nests_within(30));
        let err = AttrValue::from_json(&nested_maps(32)).unwrap_err();
        assert_eq!(err.message, NESTING_MESSAGE);
        assert!(AttrValue::from_json_nested(&nested_maps(32), VALUE_NESTING).is_ok());
        let empty_leaf = (0..31).fold(json!({"L": []}), |inner, _| json!({"L": [inner]}));
        assert!(AttrValue::from_json(&empty_leaf).is_err());
        // The first error in document order wins.
        let value = json!({"M": {"a": {"N": "x"}, "b": nested_maps(40)}});
        assert_eq!(
            AttrValue::from_json(&value).unwrap_err().message,
            "A value provided cannot be converted into a number"
        );
    }
}
