//! Differential test: a seeded generator of DynamoDB operation sequences run against the
//! embedded emulator and against DynamoDB Local (AWS's own emulator), comparing normalised
//! status, error code, message and body.
//!
//! DynamoDB Local's endpoint comes from `ORDERLAB_DYNAMODB_LOCAL` (set by
//! `scripts/dynamodb-local.sh test`); without it the test prints `SKIPPED` and passes.
//! `ORDERLAB_DIFF_SEED` and `ORDERLAB_DIFF_OPS` reproduce or widen a run. Where DynamoDB Local is
//! known to answer differently from AWS, AWS's answer wins: see [`deviations`] and
//! docs/dynamodb-differences.md.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

#[path = "dynamodb_differential/batches.rs"]
mod batches;
#[path = "dynamodb_differential/control.rs"]
mod control;
#[path = "dynamodb_differential/deviations.rs"]
mod deviations;
#[path = "dynamodb_differential/exprs.rs"]
mod exprs;
#[path = "dynamodb_differential/legacy.rs"]
mod legacy;
#[path = "dynamodb_differential/limits.rs"]
mod limits;
#[path = "dynamodb_differential/operations.rs"]
mod operations;
#[path = "dynamodb_differential/tolerances.rs"]
mod tolerances;
#[path = "dynamodb_differential/values.rs"]
mod values;
#[path = "dynamodb_differential/wire.rs"]
mod wire;

use std::collections::BTreeMap;
use std::io::Write;

use orderlab_emulator::{Config, Emulator};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use operations::Compare;
use wire::{Answer, Request};

const DEFAULT_SEED: u64 = 20_260_601;
const DEFAULT_OPERATIONS: usize = 4_000;

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn table_definitions() -> Vec<Value> {
    vec![
        json!({
            "TableName": values::HASH_TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
        json!({
            "TableName": values::RANGE_TABLE,
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "status", "AttributeType": "S"},
                {"AttributeName": "n", "AttributeType": "N"},
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [{
                "IndexName": values::GSI,
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]},
            }],
            "LocalSecondaryIndexes": [{
                "IndexName": values::LSI,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }],
        }),
    ]
}

/// Both endpoints, and the mismatches found so far.
struct Pair {
    http: reqwest::Client,
    emulator: String,
    local: String,
    seed: u64,
    mismatches: Vec<Value>,
    excused: BTreeMap<&'static str, usize>,
}

impl Pair {
    async fn compare(&mut self, index: usize, request: &Request, compare: Compare) {
        let ours = wire::send(&self.http, &self.emulator, request).await;
        let theirs = wire::send(&self.http, &self.local, request).await;
        let (ours, theirs) = match compare {
            Compare::Full => (ours, theirs),
            Compare::CountsOnly => (counts_only(ours), counts_only(theirs)),
            Compare::StatusOnly => (status_only(ours), status_only(theirs)),
            Compare::Unordered => (unordered(ours), unordered(theirs)),
            Compare::BatchCounts => (batch_counts(ours), batch_counts(theirs)),
        };
        if ours == theirs {
            return;
        }
        if let Some(rules) = deviations::excused(request, &ours, &theirs) {
            for rule in rules {
                *self.excused.entry(rule).or_default() += 1;
            }
            return;
        }
        let items = self.current_items(request).await;
        self.mismatches.push(json!({
            "items_before_on_both": items,
            "seed": self.seed,
            "operation_index": index,
            "operation": request.operation,
            "request": serde_json::from_str::<Value>(&request.body).unwrap_or(json!(request.body)),
            "emulator": wire::render(&ours),
            "dynamodb_local": wire::render(&theirs),
        }));
    }
}

impl Pair {
    /// Deletes, on DynamoDB Local only and uncompared, every table a run creates (the main
    /// ones, the scratch table and the limit tables), so runs of several seeds against one
    /// DynamoDB Local each start from nothing: a table left over shows in ListTables and makes
    /// CreateTable answer ResourceInUseException.
    async fn drop_all_on_oracle(&self) {
        let main = table_definitions()
            .into_iter()
            .map(|t| t["TableName"].clone());
        let others = limits::tables().into_iter().chain([control::SCRATCH]);
        for name in main.chain(others.map(|n| json!(n))) {
            let delete = Request::json("DeleteTable", &json!({ "TableName": name }));
            let _ = wire::send(&self.http, &self.local, &delete).await;
        }
    }

    /// For a single-item write that mismatched: the item as each side holds it now (the write
    /// failed on at least one side, so usually as it was before), to tell state from logic.
    async fn current_items(&self, request: &Request) -> Value {
        let Ok(body) = serde_json::from_str::<Value>(&request.body) else {
            return Value::Null;
        };
        let (Some(table), Some(key)) = (body.get("TableName"), body.get("Key")) else {
            return Value::Null;
        };
        let get = Request::json("GetItem", &json!({ "TableName": table, "Key": key }));
        let ours = wire::send(&self.http, &self.emulator, &get).await;
        let theirs = wire::send(&self.http, &self.local, &get).await;
        json!({ "emulator": ours.body, "dynamodb_local": theirs.body })
    }
}

