//! Requests in DynamoDB's legacy (pre-expression) API: `Expected` and `ConditionalOperator`
//! on PutItem / DeleteItem / UpdateItem, `AttributeUpdates`, `KeyConditions`, `QueryFilter`,
//! `ScanFilter` and `AttributesToGet` (GetItem, BatchGetItem, Query, Scan, with Select) —
//! mostly valid, sometimes wrong on purpose (argument counts, types, shapes, mixing with
//! expression parameters, placeholders without expressions).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::operations::{Compare, Generated};
use super::values::{self, HASH_TABLE, RANGE_TABLE, pick};
use super::wire::Request;

const OPERATORS: &[&str] = &[
    "EQ",
    "NE",
    "LE",
    "LT",
    "GE",
    "GT",
    "NOT_NULL",
    "NULL",
    "CONTAINS",
    "NOT_CONTAINS",
    "BEGINS_WITH",
    "IN",
    "BETWEEN",
];
const ATTRIBUTES: &[&str] = &["a", "n", "b", "l", "m", "ss", "ns", "bin", "status", "zz"];

fn full(operation: &str, body: Value) -> Generated {
    Generated {
        request: Request::json(operation, &body),
        compare: Compare::Full,
    }
}

fn table(rng: &mut ChaCha8Rng) -> &'static str {
    if rng.random_bool(0.5) {
        HASH_TABLE
    } else {
        RANGE_TABLE
    }
}

/// One legacy request; `valid` is false for about one in five.
pub fn next(rng: &mut ChaCha8Rng) -> Generated {
    let valid = rng.random_bool(0.8);
    match rng.random_range(0..100) {
        0..18 => put_item(rng, valid),
        18..30 => delete_item(rng, valid),
        30..55 => update_item(rng, valid),
        55..63 => get_item(rng, valid),
        63..68 => batch_get(rng, valid),
        68..85 => query(rng, valid),
        _ => scan(rng, valid),
    }
}

/// A value an operator is usually given: a scalar of the attribute's likely type.
fn operand(rng: &mut ChaCha8Rng, valid: bool) -> Value {
    if !valid && rng.random_bool(0.5) {
        return values::any(rng);
    }
    match rng.random_range(0..6) {
        0 | 1 => values::string(rng),
        2 | 3 => values::number(rng),
        4 => json!({ "B": pick(rng, &["AQI=", "AA==", "AQ=="]) }),
        _ => values::scalar(rng),
    }
}

fn argument_count(rng: &mut ChaCha8Rng, op: &str, valid: bool) -> usize {
    let count = match op {
        "NULL" | "NOT_NULL" => 0,
        "IN" => rng.random_range(1..4),
        "BETWEEN" => 2,
        _ => 1,
    };
    if !valid && rng.random_bool(0.3) {
        return rng.random_range(0..3);
    }
    count
}

/// A `Condition`: an operator and its AttributeValueList.
fn condition(rng: &mut ChaCha8Rng, valid: bool) -> Value {
    let op = *pick(rng, OPERATORS);
    let count = argument_count(rng, op, valid);
    let mut list: Vec<Value> = Vec::new();
    let first = operand(rng, valid);
    for _ in 0..count {
        // One type for all values, unless broken on purpose.
        let value = if list.is_empty() {
            first.clone()
        } else if !valid && rng.random_bool(0.3) {
            operand(rng, false)
        } else {
            same_type(rng, &first)
        };
        list.push(value);
    }
    if op == "BETWEEN" && list.len() == 2 && valid && rng.random_bool(0.7) {
        sort_pair(&mut list);
    }
    let mut body = json!({ "ComparisonOperator": op });
    if count > 0 || rng.random_bool(0.2) {
        body["AttributeValueList"] = Value::Array(list);
    }
    if !valid && rng.random_bool(0.1) {
        body["ComparisonOperator"] = json!(pick(rng, &["FOO", "eq"]));
    }
    body
}

