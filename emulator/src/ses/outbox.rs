//! The messages SES "sent", kept for `GET /_aws/ses` and the harness's e-mail snapshots.
//!
//! Bounded: at most [`OUTBOX_BYTES`] of messages (their JSON text) are kept, the oldest dropped
//! first, so a client that sends mail without end cannot grow the process without bound. A
//! scenario's mail (at most 10,000 orders, ~1 KB each) is far below it.

use std::collections::VecDeque;

use serde_json::Value;

/// The most message text kept.
pub const OUTBOX_BYTES: usize = 64 << 20;

#[derive(Default)]
pub struct Outbox {
    messages: VecDeque<(Value, usize)>,
    bytes: usize,
}

impl Outbox {
    pub fn push(&mut self, message: Value) {
        self.push_within(message, OUTBOX_BYTES);
    }

    fn push_within(&mut self, message: Value, budget: usize) {
        let size = message.to_string().len();
        self.bytes += size;
        self.messages.push_back((message, size));
        while self.bytes > budget {
            let Some((_, dropped)) = self.messages.pop_front() else {
                break;
            };
            self.bytes -= dropped;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Value> {
        self.messages.iter().map(|(message, _)| message)
    }

    pub fn clear(&mut self) {
        self.messages.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_oldest_messages_are_dropped_beyond_the_budget() {
        let mut outbox = Outbox::default();
        let size = json!({"n": 0}).to_string().len();
        for n in 0..10 {
            outbox.push_within(json!({"n": n}), size * 3);
        }
        let kept: Vec<i64> = outbox.iter().filter_map(|m| m["n"].as_i64()).collect();
        assert_eq!(kept, [7, 8, 9]);
        outbox.clear();
        assert_eq!(outbox.iter().count(), 0);
        assert_eq!(outbox.bytes, 0);
    }
}
