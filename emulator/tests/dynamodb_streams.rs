//! DynamoDB Streams through aws-sdk-dynamodbstreams: a record per real change with the
//! configured view type, increasing sequence numbers, and every shard iterator type.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as AV, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodbstreams::types::{OperationType, Record, ShardIteratorType};
use orderlab_emulator::{Config, Emulator};

mod support;

struct Clients {
    ddb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
}

async fn start() -> (Emulator, Clients) {
    let emulator = Emulator::start(Config::default())
        .await
        .expect("emulator starts");
    let config = support::sdk_config(&emulator).await;
    let clients = Clients {
        ddb: aws_sdk_dynamodb::Client::new(&config),
        streams: aws_sdk_dynamodbstreams::Client::new(&config),
    };
    (emulator, clients)
}

/// Creates a stream-enabled table and returns its stream ARN (from DescribeTable).
async fn create(clients: &Clients, name: &str, view: StreamViewType) -> String {
    clients
        .ddb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view.clone())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let table = clients
        .ddb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let label = table.latest_stream_label().unwrap().to_owned();
    let arn = table.latest_stream_arn().unwrap().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:dynamodb:us-east-1:000000000000:table/{name}/stream/{label}")
    );
    assert_eq!(label.len(), "2026-11-25T01:02:03.456".len(), "{label}");
    assert_eq!(
        table.stream_specification().unwrap().stream_view_type(),
        Some(&view)
    );
    arn
}

async fn put(clients: &Clients, table: &str, id: &str, status: &str) {
    clients
        .ddb
        .put_item()
        .table_name(table)
        .item("id", AV::S(id.into()))
        .item("status", AV::S(status.into()))
        .send()
        .await
        .unwrap();
}

async fn shard(clients: &Clients, arn: &str) -> String {
    let description = clients
        .streams
        .describe_stream()
        .stream_arn(arn)
        .send()
        .await
        .unwrap()
        .stream_description
        .unwrap();
    assert_eq!(description.stream_status().unwrap().as_str(), "ENABLED");
    assert_eq!(description.key_schema()[0].attribute_name(), "id");
    assert_eq!(description.shards().len(), 1);
    let shard = &description.shards()[0];
    assert!(
        shard
            .sequence_number_range()
            .and_then(|r| r.starting_sequence_number())
            .is_some()
    );
    shard.shard_id().unwrap().to_owned()
}

async fn iterator(
    clients: &Clients,
    arn: &str,
    kind: ShardIteratorType,
    sequence: Option<&str>,
) -> String {
    let shard_id = shard(clients, arn).await;
    clients
        .streams
        .get_shard_iterator()
        .stream_arn(arn)
        .shard_id(shard_id)
        .shard_iterator_type(kind)
        .set_sequence_number(sequence.map(str::to_owned))
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap()
}

async fn read_all(clients: &Clients, mut iterator: String) -> Vec<Record> {
    let mut records = Vec::new();
    loop {
        let out = clients
            .streams
            .get_records()
            .shard_iterator(iterator)
            .limit(2)
            .send()
            .await
            .unwrap();
        let page = out.records().to_vec();
        iterator = out.next_shard_iterator().unwrap().to_owned();
        if page.is_empty() {
            return records;
        }
        records.extend(page);
    }
}

fn status(
    image: Option<
        &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >,
) -> Option<String> {
    image?.get("status")?.as_s().ok().cloned()
}