/// A parallel Scan segment keeps only its status and error.
fn status_only(mut answer: Answer) -> Answer {
    if answer.code.is_none() {
        answer.body = json!({});
    }
    answer
}

/// Items sorted: an index Query orders only by index key.
fn unordered(mut answer: Answer) -> Answer {
    wire::sort_array(&mut answer.body, "Items");
    answer
}

/// A BatchGetItem answer cut at 16 MB: how many items came back and how many keys were left,
/// per table (which ones is AWS's choice).
fn batch_counts(mut answer: Answer) -> Answer {
    for member in ["Responses", "UnprocessedKeys"] {
        let Some(tables) = answer.body.get_mut(member).and_then(Value::as_object_mut) else {
            continue;
        };
        for value in tables.values_mut() {
            let items = value.get("Keys").unwrap_or(value);
            let count = items.as_array().map_or(0, Vec::len);
            match value.get_mut("Keys") {
                Some(keys) => *keys = json!(count),
                None => *value = json!(count),
            }
        }
    }
    answer
}

/// A Scan page keeps only what does not depend on hash order.
fn counts_only(mut answer: Answer) -> Answer {
    if let Some(body) = answer.body.as_object_mut() {
        body.remove("Items");
        if let Some(key) = body.get_mut("LastEvaluatedKey") {
            *key = json!("present");
        }
    }
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_matches_dynamodb_local() {
    let Ok(local) = std::env::var("ORDERLAB_DYNAMODB_LOCAL") else {
        // Straight to stderr, past the test harness's capture, so a plain `cargo test` shows it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: dynamodb_differential needs DynamoDB Local; run `scripts/dynamodb-local.sh test` \
             (sets ORDERLAB_DYNAMODB_LOCAL)"
        );
        return;
    };
    let seed = env_number("ORDERLAB_DIFF_SEED", DEFAULT_SEED);
    let operations = env_number("ORDERLAB_DIFF_OPS", DEFAULT_OPERATIONS);
    let emulator = Emulator::start(Config::default())
        .await
        .expect("emulator starts");
    let mut pair = Pair {
        http: reqwest::Client::new(),
        emulator: emulator.endpoint().to_owned(),
        local,
        seed,
        mismatches: Vec::new(),
        excused: BTreeMap::new(),
    };
    // A DynamoDB Local left running by an earlier run (another seed) may hold any of them.
    pair.drop_all_on_oracle().await;
    let mut index = 0;
    for table in table_definitions() {
        let name = table["TableName"].clone();
        pair.compare(
            index,
            &Request::json("DeleteTable", &json!({ "TableName": name })),
            Compare::Full,
        )
        .await;
        pair.compare(index, &Request::json("CreateTable", &table), Compare::Full)
            .await;
        index += 1;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut with_token: Option<operations::Generated> = None;
    for _ in 0..operations {
        // A request with a ClientRequestToken is sometimes retried as is, as an SDK would.
        let generated = match with_token.take() {
            Some(previous) if rng.random_bool(0.5) => previous,
            _ => operations::next(&mut rng),
        };
        pair.compare(index, &generated.request, generated.compare)
            .await;
        if generated.request.body.contains("\"ClientRequestToken\"") {
            with_token = Some(generated);
        }
        index += 1;
    }
    for generated in limits::requests() {
        pair.compare(index, &generated.request, generated.compare)
            .await;
        index += 1;
    }
    for table in table_definitions() {
        let scan = json!({ "TableName": table["TableName"] });
        pair.compare(index, &Request::json("Scan", &scan), Compare::Full)
            .await;
        index += 1;
    }
    emulator.shutdown().await;
    pair.drop_all_on_oracle().await;
    println!(
        "dynamodb_differential: seed {seed}, {index} operations, {} mismatches, excused as known DynamoDB Local deviations: {:?}",
        pair.mismatches.len(),
        pair.excused
    );
    if let Ok(path) = std::env::var("ORDERLAB_DIFF_DUMP") {
        let lines: Vec<String> = pair.mismatches.iter().map(Value::to_string).collect();
        std::fs::write(&path, lines.join("\n")).expect("dump written");
    }
    for mismatch in pair.mismatches.iter().take(15) {
        println!(
            "{}",
            serde_json::to_string_pretty(mismatch).unwrap_or_default()
        );
    }
    assert!(
        pair.mismatches.is_empty(),
        "{} mismatches",
        pair.mismatches.len()
    );
}
