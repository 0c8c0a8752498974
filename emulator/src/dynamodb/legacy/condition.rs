//! Legacy conditions: the `Condition` of `KeyConditions`, `QueryFilter` and `ScanFilter`, and
//! the `ExpectedAttributeValue` of `Expected`, validated as AWS validates them and translated
//! into the expression AST.
//!
//! Checks per condition, in DynamoDB Local 11.1.0's order (the messages are also dynalite's,
//! `validateConditions` / `validateAttributeConditions`, which checks the types the other way
//! round): the `ComparisonOperator`'s argument count, then each value's type against the
//! operator, then every value of one type, then BETWEEN's bounds. `Expected` first checks how
//! Value, Exists, ComparisonOperator and AttributeValueList combine.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::dynamodb::expr::eval::order;
use crate::dynamodb::expr::{CmpOp, Cond, Elem, Operand, Path};
use crate::dynamodb::model::{AttrValue, VALUE_NESTING};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// A `ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    NotNull,
    Null,
    Contains,
    NotContains,
    BeginsWith,
    In,
    Between,
}

const OPERATORS: [(&str, Op); 13] = [
    ("EQ", Op::Eq),
    ("NE", Op::Ne),
    ("IN", Op::In),
    ("LE", Op::Le),
    ("LT", Op::Lt),
    ("GE", Op::Ge),
    ("GT", Op::Gt),
    ("BETWEEN", Op::Between),
    ("NOT_NULL", Op::NotNull),
    ("NULL", Op::Null),
    ("CONTAINS", Op::Contains),
    ("NOT_CONTAINS", Op::NotContains),
    ("BEGINS_WITH", Op::BeginsWith),
];

impl Op {
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(name, _)| name)
    }

    /// Whether `count` values suit the operator.
    fn takes(self, count: usize) -> bool {
        match self {
            Op::Null | Op::NotNull => count == 0,
            Op::In => count >= 1,
            Op::Between => count == 2,
            _ => count == 1,
        }
    }

    /// Whether the operator accepts a value of this type.
    fn accepts(self, value: &AttrValue) -> bool {
        let scalar = matches!(value, AttrValue::S(_) | AttrValue::N(_) | AttrValue::B(_));
        match self {
            Op::Eq | Op::Ne => true,
            Op::BeginsWith => matches!(value, AttrValue::S(_) | AttrValue::B(_)),
            Op::Contains | Op::NotContains => {
                scalar || matches!(value, AttrValue::Bool(_) | AttrValue::Null)
            }
            _ => scalar,
        }
    }
}

/// One legacy condition on a top-level attribute.
#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub op: Op,
    pub values: Vec<AttrValue>,
}

fn invalid(detail: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

/// The `ComparisonOperator` member, with AWS's constraint messages.
fn operator(members: &Members<'_>) -> Result<Option<Op>, AwsError> {
    let names: Vec<&str> = OPERATORS.iter().map(|(name, _)| *name).collect();
    let name = members.enumeration("ComparisonOperator", &names)?;
    Ok(name.and_then(|name| {
        OPERATORS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, op)| *op)
    }))
}

fn values(members: &Members<'_>) -> Result<Option<Vec<AttrValue>>, AwsError> {
    members
        .array("AttributeValueList")?
        .map(|list| {
            list.iter()
                .map(|v| AttrValue::from_json_nested(v, VALUE_NESTING))
                .collect()
        })
        .transpose()
}

