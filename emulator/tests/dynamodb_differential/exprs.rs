//! Random condition, filter, projection and update expressions with their `#name` / `:value`
//! placeholders — mostly valid, sometimes broken on purpose (unused or undefined placeholders,
//! reserved words, syntax errors, wrong operand types).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::values::{self, pick};

/// An expression under construction and the placeholders it defines.
#[derive(Default)]
pub struct Placeholders {
    pub names: Map<String, Value>,
    pub values: Map<String, Value>,
}

impl Placeholders {
    pub fn value(&mut self, value: Value) -> String {
        let token = format!(":v{}", self.values.len());
        self.values.insert(token.clone(), value);
        token
    }

    pub fn name(&mut self, name: &str) -> String {
        let token = format!("#n{}", self.names.len());
        self.names.insert(token.clone(), json!(name));
        token
    }

    /// Writes the placeholders into `request`, breaking them when `valid` is false.
    pub fn attach(mut self, rng: &mut ChaCha8Rng, request: &mut Value, valid: bool) {
        if !valid {
            match rng.random_range(0..3) {
                0 => {
                    self.values.insert(":unused".into(), json!({"S": "u"}));
                }
                1 => {
                    self.names.insert("#unused".into(), json!("a"));
                }
                _ => {
                    let first = self.values.keys().next().cloned();
                    if let Some(first) = first {
                        self.values.remove(&first);
                    }
                }
            }
        }
        if !self.names.is_empty() {
            request["ExpressionAttributeNames"] = Value::Object(self.names);
        }
        if !self.values.is_empty() {
            request["ExpressionAttributeValues"] = Value::Object(self.values);
        }
    }
}

const TOP: &[&str] = &["a", "n", "b", "l", "m", "ss", "ns", "bin", "q", "status"];

/// A document path: top-level names, list elements and map members.
pub fn path(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    let nested = match rng.random_range(0..10) {
        0 => Some("l[0]"),
        1 => Some("l[1]"),
        2 => Some("m.x"),
        3 => Some("m.y[0]"),
        _ => None,
    };
    if let Some(nested) = nested {
        return nested.to_owned();
    }
    let top = *pick(rng, TOP);
    if top == "status" || rng.random_bool(0.3) {
        ph.name(top)
    } else {
        top.to_owned()
    }
}

fn operand_value(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    let value = if rng.random_bool(0.8) {
        match rng.random_range(0..3) {
            0 => values::string(rng),
            1 => values::number(rng),
            _ => values::scalar(rng),
        }
    } else {
        values::any(rng)
    };
    ph.value(value)
}

const COMPARATORS: &[&str] = &["=", "<>", "<", "<=", ">", ">="];
const TYPES: &[&str] = &[
    "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS", "X",
];

fn atom(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    match rng.random_range(0..10) {
        0..=2 => {
            let p = path(rng, ph);
            let v = operand_value(rng, ph);
            format!("{p} {} {v}", pick(rng, COMPARATORS))
        }
        3 => {
            let p = path(rng, ph);
            let (lo, hi) = (operand_value(rng, ph), operand_value(rng, ph));
            format!("{p} BETWEEN {lo} AND {hi}")
        }
        4 => {
            let p = path(rng, ph);
            let count = rng.random_range(1..4);
            let list: Vec<String> = (0..count).map(|_| operand_value(rng, ph)).collect();
            format!("{p} IN ({})", list.join(", "))
        }
        5 => format!("attribute_exists({})", path(rng, ph)),
        6 => format!("attribute_not_exists({})", path(rng, ph)),
        7 => {
            let p = path(rng, ph);
            let t = ph.value(json!({ "S": pick(rng, TYPES) }));
            format!("attribute_type({p}, {t})")
        }
        8 => {
            let p = path(rng, ph);
            let v = operand_value(rng, ph);
            let f = if rng.random_bool(0.5) {
                "begins_with"
            } else {
                "contains"
            };
            format!("{f}({p}, {v})")
        }
        _ => size_atom(rng, ph),
    }
}

/// `size` of a path or of a value (unicode strings count characters), `size` as a plain
/// attribute name, and a first operand repeated (`p = p`, refused).
fn size_atom(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    let v = ph.value(values::number(rng));
    let comparator = pick(rng, COMPARATORS);
    match rng.random_range(0..5) {
        0 => {
            let w = ph.value(values::any(rng));
            format!("size({w}) {comparator} {v}")
        }
        1 => format!("size {comparator} {v}"),
        2 => {
            let p = path(rng, ph);
            format!("{p} {comparator} {p}")
        }
        _ => {
            let p = path(rng, ph);
            format!("size({p}) {comparator} {v}")
        }
    }
}

