//! DynamoDB: tables, items, the expression languages, and the change stream each table feeds.
//!
//! Layout: [`model`] (attribute values), [`number`], [`table`] (key schema, ordered storage,
//! the service [`table::State`]), [`expr`] (lexer, parser, evaluation), [`ops`] (one module per
//! group of operations), [`streams`] (change logs and the Streams API) and [`store`] (the
//! table registry; one `RwLock` per table, taken in name order — reads run in parallel, writes
//! to different tables too, and a write or transaction holds every table it touches from its
//! first read to its commit, appending its stream records before it lets go).
//!
//! Every operation runs on tokio's blocking pool ([`run_blocking`]): parsing a 4 KB expression,
//! a Scan's 1 MB page or a transaction's 100 actions never occupies an async worker, so other
//! services' requests keep flowing while DynamoDB works. A panic in an operation becomes an
//! `InternalFailure` answer rather than taking the worker down.

pub mod capacity;
pub mod collections;
pub mod expr;
pub mod index;
pub mod input;
pub mod legacy;
pub mod members;
pub mod model;
pub mod number;
pub mod ops;
pub mod store;
pub mod streams;
pub mod table;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

/// The `__type` namespace of DynamoDB (and DynamoDB Streams) errors.
pub const ERROR_NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// A test's hook into a Scan in progress.
#[cfg(test)]
pub(crate) type ScanHook = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub struct DynamoDb {
    ctx: Arc<Context>,
    store: Arc<store::Store>,
    /// Called by Scan while it holds its table (tests pause a Scan there).
    #[cfg(test)]
    pub(crate) during_scan: Arc<std::sync::Mutex<Option<ScanHook>>>,
}

impl DynamoDb {
    /// The DynamoDB service and the Streams API over the same tables.
    pub fn new(ctx: Arc<Context>) -> (Arc<DynamoDb>, Arc<streams::StreamsApi>) {
        let store = Arc::new(store::Store::default());
        (
            Arc::new(DynamoDb {
                ctx: ctx.clone(),
                store: store.clone(),
                #[cfg(test)]
                during_scan: Arc::default(),
            }),
            Arc::new(streams::StreamsApi { ctx, store }),
        )
    }

    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }

    /// The registry, the stream logs and the shared counters.
    pub(crate) fn store(&self) -> &store::Store {
        &self.store
    }

    /// The named tables, looked up (not yet locked): see [`store`] for the lock order.
    pub(crate) fn handles<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> store::Handles<'_> {
        self.store.handles(names)
    }

    /// Runs the test hook a Scan calls while it holds its table.
    pub(crate) fn scan_hook(&self) {
        #[cfg(test)]
        {
            let hook = self.during_scan.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(hook) = hook.clone() {
                hook();
            }
        }
    }
}

#[async_trait]
impl JsonService for DynamoDb {
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        if !input.is_object() {
            return Err(AwsError::serialization(
                "Start of structure or map found where not expected.",
            ));
        }
        let small = is_small(&input);
        if inline(operation, small)
            && let Some(answer) = store::without_waiting(|| ops::dispatch(self, operation, &input))
        {
            return answer;
        }
        let heavy = is_heavy(operation, small);
        let db = self.clone();
        let operation = operation.to_owned();
        let work = move || ops::dispatch(&db, &operation, &input);
        if heavy {
            run_heavy(work).await
        } else {
            run_blocking(work).await
        }
    }
}

/// Whether the request holds at most [`INLINE_INPUT_BYTES`] of text (the walk stops there).
fn is_small(input: &Value) -> bool {
    crate::heavy::text_within(input, &mut INLINE_INPUT_BYTES.clone())
}

/// Whether `operation` may be long enough to hold up other requests: a Scan or Query (each
/// reads up to 1 MB whatever the request), or any request that is not [`is_small`]. Those run
/// on `heavy.rs`'s lower-priority threads; small transactions and batches (the order
/// pipeline's) stay at normal priority.
fn is_heavy(operation: &str, small: bool) -> bool {
    matches!(operation, "Scan" | "Query") || !small
}

/// The most request text (strings, names and numbers) an operation runs with on the request's
/// own task; larger ones go to the blocking pool.
const INLINE_INPUT_BYTES: usize = 8 * 1024;

