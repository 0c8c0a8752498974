//! An execution's event history, in GetExecutionHistory's shape: `{timestamp, type, id,
//! previousEventId, <detailsKey>: {…}}`. Events are appended by the engine and read
//! (paginated, optionally reversed, optionally without input/output) by the API. They are
//! stored in a compact form ([`compact`]: fixed records, one byte stream of details, each
//! string interned once per execution) and decoded per page; a closed history frees its intern
//! index and spare capacity. [`History::stored_bytes`] is the real heap bytes of that form.
//!
//! Bounded as on AWS: an execution holds at most [`MAX_EVENTS`] events. Once
//! `MAX_EVENTS - 1` are recorded the history is *exhausted*: further state events are
//! dropped and the engine, which checks [`History::exhausted`] between states, fails the
//! execution, whose `ExecutionFailed` is event number `MAX_EVENTS`. A terminal event
//! ([`History::record_terminal`]) *seals* the history, so nothing a still-running engine
//! records after StopExecution lands behind the `ExecutionAborted` event.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::UNIX_EPOCH;

use serde_json::{Value, json};

use crate::Context;
pub use event_type::EventType;

mod compact;
mod event_type;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

/// The most events one execution's history holds ("Maximum execution history size: 25,000
/// events in a single state machine execution history", Step Functions service quotas).
pub const MAX_EVENTS: usize = 25_000;

/// AWS's cause when an execution reaches [`MAX_EVENTS`] (error `States.Runtime`).
pub const LIMIT_CAUSE: &str = "The execution reached the maximum number of history events (25000).";

#[derive(Default)]
struct Events {
    /// The events, compactly; a page is decoded only when it is read.
    list: compact::Compact,
    /// The heap bytes `list` holds (as last added to the tally).
    bytes: usize,
    /// State events were dropped because the history is full.
    exhausted: bool,
    /// A terminal event was recorded; nothing more is.
    sealed: bool,
    /// Tests: every event as the reference encoder (the old JSON-text history) stores it,
    /// for a history made by `History::with_reference`.
    #[cfg(test)]
    reference: Option<Vec<Box<str>>>,
}

/// The history of one execution.
pub struct History {
    ctx: Arc<Context>,
    events: Mutex<Events>,
    /// Where a running execution's history adds the bytes it records (the bound on running
    /// executions' memory, `sfn::api::running`); `None` for Map iterations' scratch histories.
    tally: Option<Arc<AtomicUsize>>,
}

impl History {
    pub fn new(ctx: Arc<Context>) -> History {
        History {
            ctx,
            events: Mutex::new(Events::default()),
            tally: None,
        }
    }

    /// Tests: a history that also keeps every event as the reference encoder stores it.
    #[cfg(test)]
    pub fn with_reference(ctx: Arc<Context>) -> History {
        let history = History::new(ctx);
        history.lock().reference = Some(Vec::new());
        history
    }

    /// A history that adds the bytes it records to `tally`.
    pub fn counted(ctx: Arc<Context>, tally: Arc<AtomicUsize>) -> History {
        History {
            tally: Some(tally),
            ..History::new(ctx)
        }
    }

    fn lock(&self) -> MutexGuard<'_, Events> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends an event and returns its id. `details` is `(key, object)`, e.g.
    /// `("stateEnteredEventDetails", {…})`. Once the history is exhausted or sealed the
    /// event is dropped and the id of the last recorded event comes back.
    pub fn record(
        &self,
        previous: u64,
        event_type: EventType,
        details: Option<(&str, Value)>,
    ) -> u64 {
        let mut events = self.lock();
        if events.sealed || events.list.len() + 1 >= MAX_EVENTS {
            events.exhausted |= !events.sealed;
            return events.list.len() as u64;
        }
        self.push(&mut events, previous, event_type, details)
    }

    /// Records a terminal event (ExecutionSucceeded/Failed/TimedOut/Aborted), which may be
    /// event number [`MAX_EVENTS`], and seals the history. `None` when it was already sealed.
    pub fn record_terminal(
        &self,
        previous: u64,
        event_type: EventType,
        details: Option<(&str, Value)>,
    ) -> Option<u64> {
        let mut events = self.lock();
        if events.sealed {
            return None;
        }
        events.sealed = true;
        Some(self.push(&mut events, previous, event_type, details))
    }

    /// True once a state event had to be dropped because the history is full.
    pub fn exhausted(&self) -> bool {
        self.lock().exhausted
    }

    /// True once a terminal event was recorded (the execution ended or was stopped).
    pub fn sealed(&self) -> bool {
        self.lock().sealed
    }

    /// The id of the last recorded event (0 when there is none).
    pub fn last_id(&self) -> u64 {
        self.lock().list.len() as u64
    }

    fn push(
        &self,
        events: &mut Events,
        previous: u64,
        event_type: EventType,
        details: Option<(&str, Value)>,
    ) -> u64 {
        let event_type = event_type.name();
        let at = (self.ctx.clock.now().duration_since(UNIX_EPOCH)).unwrap_or_default();
        let id = events.list.len() as u64 + 1;
        #[cfg(test)]
        if let Some(list) = &mut events.reference {
            list.push(reference::encode(
                at.as_secs_f64(),
                id,
                previous,
                event_type,
                details.clone(),
            ));
        }
        events.list.push(at, previous, event_type, details);
        if events.sealed {
            events.list.seal();
        }
        self.account(events);
        id
    }

    /// Brings `events.bytes` and the tally to the heap bytes the events now hold.
    fn account(&self, events: &mut Events) {
        let now = events.list.heap_bytes();
        let before = std::mem::replace(&mut events.bytes, now);
        if let Some(tally) = &self.tally {
            if now >= before {
                tally.fetch_add(now - before, Ordering::Relaxed);
            } else {
                tally.fetch_sub(before - now, Ordering::Relaxed);
            }
        }
    }

    /// A copy of every event, oldest first.
    #[cfg(test)]
    pub fn events(&self) -> Vec<Value> {
        let events = self.lock();
        (0..events.list.len())
            .map(|i| events.list.event(i))
            .collect()
    }

    /// Tests: the events as the reference encoder stored them.
    #[cfg(test)]
    fn reference(&self) -> Vec<Box<str>> {
        self.lock().reference.clone().unwrap_or_default()
    }

    /// The heap bytes the stored events take (every allocation of the compact form, at its
    /// capacity).
    pub fn stored_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// How many events there are.
    pub fn count(&self) -> usize {
        self.lock().list.len()
    }

    /// A copy of the events at `positions` of the history in order (oldest first), or in
    /// reverse order (newest first) when `reverse`.
    pub fn page(&self, positions: std::ops::Range<usize>, reverse: bool) -> Vec<Value> {
        let events = self.lock();
        let len = events.list.len();
        let (from, to) = if reverse {
            (
                len.saturating_sub(positions.end),
                len.saturating_sub(positions.start),
            )
        } else {
            (positions.start, positions.end)
        };
        if from >= to || to > len {
            return Vec::new();
        }
        let page = (from..to).map(|i| events.list.event(i));
        if reverse {
            page.rev().collect()
        } else {
            page.collect()
        }
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
