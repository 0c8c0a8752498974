//! The seeded operation generator: one random request at a time across the data plane,
//! valid and invalid, plus malformed requests (bad JSON, wrong types, unknown operations).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::exprs::{self, Placeholders};
use super::values::{self, HASH_TABLE, RANGE_TABLE, pick};
use super::wire::Request;

/// How an answer is compared: fully, or without the items whose order AWS leaves open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    Full,
    /// A Scan page: which items land on a page depends on hash order.
    CountsOnly,
    /// A parallel Scan segment: which items a segment holds depends on hash order.
    StatusOnly,
    /// An index Query: AWS leaves the order of items with equal index keys open.
    Unordered,
    /// A BatchGetItem cut at 16 MB: which keys are left unprocessed is AWS's choice.
    BatchCounts,
}

#[derive(Clone)]
pub struct Generated {
    pub request: Request,
    pub compare: Compare,
}

fn table(rng: &mut ChaCha8Rng) -> &'static str {
    if rng.random_bool(0.5) {
        HASH_TABLE
    } else {
        RANGE_TABLE
    }
}

fn full(operation: &str, body: Value) -> Generated {
    Generated {
        request: Request::json(operation, &body),
        compare: Compare::Full,
    }
}

/// One operation; `valid` is false for about one in six.
pub fn next(rng: &mut ChaCha8Rng) -> Generated {
    let valid = rng.random_bool(0.83);
    if rng.random_bool(0.03) {
        return super::control::next(rng);
    }
    if rng.random_bool(0.25) {
        return super::legacy::next(rng);
    }
    match rng.random_range(0..100) {
        0..18 => put_item(rng, valid),
        18..30 => get_item(rng, valid),
        30..48 => update_item(rng, valid),
        48..56 => delete_item(rng, valid),
        56..70 => query(rng, valid),
        70..78 => scan(rng, valid),
        78..83 => batch_write(rng, valid),
        83..87 => batch_get(rng, valid),
        87..93 => transact_write(rng, valid),
        93..95 => transact_get(rng, valid),
        95..97 => time_to_live(rng, valid),
        _ => malformed(rng),
    }
}

fn with_condition(rng: &mut ChaCha8Rng, body: &mut Value, ph: &mut Placeholders, valid: bool) {
    if rng.random_bool(0.5) {
        let mut cond = exprs::condition(rng, ph, 2);
        if !valid && rng.random_bool(0.4) {
            cond = exprs::corrupt(rng, &cond);
        }
        body["ConditionExpression"] = json!(cond);
        if rng.random_bool(0.5) {
            body["ReturnValuesOnConditionCheckFailure"] = json!(pick(rng, &["ALL_OLD", "NONE"]));
        }
    }
}

fn put_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let lenient = valid || rng.random_bool(0.5);
    let mut body = json!({ "TableName": table, "Item": values::item(rng, table, lenient) });
    let mut ph = Placeholders::default();
    with_condition(rng, &mut body, &mut ph, valid);
    if rng.random_bool(0.5) {
        let choices: &[&str] = if valid {
            &["NONE", "ALL_OLD"]
        } else {
            &["ALL_NEW", "UPDATED_OLD", "BOGUS"]
        };
        body["ReturnValues"] = json!(pick(rng, choices));
    }
    let lenient = valid || rng.random_bool(0.5);
    ph.attach(rng, &mut body, lenient);
    full("PutItem", body)
}

fn get_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, valid) });
    let mut ph = Placeholders::default();
    if rng.random_bool(0.5) {
        body["ProjectionExpression"] = json!(exprs::projection(rng, &mut ph));
    }
    if rng.random_bool(0.2) {
        body["ConsistentRead"] = json!(true);
    }
    let lenient = valid || rng.random_bool(0.5);
    ph.attach(rng, &mut body, lenient);
    full("GetItem", body)
}

fn update_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let lenient = valid || rng.random_bool(0.5);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, lenient) });
    let mut ph = Placeholders::default();
    let mut update = exprs::update(rng, &mut ph);
    if !valid && rng.random_bool(0.3) {
        update = match rng.random_range(0..4) {
            0 => "SET pk = :v0".to_owned(),
            1 => format!("{update} SET a = a"),
            2 => "SET a = :v0 REMOVE a".to_owned(),
            _ => "ADD l[0] :v0".to_owned(),
        };
        ph.values.entry(":v0").or_insert(json!({"S": "k0"}));
    }
    body["UpdateExpression"] = json!(update);
    with_condition(rng, &mut body, &mut ph, valid);
    if rng.random_bool(0.6) {
        let choices: &[&str] = &["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"];
        body["ReturnValues"] = json!(pick(rng, choices));
    }
    let lenient = valid || rng.random_bool(0.5);
    ph.attach(rng, &mut body, lenient);
    full("UpdateItem", body)
}

