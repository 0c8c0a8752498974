//! Applying an UpdateExpression's actions to an item. Every operand is evaluated against the
//! item as it was before the update, as DynamoDB does.

use super::eval::resolve;
use super::{Action, Elem, Operand, Path, invalid, java_hash_order};
use crate::dynamodb::model::{AttrValue, Item, Number};
use crate::protocol::AwsError;

const KIND: &str = "UpdateExpression";

fn wrong_type() -> AwsError {
    AwsError::validation("An operand in the update expression has an incorrect data type")
}

fn invalid_path() -> AwsError {
    AwsError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

/// Rejects two actions whose paths overlap (one is a prefix of the other).
pub fn check_overlap(actions: &[Action]) -> Result<(), AwsError> {
    let paths: Vec<&Path> = actions.iter().map(action_path).collect();
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let shorter = a.0.len().min(b.0.len());
            if a.0[..shorter] == b.0[..shorter] {
                return Err(invalid(
                    KIND,
                    format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {a}, path two: {b}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub fn action_path(action: &Action) -> &Path {
    match action {
        Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
    }
}

/// The item after `actions`.
pub fn apply(old: &Item, actions: &[Action]) -> Result<Item, AwsError> {
    for action in error_order(actions) {
        let mut scratch = old.clone();
        let mut removals = Vec::new();
        apply_action(old, &mut scratch, action, &mut removals)?;
        for path in removals {
            remove_path(&mut scratch, path)?;
        }
    }
    let mut new = old.clone();
    let mut removals: Vec<&Path> = Vec::new();
    for action in actions {
        apply_action(old, &mut new, action, &mut removals)?;
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

/// One action's effect on `new`, its operands read from `old`; REMOVEs are collected.
fn apply_action<'a>(
    old: &Item,
    new: &mut Item,
    action: &'a Action,
    removals: &mut Vec<&'a Path>,
) -> Result<(), AwsError> {
    match action {
        Action::Set(path, value) => {
            let value = evaluate(old, value)?;
            set_path(new, path, value)?;
        }
        Action::Remove(path) => removals.push(path),
        Action::Add(path, value) => {
            let value = evaluate(old, value)?;
            let merged = add(resolve(old, path), value)?;
            set_path(new, path, merged)?;
        }
        Action::Delete(path, value) => {
            let value = evaluate(old, value)?;
            match delete(resolve(old, path), value)? {
                Some(rest) => set_path(new, path, rest)?,
                None => remove_path(new, path)?,
            }
        }
    }
    Ok(())
}

/// The value of a SET operand.
fn evaluate(item: &Item, operand: &Operand) -> Result<AttrValue, AwsError> {
    match operand {
        Operand::Value(value) => Ok(value.clone()),
        Operand::Path(path) => resolve(item, path).cloned().ok_or_else(|| {
            AwsError::validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        Operand::IfNotExists(path, fallback) => match resolve(item, path) {
            Some(value) => Ok(value.clone()),
            None => evaluate(item, fallback),
        },
        Operand::ListAppend(a, b) => match (evaluate(item, a)?, evaluate(item, b)?) {
            (AttrValue::L(mut first), AttrValue::L(second)) => {
                first.extend(second);
                Ok(AttrValue::L(first))
            }
            _ => Err(wrong_type()),
        },
        Operand::Arith(a, plus, b) => match (evaluate(item, a)?, evaluate(item, b)?) {
            (AttrValue::N(x), AttrValue::N(y)) => {
                Ok(AttrValue::N(if *plus { x.add(&y)? } else { x.sub(&y)? }))
            }
            _ => Err(wrong_type()),
        },
        Operand::Size(_) => Err(invalid(
            KIND,
            "The function is not allowed in an update expression; function: size",
        )),
    }
}

fn add(existing: Option<&AttrValue>, value: AttrValue) -> Result<AttrValue, AwsError> {
    Ok(match (existing, value) {
        (
            None,
            value @ (AttrValue::N(_) | AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_)),
        ) => value,
        (Some(AttrValue::N(x)), AttrValue::N(y)) => AttrValue::N(x.add(&y)?),
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => AttrValue::SS(x.union(&y).cloned().collect()),
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => AttrValue::NS(x.union(&y).cloned().collect()),
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => AttrValue::BS(x.union(&y).cloned().collect()),
        _ => return Err(wrong_type()),
    })
}

/// The set left after DELETE, or `None` when it became empty (or never existed).
fn delete(existing: Option<&AttrValue>, value: AttrValue) -> Result<Option<AttrValue>, AwsError> {
    let rest = match (existing, value) {
        (None, AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_)) => return Ok(None),
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => {
            let d: std::collections::BTreeSet<String> = x.difference(&y).cloned().collect();
            (!d.is_empty()).then_some(AttrValue::SS(d))
        }
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => {
            let d: std::collections::BTreeSet<Number> = x.difference(&y).cloned().collect();
            (!d.is_empty()).then_some(AttrValue::NS(d))
        }
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => {
            let d: std::collections::BTreeSet<Vec<u8>> = x.difference(&y).cloned().collect();
            (!d.is_empty()).then_some(AttrValue::BS(d))
        }
        _ => return Err(wrong_type()),
    };
    Ok(rest)
}

/// The container that holds the last element of `path`.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Result<Option<&'a mut AttrValue>, AwsError> {
    let elems = &path.0;
    if elems.len() < 2 {
        return Ok(None);
    }
    let Elem::Attr(first) = &elems[0] else {
        return Err(invalid_path());
    };
    let mut current = item.get_mut(first).ok_or_else(invalid_path)?;
    for elem in &elems[1..elems.len() - 1] {
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
}
