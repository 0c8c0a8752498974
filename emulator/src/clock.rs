//! The one clock every service reads.
//!
//! In [`ClockMode::Real`] it is the wall clock. In [`ClockMode::Virtual`] it is the wall clock
//! plus an offset that [`Clock::sleep`] advances at once instead of waiting, so a one-hour
//! `Wait` state or retry back-off costs no wall time while timestamps still move forward.
//!
//! Invariant: no service reads `SystemTime::now()` or sleeps on tokio directly; they ask the
//! clock. (Lambda timeouts are the one deliberate exception: a real process takes real time,
//! so they use [`Clock::real_timeout`] and [`Clock::wall_now`].) `clippy.toml` enforces it:
//! `disallowed-methods` lists every way to read the time or sleep, and this is the one module
//! allowed to.
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    #[default]
    Real,
    Virtual,
}

#[derive(Debug)]
pub struct Clock {
    virtual_mode: AtomicBool,
    /// How far virtual time is ahead of the wall clock, in microseconds.
    offset_micros: AtomicU64,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Clock {
        Clock {
            virtual_mode: AtomicBool::new(mode == ClockMode::Virtual),
            offset_micros: AtomicU64::new(0),
        }
    }

    pub fn mode(&self) -> ClockMode {
        if self.virtual_mode.load(Ordering::Relaxed) {
            ClockMode::Virtual
        } else {
            ClockMode::Real
        }
    }

    pub fn set_mode(&self, mode: ClockMode) {
        self.virtual_mode
            .store(mode == ClockMode::Virtual, Ordering::Relaxed);
    }

    /// The current time: wall clock plus the virtual offset.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_micros(self.offset_micros.load(Ordering::Relaxed))
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

    /// Waits `duration` of clock time: really, or by advancing virtual time at once.
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
            .fetch_add(duration.as_micros() as u64, Ordering::Relaxed);
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
}
