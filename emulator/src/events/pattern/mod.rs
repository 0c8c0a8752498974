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
    Prefix(String),
    Suffix(String),
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
        matcher::matches_object(&self.root, Some(event))
    }
}
