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

/// Rejects a leaf condition AWS refuses whatever the item. The parser runs this on each leaf
/// as it completes, so these errors take their place in source order among undefined
/// placeholders (`n < :t AND #q = :n` reports the type, `#q = :n AND n = n` the name).
pub fn leaf_condition(cond: &Cond, kind: &str) -> Result<(), AwsError> {
    leaf_operands(cond)
        .into_iter()
        .try_for_each(|op| size_operand(op, kind))?;
    leaf_types(cond, kind)?;
    distinct_operands(cond, kind)
}

/// A leaf's operands, first to last.
fn leaf_operands(cond: &Cond) -> Vec<&Operand> {
    match cond {
        Cond::Compare(a, _, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => vec![a, b],
        Cond::Between(a, b, c) => vec![a, b, c],
        Cond::In(a, list) => std::iter::once(a).chain(list).collect(),
        Cond::AttrType(_, o) => vec![o],
        _ => Vec::new(),
    }
}

/// `size` takes a string, binary, set, list or map: a literal number, boolean or null — or
/// another `size`, a number — is refused.
fn size_operand(op: &Operand, kind: &str) -> Result<(), AwsError> {
    let Operand::Size(inner) = op else {
        return Ok(());
    };
    match inner.as_ref() {
        Operand::Value(value)
            if matches!(
                value.as_ref(),
                AttrValue::N(_) | AttrValue::Bool(_) | AttrValue::Null
            ) =>
        {
            Err(operand_type_error("size", value, kind))
        }
        Operand::Size(_) => Err(invalid(
            kind,
            "Incorrect operand type for operator or function; operator or function: size, operand type: N",
        )),
        _ => Ok(()),
    }
}

/// `a = a`, `a BETWEEN a AND :v`, `contains(a, a)`…: the first operand, a path, may not
/// appear again among the others.
fn distinct_operands(cond: &Cond, kind: &str) -> Result<(), AwsError> {
    let operator = match cond {
        Cond::Compare(_, op, _) => op.symbol(),
        Cond::Between(..) => "BETWEEN",
        Cond::In(..) => "IN",
        Cond::BeginsWith(..) => "begins_with",
        Cond::Contains(..) => "contains",
        _ => return Ok(()),
    };
    let operands = leaf_operands(cond);
    let Some((Operand::Path(first), rest)) = operands.split_first() else {
        return Ok(());
    };
    if rest
        .iter()
        .any(|op| matches!(op, Operand::Path(p) if p == first))
    {
        return Err(invalid(
            kind,
            format!(
                "The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {first}"
            ),
        ));
    }
    Ok(())
}

fn leaf_types(cond: &Cond, kind: &str) -> Result<(), AwsError> {
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

/// The operand types an update action takes: ADD a number or a set, DELETE a set, `+`/`-`
/// numbers and `list_append` lists — checked on literal values before the item is read
/// (`SET n = n + :s` with `:s` a string is refused whatever `n` is). Of several failing
/// actions the parser reports the last (DynamoDB Local: `ADD z :s DELETE y :s` names DELETE,
/// `DELETE y :s ADD z :s` ADD).
pub fn action_operands(action: &Action) -> Result<(), AwsError> {
    let (operator, value, allowed): (&str, _, &[&str]) = match action {
        Action::Add(_, Operand::Value(v)) => ("ADD", v.as_ref(), &["N", "SS", "NS", "BS"]),
        Action::Delete(_, Operand::Value(v)) => ("DELETE", v.as_ref(), &["SS", "NS", "BS"]),
        Action::Set(_, operand) => return set_operand(operand),
        _ => return Ok(()),
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
    Ok(())
}

/// A SET value: the literal sides of `+`/`-` must be numbers, of `list_append` lists. An
/// `if_not_exists` is only known once the item is read. (`list_append` takes no `+`/`-` and
/// `+`/`-` take no `list_append`, so this looks two levels deep at most.)
fn set_operand(operand: &Operand) -> Result<(), AwsError> {
    let (function, sides, wanted) = match operand {
        Operand::Arith(a, plus, b) => (if *plus { "+" } else { "-" }, [a, b], "N"),
        Operand::ListAppend(a, b) => ("list_append", [a, b], "L"),
        _ => return Ok(()),
    };
    for side in sides {
        if let Operand::Value(value) = side.as_ref()
            && value.type_name() != wanted
        {
            return Err(operand_type_error(function, value, "UpdateExpression"));
        }
    }
    Ok(())
}
