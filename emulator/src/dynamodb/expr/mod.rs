//! DynamoDB's expression languages — condition, filter, key condition, update and
//! projection — parsed by a real parser into an AST ([`lexer`] → [`parser`]) and evaluated
//! against items ([`eval`], [`update`]). Placeholders are resolved while parsing; the
//! [`Placeholders`] record which ones were used so unused ones can be reported like AWS does.

pub mod check;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod reserved;
pub mod update;

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::input;
use super::model::{AttrValue, Item};
use crate::protocol::AwsError;

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Elem {
    Attr(String),
    Index(usize),
}

/// A document path such as `a.b[2].c`, with placeholders already substituted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path(pub Vec<Elem>);

impl Path {
    /// The top-level attribute the path starts at.
    pub fn top(&self) -> &str {
        match self.0.first() {
            Some(Elem::Attr(name)) => name,
            _ => "",
        }
    }
}

impl fmt::Display for Path {
    /// AWS's rendering in messages: `[a, b, [2]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                Elem::Attr(name) => name.clone(),
                Elem::Index(i) => format!("[{i}]"),
            })
            .collect();
        write!(f, "[{}]", parts.join(", "))
    }
}

/// Something that evaluates to a value (or to nothing, for a missing attribute).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttrValue),
    Size(Path),
    IfNotExists(Path, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    /// `a + b` (`plus` true) or `a - b`.
    Arith(Box<Operand>, bool, Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Compare(Operand, CmpOp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Exists(Path),
    NotExists(Path),
    AttrType(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
}

/// One clause action of an UpdateExpression.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Set(Path, Operand),
    Remove(Path),
    Add(Path, Operand),
    Delete(Path, Operand),
}

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, and which
/// of them the request's expressions used.
#[derive(Debug, Default)]
pub struct Placeholders {
    names: std::collections::BTreeMap<String, String>,
    values: Item,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    had_names: bool,
    had_values: bool,
    /// Placeholders in request order (the tie-break of [`java_hash_order`]).
    name_order: Vec<String>,
    value_order: Vec<String>,
}

impl Placeholders {
    /// Reads both members from a request (or a transaction item).
    pub fn from_input(request: &Value) -> Result<Placeholders, AwsError> {
        let mut placeholders = Placeholders::default();
        if let Some(names) = input::opt_object(request, "ExpressionAttributeNames")? {
            if names.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            for (k, v) in names {
                let name = v.as_str().ok_or_else(|| {
                    AwsError::serialization("Unexpected token received from parser")
                })?;
                placeholders.names.insert(k.clone(), name.to_owned());
                placeholders.name_order.push(k.clone());
            }
            placeholders.had_names = true;
        }
        if let Some(values) = input::opt_item(request, "ExpressionAttributeValues")? {
            if values.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            placeholders.value_order = request["ExpressionAttributeValues"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            placeholders.values = values;
            placeholders.had_values = true;
        }
        Ok(placeholders)
    }

    fn name(&mut self, placeholder: &str) -> Option<String> {
        let name = self.names.get(placeholder)?.clone();
        self.used_names.insert(placeholder.to_owned());
        Some(name)
    }

    fn value(&mut self, placeholder: &str) -> Option<AttrValue> {
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
        let unused_names: Vec<&str> = java_hash_order(
            (self.name_order.iter())
                .filter(|k| !self.used_names.contains(*k))
                .map(String::as_str)
                .collect(),
            |k| k,
        );
        if !unused_names.is_empty() {
            return Err(AwsError::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                unused_names.join(", ")
            )));
        }
        Ok(())
    }

    fn check_values_used(&self) -> Result<(), AwsError> {
        let unused_values: Vec<&str> = java_hash_order(
            (self.value_order.iter())
                .filter(|k| !self.used_values.contains(*k))
                .map(String::as_str)
                .collect(),
            |k| k,
        );
        if !unused_values.is_empty() {
            return Err(AwsError::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                unused_values.join(", ")
            )));
        }
        Ok(())
    }
}

/// The iteration order of a Java `HashMap`/`HashSet` holding these keys (insertion order
/// within a bucket). DynamoDB lists unused placeholders, and picks which failing update action
/// to report, in this order (observed with DynamoDB Local: unused `:v1, :unused, :v2`).
pub(crate) fn java_hash_order<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut capacity = 16;
    while items.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let bucket = |name: &str| {
        let hash = name
            .encode_utf16()
            .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
        ((hash ^ (hash >> 16)) as usize) & (capacity - 1)
    };
    let mut items = items;
    items.sort_by_key(|item| bucket(key(item)));
    items
}

/// `Invalid <Kind>: <detail>` as a ValidationException.
pub fn invalid(kind: &str, detail: impl fmt::Display) -> AwsError {
    AwsError::validation(format!("Invalid {kind}: {detail}"))
}
