//! Reading request members: required/optional fields with AWS's validation and
//! serialization errors, so malformed input becomes an AWS error and never a panic.

use serde_json::{Map, Value};

use super::model::{self, Item, json_token};
use crate::protocol::{AwsError, lower_camel};

/// `1 validation error detected: Value null at 'member' failed to satisfy constraint: ...`
pub fn missing(member: &str) -> AwsError {
    AwsError::validation(crate::protocol::null_member_message(&lower_camel(member)))
}

fn wrong_type(value: &Value, expected: &str) -> AwsError {
    AwsError::serialization(format!(
        "{} can not be converted to {expected}",
        json_token(value)
    ))
}

fn present<'a>(input: &'a Value, member: &str) -> Option<&'a Value> {
    input.get(member).filter(|v| !v.is_null())
}

pub fn opt_str<'a>(input: &'a Value, member: &str) -> Result<Option<&'a str>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| wrong_type(v, "a String")),
    }
}

pub fn req_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, AwsError> {
    opt_str(input, member)?.ok_or_else(|| missing(member))
}

pub fn opt_bool(input: &Value, member: &str) -> Result<Option<bool>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| wrong_type(v, "a Boolean")),
    }
}

pub fn opt_int(input: &Value, member: &str) -> Result<Option<i64>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(v, "an Integer")),
    }
}

pub fn opt_array<'a>(input: &'a Value, member: &str) -> Result<Option<&'a Vec<Value>>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => v
            .as_array()
            .map(Some)
            .ok_or_else(|| AwsError::serialization("Unexpected token received from parser")),
    }
}

pub fn req_array<'a>(input: &'a Value, member: &str) -> Result<&'a Vec<Value>, AwsError> {
    opt_array(input, member)?.ok_or_else(|| missing(member))
}

pub fn opt_object<'a>(
    input: &'a Value,
    member: &str,
) -> Result<Option<&'a Map<String, Value>>, AwsError> {
    match present(input, member) {
        None => Ok(None),
        Some(v) => v.as_object().map(Some).ok_or_else(|| {
            AwsError::serialization("Start of structure or map found where not expected.")
        }),
    }
}

pub fn req_object<'a>(input: &'a Value, member: &str) -> Result<&'a Map<String, Value>, AwsError> {
    opt_object(input, member)?.ok_or_else(|| missing(member))
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
    let Some(value) = opt_str(input, member)? else {
        return Ok(None);
    };
    if allowed.contains(&value) {
        return Ok(Some(value));
    }
    Err(AwsError::validation(format!(
        "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        lower_camel(member),
        allowed.join(", ")
    )))
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
