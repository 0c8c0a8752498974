//! Batches at and over their size limits: BatchGetItem's 100 keys and BatchWriteItem's 25
//! requests — over the limit in one table (the model's constraint on that table's list) or only
//! summed over both tables (AWS's "Too many items requested" check), and exactly at the limit
//! (accepted). Keys are distinct, so no duplicate-key refusal gets in first; an accepted write
//! batch stays in the generator's key space (`k0`–`k7`, `p0`–`p2` × 1–6).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::operations::{Compare, Generated};
use super::values::{self, HASH_TABLE, RANGE_TABLE};
use super::wire::Request;

/// The `i`th distinct key of `table`.
fn key(table: &str, i: usize) -> Value {
    if table == HASH_TABLE {
        json!({ "pk": { "S": format!("k{i}") } })
    } else {
        json!({ "pk": { "S": format!("p{}", i % 3) }, "sk": { "N": (i / 3 + 1).to_string() } })
    }
}

/// How many entries go to each table: `total` over the limit `limit` in one table, summed
/// over both, or `limit` exactly (split as the key space allows).
fn split(rng: &mut ChaCha8Rng, valid: bool, limit: usize, most_hash: usize) -> (usize, usize) {
    if valid {
        let hash = rng.random_range(limit.saturating_sub(18)..=most_hash.min(limit));
        return (hash, limit - hash);
    }
    match rng.random_range(0..3) {
        0 => (limit + 1, 0),
        1 => (0, limit + 1),
        _ => {
            let hash = rng.random_range(1..=limit);
            (hash, limit + 1 - hash)
        }
    }
}

fn generated(operation: &str, body: Value, compare: Compare) -> Generated {
    Generated {
        request: Request::json(operation, &body),
        compare,
    }
}

/// A BatchGetItem of 100 keys, or of 101.
pub fn get(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let (hash, range) = split(rng, valid, 100, 100);
    let mut items = Map::new();
    for (table, count) in [(HASH_TABLE, hash), (RANGE_TABLE, range)] {
        if count > 0 {
            let keys: Vec<Value> = (0..count).map(|i| key(table, i)).collect();
            items.insert(table.into(), json!({ "Keys": keys }));
        }
    }
    generated(
        "BatchGetItem",
        json!({ "RequestItems": items }),
        Compare::Full,
    )
}

/// A BatchWriteItem of 25 requests (puts and deletes of existing keys), or of 26.
pub fn write(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let (hash, range) = split(rng, valid, 25, 8);
    let mut items = Map::new();
    for (table, count) in [(HASH_TABLE, hash), (RANGE_TABLE, range)] {
        if count == 0 {
            continue;
        }
        let requests: Vec<Value> = (0..count)
            .map(|i| {
                if rng.random_bool(0.5) {
                    return json!({ "DeleteRequest": { "Key": key(table, i) } });
                }
                let mut item = values::item(rng, table, true);
                if let (Some(item), Some(key)) = (item.as_object_mut(), key(table, i).as_object()) {
                    item.extend(key.clone());
                }
                json!({ "PutRequest": { "Item": item } })
            })
            .collect();
        items.insert(table.into(), Value::Array(requests));
    }
    generated(
        "BatchWriteItem",
        json!({ "RequestItems": items }),
        Compare::Full,
    )
}
