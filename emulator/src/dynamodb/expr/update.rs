//! Applying an UpdateExpression's actions to an item. Every operand is evaluated against the
//! item as it was before the update, as DynamoDB does.
//!
//! Linear in the number of actions: DynamoDB reports the failing action its own hash order
//! picks, so every action is first *checked* alone against the old item (types and target
//! paths, without building values), then all are applied once. Values are materialised only
//! in the apply pass, which stops as soon as they alone exceed the 400 KB item limit — every
//! value an update sets stays in the item (overlapping paths are refused), so the item would
//! be refused anyway.

use std::borrow::Cow;

use super::eval::resolve;
use super::overlap::reject_overlaps;
use super::{Action, Elem, Operand, Path, invalid, java_hash_order};
use crate::dynamodb::model::{AttrValue, Item};
use crate::protocol::AwsError;

const KIND: &str = "UpdateExpression";

/// DynamoDB's maximum item size.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

fn wrong_type() -> AwsError {
    AwsError::validation("An operand in the update expression has an incorrect data type")
}

fn invalid_path() -> AwsError {
    AwsError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

/// AWS's error for an item over 400 KB.
pub fn item_too_large() -> AwsError {
    AwsError::validation("Item size has exceeded the maximum allowed size")
}

/// Rejects two actions whose paths overlap (one is a prefix of the other).
pub fn check_overlap(actions: &[Action]) -> Result<(), AwsError> {
    let paths: Vec<&Path> = actions.iter().map(action_path).collect();
    reject_overlaps(&paths, KIND)
}

pub fn action_path(action: &Action) -> &Path {
    match action {
        Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
    }
}

/// The item after `actions`.
pub fn apply(old: &Item, actions: &[Action]) -> Result<Item, AwsError> {
    for action in error_order(actions) {
        check_action(old, action)?;
    }
    let mut new = old.clone();
    let mut removals: Vec<&Path> = Vec::new();
    let mut added = 0usize;
    for action in actions {
        added = added.saturating_add(apply_action(old, &mut new, action, &mut removals)?);
        if added > MAX_ITEM_BYTES {
            return Err(item_too_large());
        }
    }
    // Highest list indexes first, so earlier removals do not shift later ones.
    removals.sort_by(|a, b| b.cmp(a));
    for path in removals {
        remove_path(&mut new, path)?;
    }
    Ok(new)
}

/// The order in which failing actions are checked, the first failure being reported.
///
/// DynamoDB keeps an update's actions in a hash map keyed by top-level attribute name and
/// reports the error of the *last* failing action in that map's iteration order (observed
/// with DynamoDB Local, AWS's own emulator: `SET b = b + :n, a = a + :n` reports `b`,
/// `SET zz = zz + :n, a = a + :n` reports `a`, whatever the textual order). That is Java's
/// `HashMap` order — buckets of the spread `String.hashCode`, insertion order within one — so
/// this walks it backwards.
fn error_order(actions: &[Action]) -> Vec<&Action> {
    let mut ordered = java_hash_order(actions.iter().collect(), |a| action_path(a).top());
    ordered.reverse();
    ordered
}

/// What an operand evaluates to, as far as checking needs: a value, or a list that
/// `list_append` would build.
enum Probe<'a> {
    Value(Cow<'a, AttrValue>),
    List,
}

impl Probe<'_> {
    fn is_list(&self) -> bool {
        match self {
            Probe::List => true,
            Probe::Value(value) => matches!(value.as_ref(), AttrValue::L(_)),
        }
    }
}

/// Evaluates `operand` as [`evaluate`] would — the same errors, in the same order — without
/// concatenating lists. (The parser allows `list_append` only as an action's whole value.)
fn probe<'a>(item: &'a Item, operand: &'a Operand) -> Result<Probe<'a>, AwsError> {
    match operand {
        Operand::ListAppend(a, b) => {
            let (a, b) = (probe(item, a)?, probe(item, b)?);
            if a.is_list() && b.is_list() {
                Ok(Probe::List)
            } else {
                Err(wrong_type())
            }
        }
        other => evaluate(item, other).map(Probe::Value),
    }
}