fn delete_item(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table, "Key": values::key(rng, table, valid) });
    let mut ph = Placeholders::default();
    with_condition(rng, &mut body, &mut ph, valid);
    if rng.random_bool(0.5) {
        body["ReturnValues"] = json!(pick(rng, &["NONE", "ALL_OLD"]));
    }
    let lenient = valid || rng.random_bool(0.5);
    ph.attach(rng, &mut body, lenient);
    full("DeleteItem", body)
}

fn key_condition(rng: &mut ChaCha8Rng, ph: &mut Placeholders, valid: bool) -> String {
    let hash = ph.values.len();
    let pk = format!(":v{hash}");
    ph.values
        .insert(pk.clone(), values::hash_key(rng, RANGE_TABLE));
    let mut cond = format!("pk = {pk}");
    if rng.random_bool(0.7) {
        let lo = format!(":v{}", ph.values.len());
        ph.values.insert(lo.clone(), values::sort_key(rng));
        let range = match rng.random_range(0..7) {
            0 => format!("sk = {lo}"),
            1 => format!("sk < {lo}"),
            2 => format!("sk <= {lo}"),
            3 => format!("sk > {lo}"),
            4 => format!("sk >= {lo}"),
            5 => {
                let hi = format!(":v{}", ph.values.len());
                ph.values.insert(hi.clone(), values::sort_key(rng));
                format!("sk BETWEEN {lo} AND {hi}")
            }
            _ => format!("{lo} < sk"),
        };
        cond = if rng.random_bool(0.8) {
            format!("{cond} AND {range}")
        } else {
            format!("{range} AND {cond}")
        };
    }
    if !valid {
        cond = match rng.random_range(0..5) {
            0 => format!("{cond} AND a = {pk}"),
            1 => format!("pk <> {pk}"),
            2 => format!("sk = {pk}"),
            3 => format!("{cond} OR pk = {pk}"),
            _ => format!("begins_with(sk, {pk}) AND pk = {pk}"),
        };
    }
    cond
}

/// A Query on one of the range table's secondary indexes.
fn index_query(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let mut body = json!({ "TableName": RANGE_TABLE });
    let mut ph = Placeholders::default();
    let global = rng.random_bool(0.5);
    let (index, hash) = if global {
        let name = ph.name("status");
        (
            values::GSI,
            format!("{name} = {}", ph.value(values::string(rng))),
        )
    } else {
        let value = values::hash_key(rng, RANGE_TABLE);
        (values::LSI, format!("pk = {}", ph.value(value)))
    };
    body["IndexName"] = json!(index);
    let mut cond = hash;
    if rng.random_bool(0.5) {
        let op = pick(rng, &["=", "<", "<=", ">", ">="]);
        cond = format!("{cond} AND n {op} {}", ph.value(values::number(rng)));
    }
    if !valid && rng.random_bool(0.5) {
        cond = format!("{cond} AND sk = {}", ph.value(values::sort_key(rng)));
    }
    body["KeyConditionExpression"] = json!(cond);
    read_options(rng, &mut body, &mut ph, valid);
    if rng.random_bool(0.2) {
        body["Select"] = json!("ALL_PROJECTED_ATTRIBUTES");
    }
    if rng.random_bool(0.15) {
        body["ConsistentRead"] = json!(true);
    }
    if rng.random_bool(0.3) {
        body["ScanIndexForward"] = json!(false);
    }
    let lenient = valid || rng.random_bool(0.7);
    ph.attach(rng, &mut body, lenient);
    let compare = if body.get("Limit").is_some() {
        Compare::CountsOnly
    } else {
        Compare::Unordered
    };
    Generated {
        request: Request::json("Query", &body),
        compare,
    }
}

fn query(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    if rng.random_bool(0.35) {
        return index_query(rng, valid);
    }
    let mut body = json!({ "TableName": RANGE_TABLE });
    let mut ph = Placeholders::default();
    body["KeyConditionExpression"] = json!(key_condition(rng, &mut ph, valid));
    read_options(rng, &mut body, &mut ph, valid);
    if rng.random_bool(0.3) {
        body["ScanIndexForward"] = json!(false);
    }
    if rng.random_bool(0.3) {
        let mut start = values::key(rng, RANGE_TABLE, true);
        start["pk"] = body["ExpressionAttributeValues"][":v0"].clone();
        if start["pk"].is_null() {
            start["pk"] = ph.values.get(":v0").cloned().unwrap_or(json!({"S": "p0"}));
        }
        body["ExclusiveStartKey"] = start;
    }
    let lenient = valid || rng.random_bool(0.7);
    ph.attach(rng, &mut body, lenient);
    full("Query", body)
}

