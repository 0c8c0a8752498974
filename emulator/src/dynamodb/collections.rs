//! `ReturnItemCollectionMetrics` (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
//! TransactWriteItems): the enum checked as AWS checks it (`SIZE | NONE`), and — with `SIZE`,
//! on a table with a local secondary index — `ItemCollectionMetrics` for the item collection a
//! write touched: `ItemCollectionKey` (the partition key) and `SizeEstimateRangeGB`, a
//! `[lower, upper]` estimate in whole gigabytes of the collection's items plus what its local
//! indexes project. A table without a local index gets none, as AWS documents.
//! (DynamoDB Local 11.1.0 neither validates the member nor answers metrics: AWS wins, see
//! docs/dynamodb-differences.md.)

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::input;
use super::model::{Item, item_size, item_to_json};
use super::table::{PrimaryKey, Table};
use crate::protocol::AwsError;

const GIGABYTE: f64 = 1024.0 * 1024.0 * 1024.0;

/// Whether the request asks for `SIZE` (the enum is validated; `NONE` or absent is `false`).
pub fn requested(request: &Value) -> Result<bool, AwsError> {
    Ok(input::opt_enum(request, "ReturnItemCollectionMetrics", &["SIZE", "NONE"])? == Some("SIZE"))
}

/// The metrics of the collection `key` belongs to, after the write; `None` without an LSI.
pub fn metrics(table: &Table, key: &PrimaryKey) -> Option<Value> {
    let locals: Vec<_> = table.indexes.iter().filter(|i| !i.global).collect();
    if locals.is_empty() {
        return None;
    }
    let bytes: usize = table
        .items
        .iter()
        .filter(|(k, _)| k.0 == key.0)
        .map(|(_, item)| {
            let projected: usize = locals
                .iter()
                .filter(|i| i.key_of(item).is_some())
                .map(|i| item_size(&i.project(&table.key, item)))
                .sum();
            item_size(item) + projected
        })
        .sum();
    let lower = (bytes as f64 / GIGABYTE).floor();
    let mut collection_key = Item::new();
    collection_key.insert(table.key.hash.name.clone(), key.0.to_value());
    Some(json!({
        "ItemCollectionKey": item_to_json(&collection_key),
        "SizeEstimateRangeGB": [lower, lower + 1.0],
    }))
}

/// Adds a single write's `ItemCollectionMetrics` to its answer.
pub fn with_metrics(mut output: Value, metrics: Option<Value>) -> Value {
    if let Some(metrics) = metrics {
        input::set_member(&mut output, "ItemCollectionMetrics", metrics);
    }
    output
}

/// Per-table lists (BatchWriteItem, TransactWriteItems), one entry per collection touched.
#[derive(Default)]
pub struct PerTable(BTreeMap<String, Vec<Value>>);

impl PerTable {
    pub fn add(&mut self, table: &str, metrics: Option<Value>) {
        if let Some(metrics) = metrics {
            let list = self.0.entry(table.to_owned()).or_default();
            if !list.contains(&metrics) {
                list.push(metrics);
            }
        }
    }

    /// Sets `ItemCollectionMetrics` on `output` when asked for and any table had an LSI.
    pub fn apply(self, output: &mut Value, asked: bool) {
        if asked && !self.0.is_empty() {
            input::set_member(output, "ItemCollectionMetrics", json!(self.0));
        }
    }
}