/// An action alone against the old item: its operand, its types and its target path.
fn check_action(old: &Item, action: &Action) -> Result<(), AwsError> {
    match action {
        Action::Set(path, value) => {
            probe(old, value)?;
            check_target(old, path)
        }
        Action::Remove(path) => check_target(old, path),
        Action::Add(path, value) => {
            check_add(resolve(old, path), evaluate(old, value)?.as_ref())?;
            check_target(old, path)
        }
        Action::Delete(path, value) => {
            check_delete(resolve(old, path), evaluate(old, value)?.as_ref())?;
            check_target(old, path)
        }
    }
}

/// One action's effect on `new`, its operands read from `old`; REMOVEs are collected.
/// Returns the size of the value it leaves at its path.
fn apply_action<'a>(
    old: &Item,
    new: &mut Item,
    action: &'a Action,
    removals: &mut Vec<&'a Path>,
) -> Result<usize, AwsError> {
    let value = match action {
        Action::Set(_, value) => evaluate(old, value)?.into_owned(),
        Action::Remove(path) => {
            removals.push(path);
            return Ok(0);
        }
        Action::Add(path, value) => add(resolve(old, path), evaluate(old, value)?.as_ref())?,
        Action::Delete(path, value) => {
            match delete(resolve(old, path), evaluate(old, value)?.as_ref())? {
                Some(rest) => rest,
                None => {
                    remove_path(new, path)?;
                    return Ok(0);
                }
            }
        }
    };
    let size = value.size();
    set_path(new, action_path(action), value)?;
    Ok(size)
}

/// The value of a SET operand, borrowed from the item or the request where it can be.
fn evaluate<'a>(item: &'a Item, operand: &'a Operand) -> Result<Cow<'a, AttrValue>, AwsError> {
    match operand {
        Operand::Value(value) => Ok(Cow::Borrowed(value.as_ref())),
        Operand::Path(path) => resolve(item, path).map(Cow::Borrowed).ok_or_else(|| {
            AwsError::validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        Operand::IfNotExists(..) => {
            // A chain of if_not_exists, walked in a loop: the first path the item has.
            let mut current = operand;
            while let Operand::IfNotExists(path, fallback) = current {
                if let Some(value) = resolve(item, path) {
                    return Ok(Cow::Borrowed(value));
                }
                current = fallback;
            }
            evaluate(item, current)
        }
        Operand::ListAppend(a, b) => {
            let (first, second) = (evaluate(item, a)?, evaluate(item, b)?);
            match (first.as_ref(), second.as_ref()) {
                (AttrValue::L(x), AttrValue::L(y)) => Ok(Cow::Owned(AttrValue::L(
                    x.iter().chain(y).cloned().collect(),
                ))),
                _ => Err(wrong_type()),
            }
        }
        Operand::Arith(a, plus, b) => {
            let (x, y) = (evaluate(item, a)?, evaluate(item, b)?);
            match (x.as_ref(), y.as_ref()) {
                (AttrValue::N(x), AttrValue::N(y)) => {
                    let sum = if *plus { x.add(y)? } else { x.sub(y)? };
                    Ok(Cow::Owned(AttrValue::N(sum)))
                }
                _ => Err(wrong_type()),
            }
        }
        Operand::Size(_) => Err(invalid(
            KIND,
            "The function is not allowed in an update expression; function: size",
        )),
    }
}

/// ADD's types: a number to a number (which may overflow), a set to a set of its type, or
/// either to nothing.
fn check_add(existing: Option<&AttrValue>, value: &AttrValue) -> Result<(), AwsError> {
    match (existing, value) {
        (None, AttrValue::N(_) | AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_))
        | (Some(AttrValue::SS(_)), AttrValue::SS(_))
        | (Some(AttrValue::NS(_)), AttrValue::NS(_))
        | (Some(AttrValue::BS(_)), AttrValue::BS(_)) => Ok(()),
        (Some(AttrValue::N(x)), AttrValue::N(y)) => x.add(y).map(|_| ()),
        _ => Err(wrong_type()),
    }
}

fn add(existing: Option<&AttrValue>, value: &AttrValue) -> Result<AttrValue, AwsError> {
    Ok(match (existing, value) {
        (
            None,
            value @ (AttrValue::N(_) | AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_)),
        ) => value.clone(),
        (Some(AttrValue::N(x)), AttrValue::N(y)) => AttrValue::N(x.add(y)?),
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => AttrValue::SS(x.union(y).cloned().collect()),
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => AttrValue::NS(x.union(y).cloned().collect()),
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => AttrValue::BS(x.union(y).cloned().collect()),
        _ => return Err(wrong_type()),
    })
}

