//! DynamoDB through the real aws-sdk-dynamodb against the embedded emulator: tables, items,
//! conditions, updates, query/scan pagination, transactions, batches and AWS's errors.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as AV, BillingMode, KeySchemaElement, KeyType, ReturnValue,
    ScalarAttributeType, Select,
};
use orderlab_emulator::{Config, Emulator};

mod support;

#[path = "dynamodb/capacity.rs"]
mod capacity;
#[path = "dynamodb/checks.rs"]
mod checks;
#[path = "dynamodb/indexes.rs"]
mod indexes;
#[path = "dynamodb/legacy.rs"]
mod legacy;
#[path = "dynamodb/limits.rs"]
mod limits;
#[path = "dynamodb/members.rs"]
mod members;
#[path = "dynamodb/resource_policies.rs"]
mod resource_policies;
#[path = "dynamodb/table_options.rs"]
mod table_options;
#[path = "dynamodb/tags.rs"]
mod tags;
#[path = "dynamodb/transactions.rs"]
mod transactions;

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(Config::default())
        .await
        .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

fn s(v: &str) -> AV {
    AV::S(v.to_owned())
}

fn n(v: &str) -> AV {
    AV::N(v.to_owned())
}

/// An attribute definition, for every CreateTable the tests build.
fn attr(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

/// A key schema element, for every CreateTable the tests build.
fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

/// CreateTable of an on-demand table keyed by `pk` (S), ready for more members.
fn create_request(
    client: &Client,
    name: &str,
) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
}

async fn create(client: &Client, name: &str, range: Option<(&str, ScalarAttributeType)>) {
    let mut request = create_request(client, name);
    if let Some((range, kind)) = range {
        request = request
            .attribute_definitions(attr(range, kind))
            .key_schema(key(range, KeyType::Range));
    }
    request.send().await.expect("table created");
}

async fn put(client: &Client, table: &str, item: &[(&str, AV)]) {
    let item: HashMap<String, AV> = item
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .expect("put");
}

/// An operation's result reduced to its error code and message.
type Outcome = Result<(), (String, String)>;

