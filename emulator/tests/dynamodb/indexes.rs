//! Global and local secondary indexes through the SDK: CreateTable/DescribeTable, sparse
//! indexes, projections, pagination keys, and AWS's errors.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    GlobalSecondaryIndex, IndexStatus, KeyType, LocalSecondaryIndex, Projection, ProjectionType,
    ScalarAttributeType, Select,
};

use super::{attr, code_and_message, key, n, put, s, start};

/// `orders`: pk/sk, a GSI `by_status` (status, total; projects `customer`) and an LSI
/// `by_total` (pk, total; keys only).
async fn create_orders(client: &Client) {
    client
        .create_table()
        .table_name("orders")
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", ScalarAttributeType::S))
        .attribute_definitions(attr("sk", ScalarAttributeType::N))
        .attribute_definitions(attr("status", ScalarAttributeType::S))
        .attribute_definitions(attr("total", ScalarAttributeType::N))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_status")
                .key_schema(key("status", KeyType::Hash))
                .key_schema(key("total", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("customer")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_total")
                .key_schema(key("pk", KeyType::Hash))
                .key_schema(key("total", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("table with indexes created");
}

async fn load(client: &Client) {
    for (pk, sk, status, total) in [
        ("c1", "1", Some("NEW"), "30"),
        ("c1", "2", Some("NEW"), "10"),
        ("c1", "3", None, "20"),
        ("c2", "1", Some("NEW"), "20"),
        ("c2", "2", Some("SHIPPED"), "5"),
    ] {
        let mut item = vec![
            ("pk", s(pk)),
            ("sk", n(sk)),
            ("total", n(total)),
            ("customer", s(&format!("cust-{pk}"))),
            ("note", s("not projected")),
        ];
        if let Some(status) = status {
            item.push(("status", s(status)));
        }
        put(client, "orders", &item).await;
    }
}

#[tokio::test]
async fn describe_table_reports_active_indexes() {
    let (emulator, client) = start().await;
    create_orders(&client).await;
    load(&client).await;
    let table = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let gsi = &table.global_secondary_indexes()[0];
    assert_eq!(gsi.index_name(), Some("by_status"));
    assert_eq!(gsi.index_status(), Some(&IndexStatus::Active));
    assert_eq!(
        gsi.item_count(),
        Some(4),
        "the item without status is absent"
    );
    assert!(
        gsi.index_arn()
            .unwrap()
            .ends_with(":table/orders/index/by_status")
    );
    assert!(gsi.index_size_bytes().unwrap() > 0);
    let lsi = &table.local_secondary_indexes()[0];
    assert_eq!(lsi.index_name(), Some("by_total"));
    assert_eq!(lsi.item_count(), Some(5));
    emulator.shutdown().await;
}

#[tokio::test]
async fn gsi_query_is_sparse_projected_and_paginates() {
    let (emulator, client) = start().await;
    create_orders(&client).await;
    load(&client).await;
    let query = || {
        client
            .query()
            .table_name("orders")
            .index_name("by_status")
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":s", s("NEW"))
    };
    let all = query().send().await.unwrap();
    let totals: Vec<&str> = all
        .items()
        .iter()
        .map(|i| i["total"].as_n().unwrap().as_str())
        .collect();
    assert_eq!(totals, ["10", "20", "30"], "ordered by the index sort key");
    let first = &all.items()[0];
    assert!(
        first.contains_key("customer"),
        "INCLUDE attribute projected"
    );
    assert!(
        !first.contains_key("note"),
        "other attributes not projected"
    );
    let page = query().limit(1).send().await.unwrap();
    let last = page.last_evaluated_key().unwrap();
    let mut names: Vec<&str> = last.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        ["pk", "sk", "status", "total"],
        "table key + index key"
    );
    let next = query()
        .limit(1)
        .set_exclusive_start_key(Some(last.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(next.items()[0]["total"], n("20"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn lsi_query_fetches_on_demand_and_gsi_refuses() {
    let (emulator, client) = start().await;
    create_orders(&client).await;
    load(&client).await;
    let lsi = client
        .query()
        .table_name("orders")
        .index_name("by_total")
        .key_condition_expression("pk = :p AND #t >= :t")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":p", s("c1"))
        .expression_attribute_values(":t", n("20"));
    let keys_only = lsi.clone().send().await.unwrap();
    assert_eq!(keys_only.count(), 2);
    assert!(!keys_only.items()[0].contains_key("note"));
    let fetched = lsi
        .clone()
        .select(Select::AllAttributes)
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.items()[0]["note"], s("not projected"));
    let consistent = client
        .query()
        .table_name("orders")
        .index_name("by_status")
        .key_condition_expression("#s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", s("NEW"))
        .consistent_read(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&consistent),
        (
            "ValidationException".to_owned(),
            "Consistent reads are not supported on global secondary indexes".to_owned()
        )
    );
    let missing = client
        .scan()
        .table_name("orders")
        .index_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&missing).1,
        "The table does not have the specified index: nope"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn index_key_types_are_checked_on_write() {
    let (emulator, client) = start().await;
    create_orders(&client).await;
    let err = client
        .put_item()
        .table_name("orders")
        .item("pk", s("c1"))
        .item("sk", n("1"))
        .item("status", n("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: by_status"
    );
    emulator.shutdown().await;
}
