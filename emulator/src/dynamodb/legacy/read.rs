//! The legacy members of a Query or Scan — `KeyConditions`, `QueryFilter` / `ScanFilter` and
//! `ConditionalOperator` — read before the store lock, and the checks that need the key
//! schema of the table or index being read.

use serde_json::Value;

use super::condition::{self, Condition};
use super::{QUERY, SCAN, check_mixing, keys};
use crate::dynamodb::expr::Cond;
use crate::dynamodb::table::KeySchema;
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// A Query's or Scan's legacy members, parsed.
#[derive(Debug)]
pub struct LegacyRead {
    pub key_conditions: Option<Vec<Condition>>,
    /// `QueryFilter` / `ScanFilter` with `ConditionalOperator`, as one condition; an error is
    /// kept, as a Query reports it only after its key conditions.
    pub filter: Result<Option<Cond>, AwsError>,
    filter_names: Vec<String>,
}

fn nonempty(request: &Value, member: &str) -> bool {
    Members::of(request)
        .value(member)
        .is_some_and(|v| v.as_object().is_none_or(|m| !m.is_empty()))
}

impl LegacyRead {
    pub fn parse(request: &Value, is_query: bool) -> Result<LegacyRead, AwsError> {
        check_mixing(request, if is_query { &QUERY } else { &SCAN })?;
        let key_conditions = if is_query {
            condition::read(request, "KeyConditions")?
        } else {
            None
        };
        let member = if is_query {
            "QueryFilter"
        } else {
            "ScanFilter"
        };
        let (filter, filter_names) = match condition::conditions(request, member) {
            Ok(conditions) => {
                let names = conditions
                    .iter()
                    .flatten()
                    .map(|c| c.name.clone())
                    .collect();
                (condition::combined(request, conditions.as_deref()), names)
            }
            Err(err) => (Err(err), Vec::new()),
        };
        Ok(LegacyRead {
            key_conditions,
            filter,
            filter_names,
        })
    }

    /// A Query's checks after its members are read: placeholders without an expression to
    /// be used in (for a Query by `KeyConditions`), then the key conditions' own rules.
    pub fn check_query(&self, request: &Value) -> Result<(), AwsError> {
        self.check_placeholders(request)?;
        let Some(conditions) = self.key_conditions.as_deref() else {
            return Ok(());
        };
        condition::check_all(conditions)?;
        keys::check_count(conditions)
    }

    fn check_placeholders(&self, request: &Value) -> Result<(), AwsError> {
        let given = |member: &str| Members::of(request).value(member).is_some();
        if self.key_conditions.is_none() || given("KeyConditionExpression") {
            return Ok(());
        }
        if !given("FilterExpression")
            && !given("ProjectionExpression")
            && nonempty(request, "ExpressionAttributeNames")
        {
            return Err(AwsError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        if !given("FilterExpression") && nonempty(request, "ExpressionAttributeValues") {
            return Err(AwsError::validation(
                "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null",
            ));
        }
        Ok(())
    }

    /// A QueryFilter may not name a key attribute of what the Query reads (the partition key
    /// reported before the sort key).
    pub fn check_filter_keys(&self, schema: &KeySchema) -> Result<(), AwsError> {
        let key = schema
            .attrs()
            .map(|a| &a.name)
            .find(|k| self.filter_names.contains(k));
        match key {
            Some(key) => Err(AwsError::validation(format!(
                "QueryFilter can only contain non-primary key attributes: Primary key attribute: {key}"
            ))),
            None => Ok(()),
        }
    }

    /// The key conditions as a KeyConditionExpression's AST, for `schema`.
    pub fn key_cond(&self, schema: &KeySchema) -> Result<Option<Cond>, AwsError> {
        self.key_conditions
            .as_deref()
            .map(|conditions| keys::to_key_cond(schema, conditions))
            .transpose()
    }
}
