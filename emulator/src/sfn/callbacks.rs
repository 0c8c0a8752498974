//! Task tokens of the callback pattern (`.waitForTaskToken`). A Task opens a token before it
//! calls its resource (the token is `$$.Task.Token`), then waits until SendTaskSuccess or
//! SendTaskFailure settles it, or its `TimeoutSeconds` / `HeartbeatSeconds` run out;
//! SendTaskHeartbeat restarts the heartbeat. The waiting itself is `engine::callback`'s.
//!
//! A token is the number it was issued under and the execution that holds it, base64-encoded:
//! tokens are deterministic (a counter, no randomness), and a token that was issued but is
//! closed — its task ended or timed out, or its execution was stopped — is told apart from one
//! never issued here. The first answers `TaskTimedOut`, the second `TaskDoesNotExist`, and a
//! string that is no token at all `InvalidToken`, the errors botocore's `stepfunctions` model
//! gives SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.
//!
//! Waking: on the virtual clock the waiting execution is a scheduler activity parked on the
//! token's [`signal`] with its nearest deadline as timer (`Scheduler::wait_for`), and settling
//! gives the signal; in real time it waits on the token's [`Notify`] or the clock.
//!
//! Bounded: a token is open only while its Task waits (closed when the Task ends, is dropped
//! or its execution is stopped), so open tokens are bounded by the running executions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use base64::Engine as _;
use serde_json::Value;
use tokio::sync::Notify;

use crate::protocol::AwsError;

/// What a token's text starts with before encoding.
const PREFIX: &str = "orderlab-sfn-task:";

/// How a callback was settled.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// SendTaskSuccess: the task's result.
    Success(Value),
    /// SendTaskFailure: the task fails with this error and cause.
    Failure { error: String, cause: String },
}

/// One open token.
struct Slot {
    execution_arn: String,
    outcome: Option<Outcome>,
    /// When the task was started or last sent a heartbeat.
    last_beat: SystemTime,
    wake: Arc<Notify>,
}

/// Every open token of one emulator.
#[derive(Default)]
pub struct Callbacks {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// How many tokens were ever issued (the next token's number).
    issued: u64,
    open: HashMap<String, Slot>,
}

/// What a waiting task looks at.
pub struct Status {
    pub outcome: Option<Outcome>,
    pub last_beat: SystemTime,
}

impl Callbacks {
    /// Opens a token for a task of `execution_arn` started `now`; returns it and what wakes
    /// its waiter in real time.
    pub fn open(&self, execution_arn: &str, now: SystemTime) -> (String, Arc<Notify>) {
        let mut inner = self.lock();
        let token = encode(inner.issued, execution_arn);
        inner.issued += 1;
        let wake = Arc::new(Notify::new());
        let slot = Slot {
            execution_arn: execution_arn.to_owned(),
            outcome: None,
            last_beat: now,
            wake: wake.clone(),
        };
        inner.open.insert(token.clone(), slot);
        (token, wake)
    }

    /// The token's outcome, once settled, and its last heartbeat; `None` once closed.
    pub fn status(&self, token: &str) -> Option<Status> {
        self.lock().open.get(token).map(|slot| Status {
            outcome: slot.outcome.clone(),
            last_beat: slot.last_beat,
        })
    }

    /// Closes a token: SendTask* with it answers `TaskTimedOut` from now on.
    pub fn close(&self, token: &str) {
        self.lock().open.remove(token);
    }

    /// Closes every token of a stopped execution; returns them.
    pub fn close_execution(&self, execution_arn: &str) -> Vec<String> {
        let mut inner = self.lock();
        let tokens: Vec<String> = (inner.open.iter())
            .filter(|(_, slot)| slot.execution_arn == execution_arn)
            .map(|(token, _)| token.clone())
            .collect();
        for token in &tokens {
            inner.open.remove(token);
        }
        tokens
    }

