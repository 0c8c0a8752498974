//! Key attributes are scalars: an expression may name a key attribute only whole — `pk.b`
//! or `pk[0]` is refused, in every expression kind, with the same message (DynamoDB Local
//! 3.3.1: projection, condition, filter, key condition and the value side of an update).
//! This needs the table's key schema, so it runs when the table is known, after each
//! expression's own checks (`pk.a = :v AND n = n` reports `n = n` first).
//!
//! The walks recurse over parsed trees, which the operator limit has bounded by then.

use super::{Action, Cond, Operand, Path};
use crate::protocol::AwsError;

/// The paths a condition reads, in source order.
pub fn condition_paths(cond: &Cond) -> Vec<&Path> {
    let mut out = Vec::new();
    walk_condition(cond, &mut out);
    out
}

/// The paths the values of an update's actions read (not the paths they write).
pub fn update_value_paths(actions: &[Action]) -> Vec<&Path> {
    let mut out = Vec::new();
    for action in actions {
        match action {
            Action::Set(_, operand) | Action::Add(_, operand) | Action::Delete(_, operand) => {
                walk_operand(operand, &mut out);
            }
            Action::Remove(_) => {}
        }
    }
    out
}

fn walk_condition<'a>(cond: &'a Cond, out: &mut Vec<&'a Path>) {
    match cond {
        Cond::Compare(a, _, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
            walk_operand(a, out);
            walk_operand(b, out);
        }
        Cond::Between(a, b, c) => [a, b, c].into_iter().for_each(|o| walk_operand(o, out)),
        Cond::In(a, list) => std::iter::once(a)
            .chain(list)
            .for_each(|o| walk_operand(o, out)),
        Cond::And(a, b) | Cond::Or(a, b) => {
            walk_condition(a, out);
            walk_condition(b, out);
        }
        Cond::Not(a) => walk_condition(a, out),
        Cond::Exists(p) | Cond::NotExists(p) => out.push(p),
        Cond::AttrType(p, o) => {
            out.push(p);
            walk_operand(o, out);
        }
    }
}

fn walk_operand<'a>(operand: &'a Operand, out: &mut Vec<&'a Path>) {
    let mut current = operand;
    // An if_not_exists chain is walked in a loop, however long it is.
    while let Operand::IfNotExists(p, fallback) = current {
        out.push(p);
        current = fallback;
    }
    match current {
        Operand::Path(p) => out.push(p),
        Operand::Size(inner) => walk_operand(inner, out),
        Operand::ListAppend(a, b) | Operand::Arith(a, _, b) => {
            walk_operand(a, out);
            walk_operand(b, out);
        }
        Operand::Value(_) | Operand::IfNotExists(..) => {}
    }
}

/// Refuses the first path that goes inside a key attribute.
pub fn check_scalar<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
    is_key: impl Fn(&str) -> bool,
) -> Result<(), AwsError> {
    match paths.into_iter().find(|p| p.0.len() > 1 && is_key(p.top())) {
        Some(path) => Err(AwsError::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {}",
            path.top()
        ))),
        None => Ok(()),
    }
}
