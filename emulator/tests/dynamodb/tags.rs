//! The DynamoDB control plane through the SDK: resource tags (TagResource, UntagResource,
//! ListTagsOfResource pagination, CreateTable `Tags`) and UpdateTable creating and deleting a
//! GSI, with AWS's errors. DynamoDB Local does not support tagging, so tags are tested here only.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, Tag,
};

use super::{code_and_message, create, create_request, n, put, s, start};

const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/tagged";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

async fn list_all(client: &Client, arn: &str) -> (Vec<(String, String)>, usize) {
    let mut tags = Vec::new();
    let mut pages = 0;
    let mut token = None;
    loop {
        let page = client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .expect("tags listed");
        pages += 1;
        tags.extend(
            page.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned())),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return (tags, pages);
        }
    }
}

async fn tag_error(client: &Client, arn: &str, tags: Vec<Tag>) -> (String, String) {
    let err = client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .expect_err("tagging refused");
    code_and_message(&err)
}

#[tokio::test]
async fn tags_are_added_overwritten_removed_and_paginated() {
    let (emulator, client) = start().await;
    create(&client, "tagged", None).await;
    let (tags, _) = list_all(&client, ARN).await;
    assert!(tags.is_empty());

    let many: Vec<Tag> = (0..25)
        .map(|i| tag(&format!("k{i:02}"), &format!("v{i}")))
        .collect();
    client
        .tag_resource()
        .resource_arn(ARN)
        .set_tags(Some(many))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource_arn(ARN)
        .tags(tag("k00", "changed"))
        .tags(tag("empty", ""))
        .send()
        .await
        .unwrap();
    let (tags, pages) = list_all(&client, ARN).await;
    assert_eq!(tags.len(), 26);
    assert!(pages > 1, "26 tags come in more than one page");
    assert!(tags.contains(&("k00".to_owned(), "changed".to_owned())));
    assert!(tags.contains(&("empty".to_owned(), String::new())));

    client
        .untag_resource()
        .resource_arn(ARN)
        .tag_keys("k01")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    let (tags, _) = list_all(&client, ARN).await;
    assert_eq!(tags.len(), 25);
    assert!(!tags.iter().any(|(k, _)| k == "k01"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn tagging_errors_are_aws_errors() {
    let (emulator, client) = start().await;
    create(&client, "tagged", None).await;
    let missing = "arn:aws:dynamodb:us-east-1:000000000000:table/nothere";
    assert_eq!(
        tag_error(&client, missing, vec![tag("a", "b")]).await,
        (
            "ResourceNotFoundException".to_owned(),
            format!("Requested resource not found: ResourcArn: {missing} not found")
        )
    );
    let (code, message) = tag_error(&client, "not-an-arn", vec![tag("a", "b")]).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Invalid TableArn: Invalid ResourceArn provided as input not-an-arn"
    );
    let (code, message) = tag_error(&client, ARN, vec![]).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "Atleast one Tag needs to be provided as Input."
        )
    );
    let (_, message) = tag_error(&client, ARN, vec![tag(&"k".repeat(129), "v")]).await;
    assert!(
        message.contains("at 'tags.1.member.key'") && message.contains("less than or equal to 128"),
        "{message}"
    );
    let (_, message) = tag_error(&client, ARN, vec![tag("k", &"v".repeat(257))]).await;
    assert!(message.contains("less than or equal to 256"), "{message}");
    let (code, message) = tag_error(&client, ARN, vec![tag("aws:owner", "me")]).await;
    assert_eq!(code, "ValidationException");
    assert!(message.contains("aws:"), "{message}");

    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    client
        .tag_resource()
        .resource_arn(ARN)
        .set_tags(Some(fifty))
        .send()
        .await
        .expect("50 tags are allowed");
    let (code, _) = tag_error(&client, ARN, vec![tag("one-more", "v")]).await;
    assert_eq!(code, "ValidationException");
    let (tags, _) = list_all(&client, ARN).await;
    assert_eq!(tags.len(), 50, "a refused TagResource changes nothing");

    let err = client
        .list_tags_of_resource()
        .resource_arn(missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ResourceNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn create_table_takes_tags_and_refuses_invalid_ones() {
    let (emulator, client) = start().await;
    let request = |name: &str| create_request(&client, name);
    request("tagged")
        .tags(tag("env", "test"))
        .send()
        .await
        .unwrap();
    let (tags, _) = list_all(&client, ARN).await;
    assert_eq!(tags, vec![("env".to_owned(), "test".to_owned())]);

    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let err = request("refused")
        .set_tags(Some(too_many))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ValidationException");
    let err = client
        .describe_table()
        .table_name("refused")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).0,
        "ResourceNotFoundException",
        "a refused CreateTable creates nothing"
    );
    client
        .delete_table()
        .table_name("tagged")
        .send()
        .await
        .unwrap();
    request("tagged").send().await.unwrap();
    let (tags, _) = list_all(&client, ARN).await;
    assert!(tags.is_empty(), "tags go with the deleted table");
    emulator.shutdown().await;
}

