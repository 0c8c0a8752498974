//! Request members that used to be accepted and ignored (issue #11), through the SDK:
//! `ReturnItemCollectionMetrics` on every write, and CreateTable/UpdateTable's table options.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as AV, BillingMode, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, Put, PutRequest, ReturnItemCollectionMetrics,
    ScalarAttributeType, TransactWriteItem, WriteRequest,
};

use super::{code_and_message, create, s, start};

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

/// `coll`: pk/sk with a local index `by_l` (pk, l; all attributes).
async fn create_with_lsi(client: &Client) {
    client
        .create_table()
        .table_name("coll")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .attribute_definitions(attr("l"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_l")
                .key_schema(key("pk", KeyType::Hash))
                .key_schema(key("l", KeyType::Range))
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

fn item(pairs: &[(&str, &str)]) -> HashMap<String, AV> {
    pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect()
}

fn collection_of(pk: &str) -> HashMap<String, AV> {
    item(&[("pk", pk)])
}

#[tokio::test]
async fn single_writes_answer_item_collection_metrics_on_a_table_with_an_lsi() {
    let (_emulator, client) = start().await;
    create_with_lsi(&client).await;
    let size = ReturnItemCollectionMetrics::Size;
    let put = client
        .put_item()
        .table_name("coll")
        .set_item(Some(item(&[("pk", "a"), ("sk", "1"), ("l", "x")])))
        .return_item_collection_metrics(size.clone())
        .send()
        .await
        .unwrap();
    let metrics = put.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("a")));
    assert_eq!(metrics.size_estimate_range_gb(), [0.0, 1.0]);
    let update = client
        .update_item()
        .table_name("coll")
        .set_key(Some(item(&[("pk", "b"), ("sk", "1")])))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", s("z"))
        .return_item_collection_metrics(size.clone())
        .send()
        .await
        .unwrap();
    let metrics = update.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("b")));
    let delete = client
        .delete_item()
        .table_name("coll")
        .set_key(Some(item(&[("pk", "a"), ("sk", "1")])))
        .return_item_collection_metrics(size)
        .send()
        .await
        .unwrap();
    let metrics = delete.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("a")));
    assert_eq!(metrics.size_estimate_range_gb(), [0.0, 1.0]);
    let none = client
        .put_item()
        .table_name("coll")
        .set_item(Some(item(&[("pk", "a"), ("sk", "1")])))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::None)
        .send()
        .await
        .unwrap();
    assert!(none.item_collection_metrics().is_none());
}

#[tokio::test]
async fn a_table_without_an_lsi_answers_no_metrics() {
    let (_emulator, client) = start().await;
    create(&client, "plain", None).await;
    let put = client
        .put_item()
        .table_name("plain")
        .set_item(Some(item(&[("pk", "a")])))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(put.item_collection_metrics().is_none());
}

#[tokio::test]
async fn an_unknown_metrics_value_is_refused_as_aws_refuses_it() {
    let (_emulator, client) = start().await;
    create(&client, "plain", None).await;
    let expected = (
        "ValidationException".to_owned(),
        "1 validation error detected: Value 'BYTES' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]".to_owned(),
    );
    let bad = || ReturnItemCollectionMetrics::from("BYTES");
    let put = client
        .put_item()
        .table_name("plain")
        .set_item(Some(item(&[("pk", "a")])))
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&put), expected);
    let batch = client
        .batch_write_item()
        .request_items("plain", vec![put_request(&[("pk", "a")])])
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&batch), expected);
    let transact = client
        .transact_write_items()
        .transact_items(transact_put("plain", &[("pk", "a")]))
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&transact), expected);
}

fn put_request(pairs: &[(&str, &str)]) -> WriteRequest {
    WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item(pairs)))
                .build()
                .unwrap(),
        )
        .build()
}

fn transact_put(table: &str, pairs: &[(&str, &str)]) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item(pairs)))
                .build()
                .unwrap(),
        )
        .build()
}

/// The per-table map: only the LSI table, one entry per item collection touched.
fn assert_per_table(
    metrics: Option<&HashMap<String, Vec<aws_sdk_dynamodb::types::ItemCollectionMetrics>>>,
) {
    let metrics = metrics.expect("metrics");
    assert_eq!(metrics.keys().collect::<Vec<_>>(), ["coll"]);
    let mut keys: Vec<_> = metrics["coll"]
        .iter()
        .map(|m| m.item_collection_key().unwrap()["pk"].clone())
        .collect();
    keys.sort_by_key(|k| k.as_s().unwrap().clone());
    assert_eq!(keys, [s("c"), s("d")]);
    assert!(
        metrics["coll"]
            .iter()
            .all(|m| m.size_estimate_range_gb() == [0.0, 1.0])
    );
}

#[tokio::test]
async fn batch_and_transaction_answer_metrics_per_table() {
    let (_emulator, client) = start().await;
    create_with_lsi(&client).await;
    create(&client, "plain", None).await;
    let batch = client
        .batch_write_item()
        .request_items(
            "coll",
            vec![
                put_request(&[("pk", "c"), ("sk", "1")]),
                put_request(&[("pk", "c"), ("sk", "2")]),
                put_request(&[("pk", "d"), ("sk", "1")]),
            ],
        )
        .request_items("plain", vec![put_request(&[("pk", "c")])])
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert_per_table(batch.item_collection_metrics());
    let transact = client
        .transact_write_items()
        .transact_items(transact_put("coll", &[("pk", "c"), ("sk", "3")]))
        .transact_items(transact_put("coll", &[("pk", "d"), ("sk", "3")]))
        .transact_items(transact_put("plain", &[("pk", "d")]))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert_per_table(transact.item_collection_metrics());
    let without = client
        .batch_write_item()
        .request_items("coll", vec![put_request(&[("pk", "e"), ("sk", "1")])])
        .send()
        .await
        .unwrap();
    assert!(without.item_collection_metrics().is_none());
}

#[tokio::test]
async fn a_protected_table_cannot_be_deleted_until_protection_is_lifted() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "kept")
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();
    let described = client
        .describe_table()
        .table_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.table().unwrap().deletion_protection_enabled(),
        Some(true)
    );
    let refused = client
        .delete_table()
        .table_name("kept")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&refused),
        (
            "ValidationException".to_owned(),
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.".to_owned()
        )
    );
    let updated = client
        .update_table()
        .table_name("kept")
        .deletion_protection_enabled(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated
            .table_description()
            .unwrap()
            .deletion_protection_enabled(),
        Some(false)
    );
    client
        .delete_table()
        .table_name("kept")
        .send()
        .await
        .expect("deleted once unprotected");
}
