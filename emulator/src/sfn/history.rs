//! An execution's event history, in GetExecutionHistory's shape: `{timestamp, type, id,
//! previousEventId, <detailsKey>: {…}}`. Events are appended by the engine and read
//! (paginated, optionally reversed, optionally without input/output) by the API.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::Context;

/// The history of one execution.
pub struct History {
    ctx: Arc<Context>,
    events: Mutex<Vec<Value>>,
}

impl History {
    pub fn new(ctx: Arc<Context>) -> History {
        History {
            ctx,
            events: Mutex::new(Vec::new()),
        }
    }

    /// Appends an event and returns its id. `details` is `(key, object)`, e.g.
    /// `("stateEnteredEventDetails", {…})`.
    pub fn record(&self, previous: u64, event_type: &str, details: Option<(&str, Value)>) -> u64 {
        let timestamp = self.ctx.clock.now_epoch_seconds();
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let id = events.len() as u64 + 1;
        let mut event = Map::new();
        event.insert("timestamp".into(), json!(timestamp));
        event.insert("type".into(), json!(event_type));
        event.insert("id".into(), json!(id));
        event.insert("previousEventId".into(), json!(previous));
        if let Some((key, value)) = details {
            event.insert(key.into(), value);
        }
        events.push(Value::Object(event));
        id
    }

    /// A copy of every event, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The fields GetExecutionHistory leaves out when `includeExecutionData` is false.
const EXECUTION_DATA: &[&str] = &[
    "input",
    "inputDetails",
    "output",
    "outputDetails",
    "parameters",
];

/// Removes input/output data from an event's details.
pub fn without_execution_data(mut event: Value) -> Value {
    if let Some(object) = event.as_object_mut() {
        for (key, details) in object.iter_mut() {
            if key.ends_with("EventDetails")
                && let Some(details) = details.as_object_mut()
            {
                for field in EXECUTION_DATA {
                    details.remove(*field);
                }
            }
        }
    }
    event
}

/// `{"truncated": false}`, the `inputDetails`/`outputDetails` of every event.
pub fn not_truncated() -> Value {
    json!({ "truncated": false })
}
