//! How long a closed execution is kept. AWS keeps a closed execution (its description and
//! history) for 90 days and then answers `ExecutionDoesNotExist`; the emulator does the same
//! on its clock, and also keeps closed executions of at most [`RETAINED_HISTORY_BYTES`]
//! (their histories, inputs, outputs and records), dropping the oldest-closed first, so a client that starts executions without end
//! (or endless loops that each fill 25,000 events) cannot grow the process without bound.
//!
//! Both checks run when an execution closes; eviction is batched (down to 90% of the budget)
//! so the one pass over the execution table that removes them is amortised over many closes.

use std::collections::{HashSet, VecDeque};

use super::Store;

/// Closed executions kept at most (their footprints, histories at their compact form's heap
/// bytes): a few hundred executions that each hit the 25,000-event limit, or well over 50,000
/// of the order pipeline's (a scenario has at most 10,000 orders).
pub const RETAINED_HISTORY_BYTES: usize = 256 << 20;

/// AWS: "Closed executions are retained for 90 days" (Step Functions service quotas).
pub const RETENTION_SECONDS: f64 = 90.0 * 24.0 * 3600.0;

/// Closed executions in the order they closed.
#[derive(Default)]
pub struct Retention {
    closed: VecDeque<Closed>,
    bytes: usize,
}

struct Closed {
    arn: String,
    stop_date: f64,
    bytes: usize,
}

impl Store {
    #[cfg(test)]
    /// What the kept closed executions cost, by [`ExecutionRecord::footprint`](super::ExecutionRecord::footprint).
    pub fn retention_bytes(&self) -> usize {
        self.retention.bytes
    }

    /// What `GET /_orderlab/usage` reports for Step Functions.
    pub fn usage(&self) -> serde_json::Value {
        let (running, running_bytes) = self.running.figures();
        serde_json::json!({
            "executions": self.executions.len(),
            "runningExecutions": running,
            "runningHistoryBytes": running_bytes,
            "closedKept": self.retention.closed.len(),
            "closedBytes": self.retention.bytes,
        })
    }

    /// Records that `arn` closed at `stop_date`, then drops what the budget and the 90 days no
    /// longer allow.
    pub fn closed(&mut self, arn: &str, stop_date: f64) {
        let Some(execution) = self.executions.get(arn) else {
            return;
        };
        self.running.closed(execution.history.stored_bytes());
        let bytes = execution.footprint();
        self.retention.bytes += bytes;
        self.retention.closed.push_back(Closed {
            arn: arn.to_owned(),
            stop_date,
            bytes,
        });
        self.expire(stop_date, RETAINED_HISTORY_BYTES);
    }

    /// Drops closed executions older than 90 days at `now`, and the oldest-closed ones while
    /// their histories exceed `budget` (down to 90% of it).
    pub(super) fn expire(&mut self, now: f64, budget: usize) {
        let over_budget = self.retention.bytes > budget;
        let expired =
            (self.retention.closed.front()).is_some_and(|c| now - c.stop_date > RETENTION_SECONDS);
        if !over_budget && !expired {
            return;
        }
        let target = if over_budget { budget / 10 * 9 } else { budget };
        let mut dropped = HashSet::new();
        while let Some(oldest) = self.retention.closed.front() {
            let too_old = now - oldest.stop_date > RETENTION_SECONDS;
            if !too_old && self.retention.bytes <= target {
                break;
            }
            if let Some(oldest) = self.retention.closed.pop_front() {
                self.retention.bytes -= oldest.bytes;
                dropped.insert(oldest.arn);
            }
        }
        self.executions.retain(|arn, _| !dropped.contains(arn));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sfn::api::ExecutionRecord;
    use crate::sfn::history::EventType;

    fn store_with(executions: usize, events_each: usize) -> Store {
        let ctx = Arc::new(crate::Context::for_tests());
        let mut store = Store::default();
        for _ in 0..executions {
            let history = store.push_closed_for_tests(&ctx, "arn:m");
            for id in 0..events_each {
                history.record(id as u64, EventType::PassStateEntered, None);
            }
        }
        store
    }

    #[test]
    fn the_oldest_closed_executions_go_first_once_over_budget() {
        let mut store = store_with(10, 100);
        let each = store.executions["arn:e0"].footprint();
        assert!(each > 0);
        for i in 0..10 {
            store.closed(&format!("arn:e{i}"), 1.0);
        }
        assert_eq!(store.executions.len(), 10, "within the default budget");
        // A budget of 5 histories keeps the 4 newest (90% of 5) and their order.
        store.expire(1.0, each * 5);
        let kept: Vec<&str> = store.executions.keys().map(String::as_str).collect();
        assert_eq!(kept, ["arn:e6", "arn:e7", "arn:e8", "arn:e9"]);
        let kept_bytes: usize = (store.executions.values())
            .map(ExecutionRecord::footprint)
            .sum();
        assert_eq!(store.retention.bytes, kept_bytes);
    }

    #[test]
    fn closed_executions_expire_after_90_days_on_the_emulator_clock() {
        let mut store = store_with(3, 1);
        store.closed("arn:e0", 0.0);
        store.closed("arn:e1", 10.0);
        store.closed("arn:e2", RETENTION_SECONDS + 5.0);
        let kept: Vec<&str> = store.executions.keys().map(String::as_str).collect();
        assert_eq!(kept, ["arn:e1", "arn:e2"]);
    }
}
