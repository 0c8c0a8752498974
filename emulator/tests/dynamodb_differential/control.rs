//! The control-plane part of the generator: ListTables (pages, bad limits and start names),
//! DescribeTable, and the life of a scratch table `diff_ctl` — CreateTable (valid and invalid
//! definitions), UpdateTable (billing mode, stream, GSI create and delete, invalid index
//! updates) and DeleteTable. The two main tables keep their shape.
//!
//! DynamoDB Local builds and drops a GSI in the background (about 0.4 s and 1 s) and refuses
//! other index changes meanwhile, while the emulator is done at once. So the scratch table's
//! state is tracked here: after a GSI create or delete only DescribeTable, ListTables and
//! DeleteTable touch it until it is deleted, and those answers are compared with the
//! `index build in progress` tolerance.

use std::sync::Mutex;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::operations::{Compare, Generated};
use super::values::{HASH_TABLE, RANGE_TABLE, pick};
use super::wire::Request;

pub const SCRATCH: &str = "diff_ctl";

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Absent,
    /// Exists; every index is ACTIVE on both sides.
    Settled,
    /// A GSI is being built or dropped by DynamoDB Local.
    Busy,
}

struct Scratch {
    phase: Phase,
    on_demand: bool,
    stream: bool,
    /// Whether the GSI `gsi_a` (created with the table) exists.
    gsi: bool,
}

static SCRATCH_STATE: Mutex<Scratch> = Mutex::new(Scratch {
    phase: Phase::Absent,
    on_demand: true,
    stream: false,
    gsi: false,
});

fn full(operation: &str, body: Value) -> Generated {
    Generated {
        request: Request::json(operation, &body),
        compare: Compare::Full,
    }
}

/// One control-plane operation.
pub fn next(rng: &mut ChaCha8Rng) -> Generated {
    match rng.random_range(0..10) {
        0..2 => list_tables(rng),
        2..4 => describe(rng),
        _ => scratch_step(rng),
    }
}

fn list_tables(rng: &mut ChaCha8Rng) -> Generated {
    let mut body = json!({});
    if rng.random_bool(0.6) {
        body["Limit"] = json!(pick(rng, &[1, 2, 3, 0, 101, -1]));
    }
    if rng.random_bool(0.5) {
        body["ExclusiveStartTableName"] = json!(pick(
            rng,
            &[HASH_TABLE, RANGE_TABLE, SCRATCH, "a_table", "zzz", "ab"]
        ));
    }
    full("ListTables", body)
}

fn describe(rng: &mut ChaCha8Rng) -> Generated {
    let name = *pick(
        rng,
        &[HASH_TABLE, RANGE_TABLE, SCRATCH, "no_such_table", "ab"],
    );
    full("DescribeTable", json!({ "TableName": name }))
}

fn scratch_step(rng: &mut ChaCha8Rng) -> Generated {
    let mut state = SCRATCH_STATE.lock().unwrap_or_else(|e| e.into_inner());
    match state.phase {
        Phase::Absent => absent_step(rng, &mut state),
        Phase::Settled => settled_step(rng, &mut state),
        Phase::Busy => busy_step(rng, &mut state),
    }
}

fn key_attribute() -> Value {
    json!([{"AttributeName": "pk", "AttributeType": "S"}])
}

fn hash_key() -> Value {
    json!([{"AttributeName": "pk", "KeyType": "HASH"}])
}

fn gsi(name: &str, attribute: &str) -> Value {
    json!({
        "IndexName": name,
        "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    })
}

fn absent_step(rng: &mut ChaCha8Rng, state: &mut Scratch) -> Generated {
    match rng.random_range(0..10) {
        0 => full("DeleteTable", json!({ "TableName": SCRATCH })),
        1 => full(
            "UpdateTable",
            json!({ "TableName": SCRATCH, "BillingMode": "PAY_PER_REQUEST" }),
        ),
        2..5 => invalid_create(rng),
        _ => valid_create(rng, state),
    }
}

fn valid_create(rng: &mut ChaCha8Rng, state: &mut Scratch) -> Generated {
    let mut body = json!({
        "TableName": SCRATCH,
        "AttributeDefinitions": key_attribute(),
        "KeySchema": hash_key(),
    });
    let on_demand = rng.random_bool(0.7);
    let with_gsi = on_demand && rng.random_bool(0.6);
    if on_demand {
        body["BillingMode"] = json!("PAY_PER_REQUEST");
    } else {
        body["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1});
    }
    if with_gsi {
        body["AttributeDefinitions"] = json!([
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ]);
        body["GlobalSecondaryIndexes"] = json!([gsi("gsi_a", "g")]);
    }
    let stream = rng.random_bool(0.3);
    if stream {
        body["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"});
    }
    *state = Scratch {
        phase: Phase::Settled,
        on_demand,
        stream,
        gsi: with_gsi,
    };
    full("CreateTable", body)
}

/// CreateTable requests AWS refuses; the scratch table stays absent. (An on-demand table with
/// `ProvisionedThroughput` is left out: DynamoDB Local creates it, AWS refuses it.)
fn invalid_create(rng: &mut ChaCha8Rng) -> Generated {
    let base = json!({
        "TableName": SCRATCH,
        "AttributeDefinitions": key_attribute(),
        "KeySchema": hash_key(),
        "BillingMode": "PAY_PER_REQUEST",
    });
    let mut body = base.clone();
    match rng.random_range(0..7) {
        0 => body["AttributeDefinitions"] = json!([{"AttributeName": "x", "AttributeType": "S"}]),
        1 => {
            body["AttributeDefinitions"] = json!([
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "x", "AttributeType": "S"},
            ])
        }
        2 => {
            body["AttributeDefinitions"] = json!([
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ]);
            body["KeySchema"] = json!([
                {"AttributeName": "sk", "KeyType": "RANGE"},
                {"AttributeName": "pk", "KeyType": "HASH"},
            ]);
        }
        3 => {
            if let Some(b) = body.as_object_mut() {
                b.remove("BillingMode");
            }
        }
        4 => body["GlobalSecondaryIndexes"] = json!([]),
        5 => {
            body["AttributeDefinitions"] = json!([
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ]);
            body["GlobalSecondaryIndexes"] = json!([gsi("gsi_a", "g"), gsi("gsi_a", "g")]);
        }
        _ => {
            body["AttributeDefinitions"] = json!([
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "n", "AttributeType": "N"},
            ]);
            body["LocalSecondaryIndexes"] = json!([{
                "IndexName": "lsi_a",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "n", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }]);
        }
    }
    full("CreateTable", body)
}