/// Another value of `like`'s type, from the same small domain.
fn same_type(rng: &mut ChaCha8Rng, like: &Value) -> Value {
    for _ in 0..20 {
        let candidate = values::scalar(rng);
        let tag = |v: &Value| v.as_object().and_then(|o| o.keys().next().cloned());
        if tag(&candidate) == tag(like) {
            return candidate;
        }
    }
    like.clone()
}

/// Orders two numbers or strings so BETWEEN's bounds are usually valid.
fn sort_pair(list: &mut [Value]) {
    let key = |v: &Value| -> Option<(u8, f64, String)> {
        let o = v.as_object()?;
        if let Some(n) = o.get("N").and_then(Value::as_str) {
            return Some((0, n.parse().ok()?, String::new()));
        }
        o.get("S")
            .and_then(Value::as_str)
            .map(|s| (1, 0.0, s.to_owned()))
    };
    if let (Some(a), Some(b)) = (key(&list[0]), key(&list[1])) {
        let greater = if a.0 == 0 { a.1 > b.1 } else { a.2 > b.2 };
        if greater {
            list.swap(0, 1);
        }
    }
}

/// A map of conditions on random attributes (`ScanFilter`, `QueryFilter`).
fn filter(rng: &mut ChaCha8Rng, valid: bool, names: &[&str]) -> Value {
    let mut map = Map::new();
    for _ in 0..rng.random_range(1..4) {
        let name = (*pick(rng, names)).to_owned();
        let valid = valid || rng.random_bool(0.5);
        map.insert(name, condition(rng, valid));
    }
    Value::Object(map)
}

/// `ExpectedAttributeValue`s: Exists / Value, or ComparisonOperator and values.
fn expected(rng: &mut ChaCha8Rng, valid: bool) -> Value {
    let mut map = Map::new();
    for _ in 0..rng.random_range(1..3) {
        let name = (*pick(rng, &["a", "n", "ss", "b", "zz", "pk"])).to_owned();
        let entry = match rng.random_range(0..6) {
            0 => json!({ "Exists": false }),
            1 => json!({ "Value": operand(rng, valid) }),
            2 => json!({ "Exists": true, "Value": operand(rng, valid) }),
            3 => {
                let mut c = condition(rng, valid);
                if let Some(list) = c.get("AttributeValueList").and_then(Value::as_array)
                    && list.len() == 1
                    && rng.random_bool(0.5)
                {
                    let value = list[0].clone();
                    c.as_object_mut().map(|o| o.remove("AttributeValueList"));
                    c["Value"] = value;
                }
                c
            }
            _ => condition(rng, valid),
        };
        map.insert(name, entry);
    }
    if !valid && rng.random_bool(0.5) {
        let broken = match rng.random_range(0..6) {
            0 => json!({ "Exists": true }),
            1 => json!({ "Exists": false, "Value": {"S": "x"} }),
            2 => json!({}),
            3 => json!({ "ComparisonOperator": "EQ", "Exists": true, "Value": {"S": "x"} }),
            4 => json!({ "AttributeValueList": [{"S": "x"}] }),
            _ => {
                json!({ "ComparisonOperator": "GT", "Value": {"N": "1"}, "AttributeValueList": [{"N": "1"}] })
            }
        };
        map.insert("a".to_owned(), broken);
    }
    Value::Object(map)
}

/// ConditionalOperator beside a map of `count` conditions, sometimes without one.
fn conditional_operator(rng: &mut ChaCha8Rng, body: &mut Value, member: &str, valid: bool) {
    let count = body
        .get(member)
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    if (count >= 2 && rng.random_bool(0.5)) || (!valid && rng.random_bool(0.2)) {
        body["ConditionalOperator"] = json!(pick(rng, &["AND", "OR"]));
    }
}