/// The operator's argument count, one type for all values, the type, BETWEEN's bounds.
fn check(condition: &Condition) -> Result<(), AwsError> {
    let op = condition.op;
    if !op.takes(condition.values.len()) {
        return Err(invalid(format!(
            "Invalid number of argument(s) for the {} ComparisonOperator",
            op.name()
        )));
    }
    if let Some(value) = condition.values.iter().find(|v| !op.accepts(v)) {
        return Err(invalid(format!(
            "ComparisonOperator {} is not valid for {} AttributeValue type",
            op.name(),
            value.type_name()
        )));
    }
    let mut types = condition.values.iter().map(AttrValue::type_name);
    if let Some(first) = types.next()
        && types.any(|t| t != first)
    {
        return Err(invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    if let (Op::Between, [low, high]) = (op, condition.values.as_slice())
        && order(low, high) == Some(std::cmp::Ordering::Greater)
    {
        return Err(AwsError::validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ));
    }
    Ok(())
}

/// A map of `Condition`s (`KeyConditions`, `QueryFilter`, `ScanFilter`), validated.
/// `None` when the member is absent.
pub fn conditions(request: &Value, member: &str) -> Result<Option<Vec<Condition>>, AwsError> {
    let parsed = read(request, member)?;
    check_all(parsed.as_deref().unwrap_or_default())?;
    Ok(parsed)
}

/// A map of `Condition`s read but not yet validated: shapes and the operator's enum only,
/// which DynamoDB checks before placeholders.
pub fn read(request: &Value, member: &str) -> Result<Option<Vec<Condition>>, AwsError> {
    Members::of(request)
        .object(member)?
        .map(|map| read_conditions(map, member))
        .transpose()
}

/// Validates conditions [`read`] before.
pub fn check_all(conditions: &[Condition]) -> Result<(), AwsError> {
    conditions.iter().try_for_each(check)
}

/// Shapes and constraints first, for every entry, as AWS's request validation does.
fn read_conditions(map: &Map<String, Value>, member: &str) -> Result<Vec<Condition>, AwsError> {
    let parent = crate::protocol::error::lower_camel(member);
    let mut parsed = Vec::with_capacity(map.len());
    for (name, body) in map {
        let prefix = format!("{parent}.{name}.member");
        let members = Members::of(body).within(body, prefix.as_str());
        if body.as_object().is_none() {
            return Err(AwsError::serialization(
                "Unexpected token received from parser",
            ));
        }
        let op = operator(&members)?.ok_or_else(|| members.missing("ComparisonOperator"))?;
        parsed.push(Condition {
            name: name.clone(),
            op,
            values: values(&members)?.unwrap_or_default(),
        });
    }
    Ok(parsed)
}

/// `Expected`'s shapes and operators, the checks DynamoDB makes before placeholders.
pub fn expected_shapes(request: &Value) -> Result<(), AwsError> {
    let Some(map) = Members::of(request).object("Expected")? else {
        return Ok(());
    };
    for (name, body) in map {
        let prefix = format!("expected.{name}.member");
        let members = Members::of(body).within(body, prefix.as_str());
        if body.as_object().is_none() {
            return Err(AwsError::serialization(
                "Unexpected token received from parser",
            ));
        }
        operator(&members)?;
        members.bool("Exists")?;
        values(&members)?;
    }
    Ok(())
}

/// `Expected`, validated: `None` when absent, and an empty list for `{}`.
pub fn expected(request: &Value) -> Result<Option<Vec<Condition>>, AwsError> {
    let Some(map) = Members::of(request).object("Expected")? else {
        return Ok(None);
    };
    let mut parsed = Vec::with_capacity(map.len());
    for (name, body) in map {
        let prefix = format!("expected.{name}.member");
        let members = Members::of(body).within(body, prefix.as_str());
        if body.as_object().is_none() {
            return Err(AwsError::serialization(
                "Unexpected token received from parser",
            ));
        }
        parsed.push(expected_entry(name, &members)?);
    }
    Ok(Some(parsed))
}

fn expected_entry(name: &str, members: &Members<'_>) -> Result<Condition, AwsError> {
    let op = operator(members)?;
    let exists = members.bool("Exists")?;
    let list = values(members)?;
    let value = members
        .value("Value")
        .map(|v| AttrValue::from_json_nested(v, VALUE_NESTING))
        .transpose()?;
    let for_attribute = |what: &str| invalid(format!("{what} for Attribute: {name}"));
    if list.is_some() && value.is_some() {
        return Err(for_attribute(
            "Value and AttributeValueList cannot be used together",
        ));
    }
    let condition = match (op, list, value) {
        (Some(_), _, _) if exists.is_some() => {
            return Err(for_attribute(
                "Exists and ComparisonOperator cannot be used together",
            ));
        }
        (Some(op), None, None) if !matches!(op, Op::Null | Op::NotNull) => {
            return Err(for_attribute(&format!(
                "Value or AttributeValueList must be used with ComparisonOperator: {}",
                op.name()
            )));
        }
        (Some(op), list, value) => Condition {
            name: name.to_owned(),
            op,
            values: list.or_else(|| value.map(|v| vec![v])).unwrap_or_default(),
        },
        (None, Some(_), _) => {
            return Err(for_attribute(
                "AttributeValueList can only be used with a ComparisonOperator",
            ));
        }
        (None, None, value) => exists_condition(name, exists, value, &for_attribute)?,
    };
    check(&condition)?;
    Ok(condition)
}

/// `Exists` with or without `Value`: equality, or absence.
fn exists_condition(
    name: &str,
    exists: Option<bool>,
    value: Option<AttrValue>,
    for_attribute: &dyn Fn(&str) -> AwsError,
) -> Result<Condition, AwsError> {
    let (op, values) = match (exists, value) {
        (Some(false), None) => (Op::Null, Vec::new()),
        (Some(false), Some(_)) => {
            return Err(for_attribute("Value cannot be used when Exists is false"));
        }
        (_, Some(value)) => (Op::Eq, vec![value]),
        (exists, None) => {
            let shown = if exists.is_some() { "true" } else { "null" };
            return Err(for_attribute(&format!(
                "Value must be provided when Exists is {shown}"
            )));
        }
    };
    Ok(Condition {
        name: name.to_owned(),
        op,
        values,
    })
}

fn attribute(name: &str) -> Path {
    Path(vec![Elem::Attr(name.to_owned())])
}

fn literal(value: &AttrValue) -> Operand {
    Operand::Value(Arc::new(value.clone()))
}

/// One condition as an expression.
pub fn to_cond(condition: &Condition) -> Cond {
    let path = || Operand::Path(attribute(&condition.name));
    let first = || {
        condition
            .values
            .first()
            .map_or(Operand::Value(Arc::new(AttrValue::Null)), literal)
    };
    let compare = |op: CmpOp| Cond::Compare(path(), op, first());
    match condition.op {
        Op::Eq => compare(CmpOp::Eq),
        Op::Ne => compare(CmpOp::Ne),
        Op::Le => compare(CmpOp::Le),
        Op::Lt => compare(CmpOp::Lt),
        Op::Ge => compare(CmpOp::Ge),
        Op::Gt => compare(CmpOp::Gt),
        Op::NotNull => Cond::Exists(attribute(&condition.name)),
        Op::Null => Cond::NotExists(attribute(&condition.name)),
        Op::Contains => Cond::Contains(path(), first()),
        // A missing attribute does not "not contain": NOT_CONTAINS needs the attribute.
        Op::NotContains => Cond::And(
            Box::new(Cond::Exists(attribute(&condition.name))),
            Box::new(Cond::Not(Box::new(Cond::Contains(path(), first())))),
        ),
        Op::BeginsWith => Cond::BeginsWith(path(), first()),
        Op::In => Cond::In(path(), condition.values.iter().map(literal).collect()),
        Op::Between => {
            let bound = |i: usize| condition.values.get(i).map_or(first(), literal);
            Cond::Between(path(), bound(0), bound(1))
        }
    }
}

/// Conditions joined by AND (or OR): `None` when there are none. The tree is balanced, so
/// however many conditions a request holds, walking or dropping it stays shallow.
pub fn join(conditions: &[Condition], or: bool) -> Option<Cond> {
    let mut level: Vec<Cond> = conditions.iter().map(to_cond).collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut items = level.into_iter();
        while let Some(a) = items.next() {
            next.push(match items.next() {
                Some(b) if or => Cond::Or(Box::new(a), Box::new(b)),
                Some(b) => Cond::And(Box::new(a), Box::new(b)),
                None => a,
            });
        }
        level = next;
    }
    level.pop()
}