fn settled_step(rng: &mut ChaCha8Rng, state: &mut Scratch) -> Generated {
    match rng.random_range(0..12) {
        0 | 1 => full("DescribeTable", json!({ "TableName": SCRATCH })),
        2 if !state.gsi => switch_billing(state),
        3 => toggle_stream(state),
        4..7 => invalid_index_update(rng, state),
        7 | 8 if state.gsi => {
            state.phase = Phase::Busy;
            state.gsi = false;
            full(
                "UpdateTable",
                json!({
                    "TableName": SCRATCH,
                    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsi_a"}}],
                }),
            )
        }
        7 | 8 => create_gsi(state),
        9 => {
            state.phase = Phase::Absent;
            full("DeleteTable", json!({ "TableName": SCRATCH }))
        }
        _ => full("DescribeTable", json!({ "TableName": SCRATCH })),
    }
}

fn switch_billing(state: &mut Scratch) -> Generated {
    let body = if state.on_demand {
        json!({
            "TableName": SCRATCH,
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
        })
    } else {
        json!({ "TableName": SCRATCH, "BillingMode": "PAY_PER_REQUEST" })
    };
    state.on_demand = !state.on_demand;
    full("UpdateTable", body)
}

fn toggle_stream(state: &mut Scratch) -> Generated {
    let spec = if state.stream {
        json!({"StreamEnabled": false})
    } else {
        json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
    };
    state.stream = !state.stream;
    full(
        "UpdateTable",
        json!({ "TableName": SCRATCH, "StreamSpecification": spec }),
    )
}

fn create_gsi(state: &mut Scratch) -> Generated {
    let mut create = gsi("gsi_b", "h");
    if !state.on_demand {
        create["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1});
    }
    state.phase = Phase::Busy;
    full(
        "UpdateTable",
        json!({
            "TableName": SCRATCH,
            "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": create}],
        }),
    )
}

/// GSI updates refused before anything changes.
fn invalid_index_update(rng: &mut ChaCha8Rng, state: &Scratch) -> Generated {
    let h = json!([{"AttributeName": "h", "AttributeType": "S"}]);
    let body = match rng.random_range(0..7) {
        0 => json!({ "TableName": SCRATCH }),
        1 => json!({ "TableName": SCRATCH, "AttributeDefinitions": h }),
        2 => json!({ "TableName": SCRATCH, "GlobalSecondaryIndexUpdates": [{}] }),
        3 => json!({
            "TableName": SCRATCH,
            "GlobalSecondaryIndexUpdates": [
                {"Delete": {"IndexName": "gsi_a"}},
                {"Delete": {"IndexName": "gsi_c"}},
            ],
        }),
        4 => json!({
            "TableName": SCRATCH,
            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsi_zz"}}],
        }),
        5 => json!({
            "TableName": SCRATCH,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "N"}],
            "GlobalSecondaryIndexUpdates": [{"Create": gsi("gsi_b", "pk")}],
        }),
        _ if state.gsi => json!({
            "TableName": SCRATCH,
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": gsi("gsi_a", "g")}],
        }),
        _ => json!({
            "TableName": SCRATCH,
            "GlobalSecondaryIndexUpdates": [{"Create": gsi("gsi_b", "h")}],
        }),
    };
    full("UpdateTable", body)
}

fn busy_step(rng: &mut ChaCha8Rng, state: &mut Scratch) -> Generated {
    if rng.random_bool(0.5) {
        return full("DescribeTable", json!({ "TableName": SCRATCH }));
    }
    state.phase = Phase::Absent;
    full("DeleteTable", json!({ "TableName": SCRATCH }))
}
