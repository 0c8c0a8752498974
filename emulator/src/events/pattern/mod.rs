//! EventBridge event patterns: [`parse`] validates a pattern into a [`Pattern`] (with
//! `InvalidEventPatternException` in AWS's wording), [`matcher`] tests events against it.

pub mod matcher;
pub mod parse;

use std::net::IpAddr;

/// A parsed event pattern: conditions on an event's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub root: ObjectPattern,
}

/// Conditions on one JSON object: every field must match, and each `$or` group must have one
/// matching alternative.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectPattern {
    pub fields: Vec<(String, FieldPattern)>,
    pub any_of: Vec<Vec<ObjectPattern>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldPattern {
    /// A nested object pattern.
    Object(ObjectPattern),
    /// A list of matchers of which one must match the field's value.
    Leaf(Vec<Matcher>),
}

/// A scalar a pattern compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    Exact(Scalar),
    Prefix {
        value: String,
        ignore_case: bool,
    },
    Suffix {
        value: String,
        ignore_case: bool,
    },
    EqualsIgnoreCase(String),
    Wildcard(String),
    AnythingBut(AnythingBut),
    Exists(bool),
    /// Every (operator, bound) must hold.
    Numeric(Vec<(NumericOp, f64)>),
    Cidr {
        network: IpAddr,
        prefix_len: u8,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum AnythingBut {
    Values(Vec<Scalar>),
    Prefix(Vec<String>),
    Suffix(Vec<String>),
    IgnoreCase(Vec<String>),
    Wildcard(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// How deep a pattern or event may nest once dotted keys are expanded. JSON text nests at
/// most 128 deep (serde_json's limit); expansion stops here, so nothing built from a request
/// (and recursed over when matched, cloned or dropped) is deeper.
pub(crate) const MAX_DEPTH: usize = 256;

impl Pattern {
    /// Whether `event` matches.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        self.matches_expanded(&expand_dotted_keys(event.clone()).0)
    }

    /// Whether an event already passed through [`expand_dotted_keys`] matches.
    pub(crate) fn matches_expanded(&self, event: &serde_json::Value) -> bool {
        matcher::matches_object(&self.root, Some(event))
    }
}

/// `{"a.b": x}` → `{"a": {"b": x}}`, recursively, merging with what is already there: patterns
/// and events name nested fields either way. A key whose expansion would nest deeper than
/// [`MAX_DEPTH`] is kept as it is; the flag says whether that happened.
pub fn expand_dotted_keys(value: serde_json::Value) -> (serde_json::Value, bool) {
    let mut truncated = false;
    let value = expand(value, 0, &mut truncated);
    (value, truncated)
}

fn expand(value: serde_json::Value, depth: usize, truncated: &mut bool) -> serde_json::Value {
    use serde_json::{Map, Value};
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, child) in object {
                let mut parts: Vec<&str> = key.split('.').collect();
                if parts.iter().any(|p| p.is_empty()) {
                    parts = vec![key.as_str()];
                }
                if depth + parts.len() > MAX_DEPTH {
                    *truncated = true;
                    parts = vec![key.as_str()];
                }
                let child = expand(child, depth + parts.len(), truncated);
                insert_path(&mut out, &parts, child);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| expand(item, depth + 1, truncated))
                .collect(),
        ),
        other => other,
    }
}

/// Puts `value` at `parts` under `out`, creating (or replacing non-object) levels on the way.
fn insert_path(
    out: &mut serde_json::Map<String, serde_json::Value>,
    parts: &[&str],
    value: serde_json::Value,
) {
    use serde_json::Value;
    let Some((last, path)) = parts.split_last() else {
        return;
    };
    let mut level = out;
    for part in path {
        let slot = level
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Default::default()));
        if !slot.is_object() {
            *slot = Value::Object(Default::default());
        }
        let Value::Object(inner) = slot else {
            return;
        };
        level = inner;
    }
    match (level.get_mut(*last), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
        (_, value) => {
            level.insert((*last).to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dotted_keys_expand_and_merge() {
        let (value, truncated) = expand_dotted_keys(json!({"a.b": 1, "a": {"c": 2}, "x..y": 3}));
        assert_eq!(value, json!({"a": {"b": 1, "c": 2}, "x..y": 3}));
        assert!(!truncated);
    }

    #[test]
    fn a_key_of_many_dots_is_not_expanded_past_the_bound() {
        let key = vec!["k"; 100_000].join(".");
        let (value, truncated) = expand_dotted_keys(json!({ key.clone(): 1 }));
        assert!(truncated);
        assert_eq!(value, json!({ key: 1 }));
    }
}
