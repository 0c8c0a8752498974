//! Removing what varies between runs from a snapshot document: values of keys ending in `_at`
//! or named `timestamp` become `[timestamp]`; RFC 3339 timestamps inside strings become
//! `[timestamp]`; UUIDs (execution names, request ids, …) become `[uuid]`.

use serde_json::Value;

pub const TIMESTAMP: &str = "[timestamp]";
pub const UUID: &str = "[uuid]";

/// Normalises `value` in place.
pub fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_timestamp_key(key) && !child.is_null() {
                    *child = Value::String(TIMESTAMP.to_owned());
                } else {
                    normalise(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::String(text) => *text = normalise_text(text),
        _ => {}
    }
}

fn is_timestamp_key(key: &str) -> bool {
    key.ends_with("_at") || key == "timestamp"
}

/// Redacts UUIDs and RFC 3339 timestamps inside free text.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let redacted = uuid_len(rest)
            .map(|len| (UUID, len))
            .or_else(|| timestamp_len(rest).map(|len| (TIMESTAMP, len)));
        // Both lengths cover ASCII only, so they end on a character boundary.
        let after = redacted.and_then(|(with, len)| Some((with, rest.get(len..)?)));
        match after {
            Some((with, after)) => {
                out.push_str(with);
                rest = after;
            }
            None => {
                out.push(first);
                rest = rest.get(first.len_utf8()..).unwrap_or_default();
            }
        }
    }
    out
}

/// Length of a UUID (8-4-4-4-12 hex digits) at the start of `text`, if there is one.
fn uuid_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    for (group, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if group > 0 {
            (bytes.get(at) == Some(&b'-')).then_some(())?;
            at += 1;
        }
        let digits = bytes.get(at..at + len)?;
        digits.iter().all(u8::is_ascii_hexdigit).then_some(())?;
        at += len;
    }
    let followed_by_hex = bytes.get(at).is_some_and(u8::is_ascii_alphanumeric);
    (!followed_by_hex).then_some(at)
}

/// Length of `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` at the start of `text`, if there is one.
fn timestamp_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let pattern = b"dddd-dd-ddTdd:dd:dd";
    let head = bytes.get(..pattern.len())?;
    let matches = head.iter().zip(pattern).all(|(b, p)| match p {
        b'd' => b.is_ascii_digit(),
        b'T' => *b == b'T' || *b == b't' || *b == b' ',
        other => b == other,
    });
    if !matches {
        return None;
    }
    let mut at = pattern.len();
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    match bytes.get(at) {
        Some(b'Z' | b'z') => at += 1,
        Some(b'+' | b'-') if is_offset(bytes.get(at + 1..at + 6)) => at += 6,
        _ => {}
    }
    Some(at)
}

/// `HH:MM` (all ASCII, so the timestamp ends on a character boundary).
fn is_offset(bytes: Option<&[u8]>) -> bool {
    bytes.is_some_and(|bytes| {
        bytes.iter().enumerate().all(|(i, b)| match i {
            2 => *b == b':',
            _ => b.is_ascii_digit(),
        })
    })
}

/// For racing orders, which ones win, and whether a loser is turned away by VerifyStock or
/// loses the reservation in CalculatePrice, varies between runs. Their snapshot keeps what
/// does not: how many orders and executions, how many end in each status, the e-mail count
/// and every other table in full.
pub fn summarise_race(document: &mut Value, orders_table: &str) {
    let mut statuses = serde_json::Map::new();
    let items = document["tables"][orders_table]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for item in &items {
        let status = item["status"].as_str().unwrap_or("?").to_owned();
        let count = statuses.entry(status).or_insert(Value::from(0));
        *count = Value::from(count.as_u64().unwrap_or(0) + 1);
    }
    let sorted: std::collections::BTreeMap<_, _> = statuses.into_iter().collect();
    let orders = document["orders"].as_array().map_or(0, Vec::len);
    let emails = document["emails"].as_array().map_or(0, Vec::len);
    document["orders"] = serde_json::json!({
        "submitted": orders,
        "final_statuses": sorted,
        "emails_sent": emails,
    });
    if let Some(tables) = document["tables"].as_object_mut() {
        tables.remove(orders_table);
    }
    document["emails"] = Value::Array(Vec::new());
}