/// Breaks a request on purpose: an expression parameter beside the legacy ones, or
/// placeholders that no expression uses.
fn mix(rng: &mut ChaCha8Rng, body: &mut Value, expression: &str) {
    match rng.random_range(0..4) {
        0 => body[expression] = json!("attribute_exists(a)"),
        1 => body["ExpressionAttributeNames"] = json!({"#a": "a"}),
        2 => body["ExpressionAttributeValues"] = json!({":a": {"S": "x"}}),
        _ => {}
    }
}

fn with_expected(rng: &mut ChaCha8Rng, body: &mut Value, valid: bool) {
    if rng.random_bool(0.7) {
        body["Expected"] = expected(rng, valid);
        conditional_operator(rng, body, "Expected", valid);
    }
    if !valid && rng.random_bool(0.3) {
        mix(rng, body, "ConditionExpression");
    }
    if rng.random_bool(0.3) {
        body["ReturnValuesOnConditionCheckFailure"] = json!(pick(rng, &["ALL_OLD", "NONE"]));
    }
}

fn put_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Item": values::item(rng, table, true) });
    with_expected(rng, &mut body, valid);
    if rng.random_bool(0.4) {
        body["ReturnValues"] = json!(pick(rng, &["NONE", "ALL_OLD"]));
    }
    full("PutItem", body)
}

fn delete_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, true) });
    with_expected(rng, &mut body, valid);
    if rng.random_bool(0.4) {
        body["ReturnValues"] = json!(pick(rng, &["NONE", "ALL_OLD"]));
    }
    full("DeleteItem", body)
}

/// One `AttributeValueUpdate`.
fn attribute_update(rng: &mut ChaCha8Rng, name: &str, valid: bool) -> Value {
    let action = *pick(rng, &["PUT", "ADD", "DELETE", "DELETE"]);
    let value = match (name, action) {
        ("n", "ADD") => values::number(rng),
        ("ss", _) => json!({ "SS": [pick(rng, &["x", "y", "z"])] }),
        ("ns", _) => json!({ "NS": [pick(rng, &["1", "2", "3"])] }),
        ("l", "ADD") => values::list(rng),
        _ => values::any(rng),
    };
    let mut update = json!({ "Action": action, "Value": value });
    let drop_value = action == "DELETE" && rng.random_bool(0.5);
    if drop_value || (!valid && rng.random_bool(0.2)) {
        update.as_object_mut().map(|o| o.remove("Value"));
    }
    // Not generated: an entry without Action (AWS documents PUT as the default; DynamoDB
    // Local 11.1.0 leaves such an attribute unchanged) and an Action outside the enum
    // (DynamoDB Local checks it only after Expected). See docs/dynamodb-differences.md.
    update
}

fn update_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, true) });
    if rng.random_bool(0.9) {
        let mut updates = Map::new();
        for _ in 0..rng.random_range(0..4) {
            let names: &[&str] = if valid {
                &["a", "n", "ss", "ns", "l", "m", "zz"]
            } else {
                &["a", "n", "ss", "pk", "sk", "b"]
            };
            let name = *pick(rng, names);
            updates.insert(name.to_owned(), attribute_update(rng, name, valid));
        }
        body["AttributeUpdates"] = Value::Object(updates);
    }
    with_expected(rng, &mut body, valid);
    if !valid && rng.random_bool(0.2) {
        body["UpdateExpression"] = json!("SET a = :a");
        body["ExpressionAttributeValues"] = json!({":a": {"S": "x"}});
    }
    if rng.random_bool(0.6) {
        let choices: &[&str] = &["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"];
        body["ReturnValues"] = json!(pick(rng, choices));
    }
    full("UpdateItem", body)
}

fn attributes_to_get(rng: &mut ChaCha8Rng, valid: bool) -> Value {
    let mut names: Vec<&str> = ATTRIBUTES
        .iter()
        .copied()
        .chain(["pk", "sk"])
        .filter(|_| rng.random_bool(0.3))
        .collect();
    if names.is_empty() {
        names.push("a");
    }
    if !valid && rng.random_bool(0.4) {
        names.push(names[0]);
    }
    json!(names)
}

