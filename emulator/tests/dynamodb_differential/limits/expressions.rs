//! The expression and value limits (issue #10): shapes that once overflowed the emulator's
//! stack or stalled it — deep parentheses, chained NOTs, nested `if_not_exists`, 100k ORs,
//! 10k SET actions, huge exponents, deep maps, oversized placeholders — each sent to both
//! sides, answered alike. (A million-digit number is left out: DynamoDB Local takes seconds
//! per 100k digits.)

use serde_json::{Map, Value, json};

use super::{PAGE_TABLE, generated};
use crate::operations::{Compare, Generated};

fn key() -> Value {
    json!({"pk": {"S": "lim"}, "sk": {"N": "0"}})
}

fn put(extra: Value) -> Generated {
    let mut body = json!({"TableName": PAGE_TABLE, "Item": key()});
    merge(&mut body, extra);
    generated("PutItem", body, Compare::Full)
}

fn conditional_put(condition: String) -> Generated {
    put(json!({
        "ConditionExpression": condition,
        "ExpressionAttributeValues": {":v": {"S": "lim"}},
    }))
}

fn update(expression: String, values: Value) -> Generated {
    generated(
        "UpdateItem",
        json!({
            "TableName": PAGE_TABLE,
            "Key": key(),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }),
        Compare::Full,
    )
}

fn merge(body: &mut Value, extra: Value) {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
}

fn nested_maps(levels: usize) -> Value {
    (0..levels).fold(json!({"S": "x"}), |inner, _| json!({"M": {"m": inner}}))
}

fn conditions() -> Vec<Generated> {
    let parens = |n: usize| format!("{}pk = :v{}", "(".repeat(n), ")".repeat(n));
    let ors = |n: usize| vec!["pk = :v"; n].join(" OR ");
    let in_list = |n: usize| format!("pk IN ({})", vec![":v"; n].join(", "));
    vec![
        conditional_put(parens(250)),
        conditional_put(parens(2040)),
        conditional_put(format!("{}pk = :v", "NOT ".repeat(500))),
        conditional_put(format!("{}pk = :v", "NOT ".repeat(299))),
        conditional_put(format!("{}pk = :v{}", "NOT (".repeat(600), ")".repeat(600))),
        conditional_put(format!("{}pk = :v)", "NOT (".repeat(600))),
        conditional_put(ors(150)),
        conditional_put(ors(151)),
        conditional_put(format!("pk = :v{}", " ".repeat(4090))),
        conditional_put(format!("pk = :v{}", " ".repeat(4089))),
        conditional_put(in_list(100)),
        conditional_put(in_list(101)),
        conditional_put(format!("{} AND #x = :v", in_list(101))),
        conditional_put(format!("attribute_exists(a{})", ".b".repeat(31))),
        conditional_put(format!("attribute_exists(a{})", ".b".repeat(32))),
        conditional_put("status = :v AND pk = )".to_owned()),
        generated(
            "Scan",
            json!({"TableName": PAGE_TABLE, "FilterExpression": ors(100_000),
                   "ExpressionAttributeValues": {":v": {"S": "lim"}}}),
            Compare::Full,
        ),
        generated(
            "Query",
            json!({"TableName": PAGE_TABLE, "KeyConditionExpression": format!("{}pk = :v", "NOT ".repeat(500)),
                   "ExpressionAttributeValues": {":v": {"S": "lim"}}}),
            Compare::Full,
        ),
    ]
}