    /// SendTaskSuccess / SendTaskFailure: settles the token; returns what wakes its waiter.
    pub fn settle(&self, token: &str, outcome: Outcome) -> Result<Arc<Notify>, AwsError> {
        let mut inner = self.lock();
        let slot = find(&mut inner, token)?;
        slot.outcome = Some(outcome);
        Ok(slot.wake.clone())
    }

    /// SendTaskHeartbeat: the heartbeat restarts at `now`.
    pub fn heartbeat(&self, token: &str, now: SystemTime) -> Result<(), AwsError> {
        let mut inner = self.lock();
        find(&mut inner, token)?.last_beat = now;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The scheduler signal a token's waiter parks on.
pub fn signal(token: &str) -> String {
    format!("sfn-callback:{token}")
}

/// The open, unsettled slot of `token`, or the error SendTask* answers.
fn find<'a>(inner: &'a mut Inner, token: &str) -> Result<&'a mut Slot, AwsError> {
    let number = decode(token).ok_or_else(invalid_token)?;
    if number >= inner.issued {
        return Err(task_does_not_exist());
    }
    match inner.open.get_mut(token) {
        Some(slot) if slot.outcome.is_none() => Ok(slot),
        _ => Err(task_timed_out()),
    }
}

fn encode(number: u64, execution_arn: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{PREFIX}{number}:{execution_arn}"))
}

/// The number a token was issued under, if the text is a token.
fn decode(token: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (number, execution_arn) = text.strip_prefix(PREFIX)?.split_once(':')?;
    execution_arn
        .starts_with("arn:")
        .then(|| number.parse().ok())
        .flatten()
}

fn invalid_token() -> AwsError {
    AwsError::new(400, "InvalidToken", "Invalid token")
}

fn task_does_not_exist() -> AwsError {
    AwsError::new(400, "TaskDoesNotExist", "Task does not exist")
}

fn task_timed_out() -> AwsError {
    AwsError::new(
        400,
        "TaskTimedOut",
        "Task Timed Out: 'Provided task does not exist anymore'",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:states:us-east-1:000000000000:execution:m:e";

    fn code(result: Result<impl Sized, AwsError>) -> String {
        result.err().map(|e| e.code.to_string()).unwrap_or_default()
    }

    #[test]
    fn tokens_are_numbered_and_tell_closed_from_unknown() {
        let callbacks = Callbacks::default();
        let now = SystemTime::UNIX_EPOCH;
        let (first, _) = callbacks.open(ARN, now);
        let (second, _) = callbacks.open(ARN, now);
        assert_ne!(first, second);
        assert_eq!(decode(&first), Some(0));
        assert_eq!(decode(&second), Some(1));
        assert!(callbacks.heartbeat(&first, now).is_ok());
        let settled = Outcome::Success(serde_json::json!({"ok": true}));
        assert!(callbacks.settle(&first, settled.clone()).is_ok());
        let status = callbacks
            .status(&first)
            .expect("still open until the task closes it");
        assert_eq!(status.outcome, Some(settled.clone()));
        assert_eq!(code(callbacks.settle(&first, settled)), "TaskTimedOut");
        callbacks.close(&first);
        assert!(callbacks.status(&first).is_none());
        assert_eq!(code(callbacks.heartbeat(&first, now)), "TaskTimedOut");
        assert_eq!(callbacks.close_execution(ARN), vec![second.clone()]);
        assert_eq!(code(callbacks.heartbeat(&second, now)), "TaskTimedOut");
        assert_eq!(
            code(callbacks.heartbeat(&encode(7, ARN), now)),
            "TaskDoesNotExist"
        );
        assert_eq!(
            code(callbacks.heartbeat("not a token", now)),
            "InvalidToken"
        );
        let other = base64::engine::general_purpose::STANDARD.encode("something else");
        assert_eq!(code(callbacks.heartbeat(&other, now)), "InvalidToken");
    }
}
