//! `ExpressionAttributeNames` and `ExpressionAttributeValues`: read and validated once per
//! request, then resolved while parsing, recording which placeholders the expressions used.
//!
//! Limits (DynamoDB developer guide, "Service quotas", Expression parameters): a placeholder
//! is at most 255 bytes; all substitution variables together at most 2 MB. Checked in the order
//! DynamoDB Local 3.3.1 checks them, with its messages (AWS documents the limits but not the
//! wording): every name key, every value key, every value, every name, then the sizes.
//! Values are shared (`Arc`), so an expression that names a 2 MB value 500 times holds it once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::java_hash_order;
use crate::dynamodb::input;
use crate::dynamodb::model::{AttrValue, VALUE_NESTING};
use crate::protocol::AwsError;

/// The longest placeholder, in bytes (`#name`, `:value`).
const MAX_KEY_BYTES: usize = 255;
/// All names, or all values, or both together: keys plus contents, in bytes.
const MAX_SUBSTITUTION_BYTES: usize = 2 * 1024 * 1024;
/// The longest attribute name a placeholder may stand for (names are under 64 KB).
const MAX_NAME_BYTES: usize = 65535;

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, and which
/// of them the request's expressions used.
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    names: BTreeMap<String, String>,
    values: BTreeMap<String, Arc<AttrValue>>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    had_names: bool,
    had_values: bool,
    /// Placeholders in request order (the tie-break of [`java_hash_order`]).
    name_order: Vec<String>,
    value_order: Vec<String>,
}

/// Which map a check is about, for the messages.
#[derive(Clone, Copy)]
enum Which {
    Names,
    Values,
}

impl Which {
    fn member(self) -> &'static str {
        match self {
            Which::Names => "ExpressionAttributeNames",
            Which::Values => "ExpressionAttributeValues",
        }
    }

    fn sigil(self) -> char {
        match self {
            Which::Names => '#',
            Which::Values => ':',
        }
    }
}

/// `#name` / `:value`: the sigil, then one or more letters, digits or underscores.
fn check_key(map: Which, key: &str) -> Result<(), AwsError> {
    let word = key.strip_prefix(map.sigil()).unwrap_or("");
    let valid = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let member = map.member();
    if !valid {
        return Err(AwsError::validation(format!(
            "{member} contains invalid key: Syntax error; key: \"{key}\""
        )));
    }
    if key.len() > MAX_KEY_BYTES {
        let size = match map {
            Which::Names => format!(" size of key: {}", key.len()),
            Which::Values => String::new(),
        };
        return Err(AwsError::validation(format!(
            "{member} contains invalid key: The expression attribute map contains a key that is too long;{size}"
        )));
    }
    Ok(())
}

fn check_name(key: &str, name: &str) -> Result<(), AwsError> {
    let problem = if name.is_empty() {
        "Empty attribute name".to_owned()
    } else if name.len() > MAX_NAME_BYTES {
        "Attribute name is too large, must be less than 65536 bytes".to_owned()
    } else {
        return Ok(());
    };
    Err(AwsError::validation(format!(
        "ExpressionAttributeNames contains invalid value: {problem} for key {key}"
    )))
}

/// A value's error, as AWS reports it for `ExpressionAttributeValues`.
fn value_error(key: &str, err: AwsError) -> AwsError {
    if err.code != "ValidationException" {
        return err;
    }
    AwsError::validation(format!(
        "ExpressionAttributeValues contains invalid value: {} for key {key}",
        err.message
    ))
}

fn names_map(request: &Value) -> Result<Option<&Map<String, Value>>, AwsError> {
    let names = input::opt_object(request, "ExpressionAttributeNames")?;
    if names.is_some_and(Map::is_empty) {
        return Err(AwsError::validation(
            "ExpressionAttributeNames must not be empty",
        ));
    }
    Ok(names)
}

fn values_map(request: &Value) -> Result<Option<&Map<String, Value>>, AwsError> {
    let values = input::opt_object(request, "ExpressionAttributeValues")?;
    if values.is_some_and(Map::is_empty) {
        return Err(AwsError::validation(
            "ExpressionAttributeValues must not be empty",
        ));
    }
    Ok(values)
}