fn code_and_message<E: ProvideErrorMetadata>(err: &E) -> (String, String) {
    (
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn tables_are_created_described_listed_and_deleted() {
    let (emulator, client) = start().await;
    create(&client, "orders", None).await;
    let table = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(table.table_status().unwrap().as_str(), "ACTIVE");
    assert_eq!(table.item_count(), Some(0));
    assert_eq!(
        table.table_arn(),
        Some("arn:aws:dynamodb:us-east-1:000000000000:table/orders")
    );
    assert_eq!(table.key_schema()[0].attribute_name(), "pk");
    assert!(table.creation_date_time().is_some());

    let err = client
        .create_table()
        .table_name("orders")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        (
            "ResourceInUseException".into(),
            "Table already exists: orders".into()
        )
    );

    for name in ["t-b", "t-c", "t-a"] {
        create(&client, name, None).await;
    }
    let page = client.list_tables().limit(2).send().await.unwrap();
    assert_eq!(page.table_names(), ["orders", "t-a"]);
    assert_eq!(page.last_evaluated_table_name(), Some("t-a"));
    let page = client
        .list_tables()
        .exclusive_start_table_name("t-a")
        .send()
        .await
        .unwrap();
    assert_eq!(page.table_names(), ["t-b", "t-c"]);
    assert_eq!(page.last_evaluated_table_name(), None);

    client
        .delete_table()
        .table_name("t-a")
        .send()
        .await
        .unwrap();
    let err = client
        .describe_table()
        .table_name("t-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        (
            "ResourceNotFoundException".into(),
            "Requested resource not found: Table: t-a not found".into()
        )
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn conditional_put_get_with_projection_and_delete() {
    let (emulator, client) = start().await;
    create(&client, "orders", None).await;
    let first = client
        .put_item()
        .table_name("orders")
        .item("pk", s("o1"))
        .item("status", s("PENDING"))
        .item("total", n("10.50"))
        .item(
            "customer",
            AV::M(HashMap::from([("name".into(), s("Ann"))])),
        )
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    assert!(first.is_ok());
    let err = client
        .put_item()
        .table_name("orders")
        .item("pk", s("o1"))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        (
            "ConditionalCheckFailedException".into(),
            "The conditional request failed".into()
        )
    );
    let service_err = err.into_service_error();
    let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) =
        service_err
    else {
        panic!("expected ConditionalCheckFailedException");
    };
    assert_eq!(e.item().and_then(|i| i.get("status")), Some(&s("PENDING")));

    let got = client
        .get_item()
        .table_name("orders")
        .key("pk", s("o1"))
        .projection_expression("#t, customer.#n")
        .expression_attribute_names("#t", "total")
        .expression_attribute_names("#n", "name")
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let item = got.item().unwrap();
    assert_eq!(item.len(), 2);
    assert_eq!(item["total"], n("10.5"), "numbers are normalised");
    assert_eq!(
        item["customer"],
        AV::M(HashMap::from([("name".into(), s("Ann"))]))
    );

    let missing = client
        .get_item()
        .table_name("orders")
        .key("pk", s("nope"))
        .send()
        .await
        .unwrap();
    assert!(missing.item().is_none());

    let deleted = client
        .delete_item()
        .table_name("orders")
        .key("pk", s("o1"))
        .condition_expression("#s = :p")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":p", s("PENDING"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.attributes().unwrap()["status"], s("PENDING"));
    let after = client
        .get_item()
        .table_name("orders")
        .key("pk", s("o1"))
        .send()
        .await
        .unwrap();
    assert!(after.item().is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_expressions_and_return_values() {
    let (emulator, client) = start().await;
    create(&client, "inventory", None).await;
    put(
        &client,
        "inventory",
        &[
            ("pk", s("i1")),
            ("stock", n("5")),
            ("tags", AV::Ss(vec!["a".into()])),
        ],
    )
    .await;

    let updated = client
        .update_item()
        .table_name("inventory")
        .key("pk", s("i1"))
        .update_expression("SET stock = stock - :q, history = list_append(if_not_exists(history, :empty), :h) ADD sold :q, tags :t REMOVE nothing")
        .condition_expression("stock >= :q")
        .expression_attribute_values(":q", n("2"))
        .expression_attribute_values(":empty", AV::L(vec![]))
        .expression_attribute_values(":h", AV::L(vec![s("sale")]))
        .expression_attribute_values(":t", AV::Ss(vec!["b".into()]))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let attrs = updated.attributes().unwrap();
    assert_eq!(attrs["stock"], n("3"));
    assert_eq!(
        attrs["sold"],
        n("2"),
        "ADD on a missing number starts from 0"
    );
    assert_eq!(attrs["history"], AV::L(vec![s("sale")]));
    let mut tags = attrs["tags"].as_ss().unwrap().clone();
    tags.sort();
    assert_eq!(tags, ["a", "b"]);

    let old = client
        .update_item()
        .table_name("inventory")
        .key("pk", s("i1"))
        .update_expression("SET stock = :z")
        .expression_attribute_values(":z", n("0"))
        .return_values(ReturnValue::UpdatedOld)
        .send()
        .await
        .unwrap();
    assert_eq!(old.attributes().unwrap().len(), 1);
    assert_eq!(old.attributes().unwrap()["stock"], n("3"));

    // A conditional decrement that would go below zero fails and changes nothing.
    let err = client
        .update_item()
        .table_name("inventory")
        .key("pk", s("i1"))
        .update_expression("SET stock = stock - :q")
        .condition_expression("stock >= :q")
        .expression_attribute_values(":q", n("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ConditionalCheckFailedException");

    // UpdateItem on a missing item creates it from the key.
    let created = client
        .update_item()
        .table_name("inventory")
        .key("pk", s("i2"))
        .update_expression("ADD stock :q")
        .expression_attribute_values(":q", n("7"))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    assert_eq!(created.attributes().unwrap()["stock"], n("7"));
    let item = client
        .get_item()
        .table_name("inventory")
        .key("pk", s("i2"))
        .send()
        .await
        .unwrap();
    assert_eq!(item.item().unwrap()["pk"], s("i2"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn validation_errors_use_aws_messages() {
    let (emulator, client) = start().await;
    create(&client, "orders", None).await;
    let cases: Vec<(&str, Outcome)> = vec![
        (
            "The provided key element does not match the schema",
            client
                .get_item()
                .table_name("orders")
                .key("other", s("x"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "One or more parameter values were invalid: Missing the key pk in the item",
            client
                .put_item()
                .table_name("orders")
                .item("x", s("x"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
            client
                .put_item()
                .table_name("orders")
                .item("pk", s("x"))
                .condition_expression("attribute_not_exists(pk)")
                .expression_attribute_values(":x", s("x"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x",
            client
                .put_item()
                .table_name("orders")
                .item("pk", s("x"))
                .condition_expression("pk <> :x")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "Invalid UpdateExpression: Syntax error; token: \"x\", near: \"a x b\"",
            client
                .update_item()
                .table_name("orders")
                .key("pk", s("x"))
                .update_expression("SET a x b")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
            client
                .update_item()
                .table_name("orders")
                .key("pk", s("x"))
                .update_expression("SET status = :v")
                .expression_attribute_values(":v", s("x"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
            client
                .update_item()
                .table_name("orders")
                .key("pk", s("x"))
                .update_expression("SET pk = :v")
                .expression_attribute_values(":v", s("y"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
        (
            "A value provided cannot be converted into a number",
            client
                .put_item()
                .table_name("orders")
                .item("pk", s("x"))
                .item("n", n("abc"))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code_and_message(&e)),
        ),
    ];
    for (expected, result) in cases {
        let (code, message) = result.expect_err(expected);
        assert_eq!(code, "ValidationException", "{expected}");
        assert_eq!(message, expected);
    }
    let err = client
        .put_item()
        .table_name("missing")
        .item("pk", s("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        (
            "ResourceNotFoundException".into(),
            "Requested resource not found".into()
        )
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_are_aws_errors_not_panics() {
    let (emulator, _client) = start().await;
    let http = reqwest::Client::new();
    let send = |target: &str, body: &str| {
        http.post(emulator.endpoint())
            .header("x-amz-target", format!("DynamoDB_20120810.{target}"))
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=00",
            )
            .body(body.to_owned())
            .send()
    };
    let cases = [
        ("PutItem", "{not json", "SerializationException"),
        ("PutItem", r#"{"TableName": 5}"#, "SerializationException"),
        (
            "PutItem",
            r#"{"TableName": "abc", "Item": {"pk": {"S": 1}}}"#,
            "SerializationException",
        ),
        ("PutItem", r#"{"Item": {}}"#, "ValidationException"),
        ("Frobnicate", "{}", "UnknownOperationException"),
        (
            "Query",
            r#"{"TableName": "abc", "KeyConditionExpression": "(((("}"#,
            "ValidationException",
        ),
    ];
    for (target, body, expected) in cases {
        let response = send(target, body).await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let json: serde_json::Value = response.json().await.unwrap();
        let type_name = json["__type"].as_str().unwrap_or_default();
        assert!(
            type_name.ends_with(&format!("#{expected}")),
            "{body}: {json}"
        );
    }
    emulator.shutdown().await;
}

async fn load_events(client: &Client) {
    create(client, "events", Some(("sk", ScalarAttributeType::S))).await;
    for (pk, sk, kind) in [
        ("a", "2024-01", "x"),
        ("a", "2024-02", "y"),
        ("a", "2024-03", "x"),
        ("a", "2025-01", "x"),
        ("b", "2024-01", "x"),
    ] {
        put(
            client,
            "events",
            &[("pk", s(pk)), ("sk", s(sk)), ("kind", s(kind))],
        )
        .await;
    }
}

#[tokio::test]
async fn query_key_conditions_filters_order_and_pages() {
    let (emulator, client) = start().await;
    load_events(&client).await;
    let query = |expr: &str| {
        client
            .query()
            .table_name("events")
            .key_condition_expression(expr)
            .expression_attribute_values(":p", s("a"))
    };
    let sks = |items: &[HashMap<String, AV>]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["sk"].as_s().unwrap().clone())
            .collect()
    };
    let out = query("pk = :p AND begins_with(sk, :y)")
        .expression_attribute_values(":y", s("2024"))
        .send()
        .await
        .unwrap();
    assert_eq!(sks(out.items()), ["2024-01", "2024-02", "2024-03"]);
    let out = query("pk = :p AND sk BETWEEN :lo AND :hi")
        .expression_attribute_values(":lo", s("2024-02"))
        .expression_attribute_values(":hi", s("2025-01"))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(sks(out.items()), ["2025-01", "2024-03", "2024-02"]);
    let out = query("pk = :p AND sk > :v")
        .expression_attribute_values(":v", s("2024-02"))
        .send()
        .await
        .unwrap();
    assert_eq!(sks(out.items()), ["2024-03", "2025-01"]);

    let out = query("pk = :p")
        .filter_expression("kind = :k")
        .expression_attribute_values(":k", s("x"))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!((out.count(), out.scanned_count()), (3, 4));
    assert!(out.items().is_empty());

    // Pages of two: Limit counts items read before the filter.
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let out = query("pk = :p")
            .limit(2)
            .set_exclusive_start_key(start.clone())
            .send()
            .await
            .unwrap();
        seen.extend(sks(out.items()));
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["2024-01", "2024-02", "2024-03", "2025-01"]);

    let err = client
        .query()
        .table_name("events")
        .key_condition_expression("sk = :s")
        .expression_attribute_values(":s", s("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Query condition missed key schema element: pk"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn scan_filters_projects_and_paginates() {
    let (emulator, client) = start().await;
    load_events(&client).await;
    let out = client
        .scan()
        .table_name("events")
        .filter_expression("kind = :x AND (pk = :b OR sk >= :y) AND NOT contains(sk, :m)")
        .expression_attribute_values(":x", s("x"))
        .expression_attribute_values(":b", s("b"))
        .expression_attribute_values(":y", s("2025"))
        .expression_attribute_values(":m", s("-02"))
        .projection_expression("pk, sk")
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), 2);
    assert_eq!(out.scanned_count(), 5);
    assert!(
        out.items()
            .iter()
            .all(|i| i.len() == 2 && !i.contains_key("kind"))
    );

    let mut total = 0;
    let mut pages = 0;
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name("events")
            .limit(2)
            .set_exclusive_start_key(start.clone())
            .send()
            .await
            .unwrap();
        total += out.count();
        pages += 1;
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!((total, pages), (5, 3));
    emulator.shutdown().await;
}
