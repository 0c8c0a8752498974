//! Reliability: DynamoDB. Expressions that used to overflow the parser's stack (deep
//! parentheses, chained NOTs, nested `if_not_exists`, 100k ORs — in every expression kind),
//! an UpdateExpression of 10k actions, million-digit numbers, deeply nested values and
//! oversized placeholders each get AWS's ValidationException, and the emulator still answers
//! afterwards. The messages are AWS's (or, where AWS documents only the limit, DynamoDB
//! Local 3.3.1's); see `emulator/src/dynamodb/expr/limits.rs` and `number.rs`.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as AV, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use orderlab_emulator::Emulator;

use crate::support;

const TABLE: &str = "reliability";

/// An emulator with one table keyed by `id` (S) holding the item `id = "a"`.
async fn setup() -> (Emulator, Client) {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .send()
        .await
        .expect("CreateTable");
    client
        .put_item()
        .table_name(TABLE)
        .item("id", s("a"))
        .send()
        .await
        .expect("PutItem");
    (emulator, client)
}

fn s(v: &str) -> AV {
    AV::S(v.to_owned())
}

fn n(v: &str) -> AV {
    AV::N(v.to_owned())
}

/// The error's code and message, or a panic naming what succeeded instead.
fn error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> (String, String) {
    match result {
        Ok(output) => panic!("expected an error, got {output:?}"),
        Err(err) => (
            err.code().unwrap_or_default().to_owned(),
            err.message().unwrap_or_default().to_owned(),
        ),
    }
}

fn validation(message: &str) -> (String, String) {
    ("ValidationException".to_owned(), message.to_owned())
}

/// The emulator still serves: ListTables answers and still lists the table.
async fn assert_alive(client: &Client) {
    let tables = client.list_tables().send().await.expect("ListTables");
    assert_eq!(tables.table_names(), [TABLE]);
}

async fn conditional_put(client: &Client, condition: &str) -> (String, String) {
    error(
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("a"))
            .condition_expression(condition)
            .expression_attribute_values(":v", s("a"))
            .send()
            .await,
    )
}

async fn filtered_scan(client: &Client, filter: &str) -> (String, String) {
    error(
        client
            .scan()
            .table_name(TABLE)
            .filter_expression(filter)
            .expression_attribute_values(":v", s("a"))
            .send()
            .await,
    )
}

async fn query(client: &Client, key_condition: &str) -> (String, String) {
    error(
        client
            .query()
            .table_name(TABLE)
            .key_condition_expression(key_condition)
            .expression_attribute_values(":v", s("a"))
            .send()
            .await,
    )
}

fn parenthesised(levels: usize) -> String {
    format!("{}id = :v{}", "(".repeat(levels), ")".repeat(levels))
}

fn nots(count: usize) -> String {
    format!("{}id = :v", "NOT ".repeat(count))
}

fn ors(terms: usize) -> String {
    vec!["id = :v"; terms].join(" OR ")
}

const REDUNDANT: &str = "The expression has redundant parentheses;";
const TOO_MANY_OPERATORS: &str = "The expression contains too many operators; operator count: 301";

#[tokio::test]
async fn condition_of_250_nested_parentheses_is_refused() {
    let (_emulator, client) = setup().await;
    for levels in [250, 2040] {
        assert_eq!(
            conditional_put(&client, &parenthesised(levels)).await,
            validation(&format!("Invalid ConditionExpression: {REDUNDANT}"))
        );
    }
    // Parentheses that are not redundant nest an operator each: over the limit.
    let deep = format!("{}id = :v{}", "NOT (".repeat(600), ")".repeat(600));
    assert_eq!(
        conditional_put(&client, &deep).await,
        validation(&format!(
            "Invalid ConditionExpression: {TOO_MANY_OPERATORS}"
        ))
    );
    assert_alive(&client).await;
}

#[tokio::test]
async fn chained_nots_are_counted_as_operators() {
    let (_emulator, client) = setup().await;
    assert_eq!(
        conditional_put(&client, &nots(500)).await,
        validation(&format!(
            "Invalid ConditionExpression: {TOO_MANY_OPERATORS}"
        ))
    );
    // 299 NOTs and one `=` are 300 operators: evaluated (an odd number of NOTs of a true
    // comparison is false).
    let (code, _) = conditional_put(&client, &nots(299)).await;
    assert_eq!(code, "ConditionalCheckFailedException");
    // The other checks come first: 1000 NOTs around a BETWEEN with swapped bounds.
    let swapped = format!("{}id BETWEEN :b AND :a", "NOT ".repeat(1000));
    let answer = error(
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("a"))
            .condition_expression(swapped)
            .expression_attribute_values(":a", s("a"))
            .expression_attribute_values(":b", s("b"))
            .send()
            .await,
    );
    assert_eq!(
        answer,
        validation(
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"
        )
    );
    assert_alive(&client).await;
}