/// Whether `operation` runs on the request's task (when its table is free at once): a
/// single-item read or write of a request that [`is_small`]. Handing each such operation to the blocking
/// pool and back cost more than the operation — two thread wake-ups per GetItem, most of the
/// emulator's CPU time under load (`perf`; docs/performance.md). Everything that may take
/// long — Scan, Query, batches, transactions, large items or expressions, a table another
/// operation holds — still runs on the pool, so it never stalls the async workers.
fn inline(operation: &str, small: bool) -> bool {
    small
        && matches!(
            operation,
            "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem"
        )
}

/// Runs a DynamoDB (or Streams) operation on tokio's blocking pool; a panic becomes
/// `InternalFailure`. The operation holds its tables' locks from start to commit, so it stays
/// atomic wherever it runs.
pub(crate) async fn run_blocking<F>(operation: F) -> Result<Value, AwsError>
where
    F: FnOnce() -> Result<Value, AwsError> + Send + 'static,
{
    joined(tokio::task::spawn_blocking(operation).await)
}

/// [`run_blocking`] on the heavy pool (`heavy.rs`: threads of lower priority than the
/// request threads), for what [`is_heavy`] says may run long.
async fn run_heavy<F>(operation: F) -> Result<Value, AwsError>
where
    F: FnOnce() -> Result<Value, AwsError> + Send + 'static,
{
    joined(crate::heavy::run(operation).await)
}

fn joined(
    result: Result<Result<Value, AwsError>, tokio::task::JoinError>,
) -> Result<Value, AwsError> {
    match result {
        Ok(result) => result,
        Err(err) => Err(AwsError::internal(if err.is_panic() {
            "The request processing has failed because of an unknown error, exception or failure."
        } else {
            "The request was cancelled."
        })),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::bus::JsonService;
    use crate::heavy::text_within;

    /// Only small single-item operations run inline: the text budget counts strings, keys
    /// and numbers, and stops at the first one over it.
    #[test]
    fn only_small_single_item_requests_run_inline() {
        let get = json!({"TableName": "t", "Key": {"pk": {"S": "a"}}});
        assert!(inline("GetItem", is_small(&get)));
        assert!(!inline("Scan", is_small(&json!({"TableName": "t"}))));
        let big = json!({"TableName": "t", "Item": {"pk": {"S": "x".repeat(INLINE_INPUT_BYTES)}}});
        assert!(!is_small(&big) && !inline("PutItem", is_small(&big)));
        let small = is_small(&get);
        assert!(is_heavy("Scan", small) && is_heavy("Query", small));
        assert!(is_heavy("PutItem", is_small(&big)));
        let transaction = json!({"TransactItems": [{"Put": {"TableName": "t", "Item": {}}}]});
        assert!(!is_heavy("TransactWriteItems", is_small(&transaction)));
        let mut budget = 10;
        assert!(text_within(&json!({"abc": "defg"}), &mut budget));
        assert_eq!(budget, 10 - 1 - 3 - 4);
        assert!(!text_within(&json!(["12345678901"]), &mut 10));
    }

    /// Other services (Step Functions' DynamoDB integration) call with the SDK's JSON shapes
    /// through the bus and get the SDK's answers and errors.
    #[tokio::test]
    async fn other_services_call_with_sdk_json() {
        let (ddb, _) = DynamoDb::new(Arc::new(Context::for_tests()));
        let table = json!({
            "TableName": "orders",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        });
        ddb.call("CreateTable", table).await.unwrap();
        let input = json!({
            "TableName": "orders",
            "Key": {"pk": {"S": "o1"}},
            "UpdateExpression": "SET #s = :s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": {"S": "COMPLETED"}},
            "ReturnValues": "ALL_NEW"
        });
        let output = ddb.call("UpdateItem", input).await.unwrap();
        assert_eq!(
            output,
            json!({"Attributes": {"pk": {"S": "o1"}, "status": {"S": "COMPLETED"}}})
        );
        let put = json!({
            "TableName": "orders",
            "Item": {"pk": {"S": "o1"}},
            "ConditionExpression": "attribute_not_exists(pk)"
        });
        let err = ddb.call("PutItem", put).await.unwrap_err();
        assert_eq!(err.code, "ConditionalCheckFailedException");
    }
}