/// A legacy filter or `Expected` with its `ConditionalOperator`, as one condition.
pub fn combined(
    request: &Value,
    conditions: Option<&[Condition]>,
) -> Result<Option<Cond>, AwsError> {
    let conditions = conditions.unwrap_or_default();
    let or = super::conditional_operator(request, conditions.len())?;
    Ok(join(conditions, or))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dynamodb::expr::eval;
    use crate::dynamodb::model::Item;

    fn item() -> Item {
        let mut item = Item::new();
        item.insert(
            "n".into(),
            AttrValue::N(crate::dynamodb::model::Number::parse("5").unwrap()),
        );
        item.insert("s".into(), AttrValue::S("hello".into()));
        item
    }

    fn holds(filter: Value) -> bool {
        let request = json!({ "ScanFilter": filter });
        let conditions = conditions(&request, "ScanFilter").unwrap().unwrap();
        let cond = join(&conditions, false).unwrap();
        eval::condition(&item(), &cond, "FilterExpression").unwrap()
    }

    #[test]
    fn every_operator_evaluates_as_aws_documents() {
        let one = |op: &str, v: Value| json!({"n": {"ComparisonOperator": op, "AttributeValueList": [v]}});
        assert!(holds(one("EQ", json!({"N": "5"}))));
        assert!(!holds(one("NE", json!({"N": "5"}))));
        assert!(holds(one("GE", json!({"N": "5"}))));
        assert!(!holds(one("GT", json!({"N": "5"}))));
        assert!(holds(one("LE", json!({"N": "5"}))));
        assert!(!holds(one("LT", json!({"N": "5"}))));
        assert!(
            !holds(one("GT", json!({"S": "1"}))),
            "another type never orders"
        );
        assert!(holds(
            json!({"zz": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]}})
        ));
        assert!(holds(json!({"zz": {"ComparisonOperator": "NULL"}})));
        assert!(holds(json!({"n": {"ComparisonOperator": "NOT_NULL"}})));
        assert!(holds(
            json!({"s": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "ell"}]}})
        ));
        assert!(!holds(
            json!({"zz": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "q"}]}})
        ));
        assert!(holds(
            json!({"s": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "q"}]}})
        ));
        assert!(holds(
            json!({"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}})
        ));
        assert!(holds(
            json!({"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}})
        ));
        assert!(holds(
            json!({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}})
        ));
    }

    #[test]
    fn argument_counts_and_types_are_refused_with_aws_messages() {
        let err = |filter: Value| {
            conditions(&json!({ "ScanFilter": filter }), "ScanFilter")
                .unwrap_err()
                .message
        };
        assert_eq!(
            err(json!({"n": {"ComparisonOperator": "EQ"}})),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"
        );
        assert_eq!(
            err(
                json!({"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "5"}, {"S": "x"}]}})
            ),
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
        );
        assert_eq!(
            err(json!({"n": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["5"]}]}})),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type"
        );
        assert_eq!(
            err(
                json!({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "7"}, {"N": "5"}]}})
            ),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        );
        assert!(err(json!({"n": {"AttributeValueList": []}})).contains("Member must not be null"));
    }

    #[test]
    fn many_conditions_make_a_shallow_tree() {
        let conditions: Vec<Condition> = (0..100_000)
            .map(|i| Condition {
                name: format!("a{i}"),
                op: Op::NotNull,
                values: Vec::new(),
            })
            .collect();
        let cond = join(&conditions, true).unwrap();
        assert!(!eval::condition(&Item::new(), &cond, "FilterExpression").unwrap());
    }
}