/// A condition (also used as a filter): comparisons and functions joined by AND/OR/NOT.
pub fn condition(rng: &mut ChaCha8Rng, ph: &mut Placeholders, depth: u32) -> String {
    if depth == 0 || rng.random_bool(0.45) {
        return atom(rng, ph);
    }
    match rng.random_range(0..4) {
        0 => format!(
            "{} AND {}",
            condition(rng, ph, depth - 1),
            condition(rng, ph, depth - 1)
        ),
        1 => format!(
            "{} OR {}",
            condition(rng, ph, depth - 1),
            condition(rng, ph, depth - 1)
        ),
        2 => format!("NOT {}", condition(rng, ph, depth - 1)),
        _ => format!("({})", condition(rng, ph, depth - 1)),
    }
}

/// Breaks a valid expression: a syntax error, a reserved word or an unknown function.
pub fn corrupt(rng: &mut ChaCha8Rng, expression: &str) -> String {
    match rng.random_range(0..5) {
        0 => format!("{expression} AND"),
        1 => format!("status = {}", ":v0"),
        2 => format!("nosuchfn(a) AND {expression}"),
        3 => format!("({expression}"),
        _ => format!("{expression} a"),
    }
}

/// A ProjectionExpression of one to three paths.
pub fn projection(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    let count = rng.random_range(1..4);
    let paths: Vec<String> = (0..count).map(|_| path(rng, ph)).collect();
    paths.join(", ")
}

/// An UpdateExpression with SET / REMOVE / ADD / DELETE clauses over distinct attributes.
pub fn update(rng: &mut ChaCha8Rng, ph: &mut Placeholders) -> String {
    let mut sets = Vec::new();
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    let mut deletes = Vec::new();
    let mut targets: Vec<&str> = vec!["a", "n", "b", "l", "m", "ss", "ns", "q", "status"];
    let clauses = rng.random_range(1..4);
    for _ in 0..clauses {
        if targets.is_empty() {
            break;
        }
        let target = targets.remove(rng.random_range(0..targets.len()));
        let t = if target == "status" {
            ph.name(target)
        } else {
            target.to_owned()
        };
        match rng.random_range(0..10) {
            0 | 1 => {
                let v = operand_value(rng, ph);
                sets.push(format!("{t} = {v}"));
            }
            2 => {
                // Now and then a string operand: refused before the item is read.
                let v = ph.value(if rng.random_bool(0.8) {
                    values::number(rng)
                } else {
                    values::string(rng)
                });
                let op = if rng.random_bool(0.5) { "+" } else { "-" };
                sets.push(format!("{t} = {t} {op} {v}"));
            }
            3 => {
                let v = ph.value(values::list(rng));
                sets.push(format!("{t} = list_append({t}, {v})"));
            }
            4 => {
                let v = operand_value(rng, ph);
                sets.push(format!("{t} = if_not_exists({t}, {v})"));
            }
            5 => {
                let v = ph.value(values::string(rng));
                sets.push(format!("m.x = {v}"));
                targets.retain(|n| *n != "m");
                let _ = t;
            }
            6 => removes.push(if target == "l" { "l[0]".to_owned() } else { t }),
            7 => {
                let v = ph.value(if rng.random_bool(0.5) {
                    values::number(rng)
                } else {
                    json!({ "SS": ["x", "w"] })
                });
                adds.push(format!("{t} {v}"));
            }
            8 => {
                let v = ph.value(json!({ "SS": ["x"] }));
                deletes.push(format!("{t} {v}"));
            }
            _ => {
                let v = ph.value(json!({ "NS": ["1", "5"] }));
                adds.push(format!("{t} {v}"));
            }
        }
    }
    let mut parts = Vec::new();
    if !sets.is_empty() {
        parts.push(format!("SET {}", sets.join(", ")));
    }
    if !removes.is_empty() {
        parts.push(format!("REMOVE {}", removes.join(", ")));
    }
    if !adds.is_empty() {
        parts.push(format!("ADD {}", adds.join(", ")));
    }
    if !deletes.is_empty() {
        parts.push(format!("DELETE {}", deletes.join(", ")));
    }
    parts.join(" ")
}