/// DELETE's types: a set from a set of its type, or from nothing.
fn check_delete(existing: Option<&AttrValue>, value: &AttrValue) -> Result<(), AwsError> {
    match (existing, value) {
        (None, AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_))
        | (Some(AttrValue::SS(_)), AttrValue::SS(_))
        | (Some(AttrValue::NS(_)), AttrValue::NS(_))
        | (Some(AttrValue::BS(_)), AttrValue::BS(_)) => Ok(()),
        _ => Err(wrong_type()),
    }
}

/// The set left after DELETE, or `None` when it became empty (or never existed).
fn delete(existing: Option<&AttrValue>, value: &AttrValue) -> Result<Option<AttrValue>, AwsError> {
    check_delete(existing, value)?;
    let rest = match (existing, value) {
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => {
            Some(AttrValue::SS(x.difference(y).cloned().collect()))
        }
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => {
            Some(AttrValue::NS(x.difference(y).cloned().collect()))
        }
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => {
            Some(AttrValue::BS(x.difference(y).cloned().collect()))
        }
        _ => None,
    };
    Ok(rest.filter(|set| !is_empty_set(set)))
}

fn is_empty_set(value: &AttrValue) -> bool {
    match value {
        AttrValue::SS(s) => s.is_empty(),
        AttrValue::NS(s) => s.is_empty(),
        AttrValue::BS(s) => s.is_empty(),
        _ => false,
    }
}

/// The container that holds the last element of `path` (`None` for a top-level name).
fn parent<'a>(item: &'a Item, path: &Path) -> Result<Option<&'a AttrValue>, AwsError> {
    let Some((_, inner)) = path.0.split_last() else {
        return Err(invalid_path());
    };
    let Some((Elem::Attr(first), steps)) = inner.split_first() else {
        return match inner.is_empty() {
            true => Ok(None),
            false => Err(invalid_path()),
        };
    };
    let mut current = item.get(first).ok_or_else(invalid_path)?;
    for elem in steps {
        current = match (elem, current) {
            (Elem::Attr(name), AttrValue::M(map)) => map.get(name).ok_or_else(invalid_path)?,
            (Elem::Index(i), AttrValue::L(list)) => list.get(*i).ok_or_else(invalid_path)?,
            _ => return Err(invalid_path()),
        };
    }
    Ok(Some(current))
}

/// Whether an action may write (or remove) at `path` of `item`: its container exists and
/// has the right type.
fn check_target(item: &Item, path: &Path) -> Result<(), AwsError> {
    match (parent(item, path)?, path.0.last()) {
        (None, Some(Elem::Attr(_)))
        | (Some(AttrValue::M(_)), Some(Elem::Attr(_)))
        | (Some(AttrValue::L(_)), Some(Elem::Index(_))) => Ok(()),
        _ => Err(invalid_path()),
    }
}

/// The container that holds the last element of `path`, for writing.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Result<Option<&'a mut AttrValue>, AwsError> {
    let Some((_, inner)) = path.0.split_last() else {
        return Err(invalid_path());
    };
    let Some((Elem::Attr(first), steps)) = inner.split_first() else {
        return match inner.is_empty() {
            true => Ok(None),
            false => Err(invalid_path()),
        };
    };
    let mut current = item.get_mut(first).ok_or_else(invalid_path)?;
    for elem in steps {
        current = match (elem, current) {
            (Elem::Attr(name), AttrValue::M(map)) => map.get_mut(name).ok_or_else(invalid_path)?,
            (Elem::Index(i), AttrValue::L(list)) => list.get_mut(*i).ok_or_else(invalid_path)?,
            _ => return Err(invalid_path()),
        };
    }
    Ok(Some(current))
}

