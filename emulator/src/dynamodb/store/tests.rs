//! The store under concurrency: a Scan held open on one table while other tables (and other
//! readers of the same table) keep answering; transactions locking two tables in opposite
//! request orders; stream records in commit order. A Scan is paused with a hook, so "in
//! progress" is a fact, not a timing; the timeouts only stop a test that would otherwise hang.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

use crate::Context;
use crate::bus::JsonService;
use crate::dynamodb::DynamoDb;

/// How long a test waits before calling a lock-up a failure (never reached when it passes).
const HANG: Duration = Duration::from_secs(60);

async fn call(ddb: &DynamoDb, operation: &str, input: Value) -> Value {
    let clock = &ddb.context().clock;
    match clock.real_timeout(HANG, ddb.call(operation, input)).await {
        Ok(result) => result.unwrap_or_else(|e| panic!("{operation}: {e:?}")),
        Err(_) => panic!("{operation} waited behind another table's operation"),
    }
}

async fn create(ddb: &DynamoDb, name: &str, stream: bool) {
    let mut request = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    if stream {
        request["StreamSpecification"] =
            json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"});
    }
    call(ddb, "CreateTable", request).await;
}

async fn put(ddb: &DynamoDb, table: &str, pk: &str) {
    let item = json!({"TableName": table, "Item": {"pk": {"S": pk}}});
    call(ddb, "PutItem", item).await;
}

fn get(table: &str, pk: &str) -> Value {
    json!({"TableName": table, "Key": {"pk": {"S": pk}}, "ConsistentRead": true})
}

