//! Reading DynamoDB's request members through the one decoder (`protocol::members`):
//! required/optional fields with AWS's validation and serialization errors, so malformed input
//! becomes an AWS error and never a panic; plus DynamoDB's own shapes (attribute-value maps,
//! table names).

use serde_json::{Map, Value};

use super::model::{self, Item};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

// Every reader here is a thin DynamoDB-flavoured view of `protocol::members`, the one
// decoder: the same value gives the same answer in every service.

/// `1 validation error detected: Value null at 'member' failed to satisfy constraint: ...`
pub fn missing(member: &str) -> AwsError {
    Members::of(&Value::Null).missing(member)
}

fn present<'a>(input: &'a Value, member: &str) -> Option<&'a Value> {
    Members::of(input).value(member)
}

pub fn opt_str<'a>(input: &'a Value, member: &str) -> Result<Option<&'a str>, AwsError> {
    Members::of(input).str(member)
}

pub fn req_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, AwsError> {
    Members::of(input).required_str(member)
}

pub fn opt_bool(input: &Value, member: &str) -> Result<Option<bool>, AwsError> {
    Members::of(input).bool(member)
}

pub fn opt_int(input: &Value, member: &str) -> Result<Option<i64>, AwsError> {
    Members::of(input).int(member)
}

pub fn opt_array<'a>(input: &'a Value, member: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
    Members::of(input).array(member)
}

pub fn req_array<'a>(input: &'a Value, member: &str) -> Result<&'a Vec<Value>, AwsError> {
    Members::of(input).required_array(member)
}

pub fn opt_object<'a>(
    input: &'a Value,
    member: &str,
) -> Result<Option<&'a Map<String, Value>>, AwsError> {
    Members::of(input).object(member)
}

pub fn req_object<'a>(input: &'a Value, member: &str) -> Result<&'a Map<String, Value>, AwsError> {
    let members = Members::of(input);
    members
        .object(member)?
        .ok_or_else(|| members.missing(member))
}

/// An attribute-value map member (`Item`, `Key`, `ExclusiveStartKey`).
pub fn opt_item(input: &Value, member: &str) -> Result<Option<Item>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => model::item_from_json(v).map(Some),
    }
}

pub fn req_item(input: &Value, member: &str) -> Result<Item, AwsError> {
    opt_item(input, member)?.ok_or_else(|| missing(member))
}

/// An enum member, checked against its allowed values.
pub fn opt_enum<'a>(
    input: &'a Value,
    member: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, AwsError> {
    Members::of(input).enumeration(member, allowed)
}

/// `TableName`, with AWS's length and pattern constraints.
pub fn table_name(input: &Value) -> Result<&str, AwsError> {
    let name = req_str(input, "TableName")?;
    if name.len() < 3 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        )));
    }
    if name.len() > 255 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255"
        )));
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !name.chars().all(valid) {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )));
    }
    Ok(name)
}

/// Sets `member` of a JSON object this service is building (answers, descriptions); does
/// nothing to anything that is not an object, so it can never panic.
pub fn set_member(object: &mut Value, member: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(member.to_owned(), value);
    }
}
