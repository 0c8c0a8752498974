//! DynamoDB's expression languages — condition, filter, key condition, update and
//! projection — parsed by a real parser into an AST ([`lexer`] → [`parser`]) and evaluated
//! against items ([`eval`], [`update`]). Placeholders are resolved while parsing; the
//! [`Placeholders`] record which ones were used so unused ones can be reported like AWS does.
//!
//! Bounded by construction: an expression is at most 4 KB with at most 300 operators
//! ([`limits`]); the parser keeps NOT/AND/OR/parentheses on an explicit stack, so no input
//! nests its recursion, and everything that recurses over a parsed tree runs only after the
//! operator limit has bounded the tree's depth.

pub mod check;
pub mod eval;
pub mod keys;
pub mod lexer;
pub mod limits;
pub mod overlap;
pub mod parser;
pub mod placeholders;
pub mod reserved;
pub mod update;

use std::fmt;
use std::sync::Arc;

use super::model::AttrValue;
use crate::protocol::AwsError;

pub use placeholders::Placeholders;

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
    /// A placeholder's value, shared with the request's [`Placeholders`].
    Value(Arc<AttrValue>),
    /// `size(x)`: `x` a path, a value, or another `size` (kept two levels deep at most: a
    /// `size` of anything deeper is refused for its number operand just the same).
    Size(Box<Operand>),
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

/// The iteration order of a Java `HashMap`/`HashSet` holding these keys (insertion order
/// within a bucket). DynamoDB lists unused placeholders, and picks which failing update action
/// to report, in this order (observed with DynamoDB Local: unused `:v1, :unused, :v2`).
pub(crate) fn java_hash_order<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut capacity: usize = 16;
    while items.len().saturating_mul(4) > capacity.saturating_mul(3) {
        capacity = capacity.saturating_mul(2);
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
