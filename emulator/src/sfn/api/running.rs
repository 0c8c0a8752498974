//! How many executions run at once, and how much history they hold, bounded.
//!
//! AWS accepts up to 1,000,000 open executions per account and stores their histories on its
//! fleet; the emulator is one process. A client that starts executions faster than they end —
//! endless loops started without pause, or a rule whose target's execution puts an event the
//! rule matches again — would otherwise grow it without bound. So StartExecution answers
//! AWS's `ExecutionLimitExceeded` while [`MAX_RUNNING_EXECUTIONS`] run or while the running
//! executions' histories hold [`MAX_RUNNING_HISTORY_BYTES`]. Both are above what the shipped
//! scenarios need (at most 50 orders, ~5 KB of history each); a scenario of more than 2,500
//! orders whose executions all run at once meets `ExecutionLimitExceeded`. Closed executions are
//! bounded separately ([`super::retention`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::protocol::AwsError;

/// Executions running at once at most. A running execution costs ~300 KB besides its history
/// (its task, context and state; measured in the debug build by the 10-minute soak, where a
/// rule loop held 5,000 of them and 10,000 pending deliveries in 2.4 GB), so 2,500 stay within
/// ~800 MB. An emulator budget far below AWS's 1,000,000 open executions
/// (`docs/reliability.md`).
pub const MAX_RUNNING_EXECUTIONS: usize = 2_500;

/// The running executions' histories (their compact form's heap bytes) at most: 256 MiB.
pub const MAX_RUNNING_HISTORY_BYTES: usize = 256 << 20;

/// The running executions: how many, and the bytes their histories hold (every history of a
/// running execution adds to `bytes` as it records; closing one takes its bytes back).
#[derive(Debug, Default)]
pub struct Running {
    count: AtomicUsize,
    bytes: Arc<AtomicUsize>,
}

impl Running {
    /// The tally a running execution's history adds its events' bytes to.
    pub fn history_tally(&self) -> Arc<AtomicUsize> {
        self.bytes.clone()
    }

    #[cfg(test)]
    /// How many executions run now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    #[cfg(test)]
    /// The bytes the running executions' histories hold now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::SeqCst)
    }

    /// Counts one more running execution, or answers AWS's `ExecutionLimitExceeded`.
    pub fn admit(&self) -> Result<(), AwsError> {
        let full = self.count.load(Ordering::SeqCst) >= MAX_RUNNING_EXECUTIONS
            || self.bytes.load(Ordering::SeqCst) >= MAX_RUNNING_HISTORY_BYTES;
        if full {
            return Err(AwsError::new(
                400,
                "ExecutionLimitExceeded",
                "The maximum number of running executions has been reached. Running executions \
                 must end or be stopped before a new execution can be started.",
            ));
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// How many executions run, and the bytes their histories hold.
    pub fn figures(&self) -> (usize, usize) {
        (
            self.count.load(Ordering::SeqCst),
            self.bytes.load(Ordering::SeqCst),
        )
    }

    /// One execution closed; its history (now sealed) held `history_bytes`.
    pub fn closed(&self, history_bytes: usize) {
        let _ = (self.count).fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        let _ = (self.bytes).fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
            Some(b.saturating_sub(history_bytes))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_until_the_count_or_the_bytes_are_reached() {
        let running = Running::default();
        for _ in 0..MAX_RUNNING_EXECUTIONS {
            running.admit().unwrap();
        }
        let refused = running.admit().unwrap_err();
        assert_eq!(refused.code, "ExecutionLimitExceeded");
        running.closed(0);
        running.admit().unwrap();

        let running = Running::default();
        running
            .history_tally()
            .fetch_add(MAX_RUNNING_HISTORY_BYTES, Ordering::SeqCst);
        assert!(running.admit().is_err());
        running.closed(MAX_RUNNING_HISTORY_BYTES);
        running.admit().unwrap();
    }
}
