//! Issue #11 (second part) through the SDK: static checks of expressions before the item is
//! read, in AWS's order; `size` as an attribute name and `size` counting characters; the
//! first operand distinct from the others; key attributes are scalars; parenthesised
//! operands; BatchGetItem's 100 keys; a Query page ending exactly at `Limit`.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue as AV, KeysAndAttributes, ScalarAttributeType};

use super::{create, n, put, s, start};

const TYPE_S_PLUS: &str = "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S";
const KEY_SCALAR: &str = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk";

fn message<E: ProvideErrorMetadata>(result: Result<impl std::fmt::Debug, E>) -> String {
    match result {
        Ok(out) => panic!("expected an error, got {out:?}"),
        Err(err) => err.message().unwrap_or_default().to_owned(),
    }
}

async fn table(client: &Client) {
    create(client, "checks", Some(("sk", ScalarAttributeType::N))).await;
    put(
        client,
        "checks",
        &[
            ("pk", s("a")),
            ("sk", n("1")),
            ("n", n("5")),
            ("size", n("3")),
            ("u", s("abÿ")),
            ("e", s("a😀")),
        ],
    )
    .await;
}

/// `count` items of a scan with `filter` and `values`.
async fn scan_count(client: &Client, filter: &str, values: &[(&str, AV)]) -> Result<i32, String> {
    let mut request = client.scan().table_name("checks").filter_expression(filter);
    for (k, v) in values {
        request = request.expression_attribute_values(*k, v.clone());
    }
    request
        .send()
        .await
        .map(|out| out.count())
        .map_err(|e| e.message().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_string_in_arithmetic_is_refused_before_the_item_or_the_condition() {
    let (_emulator, client) = start().await;
    table(&client).await;
    let update = |key: &str, condition: Option<&str>| {
        client
            .update_item()
            .table_name("checks")
            .key("pk", s(key))
            .key("sk", n("1"))
            .update_expression("SET #n = #n + :s")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":s", s("x"))
            .set_condition_expression(condition.map(str::to_owned))
    };
    // An existing number, a missing item, a condition that fails: the same static error.
    assert_eq!(message(update("a", None).send().await), TYPE_S_PLUS);
    assert_eq!(message(update("zz", None).send().await), TYPE_S_PLUS);
    let failing = Some("attribute_not_exists(pk)");
    assert_eq!(message(update("a", failing).send().await), TYPE_S_PLUS);
    // list_append takes lists; the last offending action is the one reported.
    let result = client
        .update_item()
        .table_name("checks")
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET a = :s + :v, b = list_append(:s, b)")
        .expression_attribute_values(":s", s("x"))
        .expression_attribute_values(":v", n("1"))
        .send()
        .await;
    assert_eq!(
        message(result),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"
    );
}

#[tokio::test]
async fn size_is_an_attribute_name_and_counts_characters() {
    let (_emulator, client) = start().await;
    table(&client).await;
    assert_eq!(
        scan_count(&client, "size > :v", &[(":v", n("1"))]).await,
        Ok(1)
    );
    assert_eq!(
        scan_count(&client, "size(u) = :v", &[(":v", n("3"))]).await,
        Ok(1)
    );
    assert_eq!(
        scan_count(&client, "size(e) = :v", &[(":v", n("3"))]).await,
        Ok(1)
    );
    assert_eq!(
        scan_count(
            &client,
            "size(:w) = :v",
            &[(":w", s("abÿ")), (":v", n("3"))]
        )
        .await,
        Ok(1)
    );
    assert_eq!(
        scan_count(&client, "size(:v) > :v", &[(":v", n("3"))]).await,
        Err("Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N".to_owned())
    );
}

#[tokio::test]
async fn operands_must_be_distinct_and_may_be_parenthesised() {
    let (_emulator, client) = start().await;
    table(&client).await;
    assert_eq!(
        scan_count(&client, "n = n", &[]).await,
        Err("Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [n]".to_owned())
    );
    // In source order with undefined placeholders.
    assert_eq!(
        scan_count(&client, "n BETWEEN n AND :v AND #q = :v", &[(":v", n("1"))]).await,
        Err("Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: BETWEEN, first operand: [n]".to_owned())
    );
    assert_eq!(
        scan_count(&client, "(n) = :v", &[(":v", n("5"))]).await,
        Ok(1)
    );
    assert_eq!(
        scan_count(&client, "n IN ((:v))", &[(":v", n("5"))]).await,
        Ok(1)
    );
    assert_eq!(
        scan_count(&client, "((n)) = :v", &[(":v", n("5"))]).await,
        Err("Invalid FilterExpression: The expression has redundant parentheses;".to_owned())
    );
    // A syntax error at the end is reported before a reserved word at the start.
    assert_eq!(
        scan_count(&client, "name = :v AND n = :v)", &[(":v", n("5"))]).await,
        Err("Invalid FilterExpression: Syntax error; token: \")\", near: \":v)\"".to_owned())
    );
}

#[tokio::test]
async fn a_path_into_a_key_attribute_is_refused_in_every_expression() {
    let (_emulator, client) = start().await;
    table(&client).await;
    let get = client
        .get_item()
        .table_name("checks")
        .key("pk", s("a"))
        .key("sk", n("1"))
        .projection_expression("pk.b.c")
        .send()
        .await;
    assert_eq!(message(get), KEY_SCALAR);
    assert_eq!(
        scan_count(&client, "pk.b = :v", &[(":v", n("1"))]).await,
        Err(KEY_SCALAR.to_owned())
    );
    let query = client
        .query()
        .table_name("checks")
        .key_condition_expression("pk.x = :v")
        .expression_attribute_values(":v", n("1"))
        .send()
        .await;
    assert_eq!(message(query), KEY_SCALAR);
    // Before the condition is evaluated.
    let update = client
        .update_item()
        .table_name("checks")
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET n = :v")
        .condition_expression("attribute_not_exists(pk) AND pk.a = :v")
        .expression_attribute_values(":v", n("1"))
        .send()
        .await;
    assert_eq!(message(update), KEY_SCALAR);
}

#[tokio::test]
async fn batch_get_item_takes_at_most_100_keys_over_all_tables() {
    let (_emulator, client) = start().await;
    table(&client).await;
    let keys = |count: usize, prefix: &str| {
        let mut spec = KeysAndAttributes::builder();
        for i in 0..count {
            spec = spec.keys(
                [
                    ("pk".to_owned(), s(&format!("{prefix}{i}"))),
                    ("sk".to_owned(), n("1")),
                ]
                .into_iter()
                .collect(),
            );
        }
        spec.build().unwrap()
    };
    // Counted before the (missing) second table is looked up.
    let result = client
        .batch_get_item()
        .request_items("checks", keys(60, "a"))
        .request_items("missing", keys(41, "b"))
        .send()
        .await;
    assert_eq!(
        message(result),
        "Too many items requested for the BatchGetItem call"
    );
    let exactly = client
        .batch_get_item()
        .request_items("checks", keys(100, "a"))
        .send()
        .await
        .expect("100 keys are allowed");
    assert!(exactly.responses().is_some());
}

#[tokio::test]
async fn a_query_page_ending_at_limit_has_a_last_evaluated_key() {
    let (_emulator, client) = start().await;
    table(&client).await;
    put(&client, "checks", &[("pk", s("a")), ("sk", n("2"))]).await;
    put(&client, "checks", &[("pk", s("a")), ("sk", n("3"))]).await;
    // Two items in the key range `sk <= 2`, Limit 2: AWS stops at Limit with a key.
    let page = client
        .query()
        .table_name("checks")
        .key_condition_expression("pk = :p AND sk <= :s")
        .expression_attribute_values(":p", s("a"))
        .expression_attribute_values(":s", n("2"))
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.count(), 2);
    assert!(page.last_evaluated_key().is_some());
}
