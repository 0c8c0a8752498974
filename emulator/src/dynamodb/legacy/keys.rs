//! `KeyConditions`: checked against the key schema of the table or index being read, then
//! translated into a KeyConditionExpression's AST, which Query splits into the partition key
//! value and the sort key condition as it does for an expression.
//!
//! Checks in DynamoDB Local 11.1.0's order: the number of conditions, then the partition key's
//! condition (present, of the schema's type, EQ), then the sort key's (an attribute of the
//! schema, of the schema's type, an indexable operator).

use super::condition::{Condition, Op, to_cond};
use crate::dynamodb::expr::Cond;
use crate::dynamodb::table::{KeyAttr, KeySchema};
use crate::protocol::AwsError;

fn refuse(message: &str) -> AwsError {
    AwsError::validation(message)
}

/// The number of conditions, checked before the schema is known.
pub fn check_count(conditions: &[Condition]) -> Result<(), AwsError> {
    match conditions.len() {
        0 => Err(refuse("Conditions must be at least length 1")),
        1 | 2 => Ok(()),
        _ => Err(refuse("Conditions can be of length 1 or 2 only")),
    }
}

fn missed(attr: &KeyAttr) -> AwsError {
    AwsError::validation(format!(
        "Query condition missed key schema element: {}",
        attr.name
    ))
}

fn check_type(attr: &KeyAttr, condition: &Condition) -> Result<(), AwsError> {
    if condition.values.iter().all(|v| v.type_name() == attr.kind) {
        return Ok(());
    }
    Err(refuse(
        "One or more parameter values were invalid: Condition parameter type does not match schema type",
    ))
}

/// The key conditions as one condition on `schema`'s attributes.
pub fn to_key_cond(schema: &KeySchema, conditions: &[Condition]) -> Result<Cond, AwsError> {
    check_count(conditions)?;
    if schema.range.is_none() && conditions.len() > 1 {
        return Err(refuse("Query key condition not supported"));
    }
    let hash = conditions
        .iter()
        .find(|c| c.name == schema.hash.name)
        .ok_or_else(|| missed(&schema.hash))?;
    check_type(&schema.hash, hash)?;
    match hash.op {
        Op::Null | Op::NotNull => {
            return Err(refuse("Only scalar types can be used as Hash Key values"));
        }
        Op::Eq => {}
        _ => return Err(refuse("Query key condition not supported")),
    }
    let Some(range) = conditions.iter().find(|c| c.name != schema.hash.name) else {
        return Ok(to_cond(hash));
    };
    let range_attr = schema
        .range
        .as_ref()
        .filter(|attr| attr.name == range.name)
        .ok_or_else(|| missed(schema.range.as_ref().unwrap_or(&schema.hash)))?;
    check_type(range_attr, range)?;
    match range.op {
        Op::Null | Op::NotNull => {
            return Err(refuse("Only scalar types can be used as Range Key values"));
        }
        Op::Ne | Op::In | Op::Contains | Op::NotContains => {
            return Err(refuse(
                "Attempted conditional constraint is not an indexable operation",
            ));
        }
        _ => {}
    }
    Ok(Cond::And(Box::new(to_cond(hash)), Box::new(to_cond(range))))
}
