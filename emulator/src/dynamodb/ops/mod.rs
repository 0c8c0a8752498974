//! DynamoDB operations: dispatch by name, and what the write operations share — a request
//! parsed before any lock ([`parsed`]), a write *plan* computed against the locked tables
//! (condition checked) and then committed, which updates storage and appends the stream
//! record while the table is still write-locked.

pub mod batch;
pub mod global_tables;
pub mod gsi_updates;
pub mod idempotency;
pub mod items;
pub mod parsed;
pub mod query;
pub mod resource_policy;
pub mod table_options;
pub mod tables;
pub mod tags;
pub mod transact;
pub mod ttl;

use serde_json::{Map, Value};

use super::DynamoDb;
use super::expr::{Placeholders, parser, update};
use super::input;
use super::model::{Item, item_size, item_to_json};
use super::store;
use super::table::{PrimaryKey, State};
use crate::Context;
use crate::protocol::AwsError;

pub fn dispatch(db: &DynamoDb, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        "CreateTable" => tables::create_table(db, input),
        "DescribeTable" => tables::describe_table(db, input),
        "ListTables" => tables::list_tables(db, input),
        "DeleteTable" => tables::delete_table(db, input),
        "UpdateTable" => tables::update_table(db, input),
        "PutItem" => items::put_item(db, input),
        "GetItem" => items::get_item(db, input),
        "UpdateItem" => items::update_item(db, input),
        "DeleteItem" => items::delete_item(db, input),
        "Query" => query::query(db, input),
        "Scan" => query::scan(db, input),
        "TransactWriteItems" => transact::transact_write_items(db, input),
        "TransactGetItems" => transact::transact_get_items(db, input),
        "BatchWriteItem" => batch::batch_write_item(db, input),
        "BatchGetItem" => batch::batch_get_item(db, input),
        "UpdateTimeToLive" => ttl::update_time_to_live(db, input),
        "DescribeTimeToLive" => ttl::describe_time_to_live(db, input),
        "TagResource" => tags::tag_resource(db, input),
        "UntagResource" => tags::untag_resource(db, input),
        "ListTagsOfResource" => tags::list_tags_of_resource(db, input),
        "PutResourcePolicy" => resource_policy::put_resource_policy(db, input),
        "GetResourcePolicy" => resource_policy::get_resource_policy(db, input),
        "DeleteResourcePolicy" => resource_policy::delete_resource_policy(db, input),
        _ => Err(AwsError::unknown_operation()),
    }
}

/// Why a planned write cannot happen.
#[derive(Debug)]
pub enum WriteError {
    Aws(AwsError),
    /// The ConditionExpression was false; carries the item as it was.
    ConditionFailed(Option<Item>),
}

impl From<AwsError> for WriteError {
    fn from(err: AwsError) -> Self {
        WriteError::Aws(err)
    }
}

/// One write, decided but not yet applied.
#[derive(Debug)]
pub struct WritePlan {
    pub table: String,
    pub key: PrimaryKey,
    pub old: Option<Item>,
    /// `None` deletes. For a ConditionCheck, equal to `old` (no change).
    pub new: Option<Item>,
    /// The document paths an UpdateExpression touched (for UPDATED_OLD / UPDATED_NEW).
    pub updated: Vec<super::expr::Path>,
}

/// Applies a plan: storage, then the stream record if the item really changed. The table is
/// write-locked by `state`, so the record's sequence number and its place in the shard follow
/// the commit order.
pub fn commit(ctx: &Context, state: &mut State, plan: &WritePlan) {
    if plan.old == plan.new {
        return;
    }
    let store = state.store;
    let Ok(table) = state.table_mut(&plan.table) else {
        return;
    };
    match &plan.new {
        Some(item) => table.items.insert(plan.key.clone(), item.clone()),
        None => table.items.remove(&plan.key),
    };
    if !table.stream.as_ref().is_some_and(|s| s.enabled) {
        return;
    }
    let Some((arn, log)) = table
        .latest_stream_arn
        .as_ref()
        .and_then(|a| Some((a.clone(), store.stream(a)?)))
    else {
        return;
    };
    let keys = table.key.key_item(&plan.key);
    let sequence = store.next_sequence();
    store::with_log(&log, |log| {
        log.append(ctx, sequence, &keys, plan.old.as_ref(), plan.new.as_ref())
    });
    // A mapping reading this stream becomes ready to run (on the virtual clock).
    ctx.sched.notify(&arn);
}

/// `ConditionalCheckFailedException`, with the old item when the request asked for it.
pub fn condition_failed(request: &Value, old: Option<&Item>) -> AwsError {
    let err = AwsError::new(
        400,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );
    let wants_item = input::opt_str(request, "ReturnValuesOnConditionCheckFailure")
        .ok()
        .flatten()
        == Some("ALL_OLD");
    match (wants_item, old) {
        (true, Some(item)) => {
            let mut details = Map::new();
            details.insert("Item".to_owned(), item_to_json(item));
            err.with_details(details)
        }
        _ => err,
    }
}

/// Rejects items over DynamoDB's 400 KB limit.
pub fn check_item_size(item: &Item) -> Result<(), AwsError> {
    if item_size(item) > update::MAX_ITEM_BYTES {
        return Err(update::item_too_large());
    }
    Ok(())
}

/// Parses a write's expressions and checks its placeholders without looking at any table:
/// TransactWriteItems does this for every action before reading any key.
pub fn check_expressions(request: &Value) -> Result<(), AwsError> {
    let mut ph = Placeholders::from_input(request)?;
    let mut any = false;
    if let Some(source) = input::opt_str(request, "UpdateExpression")? {
        parser::update(source, &mut ph)?;
        any = true;
    }
    if let Some(source) = input::opt_str(request, "ConditionExpression")? {
        parser::condition(source, "ConditionExpression", &mut ph)?;
        any = true;
    }
    ph.check_all_used(any)
}

/// A single write's first check, before its key: placeholders given without any expression.
/// AWS appends a note for PutItem and DeleteItem when the values are the unused ones.
pub fn check_placeholders_need_expression(
    request: &Value,
    put_or_delete: bool,
) -> Result<(), AwsError> {
    let has_expression = ["UpdateExpression", "ConditionExpression"]
        .iter()
        .any(|m| request.get(*m).is_some_and(|v| !v.is_null()));
    if has_expression {
        return Ok(());
    }
    Placeholders::for_request(request, false)?
        .check_all_used(false)
        .map_err(|mut err| {
            if err.message
                == "ExpressionAttributeValues can only be specified when using expressions"
            {
                err.message.push_str(if put_or_delete {
                    ": ConditionExpression is null"
                } else {
                    ": UpdateExpression and ConditionExpression are null"
                });
            }
            err
        })
}
