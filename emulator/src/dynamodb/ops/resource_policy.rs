//! Resource-based policies on tables and their streams: PutResourcePolicy, GetResourcePolicy,
//! DeleteResourcePolicy and CreateTable's `ResourcePolicy`, with revision ids and AWS's
//! errors (the ARN forms, `PolicyNotFoundException`, `ExpectedRevisionId` and `NO_POLICY`).
//!
//! The emulator evaluates no IAM, so a policy is stored and answered, never enforced; its
//! document is checked for AWS's size limit and for being JSON. Sources of the messages:
//! docs/dynamodb-differences.md, "Resource-based policies".

use serde_json::{Value, json};

use crate::dynamodb::table::{State, Table};
use crate::dynamodb::{DynamoDb, input};
use crate::protocol::AwsError;

/// AWS's limit on a policy document, whitespace included.
const MAX_POLICY_BYTES: usize = 20 * 1024;

/// One stored policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub document: String,
    pub revision: String,
}

fn invalid(detail: &str) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

fn not_found_message(detail: &str) -> AwsError {
    AwsError::new(
        400,
        "PolicyNotFoundException",
        format!("Resource-based policy not found for the provided ResourceArn: {detail}"),
    )
}

/// Checks a policy document: at most 20 KB, and JSON.
pub fn check_document(document: &str) -> Result<(), AwsError> {
    if document.len() > MAX_POLICY_BYTES {
        return Err(invalid("Maximum policy size of 20480 bytes exceeded"));
    }
    match serde_json::from_str::<Value>(document) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(invalid(
            "Invalid policy document: This policy contains invalid Json",
        )),
    }
}

/// What a `ResourceArn` names: a table, or one of its streams by label.
struct Target<'a> {
    arn: &'a str,
    table: &'a str,
    stream: Option<&'a str>,
}

/// Reads `ResourceArn` as AWS checks it: `arn:` first, a DynamoDB ARN of this partition,
/// region and account, naming a table or a stream.
fn target<'a>(request: &'a Value, ctx: &crate::Context) -> Result<Target<'a>, AwsError> {
    let arn = input::req_str(request, "ResourceArn")?;
    let Some(rest) = arn.strip_prefix("arn:") else {
        return Err(invalid(&format!("ARNs must start with 'arn:': {arn}")));
    };
    let not_dynamodb = || {
        invalid(&format!(
            "Provided Arn is not a DynamoDB resource arn: {arn}"
        ))
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [partition, service, region, account, resource] = parts.as_slice() else {
        return Err(not_dynamodb());
    };
    if *service != "dynamodb" {
        return Err(not_dynamodb());
    }
    if *partition != "aws" || *region != ctx.region {
        return Err(invalid(&format!("Invalid resource Arn: {arn}")));
    }
    if *account != ctx.account_id {
        return Err(AwsError::validation(
            "This action is only supported by accounts that match the resource owner\u{2019}s account.",
        ));
    }
    let segments: Vec<&str> = resource.split('/').collect();
    match segments.as_slice() {
        ["table", table] => Ok(Target {
            arn,
            table,
            stream: None,
        }),
        ["table", table, "stream", label] => Ok(Target {
            arn,
            table,
            stream: Some(label),
        }),
        ["table", _, "index", ..] => Err(invalid(&format!(
            "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        ))),
        _ => Err(not_dynamodb()),
    }
}

/// The policy slot a target names: the table's, or its stream's.
fn slot<'s>(state: &'s mut State, target: &Target<'_>) -> Result<&'s mut Option<Policy>, AwsError> {
    let table = state.table_mut(target.table).map_err(|_| {
        AwsError::new(
            400,
            "ResourceNotFoundException",
            format!(
                "Requested resource not found: Table: {} not found",
                target.table
            ),
        )
    })?;
    let Some(label) = target.stream else {
        return Ok(&mut table.policy);
    };
    if table.latest_stream_label.as_deref() != Some(label) {
        return Err(AwsError::new(
            400,
            "ResourceNotFoundException",
            format!(
                "Requested resource not found: Stream: {label} not found for Table: {}",
                target.table
            ),
        ));
    }
    Ok(stream_slot(table, label))
}

/// A stream's policy slot, kept as an `Option` beside the table's.
fn stream_slot<'t>(table: &'t mut Table, label: &str) -> &'t mut Option<Policy> {
    table.stream_slots.entry(label.to_owned()).or_insert(None)
}

pub fn get_resource_policy(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let target = target(request, db.context())?;
    let tables = db.handles([target.table]);
    let mut state = tables.write();
    match slot(&mut state, &target)? {
        Some(policy) => Ok(json!({"Policy": policy.document, "RevisionId": policy.revision})),
        None => Err(not_found_message(target.arn)),
    }
}

/// `ExpectedRevisionId` against the slot: `NO_POLICY` asks for none; any other id for exactly
/// the current revision.
fn check_expected(
    expected: Option<&str>,
    current: Option<&Policy>,
    target: &Target<'_>,
) -> Result<(), AwsError> {
    match (expected, current) {
        (Some("NO_POLICY"), Some(policy)) => Err(not_found_message(&format!(
            "Requested policy update expecting none to be present for table {}, but a policy exists with revision id {}.",
            target.table, policy.revision
        ))),
        (Some("NO_POLICY") | None, _) => Ok(()),
        (Some(id), Some(policy)) if id != policy.revision => Err(not_found_message(&format!(
            "Requested update for policy with revision id {id}, but the policy associated to target table {} has revision id {}.",
            target.table, policy.revision
        ))),
        (Some(_), Some(_)) => Ok(()),
        (Some(_), None) => Err(not_found_message(target.arn)),
    }
}

pub fn put_resource_policy(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let ctx = db.context();
    let target = target(request, ctx)?;
    let document = input::req_str(request, "Policy")?;
    let expected = input::opt_str(request, "ExpectedRevisionId")?;
    // Confirms a policy that takes away the caller's own access; the emulator evaluates no IAM,
    // so there is nothing to confirm (read for its type).
    input::opt_bool(request, "ConfirmRemoveSelfResourceAccess")?;
    check_document(document)?;
    let now = ctx.clock.now_epoch_millis();
    let tables = db.handles([target.table]);
    let mut state = tables.write();
    let current = slot(&mut state, &target)?.clone();
    check_expected(expected, current.as_ref(), &target)?;
    if let Some(policy) = current.filter(|p| p.document == document) {
        return Ok(json!({ "RevisionId": policy.revision }));
    }
    let revision = state.store.new_policy_revision(now);
    *slot(&mut state, &target)? = Some(Policy {
        document: document.to_owned(),
        revision: revision.clone(),
    });
    Ok(json!({ "RevisionId": revision }))
}

/// Idempotent: deleting where there is no policy succeeds, unless a revision was expected.
pub fn delete_resource_policy(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let target = target(request, db.context())?;
    let expected = input::opt_str(request, "ExpectedRevisionId")?;
    let tables = db.handles([target.table]);
    let mut state = tables.write();
    let slot = slot(&mut state, &target)?;
    check_expected(
        expected.filter(|e| *e != "NO_POLICY"),
        slot.as_ref(),
        &target,
    )?;
    Ok(match slot.take() {
        Some(policy) => json!({ "RevisionId": policy.revision }),
        None => json!({}),
    })
}