fn set_path(item: &mut Item, path: &Path, value: AttrValue) -> Result<(), AwsError> {
    let last = path.0.last().ok_or_else(invalid_path)?;
    match (parent_mut(item, path)?, last) {
        (None, Elem::Attr(name)) => {
            item.insert(name.clone(), value);
        }
        (Some(AttrValue::M(map)), Elem::Attr(name)) => {
            map.insert(name.clone(), value);
        }
        (Some(AttrValue::L(list)), Elem::Index(i)) => match list.get_mut(*i) {
            Some(slot) => *slot = value,
            None => list.push(value),
        },
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn remove_path(item: &mut Item, path: &Path) -> Result<(), AwsError> {
    let last = path.0.last().ok_or_else(invalid_path)?;
    match (parent_mut(item, path)?, last) {
        (None, Elem::Attr(name)) => {
            item.remove(name);
        }
        (Some(AttrValue::M(map)), Elem::Attr(name)) => {
            map.remove(name);
        }
        (Some(AttrValue::L(list)), Elem::Index(i)) => {
            if *i < list.len() {
                list.remove(*i);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::expr::{Placeholders, parser};
    use crate::dynamodb::model::item_from_json;
    use serde_json::json;

    fn run(
        item: serde_json::Value,
        expr: &str,
        values: serde_json::Value,
    ) -> Result<Item, AwsError> {
        let mut ph =
            Placeholders::from_input(&json!({ "ExpressionAttributeValues": values })).unwrap();
        let actions = parser::update(expr, &mut ph)?;
        check_overlap(&actions)?;
        apply(&item_from_json(&item).unwrap(), &actions)
    }

    #[test]
    fn set_add_remove_delete() {
        let item = json!({"n": {"N": "5"}, "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}]},
                          "s": {"SS": ["x", "y"]}, "m": {"M": {"k": {"S": "v"}}}});
        let new = run(
            item,
            "SET n = n - :one, m.k2 = :one, l[9] = :one REMOVE l[0], l[1] ADD fresh :one DELETE s :x",
            json!({":one": {"N": "1"}, ":x": {"SS": ["x"]}}),
        )
        .unwrap();
        let json = crate::dynamodb::model::item_to_json(&new);
        assert_eq!(json["n"], json!({"N": "4"}));
        assert_eq!(json["fresh"], json!({"N": "1"}));
        assert_eq!(json["s"], json!({"SS": ["y"]}));
        assert_eq!(json["m"]["M"]["k2"], json!({"N": "1"}));
        assert_eq!(json["l"], json!({"L": [{"S": "c"}, {"N": "1"}]}));
    }

    #[test]
    fn update_errors() {
        let err = run(json!({}), "SET a = b + :v", json!({":v": {"N": "1"}})).unwrap_err();
        assert_eq!(
            err.message,
            "The provided expression refers to an attribute that does not exist in the item"
        );
        let err = run(
            json!({"a": {"S": "x"}}),
            "ADD a :v",
            json!({":v": {"N": "1"}}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "An operand in the update expression has an incorrect data type"
        );
        let err = run(json!({}), "SET a = :v, a.b = :v", json!({":v": {"N": "1"}})).unwrap_err();
        assert!(
            err.message.contains("Two document paths overlap"),
            "{}",
            err.message
        );
        let err = run(json!({}), "SET a.b = :v", json!({":v": {"N": "1"}})).unwrap_err();
        assert_eq!(
            err.message,
            "The document path provided in the update expression is invalid for update"
        );
    }

    #[test]
    fn if_not_exists_and_list_append() {
        let new = run(
            json!({"l": {"L": [{"N": "1"}]}}),
            "SET c = if_not_exists(c, :z) + :one, l = list_append(l, :more)",
            json!({":z": {"N": "10"}, ":one": {"N": "1"}, ":more": {"L": [{"N": "2"}]}}),
        )
        .unwrap();
        let json = crate::dynamodb::model::item_to_json(&new);
        assert_eq!(json["c"], json!({"N": "11"}));
        assert_eq!(json["l"], json!({"L": [{"N": "1"}, {"N": "2"}]}));
    }

    #[test]
    fn ten_thousand_actions_apply_in_one_pass() {
        use crate::dynamodb::expr::{Action, Elem, Operand, Path};
        use std::sync::Arc;
        let value = Arc::new(AttrValue::S("x".to_owned()));
        let actions: Vec<Action> = (0..10_000)
            .map(|i| {
                Action::Set(
                    Path(vec![Elem::Attr(format!("a{i}"))]),
                    Operand::Value(value.clone()),
                )
            })
            .collect();
        check_overlap(&actions).unwrap();
        let new = apply(&Item::new(), &actions).unwrap();
        assert_eq!(new.len(), 10_000);
    }

    #[test]
    fn values_past_the_item_limit_stop_the_update() {
        let half = "x".repeat(300 * 1024);
        let err = run(
            json!({}),
            "SET a = :h, b = :h, c = :h",
            json!({":h": {"S": half}}),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Item size has exceeded the maximum allowed size"
        );
    }
}