fn read_options(rng: &mut ChaCha8Rng, body: &mut Value, ph: &mut Placeholders, valid: bool) {
    if rng.random_bool(0.4) {
        let mut filter = exprs::condition(rng, ph, 1);
        if !valid && rng.random_bool(0.3) {
            filter = exprs::corrupt(rng, &filter);
        }
        body["FilterExpression"] = json!(filter);
    }
    if rng.random_bool(0.3) {
        body["ProjectionExpression"] = json!(exprs::projection(rng, ph));
    } else if rng.random_bool(0.2) {
        body["Select"] = json!(pick(
            rng,
            &["COUNT", "ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES"]
        ));
    }
    if rng.random_bool(0.4) {
        body["Limit"] = json!(if valid {
            rng.random_range(1..5)
        } else {
            rng.random_range(-1..2)
        });
    }
}

fn scan(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = table(rng);
    let mut body = json!({ "TableName": table });
    let mut ph = Placeholders::default();
    if table == RANGE_TABLE && rng.random_bool(0.3) {
        body["IndexName"] = json!(pick(rng, &[values::GSI, values::LSI, "by_none"]));
    }
    read_options(rng, &mut body, &mut ph, valid);
    if !valid && rng.random_bool(0.3) {
        body["Segment"] = json!(rng.random_range(0..3));
        body["TotalSegments"] = json!(rng.random_range(0..3));
    } else if rng.random_bool(0.1) {
        body["Segment"] = json!(0);
        body["TotalSegments"] = json!(1);
    }
    let lenient = valid || rng.random_bool(0.7);
    ph.attach(rng, &mut body, lenient);
    let parallel = body
        .get("TotalSegments")
        .and_then(Value::as_i64)
        .is_some_and(|t| t > 1);
    let compare = if parallel {
        Compare::StatusOnly
    } else if body.get("Limit").is_some() {
        Compare::CountsOnly
    } else {
        Compare::Full
    };
    if compare == Compare::CountsOnly {
        if let Some(object) = body.as_object_mut() {
            object.remove("FilterExpression");
        }
        let names_used = body.get("ProjectionExpression").is_some();
        if !names_used {
            if let Some(object) = body.as_object_mut() {
                object.remove("ExpressionAttributeNames");
                object.remove("ExpressionAttributeValues");
            }
        } else if let Some(object) = body.as_object_mut() {
            object.remove("ExpressionAttributeValues");
        }
    }
    Generated {
        request: Request::json("Scan", &body),
        compare,
    }
}

fn write_request(rng: &mut ChaCha8Rng, table: &str, valid: bool) -> Value {
    if rng.random_bool(0.7) {
        json!({ "PutRequest": { "Item": values::item(rng, table, valid) } })
    } else {
        json!({ "DeleteRequest": { "Key": values::key(rng, table, valid) } })
    }
}

fn batch_write(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    if rng.random_bool(0.1) {
        return super::batches::write(rng, valid);
    }
    let mut items = serde_json::Map::new();
    for table in [HASH_TABLE, RANGE_TABLE] {
        if rng.random_bool(0.6) {
            let count = rng.random_range(1..4);
            let lenient = valid || rng.random_bool(0.7);
            let requests: Vec<Value> = (0..count)
                .map(|_| write_request(rng, table, lenient))
                .collect();
            items.insert(table.into(), Value::Array(requests));
        }
    }
    if !valid && rng.random_bool(0.3) {
        items.insert(
            "no_such_table".into(),
            json!([{ "DeleteRequest": { "Key": { "pk": { "S": "k0" } } } }]),
        );
    }
    full("BatchWriteItem", json!({ "RequestItems": items }))
}

fn batch_get(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    if rng.random_bool(0.1) {
        return super::batches::get(rng, valid);
    }
    let mut items = serde_json::Map::new();
    for table in [HASH_TABLE, RANGE_TABLE] {
        if rng.random_bool(0.6) {
            let count = rng.random_range(1..4);
            let lenient = valid || rng.random_bool(0.7);
            let keys: Vec<Value> = (0..count)
                .map(|_| values::key(rng, table, lenient))
                .collect();
            let mut entry = json!({ "Keys": keys });
            if rng.random_bool(0.3) {
                let mut ph = Placeholders::default();
                entry["ProjectionExpression"] = json!(exprs::projection(rng, &mut ph));
                ph.attach(rng, &mut entry, true);
            }
            items.insert(table.into(), entry);
        }
    }
    full("BatchGetItem", json!({ "RequestItems": items }))
}

