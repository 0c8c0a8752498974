//! ConsumedCapacity through the SDK: units per 4 KB read (half when eventually consistent),
//! per 1 KB written, doubled in transactions, summed over a Query's bytes, and the `TOTAL` /
//! `INDEXES` shapes with the index breakdown. Numbers as DynamoDB Local 3.3.1 answers them.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    BillingMode, ConsumedCapacity, GlobalSecondaryIndex, KeyType, KeysAndAttributes, Projection,
    ProjectionType, Put, ReturnConsumedCapacity, ScalarAttributeType, TransactWriteItem,
};

use super::{attr, key, n, s, start};

async fn create(client: &Client) {
    client
        .create_table()
        .table_name("cap")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gix")
                .key_schema(key("g", KeyType::Hash))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

fn units(c: Option<&ConsumedCapacity>) -> f64 {
    c.and_then(ConsumedCapacity::capacity_units)
        .expect("capacity units")
}

#[tokio::test]
async fn single_item_operations_count_units_per_item_size() {
    let (_emulator, client) = start().await;
    create(&client).await;
    let big = "x".repeat(5000);
    let put = client
        .put_item()
        .table_name("cap")
        .item("pk", s("a"))
        .item("g", s("G"))
        .item("d", s(&big))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    // 5 KB: 5 write units for the table and 5 for the GSI that projects it all.
    let consumed = put.consumed_capacity().unwrap();
    assert_eq!(consumed.capacity_units(), Some(10.0));
    assert_eq!(consumed.table().and_then(|t| t.capacity_units()), Some(5.0));
    let gsi = consumed.global_secondary_indexes().unwrap();
    assert_eq!(gsi["gix"].capacity_units(), Some(5.0));
    let get = |consistent| {
        client
            .get_item()
            .table_name("cap")
            .key("pk", s("a"))
            .consistent_read(consistent)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
    };
    // 5 KB read: 2 units strongly consistent, 1 eventually.
    assert_eq!(units(get(true).await.unwrap().consumed_capacity()), 2.0);
    let eventual = get(false).await.unwrap();
    assert_eq!(units(eventual.consumed_capacity()), 1.0);
    assert!(
        eventual.consumed_capacity().unwrap().table().is_none(),
        "TOTAL has no breakdown"
    );
    let query = client
        .query()
        .table_name("cap")
        .index_name("gix")
        .key_condition_expression("g = :g")
        .expression_attribute_values(":g", s("G"))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let consumed = query.consumed_capacity().unwrap();
    assert_eq!(consumed.capacity_units(), Some(1.0));
    assert_eq!(consumed.table().and_then(|t| t.capacity_units()), Some(0.0));
}

#[tokio::test]
async fn batches_and_transactions_list_a_table_each() {
    let (_emulator, client) = start().await;
    create(&client).await;
    client
        .put_item()
        .table_name("cap")
        .item("pk", s("a"))
        .item("d", s(&"x".repeat(5000)))
        .send()
        .await
        .unwrap();
    let keys = KeysAndAttributes::builder()
        .keys([("pk".to_owned(), s("a"))].into_iter().collect())
        .keys([("pk".to_owned(), s("missing"))].into_iter().collect())
        .build()
        .unwrap();
    let batch = client
        .batch_get_item()
        .request_items("cap", keys)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    // Each key rounded on its own: 1 + 0.5.
    assert_eq!(batch.consumed_capacity().len(), 1);
    assert_eq!(batch.consumed_capacity()[0].capacity_units(), Some(1.5));
    let put = Put::builder()
        .table_name("cap")
        .item("pk", s("b"))
        .item("n", n("1"))
        .build()
        .unwrap();
    let transaction = client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put).build())
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(
        transaction.consumed_capacity()[0].capacity_units(),
        Some(2.0)
    );
    let bad = client
        .get_item()
        .table_name("cap")
        .key("pk", s("a"))
        .return_consumed_capacity(ReturnConsumedCapacity::from("BAD"))
        .send()
        .await;
    assert!(bad.is_err(), "an unknown ReturnConsumedCapacity is refused");
}
