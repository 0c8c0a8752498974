//! Static checks DynamoDB applies to a parsed condition before reading any item: operand types
//! of ordering comparators, BETWEEN and begins_with, and BETWEEN's bounds — on literal values,
//! across the whole expression (also in branches evaluation would short-circuit).
//!
//! They run before the operator count (AWS's order), on a tree that may still be as deep as
//! 4 KB of `NOT`s, so the walk keeps its own stack.

use super::eval::{brief, check_bounds, check_comparable, operand_type_error};
use super::{Action, Cond, Operand, invalid};
use crate::dynamodb::model::AttrValue;
use crate::protocol::AwsError;

fn literal(op: &Operand) -> Option<&AttrValue> {
    match op {
        Operand::Value(value) => Some(value.as_ref()),
        _ => None,
    }
}

fn scalar(value: &AttrValue) -> bool {
    matches!(value, AttrValue::S(_) | AttrValue::N(_) | AttrValue::B(_))
}

/// Rejects a condition AWS refuses whatever the item; the first offence in source order.
pub fn condition(cond: &Cond, kind: &str) -> Result<(), AwsError> {
    let mut pending = vec![cond];
    while let Some(cond) = pending.pop() {
        match cond {
            Cond::And(a, b) | Cond::Or(a, b) => {
                pending.push(b);
                pending.push(a);
            }
            Cond::Not(a) => pending.push(a),
            leaf => leaf_condition(leaf, kind)?,
        }
    }
    Ok(())
}

fn leaf_condition(cond: &Cond, kind: &str) -> Result<(), AwsError> {
    match cond {
        Cond::Compare(a, op, b) => {
            check_comparable(a, op.symbol(), kind)?;
            check_comparable(b, op.symbol(), kind)
        }
        Cond::Between(value, low, high) => between(value, low, high, kind),
        Cond::AttrType(_, Operand::Value(wanted)) => match wanted.as_ref() {
            AttrValue::S(wanted) if !super::eval::TYPE_NAMES.contains(&wanted.as_str()) => {
                Err(invalid(
                    kind,
                    format!(
                        "Invalid attribute type name found; type: {wanted}, valid types: {{N,BS,L,B,NULL,M,S,SS,NS,BOOL}}"
                    ),
                ))
            }
            _ => Ok(()),
        },
        Cond::BeginsWith(a, b) => {
            for value in [a, b].into_iter().filter_map(literal) {
                if !matches!(value, AttrValue::S(_) | AttrValue::B(_)) {
                    return Err(operand_type_error("begins_with", value, kind));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn between(value: &Operand, low: &Operand, high: &Operand, kind: &str) -> Result<(), AwsError> {
    for operand in [value, low, high].into_iter().filter_map(literal) {
        if !scalar(operand) {
            return Err(operand_type_error("BETWEEN", operand, kind));
        }
    }
    let (Some(l), Some(h)) = (literal(low), literal(high)) else {
        return Ok(());
    };
    if l.type_name() != h.type_name() {
        return Err(invalid(
            kind,
            format!(
                "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                brief(l),
                brief(h)
            ),
        ));
    }
    check_bounds(Some(l), Some(h), kind)
}

/// The long type names AWS uses in update-expression operand errors.
fn long_type_name(value: &AttrValue) -> &'static str {
    match value.type_name() {
        "S" => "STRING",
        "N" => "NUMBER",
        "B" => "BINARY",
        "BOOL" => "BOOLEAN",
        "NULL" => "NULL",
        "M" => "MAP",
        "L" => "LIST",
        "SS" => "STRING_SET",
        "NS" => "NUMBER_SET",
        _ => "BINARY_SET",
    }
}

/// ADD takes a number or a set; DELETE takes a set.
pub fn update_operands(actions: &[Action]) -> Result<(), AwsError> {
    for action in actions {
        let (operator, value, allowed): (&str, _, &[&str]) = match action {
            Action::Add(_, Operand::Value(v)) => ("ADD", v.as_ref(), &["N", "SS", "NS", "BS"]),
            Action::Delete(_, Operand::Value(v)) => ("DELETE", v.as_ref(), &["SS", "NS", "BS"]),
            _ => continue,
        };
        if !allowed.contains(&value.type_name()) {
            return Err(invalid(
                "UpdateExpression",
                format!(
                    "Incorrect operand type for operator or function; operator: {operator}, operand type: {}, typeSet: ALLOWED_FOR_{operator}_OPERAND",
                    long_type_name(value)
                ),
            ));
        }
    }
    Ok(())
}