#[tokio::test]
async fn every_real_change_is_recorded_in_order() {
    let (emulator, clients) = start().await;
    let arn = create(&clients, "orders", StreamViewType::NewAndOldImages).await;
    put(&clients, "orders", "o1", "PENDING").await;
    put(&clients, "orders", "o1", "PENDING").await; // no change, no record
    put(&clients, "orders", "o1", "COMPLETED").await;
    clients
        .ddb
        .delete_item()
        .table_name("orders")
        .key("id", AV::S("o1".into()))
        .send()
        .await
        .unwrap();
    clients
        .ddb
        .delete_item()
        .table_name("orders")
        .key("id", AV::S("o1".into()))
        .send()
        .await
        .unwrap(); // deleting nothing records nothing

    let start = iterator(&clients, &arn, ShardIteratorType::TrimHorizon, None).await;
    let records = read_all(&clients, start).await;
    let names: Vec<_> = records
        .iter()
        .map(|r| r.event_name().cloned().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            OperationType::Insert,
            OperationType::Modify,
            OperationType::Remove
        ]
    );
    let first = &records[0];
    assert_eq!(first.event_version(), Some("1.1"));
    assert_eq!(first.event_source(), Some("aws:dynamodb"));
    assert_eq!(first.aws_region(), Some("us-east-1"));
    assert!(first.event_id().is_some_and(|id| !id.is_empty()));
    let changes: Vec<_> = records.iter().map(|r| r.dynamodb().unwrap()).collect();
    assert!(changes[0].approximate_creation_date_time().is_some());
    assert_eq!(status(changes[0].new_image()), Some("PENDING".into()));
    assert_eq!(status(changes[0].old_image()), None);
    assert_eq!(status(changes[1].old_image()), Some("PENDING".into()));
    assert_eq!(status(changes[1].new_image()), Some("COMPLETED".into()));
    assert_eq!(status(changes[2].old_image()), Some("COMPLETED".into()));
    assert_eq!(status(changes[2].new_image()), None);
    assert_eq!(changes[2].keys().unwrap()["id"].as_s().unwrap(), "o1");
    let sequences: Vec<u128> = changes
        .iter()
        .map(|c| c.sequence_number().unwrap().parse().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");

    // AT and AFTER a sequence number.
    let second = changes[1].sequence_number().unwrap();
    let at = iterator(
        &clients,
        &arn,
        ShardIteratorType::AtSequenceNumber,
        Some(second),
    )
    .await;
    assert_eq!(read_all(&clients, at).await.len(), 2);
    let after = iterator(
        &clients,
        &arn,
        ShardIteratorType::AfterSequenceNumber,
        Some(second),
    )
    .await;
    assert_eq!(read_all(&clients, after).await.len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn latest_iterator_sees_only_new_records() {
    let (emulator, clients) = start().await;
    let arn = create(&clients, "orders", StreamViewType::NewImage).await;
    put(&clients, "orders", "old", "PENDING").await;
    let latest = iterator(&clients, &arn, ShardIteratorType::Latest, None).await;
    let empty = clients
        .streams
        .get_records()
        .shard_iterator(&latest)
        .send()
        .await
        .unwrap();
    assert!(empty.records().is_empty());
    put(&clients, "orders", "new", "PENDING").await;
    clients
        .ddb
        .update_item()
        .table_name("orders")
        .key("id", AV::S("new".into()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", AV::S("COMPLETED".into()))
        .send()
        .await
        .unwrap();
    let next = empty.next_shard_iterator().unwrap().to_owned();
    let records = read_all(&clients, next).await;
    assert_eq!(records.len(), 2);
    let modify = records[1].dynamodb().unwrap();
    assert_eq!(status(modify.new_image()), Some("COMPLETED".into()));
    assert!(
        modify.old_image().is_none(),
        "NEW_IMAGE carries no old image"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn keys_only_streams_and_transactions() {
    let (emulator, clients) = start().await;
    let arn = create(&clients, "inventory", StreamViewType::KeysOnly).await;
    let update = |id: &str| {
        aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(
                aws_sdk_dynamodb::types::Update::builder()
                    .table_name("inventory")
                    .key("id", AV::S(id.into()))
                    .update_expression("ADD stock :q")
                    .expression_attribute_values(":q", AV::N("3".into()))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    clients
        .ddb
        .transact_write_items()
        .transact_items(update("a"))
        .transact_items(update("b"))
        .send()
        .await
        .unwrap();
    let start = iterator(&clients, &arn, ShardIteratorType::TrimHorizon, None).await;
    let records = read_all(&clients, start).await;
    let keys: Vec<_> = records
        .iter()
        .map(|r| {
            let change = r.dynamodb().unwrap();
            assert!(change.new_image().is_none() && change.old_image().is_none());
            change.keys().unwrap()["id"].as_s().unwrap().clone()
        })
        .collect();
    assert_eq!(keys, ["a", "b"]);

    let listed = clients
        .streams
        .list_streams()
        .table_name("inventory")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.streams().len(), 1);
    assert_eq!(listed.streams()[0].stream_arn(), Some(arn.as_str()));

    let err = clients
        .streams
        .get_records()
        .shard_iterator("garbage")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_dynamodbstreams::error::ProvideErrorMetadata::code(&err),
        Some("ValidationException")
    );
    emulator.shutdown().await;
}