/// Pauses every Scan inside its table's lock: returns (entered, release).
fn pause_scans(ddb: &DynamoDb) -> (mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let hook = move || {
        entered_tx.send(()).ok();
        release_rx.lock().map(|r| r.recv().ok()).ok();
    };
    *ddb.during_scan.lock().unwrap() = Some(Arc::new(hook));
    (entered_rx, release_tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_in_progress_leaves_other_tables_and_readers_answering() {
    let (ddb, _) = DynamoDb::new(Arc::new(Context::for_tests()));
    create(&ddb, "aaa", false).await;
    create(&ddb, "bbb", false).await;
    put(&ddb, "aaa", "a1").await;
    put(&ddb, "bbb", "b1").await;
    let (entered, release) = pause_scans(&ddb);
    let scanner = tokio::spawn({
        let ddb = ddb.clone();
        async move { ddb.call("Scan", json!({"TableName": "aaa"})).await }
    });
    tokio::task::spawn_blocking(move || entered.recv_timeout(HANG))
        .await
        .unwrap()
        .expect("the Scan reached its hook");
    // The Scan on `aaa` now holds `aaa` and cannot finish until released.
    let other = call(&ddb, "GetItem", get("bbb", "b1")).await;
    assert_eq!(other["Item"]["pk"], json!({"S": "b1"}));
    put(&ddb, "bbb", "b2").await;
    let written = call(&ddb, "GetItem", get("bbb", "b2")).await;
    assert_eq!(written["Item"]["pk"], json!({"S": "b2"}));
    // Readers of the scanned table share it.
    let same = call(&ddb, "GetItem", get("aaa", "a1")).await;
    assert_eq!(same["Item"]["pk"], json!({"S": "a1"}));
    let tables = call(&ddb, "ListTables", json!({})).await;
    assert_eq!(tables["TableNames"], json!(["aaa", "bbb"]));
    assert!(!scanner.is_finished(), "the Scan is still paused");
    release.send(()).unwrap();
    let scanned = scanner.await.unwrap().unwrap();
    assert_eq!(scanned["Count"], json!(1));
}

/// A single-item write whose table is busy does not run on the request's task (it would
/// stall the async worker): it falls back to the blocking pool, waits there, and is applied
/// exactly once when the table is free. On a free table it runs inline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_item_write_to_a_busy_table_waits_off_the_workers_and_applies_once() {
    let (ddb, _) = DynamoDb::new(Arc::new(Context::for_tests()));
    create(&ddb, "aaa", false).await;
    put(&ddb, "aaa", "a1").await;
    let free = super::without_waiting(|| {
        crate::dynamodb::ops::dispatch(&ddb, "GetItem", &get("aaa", "a1"))
    });
    assert_eq!(free.unwrap().unwrap()["Item"]["pk"], json!({"S": "a1"}));

    let (entered, release) = pause_scans(&ddb);
    let scanner = tokio::spawn({
        let ddb = ddb.clone();
        async move { ddb.call("Scan", json!({"TableName": "aaa"})).await }
    });
    tokio::task::spawn_blocking(move || entered.recv_timeout(HANG))
        .await
        .unwrap()
        .expect("the Scan reached its hook");
    let add = json!({"TableName": "aaa", "Key": {"pk": {"S": "n"}},
                     "UpdateExpression": "ADD c :one",
                     "ExpressionAttributeValues": {":one": {"N": "1"}}});
    // Under the Scan's shared lock the write cannot take the table at once.
    let busy = super::without_waiting(|| crate::dynamodb::ops::dispatch(&ddb, "UpdateItem", &add));
    assert!(busy.is_none(), "a busy table is not waited for inline");
    let writer = tokio::spawn({
        let ddb = ddb.clone();
        async move { ddb.call("UpdateItem", add).await }
    });
    // Both async workers stay free while the write waits: another table's work answers.
    create(&ddb, "bbb", false).await;
    put(&ddb, "bbb", "b1").await;
    assert!(!writer.is_finished(), "the write waits for the Scan");
    release.send(()).unwrap();
    scanner.await.unwrap().unwrap();
    writer.await.unwrap().unwrap();
    let counted = call(&ddb, "GetItem", get("aaa", "n")).await;
    assert_eq!(
        counted["Item"]["c"],
        json!({"N": "1"}),
        "applied exactly once"
    );
}

/// One transaction adding 1 to `aaa` and -1 to `bbb`, listing `bbb` first when `b_first`.
fn transfer(b_first: bool) -> Value {
    let update = |table: &str, delta: &str| {
        json!({"Update": {
            "TableName": table,
            "Key": {"pk": {"S": "acct"}},
            "UpdateExpression": "ADD n :d",
            "ExpressionAttributeValues": {":d": {"N": delta}}
        }})
    };
    let (a, b) = (update("aaa", "1"), update("bbb", "-1"));
    let items = if b_first { vec![b, a] } else { vec![a, b] };
    json!({ "TransactItems": items })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_over_two_tables_in_either_order_stay_atomic() {
    let (ddb, _) = DynamoDb::new(Arc::new(Context::for_tests()));
    create(&ddb, "aaa", false).await;
    create(&ddb, "bbb", false).await;
    let mut tasks = Vec::new();
    for task in 0..8 {
        let ddb = ddb.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..25 {
                call(
                    &ddb,
                    "TransactWriteItems",
                    transfer((task + round) % 2 == 0),
                )
                .await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let a = call(&ddb, "GetItem", get("aaa", "acct")).await;
    let b = call(&ddb, "GetItem", get("bbb", "acct")).await;
    assert_eq!(a["Item"]["n"], json!({"N": "200"}));
    assert_eq!(b["Item"]["n"], json!({"N": "-200"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_reach_the_stream_in_commit_order() {
    let (ddb, streams) = DynamoDb::new(Arc::new(Context::for_tests()));
    create(&ddb, "sss", true).await;
    create(&ddb, "other", true).await;
    let mut tasks = Vec::new();
    for task in 0..8 {
        let ddb = ddb.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                let add = json!({
                    "TableName": if task % 2 == 0 { "sss" } else { "other" },
                    "Key": {"pk": {"S": "counter"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}
                });
                call(&ddb, "UpdateItem", add).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let described = call(&ddb, "DescribeTable", json!({"TableName": "sss"})).await;
    let arn = described["Table"]["LatestStreamArn"].clone();
    let stream = streams
        .call("DescribeStream", json!({"StreamArn": arn}))
        .await
        .unwrap();
    let shard = stream["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let iterator = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"});
    let iterator = streams.call("GetShardIterator", iterator).await.unwrap();
    let records = streams
        .call(
            "GetRecords",
            json!({"ShardIterator": iterator["ShardIterator"]}),
        )
        .await
        .unwrap();
    let records = records["Records"].as_array().unwrap();
    // Each record's image counts up by one, and sequence numbers only grow: commit order.
    let counts: Vec<String> = records
        .iter()
        .map(|r| {
            r["dynamodb"]["NewImage"]["n"]["N"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (1..=100).map(|n: u32| n.to_string()).collect();
    assert_eq!(counts, expected);
    let sequences: Vec<&str> = records
        .iter()
        .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_a_deleted_table_is_not_found() {
    let (ddb, _) = DynamoDb::new(Arc::new(Context::for_tests()));
    create(&ddb, "gone", false).await;
    // Looked up, then deleted before it is locked: the handle sees the table gone.
    let handles = ddb.handles(["gone"]);
    call(&ddb, "DeleteTable", json!({"TableName": "gone"})).await;
    assert!(handles.write().table_mut("gone").is_err());
    let err = ddb
        .call(
            "PutItem",
            json!({"TableName": "gone", "Item": {"pk": {"S": "x"}}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "ResourceNotFoundException");
}
