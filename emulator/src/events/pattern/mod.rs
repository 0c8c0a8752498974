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

impl Pattern {
    /// Whether `event` matches.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        let event = expand_dotted_keys(event.clone());
        matcher::matches_object(&self.root, Some(&event))
    }
}

/// `{"a.b": x}` → `{"a": {"b": x}}`, recursively, merging with what is already there: patterns
/// and events name nested fields either way.
pub fn expand_dotted_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, child) in object {
                let child = expand_dotted_keys(child);
                let mut parts: Vec<&str> = key.split('.').collect();
                if parts.iter().any(|p| p.is_empty()) {
                    parts = vec![key.as_str()];
                }
                insert_path(&mut out, &parts, child);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(expand_dotted_keys).collect()),
        other => other,
    }
}

fn insert_path(
    out: &mut serde_json::Map<String, serde_json::Value>,
    parts: &[&str],
    value: serde_json::Value,
) {
    use serde_json::Value;
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        match (out.get_mut(*first), value) {
            (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
            (_, value) => {
                out.insert((*first).to_owned(), value);
            }
        }
        return;
    }
    let slot = out
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Default::default()));
    if !slot.is_object() {
        *slot = Value::Object(Default::default());
    }
    if let Value::Object(inner) = slot {
        insert_path(inner, rest, value);
    }
}
