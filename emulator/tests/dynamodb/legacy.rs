//! DynamoDB's legacy (pre-expression) API through the SDK: `ScanFilter`, `QueryFilter`,
//! `KeyConditions`, `Expected`, `ConditionalOperator`, `AttributeUpdates` and `AttributesToGet`
//! are honoured, or refused with AWS's errors — never ignored.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeAction, AttributeValue as AV, AttributeValueUpdate, ComparisonOperator, Condition,
    ConditionalOperator, ExpectedAttributeValue, KeysAndAttributes, ReturnValue,
    ScalarAttributeType, Select,
};

use super::{code_and_message, create, put, s, start};

fn n(v: &str) -> AV {
    AV::N(v.to_owned())
}

fn cond(op: ComparisonOperator, values: &[AV]) -> Condition {
    Condition::builder()
        .comparison_operator(op)
        .set_attribute_value_list(Some(values.to_vec()))
        .build()
        .unwrap()
}

/// `events` (pk S, sk N) with four items under `p`, and `items` (pk S) with one rich item.
async fn load(client: &Client) {
    create(client, "events", Some(("sk", ScalarAttributeType::N))).await;
    for (sk, kind) in [("1", "x"), ("2", "y"), ("3", "x"), ("4", "z")] {
        put(
            client,
            "events",
            &[("pk", s("p")), ("sk", n(sk)), ("kind", s(kind))],
        )
        .await;
    }
    create(client, "items", None).await;
    put(
        client,
        "items",
        &[
            ("pk", s("a")),
            ("n", n("5")),
            ("s", s("hello")),
            ("tags", AV::Ss(vec!["x".into(), "y".into()])),
        ],
    )
    .await;
}

async fn scan_count(client: &Client, filter: &[(&str, Condition)]) -> i32 {
    let mut request = client.scan().table_name("items");
    for (name, condition) in filter {
        request = request.scan_filter(*name, condition.clone());
    }
    request.send().await.unwrap().count()
}

#[tokio::test]
async fn scan_filter_and_query_filter_are_applied() {
    let (emulator, client) = start().await;
    load(&client).await;
    let nomatch = cond(ComparisonOperator::Eq, &[s("nomatch")]);
    assert_eq!(scan_count(&client, &[("s", nomatch.clone())]).await, 0);
    assert_eq!(
        scan_count(
            &client,
            &[("s", cond(ComparisonOperator::Eq, &[s("hello")]))]
        )
        .await,
        1
    );
    let out = client
        .query()
        .table_name("events")
        .key_conditions("pk", cond(ComparisonOperator::Eq, &[s("p")]))
        .query_filter("kind", cond(ComparisonOperator::Eq, &[s("x")]))
        .send()
        .await
        .unwrap();
    assert_eq!((out.count(), out.scanned_count()), (2, 4));
    emulator.shutdown().await;
}

