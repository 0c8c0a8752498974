//! A fixed phase after the random stream: the size limits, which need items far larger than
//! the generator's. A table of twelve 100 KB items (a Query or Scan page stops after 1 MB) and
//! one of sixty 300 KB items (a BatchGetItem answer holds at most 16 MB). Then the expression
//! and value limits ([`expressions`]), and Query pages ending at `Limit` exactly where the key
//! range ends ([`query_limit`]).

#[path = "limits/expressions.rs"]
mod expressions;
#[path = "limits/query_limit.rs"]
mod query_limit;

use serde_json::{Value, json};

use super::operations::{Compare, Generated};
use super::wire::Request;

pub const PAGE_TABLE: &str = "diff_big_page";
pub const BATCH_TABLE: &str = "diff_big_batch";

fn generated(operation: &str, body: Value, compare: Compare) -> Generated {
    Generated {
        request: Request::json(operation, &body),
        compare,
    }
}

fn create(name: &str, range: bool) -> Generated {
    let mut definitions = vec![json!({"AttributeName": "pk", "AttributeType": "S"})];
    let mut schema = vec![json!({"AttributeName": "pk", "KeyType": "HASH"})];
    if range {
        definitions.push(json!({"AttributeName": "sk", "AttributeType": "N"}));
        schema.push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    }
    generated(
        "CreateTable",
        json!({
            "TableName": name,
            "AttributeDefinitions": definitions,
            "KeySchema": schema,
            "BillingMode": "PAY_PER_REQUEST",
        }),
        Compare::Full,
    )
}

/// The tables the phase creates (dropped on DynamoDB Local before and after a run).
pub fn tables() -> [&'static str; 2] {
    [PAGE_TABLE, BATCH_TABLE]
}

pub fn requests() -> Vec<Generated> {
    let mut out = vec![create(PAGE_TABLE, true), create(BATCH_TABLE, false)];
    let page_payload = "x".repeat(100_000);
    for i in 0..12 {
        let item = json!({"pk": {"S": "p"}, "sk": {"N": i.to_string()}, "d": {"S": page_payload}, "even": {"BOOL": i % 2 == 0}});
        out.push(generated(
            "PutItem",
            json!({"TableName": PAGE_TABLE, "Item": item}),
            Compare::Full,
        ));
    }
    out.extend(page_reads());
    let batch_payload = "x".repeat(300_000);
    for i in 0..60 {
        let item = json!({"pk": {"S": format!("k{i:02}")}, "d": {"S": batch_payload}});
        out.push(generated(
            "PutItem",
            json!({"TableName": BATCH_TABLE, "Item": item}),
            Compare::Full,
        ));
    }
    let keys: Vec<Value> = (0..60)
        .map(|i| json!({"pk": {"S": format!("k{i:02}")}}))
        .collect();
    out.push(generated(
        "BatchGetItem",
        json!({"RequestItems": {BATCH_TABLE: {"Keys": keys, "ProjectionExpression": "pk, d"}}}),
        Compare::BatchCounts,
    ));
    out.extend(expressions::requests());
    out.extend(query_limit::requests());
    out
}

/// Query and Scan pages over the 1 MB table, compared with their items (only `pk` and `sk`
/// projected, to keep a mismatch report readable) or by counts.
fn page_reads() -> Vec<Generated> {
    let query = |extra: Value| {
        let mut body = json!({
            "TableName": PAGE_TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
            "ProjectionExpression": "pk, sk",
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        generated("Query", body, Compare::Full)
    };
    vec![
        query(json!({})),
        query(json!({"ScanIndexForward": false})),
        query(json!({"ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "10"}}})),
        query(json!({"ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "0"}}})),
        query(json!({"Limit": 5})),
        query(
            json!({"FilterExpression": "even = :t", "ExpressionAttributeValues": {":p": {"S": "p"}, ":t": {"BOOL": true}}}),
        ),
        generated(
            "Query",
            json!({
                "TableName": PAGE_TABLE,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "p"}},
                "Select": "COUNT",
            }),
            Compare::Full,
        ),
        generated(
            "Scan",
            json!({"TableName": PAGE_TABLE, "ProjectionExpression": "pk, sk"}),
            Compare::Full,
        ),
    ]
}
