//! Asynchronous invocations (`InvocationType: Event`) waiting for or running on an instance,
//! bounded in events per function and in payload bytes across all functions.
//!
//! AWS queues asynchronous invocations on its fleet and, when a function cannot keep up,
//! retries and finally discards events (maximum event age, at most 6 hours). The emulator is
//! one process: it keeps at most [`MAX_QUEUED_EVENTS`] per function and [`MAX_QUEUED_BYTES`] of
//! payloads in all, and discards, with a warning, what arrives beyond either — otherwise a
//! sustained stream of events to slow functions (EventBridge rules, `InvocationType: Event`,
//! payloads up to 1 MB each) grows the process without bound. A deleted function's queued
//! invocations end at once (its pool answers `ResourceNotFoundException`) and give their room
//! back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

/// The most asynchronous invocations one function holds queued.
pub(crate) const MAX_QUEUED_EVENTS: usize = 1_000;

/// The most payload bytes queued asynchronous invocations hold across all functions: 128 MiB
/// (128 events at the 1 MB maximum, or ~40,000 of the order pipeline's ~3 KB events).
pub(crate) const MAX_QUEUED_BYTES: usize = 128 << 20;

/// The emulator-wide tally of queued asynchronous invocations.
#[derive(Debug, Default)]
pub struct AsyncQueue {
    events: AtomicUsize,
    bytes: AtomicUsize,
    discarded: AtomicUsize,
}

/// One admitted invocation's place in its function's and the emulator's queue; dropping it
/// (the invocation finished, failed or found its function deleted) gives the room back.
pub struct Slot {
    queue: Arc<AsyncQueue>,
    function: Arc<AtomicUsize>,
    bytes: usize,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.function.fetch_sub(1, Ordering::SeqCst);
        self.queue.events.fetch_sub(1, Ordering::SeqCst);
        self.queue.bytes.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

impl AsyncQueue {
    /// Admits an invocation of `bytes` to a function whose queue is `function`, or says why
    /// it is discarded.
    pub fn admit(
        self: &Arc<AsyncQueue>,
        function: &Arc<AtomicUsize>,
        bytes: usize,
    ) -> Result<Slot, String> {
        let queued = function.fetch_add(1, Ordering::SeqCst);
        let held = self.bytes.fetch_add(bytes, Ordering::SeqCst);
        self.events.fetch_add(1, Ordering::SeqCst);
        let slot = Slot {
            queue: self.clone(),
            function: function.clone(),
            bytes,
        };
        let reason = if queued >= MAX_QUEUED_EVENTS {
            format!("{MAX_QUEUED_EVENTS} events already queued for the function")
        } else if held.saturating_add(bytes) > MAX_QUEUED_BYTES {
            format!(
                "{held} bytes of asynchronous invocations already queued (at most \
                 {MAX_QUEUED_BYTES} in all)"
            )
        } else {
            return Ok(slot);
        };
        drop(slot);
        self.discarded.fetch_add(1, Ordering::Relaxed);
        Err(reason)
    }

    /// What `GET /_orderlab/usage` reports for Lambda.
    pub fn usage(&self) -> Value {
        json!({
            "queuedEvents": self.events.load(Ordering::SeqCst),
            "queuedBytes": self.bytes.load(Ordering::SeqCst),
            "queuedBytesLimit": MAX_QUEUED_BYTES,
            "discardedEvents": self.discarded.load(Ordering::Relaxed),
        })
    }
}