fn updates() -> Vec<Generated> {
    let n = json!({":n": {"N": "1"}});
    let set_actions = |count: usize| {
        let actions: Vec<String> = (0..count).map(|i| format!("a{i}=:n")).collect();
        format!("SET {}", actions.join(","))
    };
    let additions: Vec<String> = (0..301).map(|i| format!("a{i}=:n+:n")).collect();
    let nested = |levels: usize| {
        format!(
            "SET x = {}:n{}",
            "if_not_exists(x, ".repeat(levels),
            ")".repeat(levels)
        )
    };
    let lists = json!({":l": {"L": [{"N": "1"}]}});
    vec![
        update(set_actions(10_000), n.clone()),
        update(format!("SET {}", additions.join(",")), n.clone()),
        update(nested(10_000), n.clone()),
        update(nested(220), n.clone()),
        update(
            "SET l = list_append(:l, list_append(:l, :l))".to_owned(),
            lists.clone(),
        ),
        update("SET l = list_append(:l, :l) + :l".to_owned(), lists.clone()),
        update("SET l = if_not_exists(l, :l + :l)".to_owned(), lists),
        update("SET a = :n, a = :n".to_owned(), n),
    ]
}

fn values() -> Vec<Generated> {
    let long_name = format!("#{}", "n".repeat(255));
    let mega = json!({"S": "x".repeat(1024 * 1024)});
    let mut names = Map::new();
    names.insert(long_name.clone(), json!("pk"));
    vec![
        put(
            json!({"ConditionExpression": format!("attribute_exists({long_name})"),
                   "ExpressionAttributeNames": names}),
        ),
        put(json!({"ConditionExpression": "attribute_exists(#x)",
                   "ExpressionAttributeNames": {"x": "pk"}})),
        put(json!({"ConditionExpression": "attribute_exists(#x)",
                   "ExpressionAttributeNames": {"#x": ""}})),
        put(json!({"ConditionExpression": "pk <> :a AND pk <> :b",
                   "ExpressionAttributeValues": {":a": mega, ":b": mega}})),
        put(json!({"ConditionExpression": "pk <> :v",
                   "ExpressionAttributeValues": {":v": {"N": "1e999999"}}})),
        put(json!({"ConditionExpression": "pk <> :v",
                   "ExpressionAttributeValues": {":v": nested_maps(33)}})),
        put(json!({"Item": {"pk": {"S": "lim"}, "sk": {"N": "0"}, "deep": nested_maps(32)}})),
        put(json!({"Item": {"pk": {"S": "lim"}, "sk": {"N": "0"}, "n": {"N": "1e999999"}}})),
        put(json!({"Item": {"pk": {"S": "lim"}, "sk": {"N": "0"}, "n": {"N": "1e2147483648"}}})),
        put(json!({"Item": {"pk": {"S": "lim"}, "sk": {"N": "0"}, "deep": nested_maps(31)}})),
        update("SET deep.m = :v".to_owned(), json!({":v": nested_maps(31)})),
    ]
}

/// Placeholder maps without any expression: refused for being there, whatever they hold.
fn without_expressions() -> Vec<Generated> {
    let key = key();
    vec![
        put(json!({"ExpressionAttributeValues": {"v": {"S": "a"}}})),
        put(json!({"ExpressionAttributeValues": {":v": {"N": "x"}}})),
        put(json!({"ExpressionAttributeNames": {"x": "a"}})),
        generated(
            "UpdateItem",
            json!({"TableName": PAGE_TABLE, "Key": key, "ExpressionAttributeNames": {"x": "a"}}),
            Compare::Full,
        ),
        generated(
            "GetItem",
            json!({"TableName": PAGE_TABLE, "Key": key, "ExpressionAttributeNames": {"x": "a"}}),
            Compare::Full,
        ),
        generated(
            "Scan",
            json!({"TableName": PAGE_TABLE, "ExpressionAttributeValues": {"v": {"S": "a"}}}),
            Compare::Full,
        ),
        generated(
            "Scan",
            json!({"TableName": PAGE_TABLE, "Select": "COUNT", "ExpressionAttributeValues": {}}),
            Compare::Full,
        ),
        put(json!({"ExpressionAttributeValues": {}})),
    ]
}

pub fn requests() -> Vec<Generated> {
    let mut out = conditions();
    out.extend(updates());
    out.extend(values());
    out.extend(without_expressions());
    out
}
