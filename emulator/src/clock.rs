//! The one clock every service reads.
//!
//! In [`ClockMode::Real`] it is the wall clock. In [`ClockMode::Virtual`] it is discrete: the
//! wall clock's reading when the emulator started plus an offset that moves only when something
//! waits — the scheduler (`sched.rs`) jumps it to the earliest timer once the system is
//! quiescent, and [`Clock::sleep`] (for a wait outside any scheduled activity) advances it at
//! once. So a one-hour `Wait` state costs no wall time, and the time a real process takes does
//! not show on the virtual timeline.
//!
//! Invariant: no service reads `SystemTime::now()` or sleeps on tokio directly; they ask the
//! clock. (Lambda timeouts are the one deliberate exception: a real process takes real time,
//! so they use [`Clock::real_timeout`] and [`Clock::wall_now`].) `clippy.toml` enforces it:
//! `disallowed-methods` lists every way to read the time or sleep, and this is the one module
//! allowed to.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    #[default]
    Real,
    Virtual,
}

#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    /// Virtual mode: the wall clock when the clock was made, where virtual time starts.
    start: SystemTime,
    /// How far time is ahead of `start` (virtual) or of the wall clock (real, when
    /// [`Clock::advance`]d), in microseconds; shared with the scheduler, which moves it.
    offset_micros: Arc<AtomicU64>,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Clock {
        Clock {
            mode,
            start: SystemTime::now(),
            offset_micros: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The offset the scheduler moves (crate-private: only `sched` and this module touch it).
    pub(crate) fn offset_handle(&self) -> Arc<AtomicU64> {
        self.offset_micros.clone()
    }

    /// The current time: in real mode the wall clock (plus any [`Clock::advance`]), in
    /// virtual mode the start plus the virtual offset.
    pub fn now(&self) -> SystemTime {
        let offset = Duration::from_micros(self.offset_micros.load(Ordering::SeqCst));
        match self.mode {
            ClockMode::Real => SystemTime::now() + offset,
            ClockMode::Virtual => self.start + offset,
        }
    }

    /// The wall clock, whatever the mode: for what bounds a real process (a Lambda's
    /// `Lambda-Runtime-Deadline-Ms`), never for what a service reports.
    pub fn wall_now() -> SystemTime {
        SystemTime::now()
    }

    /// Seconds since the Unix epoch, with fractions (the AWS JSON protocols' timestamp form).
    pub fn now_epoch_seconds(&self) -> f64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_epoch_millis(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64
    }

    /// Waits `duration` of clock time: really, or by advancing virtual time at once (what a
    /// wait outside any scheduled activity does; activities sleep through `sched`).
    pub async fn sleep(&self, duration: Duration) {
        match self.mode() {
            ClockMode::Real => tokio::time::sleep(duration).await,
            ClockMode::Virtual => {
                self.advance(duration);
                tokio::task::yield_now().await;
            }
        }
    }

    /// Moves virtual time forward (also usable in real mode, e.g. from a control route).
    pub fn advance(&self, duration: Duration) {
        self.offset_micros
            .fetch_add(duration.as_micros() as u64, Ordering::SeqCst);
    }

    /// Runs `future` with a wall-clock deadline, whatever the mode.
    pub async fn real_timeout<F: std::future::Future>(
        &self,
        duration: Duration,
        future: F,
    ) -> Result<F::Output, tokio::time::error::Elapsed> {
        tokio::time::timeout(duration, future).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_sleep_advances_time_without_waiting() {
        let clock = Clock::new(ClockMode::Virtual);
        let before = clock.now();
        let wall = std::time::Instant::now();
        clock.sleep(Duration::from_secs(3600)).await;
        assert!(wall.elapsed() < Duration::from_secs(1));
        assert!(clock.now().duration_since(before).unwrap() >= Duration::from_secs(3600));
    }

    #[tokio::test]
    async fn real_sleep_does_not_touch_the_offset() {
        let clock = Clock::new(ClockMode::Real);
        clock.sleep(Duration::from_millis(1)).await;
        assert_eq!(clock.offset_micros.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn virtual_time_stands_still_until_something_waits() {
        let clock = Clock::new(ClockMode::Virtual);
        let before = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), before);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now(), before + Duration::from_secs(2));
    }
}
