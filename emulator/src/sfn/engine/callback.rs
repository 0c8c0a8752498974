//! The callback pattern's wait (`.waitForTaskToken`): a Task opens a task token before its
//! Parameters are evaluated (`$$.Task.Token`), makes its call, records `TaskSubmitted`, then
//! waits here until the token is settled by SendTaskSuccess / SendTaskFailure
//! ([`crate::sfn::callbacks`]), or fails with `States.Timeout` when its `TimeoutSeconds` pass
//! or no SendTaskHeartbeat came within `HeartbeatSeconds` — AWS records both as a
//! `TaskTimedOut` event with error `States.Timeout`; Retry and Catch also match a heartbeat
//! timeout by `States.HeartbeatTimeout` — or when the execution's own deadline passes.
//!
//! Waiting is on the emulator's clock. On the virtual clock the execution, a scheduler
//! activity, parks on the token's signal with its nearest deadline as timer
//! (`Scheduler::wait_for`): it gives up the turn, time jumps to the deadline only when nothing
//! else is going on, and a SendTask* request wakes it at once. In real time (or outside an
//! activity) it waits on the token's `Notify` or a real timer.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::Notify;

use super::failure::execution_timeout;
use super::limits::MAX_EXECUTION_TIME;
use super::{Engine, Failure};
use crate::Context;
use crate::sfn::callbacks::{Outcome, signal};

/// An open task token; closed (SendTask* then answers `TaskTimedOut`) when dropped — when the
/// Task ends, or its run is dropped because the execution was stopped.
pub struct Token {
    pub text: String,
    wake: Arc<Notify>,
    ctx: Arc<Context>,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.ctx.callbacks.close(&self.text);
        self.ctx.sched.forget(&signal(&self.text));
    }
}

/// Opens a token for a Task of this execution starting now.
pub fn open(engine: &Engine) -> Token {
    let now = engine.ctx.clock.now();
    let (text, wake) = engine.ctx.callbacks.open(&engine.info.execution_arn, now);
    Token {
        text,
        wake,
        ctx: engine.ctx.clone(),
    }
}

/// The Task's `TimeoutSeconds` and `HeartbeatSeconds` for this run, and when it started.
pub struct Limits {
    pub started: SystemTime,
    pub timeout: Option<u64>,
    pub heartbeat: Option<u64>,
}

/// How the wait ended.
pub enum Ended {
    /// SendTaskSuccess (the result) or SendTaskFailure (its error and cause), or the
    /// execution's end (its own timeout, a stop).
    Settled(Result<Value, Failure>),
    /// The Task's timeout or heartbeat ran out: `TaskTimedOut`.
    TimedOut(Failure),
}

/// Waits until `token` is settled or a deadline passes.
pub async fn wait(engine: &Engine, token: &Token, limits: &Limits) -> Ended {
    let task_deadline = limits.timeout.and_then(|s| after(limits.started, s));
    loop {
        let Some(status) = engine.ctx.callbacks.status(&token.text) else {
            // Closed under the Task: StopExecution, whose abort ends this run.
            let stopped = Failure::of_execution("States.Runtime", "The execution was stopped.");
            return Ended::Settled(Err(stopped));
        };
        match status.outcome {
            Some(Outcome::Success(output)) => return Ended::Settled(Ok(output)),
            Some(Outcome::Failure { error, cause }) => {
                return Ended::Settled(Err(Failure::of_integration(error, cause)));
            }
            None => {}
        }
        let now = engine.ctx.clock.now();
        let beat_deadline = limits.heartbeat.and_then(|s| after(status.last_beat, s));
        if task_deadline.is_some_and(|deadline| now >= deadline) {
            return Ended::TimedOut(Failure::of_integration("States.Timeout", ""));
        }
        if beat_deadline.is_some_and(|deadline| now >= deadline) {
            return Ended::TimedOut(Failure::heartbeat_timeout());
        }
        if engine.timed_out() {
            return Ended::Settled(Err(execution_timeout()));
        }
        let next = [task_deadline, beat_deadline, engine.info.deadline]
            .into_iter()
            .flatten()
            .min();
        let left = next.map_or(MAX_EXECUTION_TIME, |deadline| {
            deadline.duration_since(now).unwrap_or_default()
        });
        pause(engine, token, left).await;
    }
}

/// Parks until the token's signal or `left` has passed (whichever first); the caller looks
/// again either way.
async fn pause(engine: &Engine, token: &Token, left: Duration) {
    if engine.ctx.sched.wait_for(&signal(&token.text), left).await {
        return;
    }
    tokio::select! {
        () = token.wake.notified() => {}
        () = engine.ctx.clock.sleep(left) => {}
    }
}

fn after(start: SystemTime, seconds: u64) -> Option<SystemTime> {
    start.checked_add(Duration::from_secs(seconds))
}