#[tokio::test]
async fn filter_of_100k_ors_is_refused_by_size_then_by_operators() {
    let (_emulator, client) = setup().await;
    let huge = ors(100_000);
    let size = huge.len();
    assert_eq!(
        filtered_scan(&client, &huge).await,
        validation(&format!(
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: {size}"
        ))
    );
    // Within 4 KB: 151 comparisons and 150 ORs are 301 operators.
    assert_eq!(
        filtered_scan(&client, &ors(151)).await,
        validation(&format!("Invalid FilterExpression: {TOO_MANY_OPERATORS}"))
    );
    let scanned = client
        .scan()
        .table_name(TABLE)
        .filter_expression(ors(150))
        .expression_attribute_values(":v", s("a"))
        .send()
        .await
        .expect("150 comparisons and 149 ORs are within the limit");
    assert_eq!(scanned.count(), 1);
    assert_alive(&client).await;
}

#[tokio::test]
async fn key_conditions_of_every_shape_are_refused() {
    let (_emulator, client) = setup().await;
    let kind = "Invalid KeyConditionExpression";
    assert_eq!(
        query(&client, &parenthesised(250)).await,
        validation(&format!("{kind}: {REDUNDANT}"))
    );
    assert_eq!(
        query(&client, &nots(500)).await,
        validation(&format!("{kind}: {TOO_MANY_OPERATORS}"))
    );
    let huge = ors(100_000);
    assert_eq!(
        query(&client, &huge).await,
        validation(&format!(
            "{kind}: Expression size has exceeded the maximum allowed size; expression size: {}",
            huge.len()
        ))
    );
    assert_alive(&client).await;
}

fn nested_if_not_exists(levels: usize) -> String {
    format!(
        "SET x = {}:n{}",
        "if_not_exists(x, ".repeat(levels),
        ")".repeat(levels)
    )
}

#[tokio::test]
async fn nested_if_not_exists_is_bounded_by_the_expression_size() {
    let (_emulator, client) = setup().await;
    let update = |expression: String| {
        client
            .update_item()
            .table_name(TABLE)
            .key("id", s("a"))
            .update_expression(expression)
            .expression_attribute_values(":n", n("1"))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
    };
    // 200 levels fit in 4 KB and are 200 functions: applied.
    let updated = update(nested_if_not_exists(200))
        .send()
        .await
        .expect("200 nested if_not_exists");
    assert_eq!(updated.attributes().and_then(|a| a.get("x")), Some(&n("1")));
    // 10k levels (the old stack overflow) are over 4 KB.
    assert_eq!(
        error(update(nested_if_not_exists(10_000)).send().await),
        validation(
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
        )
    );
    assert_alive(&client).await;
}

fn set_actions(count: usize) -> String {
    let actions: Vec<String> = (0..count).map(|i| format!("a{i}=:v")).collect();
    format!("SET {}", actions.join(","))
}

#[tokio::test]
async fn ten_thousand_set_actions_are_refused_and_the_largest_update_applies() {
    let (_emulator, client) = setup().await;
    let update = |expression: String| {
        client
            .update_item()
            .table_name(TABLE)
            .key("id", s("a"))
            .update_expression(expression)
            .expression_attribute_values(":v", s("x"))
    };
    assert_eq!(
        error(update(set_actions(10_000)).send().await),
        validation(
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
        )
    );
    // As many actions as 4 KB holds (SET actions are not operators): all applied, while
    // other requests keep being answered.
    let count = (1..).take_while(|&c| set_actions(c).len() <= 4096).last();
    let count = count.expect("some actions fit");
    let (updated, listed) = tokio::join!(update(set_actions(count)).send(), async {
        for _ in 0..20 {
            client.list_tables().send().await.expect("ListTables");
        }
    });
    updated.expect("the largest update");
    let _: () = listed;
    let item = client
        .get_item()
        .table_name(TABLE)
        .key("id", s("a"))
        .send()
        .await
        .expect("GetItem");
    let item = item.item().expect("the item");
    assert_eq!(item.len(), count + 1);
    assert_eq!(item.get(&format!("a{}", count - 1)), Some(&s("x")));
    assert_alive(&client).await;
}

