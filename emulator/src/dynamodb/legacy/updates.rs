//! `AttributeUpdates`: PUT, ADD and DELETE on top-level attributes (`AttributeValueUpdate`).
//!
//! The shapes are read before the lock; everything else is checked while applying, after the
//! `Expected` condition, one action at a time in request order (DynamoDB Local 11.1.0 reports
//! the first failing action): a key attribute, a missing value, a type the action does not
//! take, the stored value's type, then a local index key's type.
//!
//! - PUT sets the attribute (the default action);
//! - DELETE without a value removes it; with a set, removes those elements (an emptied set
//!   disappears);
//! - ADD adds a number, unions a set, appends a list — or sets the value when the attribute is
//!   missing.

use serde_json::Value;

use crate::dynamodb::expr::{Elem, Path};
use crate::dynamodb::model::{AttrValue, ITEM_NESTING, Item};
use crate::dynamodb::table::{KeySchema, Table};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Put,
    Add,
    Delete,
}

/// One entry of `AttributeUpdates`.
#[derive(Debug, Clone)]
pub struct Update {
    pub name: String,
    pub action: Action,
    pub value: Option<AttrValue>,
}

/// `AttributeUpdates`, read: `None` when absent.
pub fn parse(request: &Value) -> Result<Option<Vec<Update>>, AwsError> {
    let Some(map) = Members::of(request).object("AttributeUpdates")? else {
        return Ok(None);
    };
    let mut updates = Vec::with_capacity(map.len());
    for (name, body) in map {
        if body.as_object().is_none() {
            return Err(AwsError::serialization(
                "Unexpected token received from parser",
            ));
        }
        let prefix = format!("attributeUpdates.{name}.member");
        let members = Members::of(body).within(body, prefix.as_str());
        let action = match members.enumeration("Action", &["ADD", "PUT", "DELETE"])? {
            Some("ADD") => Action::Add,
            Some("DELETE") => Action::Delete,
            _ => Action::Put,
        };
        let value = members
            .value("Value")
            .map(|v| AttrValue::from_json_nested(v, ITEM_NESTING))
            .transpose()?;
        updates.push(Update {
            name: name.clone(),
            action,
            value,
        });
    }
    Ok(Some(updates))
}

/// The paths an update touches, for UPDATED_OLD and UPDATED_NEW.
pub fn paths(updates: &[Update]) -> Vec<Path> {
    updates
        .iter()
        .map(|u| Path(vec![Elem::Attr(u.name.clone())]))
        .collect()
}

/// AWS's long type names in these messages.
fn type_word(value: &AttrValue) -> &'static str {
    match value {
        AttrValue::S(_) => "STRING",
        AttrValue::N(_) => "NUMBER",
        AttrValue::B(_) => "BINARY",
        AttrValue::Bool(_) => "BOOLEAN",
        AttrValue::Null => "NULL",
        AttrValue::M(_) => "MAP",
        AttrValue::L(_) => "LIST",
        AttrValue::SS(_) => "STRING_SET",
        AttrValue::NS(_) => "NUMBER_SET",
        AttrValue::BS(_) => "BINARY_SET",
    }
}

fn invalid(detail: String) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

fn mismatch() -> AwsError {
    AwsError::validation("Type mismatch for attribute to update")
}

/// The checks that do not need the stored value.
fn check(key: &KeySchema, update: &Update) -> Result<(), AwsError> {
    if update.name.is_empty() {
        return Err(AwsError::validation("Empty attribute name"));
    }
    if key.is_key(&update.name) {
        return Err(invalid(format!(
            "Cannot update attribute {}. This attribute is part of the key",
            update.name
        )));
    }
    let Some(value) = &update.value else {
        if update.action != Action::Delete {
            return Err(invalid(
                "Only DELETE action is allowed when no attribute value is specified".to_owned(),
            ));
        }
        return Ok(());
    };
    let is_set = matches!(
        value,
        AttrValue::SS(_) | AttrValue::NS(_) | AttrValue::BS(_)
    );
    match update.action {
        Action::Add if !(is_set || matches!(value, AttrValue::N(_) | AttrValue::L(_))) => {
            Err(invalid(format!(
                "ADD action is not supported for the type {}",
                type_word(value)
            )))
        }
        Action::Delete if !is_set => Err(invalid(format!(
            "DELETE action with value is not supported for the type {}",
            type_word(value)
        ))),
        _ => Ok(()),
    }
}

/// A value given for a local secondary index's key attribute must have the key's type
/// (DynamoDB Local 11.1.0; a global index's key is checked on the new item, as for any write).
fn check_local_index_key(table: &Table, update: &Update) -> Result<(), AwsError> {
    let Some(value) = &update.value else {
        return Ok(());
    };
    let mismatched = table
        .indexes
        .iter()
        .filter(|i| !i.global)
        .flat_map(|i| i.key.attrs())
        .any(|a| a.name == update.name && a.kind != value.type_name());
    if mismatched {
        return Err(AwsError::validation(
            "Updates on index keys must be of the same data type as the key attribute",
        ));
    }
    Ok(())
}

/// The item after the updates, applied one by one: each action checked, applied, and its
/// value checked against a local index's key.
pub fn apply(table: &Table, old: &Item, updates: &[Update]) -> Result<Item, AwsError> {
    let mut item = old.clone();
    for update in updates {
        check(&table.key, update)?;
        let existing = item.get(&update.name);
        let new = match (&update.value, update.action) {
            (None, _) => None,
            (Some(value), Action::Put) => Some(value.clone()),
            (Some(value), Action::Add) => Some(add(existing, value)?),
            (Some(value), Action::Delete) => delete(existing, value)?,
        };
        match new {
            Some(value) => item.insert(update.name.clone(), value),
            None => item.remove(&update.name),
        };
        check_local_index_key(table, update)?;
    }
    Ok(item)
}

fn add(existing: Option<&AttrValue>, value: &AttrValue) -> Result<AttrValue, AwsError> {
    Ok(match (existing, value) {
        (None, value) => value.clone(),
        (Some(AttrValue::N(x)), AttrValue::N(y)) => AttrValue::N(x.add(y)?),
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => AttrValue::SS(x.union(y).cloned().collect()),
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => AttrValue::NS(x.union(y).cloned().collect()),
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => AttrValue::BS(x.union(y).cloned().collect()),
        (Some(AttrValue::L(x)), AttrValue::L(y)) => {
            AttrValue::L(x.iter().chain(y.iter()).cloned().collect())
        }
        _ => return Err(mismatch()),
    })
}

/// The set left after DELETE; `None` when it is empty or never existed.
fn delete(existing: Option<&AttrValue>, value: &AttrValue) -> Result<Option<AttrValue>, AwsError> {
    let rest = match (existing, value) {
        (None, _) => return Ok(None),
        (Some(AttrValue::SS(x)), AttrValue::SS(y)) => {
            let rest: std::collections::BTreeSet<String> = x.difference(y).cloned().collect();
            (!rest.is_empty()).then_some(AttrValue::SS(rest))
        }
        (Some(AttrValue::NS(x)), AttrValue::NS(y)) => {
            let rest: std::collections::BTreeSet<_> = x.difference(y).cloned().collect();
            (!rest.is_empty()).then_some(AttrValue::NS(rest))
        }
        (Some(AttrValue::BS(x)), AttrValue::BS(y)) => {
            let rest: std::collections::BTreeSet<Vec<u8>> = x.difference(y).cloned().collect();
            (!rest.is_empty()).then_some(AttrValue::BS(rest))
        }
        _ => return Err(mismatch()),
    };
    Ok(rest)
}
