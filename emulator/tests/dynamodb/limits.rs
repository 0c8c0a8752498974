//! Size limits through the SDK: the 1 MB Query/Scan page (counted before the filter) and
//! BatchGetItem's 16 MB answer with `UnprocessedKeys`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue as AV, KeysAndAttributes, ScalarAttributeType};

use super::{create, n, put, s, start};

/// `count` items of one partition `p`, each with a `payload` of `bytes` characters.
async fn fill(client: &Client, table: &str, count: usize, bytes: usize) {
    let payload = "x".repeat(bytes);
    for i in 0..count {
        put(
            client,
            table,
            &[
                ("pk", s("p")),
                ("sk", n(&i.to_string())),
                ("payload", s(&payload)),
            ],
        )
        .await;
    }
}

#[tokio::test]
async fn query_and_scan_pages_stop_after_one_megabyte_read() {
    let (emulator, client) = start().await;
    create(&client, "big", Some(("sk", ScalarAttributeType::N))).await;
    fill(&client, "big", 12, 100_000).await;
    let query = || {
        client
            .query()
            .table_name("big")
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s("p"))
    };

    // Ten items are under 1 MiB; the eleventh crosses it and still comes back.
    let first = query().send().await.unwrap();
    assert_eq!(first.count(), 11);
    let last_key = first.last_evaluated_key().cloned().expect("a next page");
    assert_eq!(last_key["sk"], n("10"));
    let second = query()
        .set_exclusive_start_key(Some(last_key))
        .send()
        .await
        .unwrap();
    assert_eq!(second.count(), 1);
    assert!(second.last_evaluated_key().is_none(), "no more items");

    // The megabyte is counted before the filter: nothing matches, the page still stops.
    let filtered = query()
        .filter_expression("attribute_exists(absent_attr)")
        .send()
        .await
        .unwrap();
    assert_eq!((filtered.count(), filtered.scanned_count()), (0, 11));
    assert!(filtered.last_evaluated_key().is_some());

    let scan = client.scan().table_name("big").send().await.unwrap();
    assert_eq!(scan.count(), 11);
    assert!(scan.last_evaluated_key().is_some());
    emulator.shutdown().await;
}

#[tokio::test]
async fn batch_get_returns_at_most_sixteen_megabytes_and_the_rest_as_unprocessed_keys() {
    let (emulator, client) = start().await;
    create(&client, "big", None).await;
    let payload = "x".repeat(300_000);
    let names: Vec<String> = (0..60).map(|i| format!("k{i:02}")).collect();
    for name in &names {
        put(&client, "big", &[("pk", s(name)), ("payload", s(&payload))]).await;
    }
    let keys: Vec<HashMap<String, AV>> = names
        .iter()
        .map(|name| HashMap::from([("pk".to_owned(), s(name))]))
        .collect();
    let request = KeysAndAttributes::builder()
        .set_keys(Some(keys))
        .projection_expression("pk, payload")
        .build()
        .unwrap();
    let answer = client
        .batch_get_item()
        .request_items("big", request)
        .send()
        .await
        .unwrap();
    // 55 items of 300,009 bytes fit in 16 MiB (16,777,216 bytes); a 56th would not.
    let returned = answer.responses().unwrap()["big"].len();
    assert_eq!(returned, 55);
    let rest = answer.unprocessed_keys().unwrap()["big"].clone();
    assert_eq!(rest.keys().len(), 5);
    assert_eq!(rest.projection_expression(), Some("pk, payload"));

    let retry = client
        .batch_get_item()
        .request_items("big", rest)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.responses().unwrap()["big"].len(), 5);
    assert!(retry.unprocessed_keys().unwrap().is_empty());
    emulator.shutdown().await;
}