/// The names a run gave its resources written as the default deployment names them: the
/// run prefix (the orders table's name less `orders`, `orderlab-<run id>-` on the aws backend)
/// becomes `alex-`, and `:REGION:ACCOUNT:` in ARNs `:us-east-1:000000000000:`, in every key
/// and string — so a snapshot does not depend on where it ran.
pub fn run_names(value: &mut Value, stack: &crate::stack::Stack) {
    let mut pairs = Vec::new();
    if let Some(prefix) = stack.orders_table.strip_suffix("orders")
        && !prefix.is_empty()
        && prefix != DEFAULT_PREFIX
    {
        pairs.push((prefix.to_owned(), DEFAULT_PREFIX.to_owned()));
    }
    let parts: Vec<&str> = stack.state_machine_arn.split(':').collect();
    if let (Some(region), Some(account)) = (parts.get(3), parts.get(4)) {
        let scope = format!(":{region}:{account}:");
        if scope != DEFAULT_SCOPE {
            pairs.push((scope, DEFAULT_SCOPE.to_owned()));
        }
    }
    if !pairs.is_empty() {
        replace_all(value, &pairs);
    }
}

const DEFAULT_PREFIX: &str = "alex-";
const DEFAULT_SCOPE: &str = ":us-east-1:000000000000:";

fn replace_all(value: &mut Value, pairs: &[(String, String)]) {
    let replaced = |text: &str| {
        pairs
            .iter()
            .fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
    };
    match value {
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut child) in entries {
                replace_all(&mut child, pairs);
                map.insert(replaced(&key), child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| replace_all(item, pairs)),
        Value::String(text) => *text = replaced(text),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_timestamp_keys_and_uuids() {
        let mut doc = json!({
            "created_at": "2025-01-02T03:04:05Z",
            "updated_at": 17,
            "timestamp": "x",
            "deleted_at": null,
            "arn": "arn:aws:states:us-east-1:000000000000:execution:m:4f9c1e2a-0b6d-4c1e-9a55-1234567890ab",
            "nested": [{"paid_at": "y", "note": "placed 2025-01-02T03:04:05.123+01:00 ok"}],
            "status": "COMPLETED",
        });
        normalise(&mut doc);
        assert_eq!(
            doc,
            json!({
                "created_at": "[timestamp]",
                "updated_at": "[timestamp]",
                "timestamp": "[timestamp]",
                "deleted_at": null,
                "arn": "arn:aws:states:us-east-1:000000000000:execution:m:[uuid]",
                "nested": [{"paid_at": "[timestamp]", "note": "placed [timestamp] ok"}],
                "status": "COMPLETED",
            })
        );
    }

    #[test]
    fn leaves_near_misses_alone() {
        for text in [
            "ord-1a2b3c4d-001",
            "4f9c1e2a-0b6d-4c1e-9a55-1234567890abc",
            "2025-01-02",
            "tok_approve",
        ] {
            assert_eq!(normalise_text(text), text);
        }
        // An offset that is not `HH:MM` is not part of the timestamp (it used to be cut six
        // bytes on, inside the `€`: a panic).
        assert_eq!(normalise_text("2025-01-02T03:04:05+é:€"), "[timestamp]+é:€");
    }

    #[test]
    fn run_names_become_the_default_deployment_names() {
        let stack = crate::stack::Stack {
            orders_table: "orderlab-t1-orders".into(),
            inventory_table: "orderlab-t1-inventory".into(),
            state_machine_arn:
                "arn:aws:states:eu-west-1:123456789012:stateMachine:orderlab-t1-order-processing"
                    .into(),
            orders_url: String::new(),
            sender_email: String::new(),
        };
        let mut document = serde_json::json!({
            "tables": {"orderlab-t1-orders": [{"cause": "arn:aws:lambda:eu-west-1:123456789012:function:orderlab-t1-payment"}]}
        });
        run_names(&mut document, &stack);
        assert_eq!(
            document,
            serde_json::json!({
                "tables": {"alex-orders": [{"cause": "arn:aws:lambda:us-east-1:000000000000:function:alex-payment"}]}
            })
        );
    }
}