#[tokio::test]
async fn every_comparison_operator_filters_as_aws_documents() {
    let (emulator, client) = start().await;
    load(&client).await;
    use ComparisonOperator as Op;
    let cases: Vec<(&str, Condition, i32)> = vec![
        ("n", cond(Op::Eq, &[n("5")]), 1),
        ("n", cond(Op::Ne, &[n("5")]), 0),
        ("missing", cond(Op::Ne, &[n("5")]), 1),
        ("n", cond(Op::Le, &[n("5")]), 1),
        ("n", cond(Op::Lt, &[n("5")]), 0),
        ("n", cond(Op::Ge, &[n("6")]), 0),
        ("n", cond(Op::Gt, &[n("4")]), 1),
        ("n", cond(Op::Gt, &[s("4")]), 0),
        ("n", cond(Op::NotNull, &[]), 1),
        ("missing", cond(Op::Null, &[]), 1),
        ("s", cond(Op::Contains, &[s("ell")]), 1),
        ("tags", cond(Op::Contains, &[s("y")]), 1),
        ("tags", cond(Op::NotContains, &[s("y")]), 0),
        ("missing", cond(Op::NotContains, &[s("y")]), 0),
        ("s", cond(Op::BeginsWith, &[s("he")]), 1),
        ("n", cond(Op::In, &[n("1"), n("5")]), 1),
        ("n", cond(Op::Between, &[n("5"), n("9")]), 1),
        (
            "tags",
            cond(Op::Eq, &[AV::Ss(vec!["y".into(), "x".into()])]),
            1,
        ),
    ];
    for (name, condition, expected) in cases {
        let op = condition.comparison_operator().as_str().to_owned();
        let count = scan_count(&client, &[(name, condition)]).await;
        assert_eq!(count, expected, "{name} {op}");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn comparison_operators_refuse_wrong_argument_counts_and_types() {
    let (emulator, client) = start().await;
    load(&client).await;
    use ComparisonOperator as Op;
    let invalid = "One or more parameter values were invalid: ";
    let cases: Vec<(Condition, String)> = vec![
        (
            cond(Op::Eq, &[]),
            format!("{invalid}Invalid number of argument(s) for the EQ ComparisonOperator"),
        ),
        (
            cond(Op::Null, &[n("1")]),
            format!("{invalid}Invalid number of argument(s) for the NULL ComparisonOperator"),
        ),
        (
            cond(Op::Between, &[n("1")]),
            format!("{invalid}Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
        ),
        (
            cond(Op::In, &[n("1"), s("x")]),
            format!("{invalid}AttributeValues inside AttributeValueList must be of same type"),
        ),
        (
            cond(Op::Lt, &[AV::Ss(vec!["5".into()])]),
            format!("{invalid}ComparisonOperator LT is not valid for SS AttributeValue type"),
        ),
        (
            cond(Op::BeginsWith, &[n("5")]),
            format!("{invalid}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
        ),
        (
            cond(Op::Contains, &[AV::Ss(vec!["x".into()])]),
            format!("{invalid}ComparisonOperator CONTAINS is not valid for SS AttributeValue type"),
        ),
        (
            cond(Op::Between, &[n("7"), n("5")]),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound".to_owned(),
        ),
    ];
    for (condition, expected) in cases {
        let err = client
            .scan()
            .table_name("items")
            .scan_filter("n", condition)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            code_and_message(&err),
            ("ValidationException".into(), expected)
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn expected_guards_puts_and_deletes() {
    let (emulator, client) = start().await;
    load(&client).await;
    let exists = |value: AV| {
        ExpectedAttributeValue::builder()
            .value(value)
            .exists(true)
            .build()
    };
    // Expecting an attribute of a non-existent item to exist fails the put.
    let err = client
        .put_item()
        .table_name("items")
        .item("pk", s("new"))
        .expected("n", exists(n("5")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ConditionalCheckFailedException");
    // Exists: false on an existing attribute keeps the item.
    let err = client
        .delete_item()
        .table_name("items")
        .key("pk", s("a"))
        .expected("n", ExpectedAttributeValue::builder().exists(false).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&err).0, "ConditionalCheckFailedException");
    let still = client
        .get_item()
        .table_name("items")
        .key("pk", s("a"))
        .send()
        .await
        .unwrap();
    assert!(still.item().is_some());
    // A ComparisonOperator form, and OR across two conditions.
    let gt = |v: &str| {
        ExpectedAttributeValue::builder()
            .comparison_operator(ComparisonOperator::Gt)
            .attribute_value_list(n(v))
            .build()
    };
    let failed = client
        .put_item()
        .table_name("items")
        .item("pk", s("a"))
        .expected("n", gt("9"))
        .expected("s", exists(s("hello")))
        .send()
        .await;
    assert!(failed.is_err(), "AND by default");
    client
        .put_item()
        .table_name("items")
        .item("pk", s("a"))
        .item("n", n("6"))
        .expected("n", gt("9"))
        .expected("s", exists(s("hello")))
        .conditional_operator(ConditionalOperator::Or)
        .send()
        .await
        .unwrap();
    // Shape errors.
    let err = client
        .put_item()
        .table_name("items")
        .item("pk", s("b"))
        .expected("zz", ExpectedAttributeValue::builder().exists(true).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: zz"
    );
    let err = client
        .put_item()
        .table_name("items")
        .item("pk", s("b"))
        .expected("n", gt("1"))
        .conditional_operator(ConditionalOperator::Or)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    );
    emulator.shutdown().await;
}

fn update(action: AttributeAction, value: Option<AV>) -> AttributeValueUpdate {
    AttributeValueUpdate::builder()
        .action(action)
        .set_value(value)
        .build()
}

#[tokio::test]
async fn attribute_updates_put_add_and_delete() {
    let (emulator, client) = start().await;
    load(&client).await;
    let out = client
        .update_item()
        .table_name("items")
        .key("pk", s("a"))
        .attribute_updates("s", update(AttributeAction::Put, Some(s("bye"))))
        .attribute_updates("n", update(AttributeAction::Add, Some(n("2.5"))))
        .attribute_updates("count", update(AttributeAction::Add, Some(n("1"))))
        .attribute_updates(
            "tags",
            update(AttributeAction::Delete, Some(AV::Ss(vec!["x".into()]))),
        )
        .attribute_updates(
            "more",
            update(AttributeAction::Add, Some(AV::Ns(vec!["1".into()]))),
        )
        .attribute_updates("gone", update(AttributeAction::Delete, None))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let item = out.attributes().unwrap();
    assert_eq!(item["s"], s("bye"));
    assert_eq!(item["n"], n("7.5"));
    assert_eq!(item["count"], n("1"));
    assert_eq!(item["tags"], AV::Ss(vec!["y".into()]));
    assert_eq!(item["more"], AV::Ns(vec!["1".into()]));
    // Without an Action, PUT (AWS's documented default).
    let out = client
        .update_item()
        .table_name("items")
        .key("pk", s("a"))
        .attribute_updates(
            "s",
            AttributeValueUpdate::builder().value(s("again")).build(),
        )
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    assert_eq!(out.attributes().unwrap()["s"], s("again"));
    // DELETE without a value removes the attribute; the last element of a set too.
    let out = client
        .update_item()
        .table_name("items")
        .key("pk", s("a"))
        .attribute_updates("s", update(AttributeAction::Delete, None))
        .attribute_updates(
            "tags",
            update(AttributeAction::Delete, Some(AV::Ss(vec!["y".into()]))),
        )
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let item = out.attributes().unwrap();
    assert!(!item.contains_key("s") && !item.contains_key("tags"));

    let cases = [
        (
            update(AttributeAction::Put, Some(s("b"))),
            "pk",
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
        ),
        (
            update(AttributeAction::Add, Some(s("b"))),
            "x",
            "One or more parameter values were invalid: ADD action is not supported for the type STRING",
        ),
        (
            update(AttributeAction::Delete, Some(n("1"))),
            "n",
            "One or more parameter values were invalid: DELETE action with value is not supported for the type NUMBER",
        ),
        (
            update(AttributeAction::Put, None),
            "x",
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            update(AttributeAction::Add, Some(AV::Ss(vec!["z".into()]))),
            "n",
            "Type mismatch for attribute to update",
        ),
    ];
    for (action, name, message) in cases {
        let err = client
            .update_item()
            .table_name("items")
            .key("pk", s("a"))
            .attribute_updates(name, action)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            code_and_message(&err),
            ("ValidationException".into(), message.into())
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn key_conditions_select_the_items_of_a_partition() {
    let (emulator, client) = start().await;
    load(&client).await;
    let sks = |items: &[HashMap<String, AV>]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["sk"].as_n().unwrap().clone())
            .collect()
    };
    let out = client
        .query()
        .table_name("events")
        .key_conditions("pk", cond(ComparisonOperator::Eq, &[s("p")]))
        .key_conditions("sk", cond(ComparisonOperator::Between, &[n("2"), n("3")]))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(sks(out.items()), ["3", "2"]);
    let err = client
        .query()
        .table_name("events")
        .key_conditions("pk", cond(ComparisonOperator::Gt, &[s("p")]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Query key condition not supported"
    );
    let err = client
        .query()
        .table_name("events")
        .key_conditions("pk", cond(ComparisonOperator::Eq, &[s("p")]))
        .key_conditions("sk", cond(ComparisonOperator::In, &[n("1")]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Attempted conditional constraint is not an indexable operation"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn attributes_to_get_projects_reads() {
    let (emulator, client) = start().await;
    load(&client).await;
    let got = client
        .get_item()
        .table_name("items")
        .key("pk", s("a"))
        .attributes_to_get("n")
        .attributes_to_get("missing")
        .send()
        .await
        .unwrap();
    assert_eq!(got.item().unwrap().len(), 1);
    let batch = client
        .batch_get_item()
        .request_items(
            "items",
            KeysAndAttributes::builder()
                .keys(HashMap::from([("pk".to_owned(), s("a"))]))
                .attributes_to_get("s")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let item = &batch.responses().unwrap()["items"][0];
    assert_eq!(item.keys().collect::<Vec<_>>(), ["s"]);
    let query = client
        .query()
        .table_name("events")
        .key_conditions("pk", cond(ComparisonOperator::Eq, &[s("p")]))
        .attributes_to_get("kind")
        .select(Select::SpecificAttributes)
        .send()
        .await
        .unwrap();
    assert!(query.items().iter().all(|i| i.len() == 1));
    let scan = client
        .scan()
        .table_name("events")
        .attributes_to_get("sk")
        .send()
        .await
        .unwrap();
    assert!(
        scan.items()
            .iter()
            .all(|i| i.len() == 1 && i.contains_key("sk"))
    );
    let err = client
        .scan()
        .table_name("events")
        .attributes_to_get("sk")
        .select(Select::Count)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Cannot specify the AttributesToGet when choosing to get only the Count"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn legacy_and_expression_parameters_do_not_mix() {
    let (emulator, client) = start().await;
    load(&client).await;
    let err = client
        .put_item()
        .table_name("items")
        .item("pk", s("a"))
        .expected("n", ExpectedAttributeValue::builder().exists(false).build())
        .condition_expression("attribute_exists(n)")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
    );
    let err = client
        .query()
        .table_name("events")
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", s("p"))
        .query_filter("kind", cond(ComparisonOperator::Null, &[]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}"
    );
    let err = client
        .update_item()
        .table_name("items")
        .key("pk", s("a"))
        .attribute_updates("x", update(AttributeAction::Put, Some(n("1"))))
        .update_expression("SET y = :v")
        .expression_attribute_values(":v", n("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err).1,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"
    );
    emulator.shutdown().await;
}
