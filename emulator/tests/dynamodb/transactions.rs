//! TransactWriteItems, TransactGetItems, BatchWriteItem and BatchGetItem through the SDK.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};

use super::{code_and_message, create, n, put, s, start};

fn decrement(item: &str, qty: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name("inventory")
                .key("pk", s(item))
                .update_expression("SET stock = stock - :q")
                .condition_expression("stock >= :q")
                .expression_attribute_values(":q", n(qty))
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test]
async fn transactions_are_all_or_nothing() {
    let (emulator, client) = start().await;
    create(&client, "inventory", None).await;
    put(&client, "inventory", &[("pk", s("i1")), ("stock", n("5"))]).await;
    put(&client, "inventory", &[("pk", s("i2")), ("stock", n("1"))]).await;
    put(&client, "inventory", &[("pk", s("catalog"))]).await;

    let err = client
        .transact_write_items()
        .transact_items(decrement("i2", "2"))
        .transact_items(decrement("i1", "2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        (
            "TransactionCanceledException".into(),
            "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]".into()
        )
    );
    let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancel) = err.into_service_error() else {
        panic!("expected TransactionCanceledException");
    };
    let codes: Vec<_> = cancel
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes, ["ConditionalCheckFailed", "None"]);
    let stock = |item: &'static str| {
        let client = client.clone();
        async move {
            client
                .get_item()
                .table_name("inventory")
                .key("pk", s(item))
                .send()
                .await
                .unwrap()
                .item()
                .map(|i| i["stock"].clone())
        }
    };
    assert_eq!(stock("i1").await, Some(n("5")), "nothing applied");

    client
        .transact_write_items()
        .transact_items(decrement("i1", "2"))
        .transact_items(decrement("i2", "1"))
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name("inventory")
                        .item("pk", s("i3"))
                        .item("stock", n("9"))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name("inventory")
                        .key("pk", s("catalog"))
                        .condition_expression("attribute_exists(pk)")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stock("i1").await, Some(n("3")));
    assert_eq!(stock("i2").await, Some(n("0")));
    assert_eq!(stock("i3").await, Some(n("9")));

    let err = client
        .transact_write_items()
        .transact_items(decrement("i1", "1"))
        .transact_items(
            TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name("inventory")
                        .key("pk", s("i1"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Transaction request cannot include multiple operations on one item"
    );

    let got = client
        .transact_get_items()
        .transact_items(
            aws_sdk_dynamodb::types::TransactGetItem::builder()
                .get(
                    aws_sdk_dynamodb::types::Get::builder()
                        .table_name("inventory")
                        .key("pk", s("i3"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(got.responses()[0].item().unwrap()["stock"], n("9"));
    emulator.shutdown().await;
}

/// Reads `stock` of inventory item `item`.
async fn stock(client: &aws_sdk_dynamodb::Client, item: &str) -> String {
    let got = client
        .get_item()
        .table_name("inventory")
        .key("pk", s(item))
        .send()
        .await
        .unwrap();
    got.item().unwrap()["stock"].as_n().unwrap().clone()
}

#[tokio::test]
async fn client_request_tokens_make_transactions_idempotent_for_ten_minutes() {
    let (emulator, client) = start().await;
    create(&client, "inventory", None).await;
    put(&client, "inventory", &[("pk", s("i1")), ("stock", n("5"))]).await;
    let send = |qty: &'static str, token: &'static str| {
        client
            .transact_write_items()
            .transact_items(decrement("i1", qty))
            .client_request_token(token)
            .send()
    };
    send("1", "order-1").await.expect("first call commits");
    send("1", "order-1")
        .await
        .expect("identical retry succeeds");
    assert_eq!(stock(&client, "i1").await, "4", "the retry changed nothing");

    let err = send("2", "order-1").await.unwrap_err();
    assert_eq!(
        code_and_message(&err).0,
        "IdempotentParameterMismatchException"
    );

    // A cancelled transaction leaves its token free.
    send("9", "order-2").await.unwrap_err();
    send("1", "order-2").await.expect("the token was not bound");
    assert_eq!(stock(&client, "i1").await, "3");

    emulator
        .clock()
        .advance(std::time::Duration::from_secs(600));
    send("1", "order-1")
        .await
        .expect("after ten minutes: a new request");
    assert_eq!(stock(&client, "i1").await, "2", "it ran again");

    let long = "x".repeat(37);
    let err = client
        .transact_write_items()
        .transact_items(decrement("i1", "1"))
        .client_request_token(long)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ValidationException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn batch_write_and_get() {
    let (emulator, client) = start().await;
    create(&client, "inventory", None).await;
    let requests: Vec<WriteRequest> = (1..=3)
        .map(|i| {
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .item("pk", s(&format!("i{i}")))
                        .item("stock", n(&i.to_string()))
                        .build()
                        .unwrap(),
                )
                .build()
        })
        .collect();
    let out = client
        .batch_write_item()
        .request_items("inventory", requests)
        .send()
        .await
        .unwrap();
    assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
    let keys = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
        .keys(HashMap::from([("pk".to_owned(), s("i1"))]))
        .keys(HashMap::from([("pk".to_owned(), s("i3"))]))
        .keys(HashMap::from([("pk".to_owned(), s("i9"))]))
        .build()
        .unwrap();
    let out = client
        .batch_get_item()
        .request_items("inventory", keys)
        .send()
        .await
        .unwrap();
    let mut stocks: Vec<String> = out.responses().unwrap()["inventory"]
        .iter()
        .map(|i| i["stock"].as_n().unwrap().clone())
        .collect();
    stocks.sort();
    assert_eq!(stocks, ["1", "3"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn concurrent_conditional_decrements_never_oversell() {
    let (emulator, client) = start().await;
    create(&client, "inventory", None).await;
    put(&client, "inventory", &[("pk", s("i1")), ("stock", n("10"))]).await;
    let attempts: Vec<_> = (0..25)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .transact_write_items()
                    .transact_items(decrement("i1", "1"))
                    .send()
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.unwrap());
    }
    assert_eq!(won, 10, "exactly the stock is sold");
    let item = client
        .get_item()
        .table_name("inventory")
        .key("pk", s("i1"))
        .send()
        .await
        .unwrap();
    assert_eq!(item.item().unwrap()["stock"], n("0"));
    emulator.shutdown().await;
}