fn transact_write(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let count = rng.random_range(1..4);
    let mut actions = Vec::new();
    for _ in 0..count {
        let table = table(rng);
        let mut ph = Placeholders::default();
        let mut action = match rng.random_range(0..4) {
            0 => json!({ "Put": { "TableName": table, "Item": values::item(rng, table, valid) } }),
            1 => json!({ "Delete": { "TableName": table, "Key": values::key(rng, table, valid) } }),
            2 => {
                let update = exprs::update(rng, &mut ph);
                json!({ "Update": { "TableName": table, "Key": values::key(rng, table, valid), "UpdateExpression": update } })
            }
            _ => {
                let cond = exprs::condition(rng, &mut ph, 1);
                json!({ "ConditionCheck": { "TableName": table, "Key": values::key(rng, table, valid), "ConditionExpression": cond } })
            }
        };
        let kind = action
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
        let inner = &mut action[&kind];
        if kind != "ConditionCheck" && rng.random_bool(0.4) {
            inner["ConditionExpression"] = json!(exprs::condition(rng, &mut ph, 1));
        }
        if rng.random_bool(0.3) {
            inner["ReturnValuesOnConditionCheckFailure"] = json!("ALL_OLD");
        }
        let lenient = valid || rng.random_bool(0.5);
        ph.attach(rng, inner, lenient);
        actions.push(action);
    }
    let mut body = json!({ "TransactItems": actions });
    if rng.random_bool(0.2) {
        // Few tokens per run, so they recur: with other parameters (a mismatch) and, replayed
        // by the caller, identically.
        body["ClientRequestToken"] = json!(format!(
            "{}-{}",
            run_token_prefix(),
            rng.random_range(0..24)
        ));
    }
    full("TransactWriteItems", body)
}

/// Tokens stay bound for ten minutes, so each run (which may reuse a running DynamoDB Local)
/// gets its own.
fn run_token_prefix() -> &'static str {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PREFIX.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("run{nanos:x}")
    })
}

fn transact_get(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let count = rng.random_range(1..4);
    let gets: Vec<Value> = (0..count)
        .map(|_| {
            let table = table(rng);
            json!({ "Get": { "TableName": table, "Key": values::key(rng, table, valid) } })
        })
        .collect();
    full("TransactGetItems", json!({ "TransactItems": gets }))
}

fn time_to_live(rng: &mut ChaCha8Rng, valid: bool) -> Generated {
    let table = if valid { table(rng) } else { "no_such_table" };
    if rng.random_bool(0.4) {
        return full("DescribeTimeToLive", json!({ "TableName": table }));
    }
    let attribute = *pick(rng, &["ttl", "expires"]);
    full(
        "UpdateTimeToLive",
        json!({
            "TableName": table,
            "TimeToLiveSpecification": { "Enabled": rng.random_bool(0.5), "AttributeName": attribute },
        }),
    )
}

fn malformed(rng: &mut ChaCha8Rng) -> Generated {
    let (operation, body) = match rng.random_range(0..8) {
        0 => ("GetItem", "{\"TableName\": ".to_owned()),
        1 => ("NoSuchOperation", "{}".to_owned()),
        2 => ("GetItem", "{\"TableName\": 5, \"Key\": {}}".to_owned()),
        3 => ("GetItem", "{\"Key\": {\"pk\": {\"S\": \"k0\"}}}".to_owned()),
        4 => ("PutItem", format!("{{\"TableName\": \"{HASH_TABLE}\"}}")),
        5 => (
            "GetItem",
            "{\"TableName\": \"no_such_table\", \"Key\": {\"pk\": {\"S\": \"k0\"}}}".to_owned(),
        ),
        6 => ("Query", format!("{{\"TableName\": \"{RANGE_TABLE}\"}}")),
        _ => (
            "PutItem",
            format!(
                "{{\"TableName\": \"{HASH_TABLE}\", \"Item\": {{\"pk\": {{\"S\": \"k0\"}}, \"a\": {{\"S\": \"x\", \"N\": \"1\"}}}}}}"
            ),
        ),
    };
    Generated {
        request: Request {
            operation: operation.to_owned(),
            body,
        },
        compare: Compare::Full,
    }
}
