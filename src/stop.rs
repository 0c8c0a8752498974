//! Stopping a command early: a [`Stop`] token that SIGINT, SIGTERM or a closed stdout
//! trips once, which every long wait (`select!`) watches, and the exit code of each reason.
//!
//! The CLI installs [`listen_for_signals`] before it starts anything: the first signal trips
//! the token, so in-flight scenarios are cancelled and every backend is stopped (bounded);
//! a second signal exits at once (after [`crate::cleanup::remove_all`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// Why a command stopped before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// SIGINT (Ctrl-C): exit 130.
    Interrupt,
    /// SIGTERM: exit 143.
    Terminate,
    /// stdout's reader went away (`| head`): exit 141, as if killed by SIGPIPE, quietly.
    OutputClosed,
    /// stdout could not be written for another reason (a full disk): exit 2.
    OutputFailed,
}

impl Reason {
    /// 128 + the signal number for signals (the shell convention), 2 for a failed stdout.
    pub fn exit_code(self) -> u8 {
        match self {
            Reason::Interrupt => 130,
            Reason::Terminate => 143,
            Reason::OutputClosed => 141,
            Reason::OutputFailed => 2,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Interrupt => "interrupted (SIGINT)",
            Reason::Terminate => "terminated (SIGTERM)",
            Reason::OutputClosed => "stdout was closed",
            Reason::OutputFailed => "stdout could not be written",
        })
    }
}

/// A one-shot stop request shared by everything a command started. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Stop {
    sender: Arc<watch::Sender<Option<Reason>>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

impl Stop {
    pub fn new() -> Stop {
        Stop {
            sender: Arc::new(watch::channel(None).0),
        }
    }

    /// Trips the token; the first reason wins. True when this call tripped it.
    pub fn request(&self, reason: Reason) -> bool {
        self.sender.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(reason);
            true
        })
    }

    /// The reason, once tripped.
    pub fn reason(&self) -> Option<Reason> {
        *self.sender.borrow()
    }

    /// Resolves when the token is tripped (at once if it already is).
    pub async fn requested(&self) -> Reason {
        let mut receiver = self.sender.subscribe();
        let reason = receiver
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|reason| *reason);
        match reason {
            Some(reason) => reason,
            // The sender lives as long as `self`: this cannot happen, so never resolve.
            None => std::future::pending().await,
        }
    }
}

/// Whether signals already arrived once (the second one forces the exit).
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Handles SIGINT and SIGTERM from now on: the first trips `stop`, the second removes the
/// harness's temporary files and child processes and exits at once with the signal's code.
/// Must be called inside the tokio runtime.
pub fn listen_for_signals(stop: &Stop) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let stop = stop.clone();
    tokio::spawn(async move {
        loop {
            let reason = tokio::select! {
                Some(()) = interrupt.recv() => Reason::Interrupt,
                Some(()) = terminate.recv() => Reason::Terminate,
                else => return,
            };
            if SIGNALLED.swap(true, Ordering::SeqCst) {
                crate::output::error_line(&format!("orderlab: {reason} again: exiting now"));
                crate::cleanup::remove_all();
                std::process::exit(i32::from(reason.exit_code()));
            }
            stop.request(reason);
            crate::output::error_line(&format!(
                "orderlab: {reason}: stopping (a second signal exits at once)"
            ));
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins_and_waiters_wake() {
        let stop = Stop::new();
        assert_eq!(stop.reason(), None);
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.requested().await }
        });
        assert!(stop.request(Reason::Terminate));
        assert!(!stop.request(Reason::Interrupt));
        assert_eq!(waiter.await.unwrap(), Reason::Terminate);
        assert_eq!(stop.requested().await, Reason::Terminate);
        assert_eq!(Reason::Terminate.exit_code(), 143);
        assert_eq!(Reason::Interrupt.exit_code(), 130);
    }
}
