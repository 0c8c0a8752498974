//! Giving freed heap back to the operating system while `orderlab emulate` runs.
//!
//! The emulator's work comes in bursts (a rule loop that starts thousands of executions, 1 MB
//! payloads queued and dropped) spread over many threads, so glibc's allocator keeps the freed
//! memory in its per-thread arenas and the process's RSS ratchets up to the highest burst it
//! ever saw, although what is live stays within the emulator's budgets. The 10-minute soak
//! (issue #10, `docs/reliability.md`) measured that. Every [`PERIOD`] this task asks glibc to
//! return the free pages of every arena (`malloc_trim(0)`); elsewhere it does nothing.

use std::time::Duration;

/// How often free pages are returned.
pub const PERIOD: Duration = Duration::from_secs(5);

/// Trims the heap every [`PERIOD`] until the returned guard is dropped.
pub fn start() -> Guard {
    Guard(tokio::spawn(async {
        let mut ticks = tokio::time::interval(PERIOD);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // A full trim walks every arena: off the async workers.
            let _ = tokio::task::spawn_blocking(trim_now).await;
        }
    }))
}

/// Stops the trimming task when dropped.
pub struct Guard(tokio::task::JoinHandle<()>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Returns the free pages of every malloc arena to the operating system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim_now() {
    // SAFETY: malloc_trim only releases memory the allocator holds free; it takes each
    // arena's lock like any malloc call and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// No-op where the allocator is not glibc's.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim_now() {}