fn get_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, true) });
    body["AttributesToGet"] = attributes_to_get(rng, valid);
    if !valid && rng.random_bool(0.4) {
        mix(rng, &mut body, "ProjectionExpression");
    }
    full("GetItem", body)
}

fn batch_get(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let mut tables = Map::new();
    for table in [HASH_TABLE, RANGE_TABLE] {
        if rng.random_bool(0.6) || tables.is_empty() {
            let mut keys: Vec<Value> = (0..rng.random_range(1..4))
                .map(|_| values::key(rng, table, true))
                .collect();
            keys.dedup();
            let mut spec =
                json!({ "Keys": keys, "AttributesToGet": attributes_to_get(rng, valid) });
            if !valid && rng.random_bool(0.3) {
                spec["ProjectionExpression"] = json!("a");
            }
            tables.insert(table.to_owned(), spec);
        }
    }
    full("BatchGetItem", json!({ "RequestItems": tables }))
}

/// Key conditions on the range table: `pk` EQ, and sometimes a condition on `sk`.
fn key_conditions(rng: &mut ChaCha8Rng, valid: bool) -> Value {
    let mut map = Map::new();
    let hash = json!({ "ComparisonOperator": "EQ", "AttributeValueList": [values::hash_key(rng, RANGE_TABLE)] });
    if valid || rng.random_bool(0.5) {
        map.insert("pk".to_owned(), hash);
    } else {
        map.insert("pk".to_owned(), condition(rng, false));
    }
    if rng.random_bool(0.7) {
        let op = *pick(
            rng,
            &["EQ", "LE", "LT", "GE", "GT", "BETWEEN", "BEGINS_WITH"],
        );
        let mut list = vec![values::sort_key(rng)];
        if op == "BETWEEN" {
            list.push(values::sort_key(rng));
            sort_pair(&mut list);
        }
        let mut range = json!({ "ComparisonOperator": op, "AttributeValueList": list });
        if !valid && rng.random_bool(0.5) {
            range = condition(rng, false);
        }
        let name = if !valid && rng.random_bool(0.2) {
            "a"
        } else {
            "sk"
        };
        map.insert(name.to_owned(), range);
    }
    if !valid && rng.random_bool(0.15) {
        map.insert("zz".to_owned(), condition(rng, true));
    }
    Value::Object(map)
}

fn read_options(rng: &mut ChaCha8Rng, body: &mut Value, filter_member: &str, valid: bool) {
    if rng.random_bool(0.5) {
        let names: &[&str] = if valid || rng.random_bool(0.5) {
            &["a", "n", "b", "l", "ss", "ns", "bin", "zz"]
        } else {
            &["pk", "sk", "a", "n"]
        };
        body[filter_member] = filter(rng, valid, names);
        conditional_operator(rng, body, filter_member, valid);
    }
    if rng.random_bool(0.4) {
        body["AttributesToGet"] = attributes_to_get(rng, valid);
    }
    if rng.random_bool(0.3) {
        let choices: &[&str] = if valid && body.get("AttributesToGet").is_some() {
            &["SPECIFIC_ATTRIBUTES"]
        } else {
            &["COUNT", "ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES"]
        };
        body["Select"] = json!(pick(rng, choices));
    }
    if !valid && rng.random_bool(0.3) {
        mix(rng, body, "FilterExpression");
    }
}

fn query(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let mut body = json!({ "TableName": RANGE_TABLE, "KeyConditions": key_conditions(rng, valid) });
    read_options(rng, &mut body, "QueryFilter", valid);
    if rng.random_bool(0.3) {
        body["ScanIndexForward"] = json!(false);
    }
    if !valid && rng.random_bool(0.15) {
        body["KeyConditionExpression"] = json!("pk = :p");
        body["ExpressionAttributeValues"] = json!({":p": {"S": "p0"}});
    }
    full("Query", body)
}

fn scan(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table });
    read_options(rng, &mut body, "ScanFilter", valid);
    full("Scan", body)
}
