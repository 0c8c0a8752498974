//! The reference encoder for tests: the history as it was stored before the compact form
//! (each event its JSON text, parsed back per page), kept verbatim so tests can check that
//! every GetExecutionHistory page the compact form gives is the same, byte for byte.

use serde_json::{Map, Value, json};

/// One event as the old history stored it: `{timestamp, type, id, previousEventId, <key>}`
/// written by `Value::to_string`.
pub fn encode(
    timestamp: f64,
    id: u64,
    previous: u64,
    event_type: &str,
    details: Option<(&str, Value)>,
) -> Box<str> {
    let mut event = Map::new();
    event.insert("timestamp".into(), json!(timestamp));
    event.insert("type".into(), json!(event_type));
    event.insert("id".into(), json!(id));
    event.insert("previousEventId".into(), json!(previous));
    if let Some((key, value)) = details {
        event.insert(key.into(), value);
    }
    Value::Object(event).to_string().into_boxed_str()
}

/// The old `page`: the events at `positions`, oldest first, or newest first when `reverse`.
pub fn page(list: &[Box<str>], positions: std::ops::Range<usize>, reverse: bool) -> Vec<Value> {
    let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
    if !reverse {
        return (list.get(positions).unwrap_or_default().iter())
            .map(|text| parse(text))
            .collect();
    }
    let len = list.len();
    let from = len.saturating_sub(positions.end);
    let to = len.saturating_sub(positions.start);
    (list.get(from..to).unwrap_or_default().iter().rev())
        .map(|text| parse(text))
        .collect()
}