fn create_action(name: &str, attribute: &str) -> GlobalSecondaryIndexUpdate {
    GlobalSecondaryIndexUpdate::builder()
        .create(
            CreateGlobalSecondaryIndexAction::builder()
                .index_name(name)
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(attribute)
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .build()
}

fn delete_action(name: &str) -> GlobalSecondaryIndexUpdate {
    GlobalSecondaryIndexUpdate::builder()
        .delete(
            DeleteGlobalSecondaryIndexAction::builder()
                .index_name(name)
                .build()
                .unwrap(),
        )
        .build()
}

fn definition(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

#[tokio::test]
async fn update_table_creates_a_backfilled_gsi_and_deletes_it() {
    let (emulator, client) = start().await;
    create(&client, "orders", None).await;
    put(&client, "orders", &[("pk", s("a")), ("status", s("open"))]).await;
    put(&client, "orders", &[("pk", s("b")), ("status", s("done"))]).await;
    put(&client, "orders", &[("pk", s("c")), ("status", n("1"))]).await;

    let created = client
        .update_table()
        .table_name("orders")
        .attribute_definitions(definition("status", ScalarAttributeType::S))
        .global_secondary_index_updates(create_action("by_status", "status"))
        .send()
        .await
        .expect("index created");
    let index = &created
        .table_description()
        .unwrap()
        .global_secondary_indexes()[0];
    assert_eq!(index.index_status(), Some(&IndexStatus::Creating));
    assert_eq!(index.backfilling(), Some(false));

    let described = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    let table = described.table().unwrap();
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.index_status(), Some(&IndexStatus::Active));
    assert_eq!(
        index.item_count(),
        Some(2),
        "backfilled; the N status is left out"
    );
    assert_eq!(table.attribute_definitions().len(), 2);

    let open = client
        .query()
        .table_name("orders")
        .index_name("by_status")
        .key_condition_expression("#s = :v")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":v", s("open"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.count(), 1);

    let deleted = client
        .update_table()
        .table_name("orders")
        .global_secondary_index_updates(delete_action("by_status"))
        .send()
        .await
        .expect("index deleted");
    let description = deleted.table_description().unwrap();
    let index = &description.global_secondary_indexes()[0];
    assert_eq!(index.index_status(), Some(&IndexStatus::Deleting));
    assert_eq!(
        description.attribute_definitions().len(),
        1,
        "the index's key definition goes with it"
    );
    let table = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    assert!(table.table().unwrap().global_secondary_indexes().is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_table_index_errors_are_aws_errors() {
    let (emulator, client) = start().await;
    create(&client, "orders", None).await;
    let outcome = |result: Result<_, aws_sdk_dynamodb::error::SdkError<_>>| match result {
        Ok(_) => ("ok".to_owned(), String::new()),
        Err(err) => code_and_message(&err),
    };
    let none = client.update_table().table_name("orders").send().await;
    assert_eq!(
        outcome(none),
        (
            "ValidationException".to_owned(),
            "Nothing to update".to_owned()
        )
    );
    let undefined = client
        .update_table()
        .table_name("orders")
        .global_secondary_index_updates(create_action("by_status", "status"))
        .send()
        .await;
    assert_eq!(outcome(undefined).0, "ValidationException");
    let two = client
        .update_table()
        .table_name("orders")
        .attribute_definitions(definition("status", ScalarAttributeType::S))
        .global_secondary_index_updates(create_action("by_status", "status"))
        .global_secondary_index_updates(create_action("by_other", "status"))
        .send()
        .await;
    assert_eq!(
        outcome(two),
        (
            "LimitExceededException".to_owned(),
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table".to_owned()
        )
    );
    let missing = client
        .update_table()
        .table_name("orders")
        .global_secondary_index_updates(delete_action("nothere"))
        .send()
        .await;
    assert_eq!(outcome(missing).0, "ResourceNotFoundException");
    let retyped = client
        .update_table()
        .table_name("orders")
        .attribute_definitions(definition("pk", ScalarAttributeType::N))
        .global_secondary_index_updates(create_action("by_pk", "pk"))
        .send()
        .await;
    assert_eq!(
        outcome(retyped).1,
        "invalid attribute, SchemaElement redefined should be of same type as previously defined"
    );
    for i in 0..20 {
        let result = client
            .update_table()
            .table_name("orders")
            .attribute_definitions(definition("status", ScalarAttributeType::S))
            .global_secondary_index_updates(create_action(&format!("gsi{i:02}"), "status"))
            .send()
            .await;
        assert_eq!(outcome(result).0, "ok", "index {i}");
    }
    let again = client
        .update_table()
        .table_name("orders")
        .attribute_definitions(definition("status", ScalarAttributeType::S))
        .global_secondary_index_updates(create_action("gsi00", "status"))
        .send()
        .await;
    assert_eq!(
        outcome(again).1,
        "Attempting to create an index which already exists"
    );
    let over = client
        .update_table()
        .table_name("orders")
        .attribute_definitions(definition("status", ScalarAttributeType::S))
        .global_secondary_index_updates(create_action("gsi20", "status"))
        .send()
        .await;
    let (code, message) = outcome(over);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("limit of 20"), "{message}");
    emulator.shutdown().await;
}
