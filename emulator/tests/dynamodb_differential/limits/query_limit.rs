//! Query pages that stop at `Limit` exactly where the key range ends — the whole partition
//! both ways, a `sk <=` / `BETWEEN` / `>=` range with items beyond it, after an
//! ExclusiveStartKey, under a filter, with `Select: COUNT` — and one that ends before `Limit`.
//! AWS answers a LastEvaluatedKey whenever the page stopped at `Limit` (DynamoDB Local does
//! not: the documented deviation "Query page ending at Limit"), and none otherwise.

use serde_json::{Value, json};

use super::{PAGE_TABLE, generated};
use crate::operations::{Compare, Generated};

/// Six small items `edge`/0–5 in the page table (written after its 1 MB reads).
const PARTITION: &str = "edge";

fn query(condition: &str, values: Value, limit: u32, extra: Value) -> Generated {
    let mut values = values;
    values[":p"] = json!({"S": PARTITION});
    let mut body = json!({
        "TableName": PAGE_TABLE,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "Limit": limit,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    generated("Query", body, Compare::Full)
}

fn n(value: u32) -> Value {
    json!({"N": value.to_string()})
}

pub fn requests() -> Vec<Generated> {
    let mut out: Vec<Generated> = (0..6)
        .map(|i| {
            let item = json!({"pk": {"S": PARTITION}, "sk": n(i), "even": {"BOOL": i % 2 == 0}});
            generated(
                "PutItem",
                json!({"TableName": PAGE_TABLE, "Item": item}),
                Compare::Full,
            )
        })
        .collect();
    let backwards = json!({"ScanIndexForward": false});
    out.extend([
        query("pk = :p", json!({}), 6, json!({})),
        query("pk = :p", json!({}), 6, backwards.clone()),
        query("pk = :p", json!({}), 7, json!({})),
        query("pk = :p AND sk <= :hi", json!({":hi": n(2)}), 3, json!({})),
        query(
            "pk = :p AND sk BETWEEN :lo AND :hi",
            json!({":lo": n(1), ":hi": n(3)}),
            3,
            json!({}),
        ),
        query("pk = :p AND sk >= :lo", json!({":lo": n(3)}), 3, backwards),
        query(
            "pk = :p",
            json!({}),
            3,
            json!({"ExclusiveStartKey": {"pk": {"S": PARTITION}, "sk": n(2)}}),
        ),
        query(
            "pk = :p AND sk < :hi",
            json!({":hi": n(3), ":t": {"BOOL": true}}),
            3,
            json!({"FilterExpression": "even = :t"}),
        ),
        query("pk = :p", json!({}), 6, json!({"Select": "COUNT"})),
    ]);
    out
}
