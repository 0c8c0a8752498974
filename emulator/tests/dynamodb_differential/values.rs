//! Random attribute values and items for the differential test, from a small domain so that
//! conditions, filters and key conditions hit existing data often.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

pub const HASH_TABLE: &str = "diff_hash";
pub const RANGE_TABLE: &str = "diff_range";
/// The range table's global secondary index (`status`, `n`; projects `a`).
pub const GSI: &str = "by_status";
/// The range table's local secondary index (`pk`, `n`; keys only).
pub const LSI: &str = "by_n";

const STRINGS: &[&str] = &["x", "y", "xy", "z", "ab", "abc", "abÿ"];
const NUMBERS: &[&str] = &["1", "2", "10", "-3", "1.5", "0", "100", "2.50", "007"];
const BINARIES: &[&str] = &["AQI=", "AA==", "AQ=="];

pub fn pick<'a, T>(rng: &mut ChaCha8Rng, from: &'a [T]) -> &'a T {
    &from[rng.random_range(0..from.len())]
}

pub fn string(rng: &mut ChaCha8Rng) -> Value {
    json!({ "S": pick(rng, STRINGS) })
}

pub fn number(rng: &mut ChaCha8Rng) -> Value {
    json!({ "N": pick(rng, NUMBERS) })
}

fn subset(rng: &mut ChaCha8Rng, from: &[&str]) -> Vec<Value> {
    let mut out: Vec<Value> = from
        .iter()
        .filter(|_| rng.random_bool(0.5))
        .map(|s| json!(s))
        .collect();
    if out.is_empty() {
        out.push(json!(pick(rng, from)));
    }
    out
}

/// Any scalar or set value.
pub fn scalar(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..9) {
        0 | 1 => string(rng),
        2 | 3 => number(rng),
        4 => json!({ "BOOL": rng.random_bool(0.5) }),
        5 => json!({ "NULL": true }),
        6 => json!({ "B": pick(rng, BINARIES) }),
        7 => json!({ "SS": subset(rng, &["x", "y", "z"]) }),
        _ => json!({ "NS": subset(rng, &["1", "2", "3"]) }),
    }
}

pub fn list(rng: &mut ChaCha8Rng) -> Value {
    let len = rng.random_range(0..4);
    let items: Vec<Value> = (0..len)
        .map(|_| {
            if rng.random_bool(0.5) {
                string(rng)
            } else {
                number(rng)
            }
        })
        .collect();
    json!({ "L": items })
}

pub fn map(rng: &mut ChaCha8Rng) -> Value {
    let mut m = Map::new();
    if rng.random_bool(0.7) {
        m.insert("x".into(), scalar(rng));
    }
    if rng.random_bool(0.5) {
        m.insert("y".into(), list(rng));
    }
    json!({ "M": m })
}

/// Any value, nested ones included.
pub fn any(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..10) {
        0 => list(rng),
        1 => map(rng),
        _ => scalar(rng),
    }
}

pub fn hash_key(rng: &mut ChaCha8Rng, table: &str) -> Value {
    if table == HASH_TABLE {
        json!({ "S": format!("k{}", rng.random_range(0..8)) })
    } else {
        json!({ "S": format!("p{}", rng.random_range(0..3)) })
    }
}

pub fn sort_key(rng: &mut ChaCha8Rng) -> Value {
    json!({ "N": rng.random_range(1..7).to_string() })
}

/// A key of `table`, sometimes malformed (wrong type, missing or extra attribute).
pub fn key(rng: &mut ChaCha8Rng, table: &str, valid: bool) -> Value {
    let mut key = Map::new();
    key.insert("pk".into(), hash_key(rng, table));
    if table == RANGE_TABLE {
        key.insert("sk".into(), sort_key(rng));
    }
    if !valid {
        match rng.random_range(0..5) {
            0 => {
                key.insert("pk".into(), number(rng));
            }
            1 => {
                key.remove("pk");
            }
            2 => {
                key.insert("a".into(), string(rng));
            }
            3 => {
                key.insert("pk".into(), json!({ "S": "" }));
            }
            _ => {
                key.insert("sk".into(), string(rng));
            }
        }
    }
    Value::Object(key)
}

type MakeValue = fn(&mut ChaCha8Rng) -> Value;

/// A full item of `table`: its key plus random attributes.
pub fn item(rng: &mut ChaCha8Rng, table: &str, valid: bool) -> Value {
    let mut item = key(rng, table, valid)
        .as_object()
        .cloned()
        .unwrap_or_default();
    let attrs: [(&str, MakeValue); 9] = [
        ("a", string),
        ("n", number),
        ("b", |r| json!({ "BOOL": r.random_bool(0.5) })),
        ("l", list),
        ("m", map),
        ("ss", |r| json!({ "SS": subset(r, &["x", "y", "z"]) })),
        ("ns", |r| json!({ "NS": subset(r, &["1", "2", "3"]) })),
        ("bin", |r| json!({ "B": pick(r, BINARIES) })),
        ("status", string),
    ];
    for (name, make) in attrs {
        if rng.random_bool(0.5) {
            item.insert(name.into(), make(rng));
        }
    }
    if !valid && rng.random_bool(0.5) {
        let bad = match rng.random_range(0..4) {
            0 => json!({ "SS": [] }),
            1 => json!({ "N": "abc" }),
            2 => json!({ "SS": ["x", "x"] }),
            _ => json!({ "N": "1e200" }),
        };
        item.insert("a".into(), bad);
    }
    Value::Object(item)
}