impl Placeholders {
    /// Reads and validates both members of a request (or a transaction item).
    pub fn from_input(request: &Value) -> Result<Placeholders, AwsError> {
        let names = names_map(request)?;
        let values = values_map(request)?;
        // A name that is not a string is a serialization error, before any validation.
        let mut name_texts = Vec::new();
        for (key, json) in names.iter().flat_map(|m| m.iter()) {
            let name = json
                .as_str()
                .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))?;
            name_texts.push((key, name));
        }
        let mut placeholders = Placeholders::default();
        for key in names.iter().flat_map(|m| m.keys()) {
            check_key(Which::Names, key)?;
        }
        for key in values.iter().flat_map(|m| m.keys()) {
            check_key(Which::Values, key)?;
        }
        let mut values_size = 0usize;
        for (key, json) in values.iter().flat_map(|m| m.iter()) {
            let value = AttrValue::from_json_nested(json, VALUE_NESTING)
                .map_err(|err| value_error(key, err))?;
            values_size = values_size.saturating_add(key.len() + value.size());
            placeholders.values.insert(key.clone(), Arc::new(value));
            placeholders.value_order.push(key.clone());
        }
        let mut names_size = 0usize;
        for (key, name) in name_texts {
            check_name(key, name)?;
            names_size = names_size.saturating_add(key.len() + name.len());
            placeholders.names.insert(key.clone(), name.to_owned());
            placeholders.name_order.push(key.clone());
        }
        check_sizes(names_size, values_size)?;
        placeholders.had_names = names.is_some();
        placeholders.had_values = values.is_some();
        Ok(placeholders)
    }

    /// [`Self::from_input`] for a request that may have no expression at all. Without one,
    /// DynamoDB refuses the maps for being there before it looks inside them (DynamoDB Local
    /// 3.3.1: `{"x": …}` names with no expression are "ExpressionAttributeNames can only be
    /// specified when using expressions", and empty maps are accepted), so their contents'
    /// validation errors give way to that; serialization errors still come first.
    pub fn for_request(request: &Value, any_expression: bool) -> Result<Placeholders, AwsError> {
        match Placeholders::from_input(request) {
            Err(err) if !any_expression && err.code == "ValidationException" => {
                let given = |member: &str| {
                    request
                        .get(member)
                        .and_then(Value::as_object)
                        .is_some_and(|m| !m.is_empty())
                };
                Ok(Placeholders {
                    had_names: given("ExpressionAttributeNames"),
                    had_values: given("ExpressionAttributeValues"),
                    ..Placeholders::default()
                })
            }
            other => other,
        }
    }

    pub(super) fn name(&mut self, placeholder: &str) -> Option<String> {
        let name = self.names.get(placeholder)?.clone();
        self.used_names.insert(placeholder.to_owned());
        Some(name)
    }

    pub(super) fn value(&mut self, placeholder: &str) -> Option<Arc<AttrValue>> {
        let value = self.values.get(placeholder)?.clone();
        self.used_values.insert(placeholder.to_owned());
        Some(value)
    }

    /// After every expression of the request is parsed: AWS rejects unused placeholders,
    /// and placeholders given without any expression.
    pub fn check_all_used(&self, any_expression: bool) -> Result<(), AwsError> {
        if !any_expression && self.had_values {
            return Err(AwsError::validation(
                "ExpressionAttributeValues can only be specified when using expressions",
            ));
        }
        self.check_names_used(any_expression)?;
        self.check_values_used()
    }

    /// The ExpressionAttributeNames half of [`Self::check_all_used`].
    pub fn check_names_used(&self, any_expression: bool) -> Result<(), AwsError> {
        if !any_expression && self.had_names {
            return Err(AwsError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        unused(
            "ExpressionAttributeNames",
            &self.name_order,
            &self.used_names,
        )
    }

    fn check_values_used(&self) -> Result<(), AwsError> {
        unused(
            "ExpressionAttributeValues",
            &self.value_order,
            &self.used_values,
        )
    }
}

fn check_sizes(names: usize, values: usize) -> Result<(), AwsError> {
    let message = if names > MAX_SUBSTITUTION_BYTES {
        "ExpressionAttributeNames exceeds max size"
    } else if values > MAX_SUBSTITUTION_BYTES {
        "ExpressionAttributeValues exceeds max size"
    } else if names.saturating_add(values) > MAX_SUBSTITUTION_BYTES {
        "Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size"
    } else {
        return Ok(());
    };
    Err(AwsError::validation(message))
}

/// `Value provided in <member> unused in expressions: keys: {…}`, in Java hash order.
fn unused(member: &str, order: &[String], used: &BTreeSet<String>) -> Result<(), AwsError> {
    let unused: Vec<&str> = java_hash_order(
        order
            .iter()
            .filter(|k| !used.contains(*k))
            .map(String::as_str)
            .collect(),
        |k| k,
    );
    if unused.is_empty() {
        return Ok(());
    }
    Err(AwsError::validation(format!(
        "Value provided in {member} unused in expressions: keys: {{{}}}",
        unused.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(request: Value) -> String {
        Placeholders::from_input(&request).unwrap_err().message
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(
            error(json!({"ExpressionAttributeNames": {"x": "a"}})),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"x\""
        );
        assert_eq!(
            error(json!({"ExpressionAttributeValues": {":a-b": {"S": "a"}}})),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \":a-b\""
        );
        let long = format!("#{}", "a".repeat(300));
        assert_eq!(
            error(json!({ "ExpressionAttributeNames": { long: "a" } })),
            "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 301"
        );
        let long = format!(":{}", "a".repeat(255));
        assert_eq!(
            error(json!({ "ExpressionAttributeValues": { long: {"S": "a"} } })),
            "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;"
        );
        let ok = format!("#{}", "a".repeat(254));
        assert!(
            Placeholders::from_input(&json!({ "ExpressionAttributeNames": { ok: "a" } })).is_ok()
        );
    }

    #[test]
    fn values_and_names_are_checked_in_order() {
        // Value keys before values, values before names.
        assert_eq!(
            error(json!({"ExpressionAttributeNames": {"#n": ""},
                         "ExpressionAttributeValues": {":v": {"N": "x"}}})),
            "ExpressionAttributeValues contains invalid value: A value provided cannot be converted into a number for key :v"
        );
        assert_eq!(
            error(json!({"ExpressionAttributeNames": {"#n": ""},
                         "ExpressionAttributeValues": {"v": {"N": "1"}}})),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""
        );
        assert_eq!(
            error(json!({"ExpressionAttributeNames": {"#n": ""}})),
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key #n"
        );
        assert_eq!(
            error(json!({"ExpressionAttributeNames": {"#n": "a".repeat(65536)}})),
            "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #n"
        );
    }

    #[test]
    fn without_expressions_the_maps_are_refused_before_their_contents() {
        let request = json!({"ExpressionAttributeNames": {"x": "a"}});
        let ph = Placeholders::for_request(&request, false).unwrap();
        assert_eq!(
            ph.check_all_used(false).unwrap_err().message,
            "ExpressionAttributeNames can only be specified when using expressions"
        );
        let empty = json!({"ExpressionAttributeValues": {}});
        assert!(
            Placeholders::for_request(&empty, false)
                .unwrap()
                .check_all_used(false)
                .is_ok()
        );
        assert!(Placeholders::for_request(&request, true).is_err());
        let wrong_type = json!({"ExpressionAttributeNames": {"#n": 1}});
        assert_eq!(
            Placeholders::for_request(&wrong_type, false)
                .unwrap_err()
                .code,
            "SerializationException"
        );
    }

    #[test]
    fn total_size_is_limited() {
        let big = "x".repeat(1024 * 1024);
        // 2 + 1 + 2 + 2097147 = 2 MiB exactly: accepted.
        let at_limit = "x".repeat(2 * 1024 * 1024 - 5);
        assert!(
            Placeholders::from_input(&json!({"ExpressionAttributeValues":
                {":v": {"S": "a"}, ":a": {"S": at_limit}}}))
            .is_ok()
        );
        assert_eq!(
            error(json!({"ExpressionAttributeValues":
                {":v": {"S": "a"}, ":a": {"S": big}, ":b": {"S": big}}})),
            "ExpressionAttributeValues exceeds max size"
        );
        let names: Map<String, Value> = (0..40)
            .map(|i| (format!("#m{i}"), json!("y".repeat(60000))))
            .collect();
        assert_eq!(
            error(json!({ "ExpressionAttributeNames": names })),
            "ExpressionAttributeNames exceeds max size"
        );
        assert_eq!(
            error(
                json!({"ExpressionAttributeNames": {"#m": "y".repeat(60000)},
                         "ExpressionAttributeValues": {":a": {"S": big}, ":b": {"S": "x".repeat(1_000_000)}}})
            ),
            "Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size"
        );
    }
}