#[tokio::test]
async fn million_digit_numbers_are_refused_at_once() {
    let (_emulator, client) = setup().await;
    let put = |number: String| {
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("b"))
            .item("n", AV::N(number))
            .send()
    };
    let overflow =
        "Number overflow. Attempting to store a number with magnitude larger than supported range";
    assert_eq!(
        error(put(format!("1{}", "0".repeat(1_000_000))).await),
        validation(overflow)
    );
    assert_eq!(
        error(put("1e999999".to_owned()).await),
        validation(overflow)
    );
    assert_eq!(
        error(put("7".repeat(1_000_000)).await),
        validation("Attempting to store more than 38 significant digits in a Number")
    );
    assert_eq!(
        error(put(format!("0.{}1", "0".repeat(1_000_000))).await),
        validation(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    );
    // In ExpressionAttributeValues, and in ADD's arithmetic.
    let in_values = client
        .update_item()
        .table_name(TABLE)
        .key("id", s("a"))
        .update_expression("ADD n :big")
        .expression_attribute_values(":big", n(&format!("1{}", "0".repeat(1_000_000))))
        .send()
        .await;
    assert_eq!(
        error(in_values),
        validation(&format!(
            "ExpressionAttributeValues contains invalid value: {overflow} for key :big"
        ))
    );
    let add = |value: &str| {
        client
            .update_item()
            .table_name(TABLE)
            .key("id", s("a"))
            .update_expression("ADD n :v")
            .expression_attribute_values(":v", n(value))
            .send()
    };
    add("9e125").await.expect("the largest magnitude");
    assert_eq!(error(add("9e125").await), validation(overflow));
    assert_alive(&client).await;
}

fn nested_maps(levels: usize) -> AV {
    (0..levels).fold(s("leaf"), |inner, _| {
        AV::M([("m".to_owned(), inner)].into_iter().collect())
    })
}

#[tokio::test]
async fn values_nest_at_most_32_levels() {
    let (_emulator, client) = setup().await;
    let put = |value: AV| {
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("b"))
            .item("deep", value)
            .send()
    };
    put(nested_maps(31)).await.expect("31 nested maps");
    let nesting = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
    assert_eq!(error(put(nested_maps(32)).await), validation(nesting));
    assert_eq!(error(put(nested_maps(60)).await), validation(nesting));
    let in_values = client
        .put_item()
        .table_name(TABLE)
        .item("id", s("a"))
        .condition_expression("id <> :v")
        .expression_attribute_values(":v", nested_maps(40))
        .send()
        .await;
    assert_eq!(
        error(in_values),
        validation(&format!(
            "ExpressionAttributeValues contains invalid value: {nesting} for key :v"
        ))
    );
    // An update may not nest a value deeper either.
    let deeper = client
        .update_item()
        .table_name(TABLE)
        .key("id", s("b"))
        .update_expression("SET deep.m = :v")
        .expression_attribute_values(":v", nested_maps(31))
        .send()
        .await;
    assert_eq!(
        error(deeper),
        validation("Nesting Levels have exceeded supported limits")
    );
    // Document paths too.
    let path = format!("a{}", ".b".repeat(32));
    let answer = error(
        client
            .get_item()
            .table_name(TABLE)
            .key("id", s("a"))
            .projection_expression(path)
            .send()
            .await,
    );
    assert_eq!(
        answer,
        validation(
            "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"
        )
    );
    assert_alive(&client).await;
}

#[tokio::test]
async fn placeholders_and_items_are_limited() {
    let (_emulator, client) = setup().await;
    let long_name = format!("#{}", "n".repeat(255));
    let answer = error(
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("a"))
            .condition_expression(format!("attribute_exists({long_name})"))
            .expression_attribute_names(&long_name, "id")
            .send()
            .await,
    );
    assert_eq!(
        answer,
        validation(
            "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"
        )
    );
    let mega = s(&"x".repeat(1024 * 1024));
    let answer = error(
        client
            .put_item()
            .table_name(TABLE)
            .item("id", s("a"))
            .condition_expression("id <> :a AND id <> :b")
            .expression_attribute_values(":a", mega.clone())
            .expression_attribute_values(":b", mega.clone())
            .send()
            .await,
    );
    assert_eq!(
        answer,
        validation("ExpressionAttributeValues exceeds max size")
    );
    let in_list: Vec<String> = (0..101).map(|_| ":v".to_owned()).collect();
    assert_eq!(
        conditional_put(&client, &format!("id IN ({})", in_list.join(", "))).await,
        validation(
            "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
        )
    );
    // 400 KB items, whether put or built by an update from request values.
    let too_large = validation("Item size has exceeded the maximum allowed size");
    let put = client
        .put_item()
        .table_name(TABLE)
        .item("id", s("b"))
        .item("big", s(&"x".repeat(410 * 1024)))
        .send()
        .await;
    assert_eq!(error(put), too_large);
    let half = s(&"x".repeat(300 * 1024));
    let update = client
        .update_item()
        .table_name(TABLE)
        .key("id", s("a"))
        .update_expression("SET a = :h, b = :h, c = :h, d = :h")
        .expression_attribute_values(":h", half)
        .send()
        .await;
    assert_eq!(error(update), too_large);
    assert_alive(&client).await;
}
