//! Retry: which retrier handles an error, and how long to back off before the next attempt.

use std::time::Duration;

use super::Failure;
use super::limits;
use crate::sfn::asl::model::Retrier;

/// Whether `error_equals` names `failure` (`States.ALL` matches everything but
/// States.Runtime; `States.TaskFailed` matches a Task's errors except timeouts;
/// `States.HeartbeatTimeout` a heartbeat timeout, whose error is `States.Timeout`).
pub fn matches(error_equals: &[String], failure: &Failure, is_task: bool) -> bool {
    if failure.error == "States.Runtime" {
        return false;
    }
    error_equals.iter().any(|name| {
        name == &failure.error
            || name == "States.ALL"
            || (name == "States.TaskFailed" && is_task && failure.error != "States.Timeout")
            || (name == "States.HeartbeatTimeout" && failure.heartbeat)
    })
}

/// The back-off before the next attempt, or `None` when no retrier (with attempts left)
/// handles `failure`. Counts the attempt against the retrier that handles it.
pub fn next_delay(
    retriers: &[Retrier],
    attempts: &mut [u32],
    failure: &Failure,
    is_task: bool,
) -> Option<Duration> {
    let index = retriers
        .iter()
        .position(|r| matches(&r.error_equals, failure, is_task))?;
    let retrier = retriers.get(index)?;
    let attempt = attempts.get_mut(index)?;
    if *attempt >= retrier.max_attempts {
        return None;
    }
    // IntervalSeconds × BackoffRate^attempt can pass anything a Duration holds (both are
    // bounded only at 99999999 and ≥ 1.0): the delay is capped at the execution's longest
    // life, by which time the execution has timed out anyway.
    let exponent = i32::try_from(*attempt).unwrap_or(i32::MAX);
    let mut seconds = retrier.interval_seconds * retrier.backoff_rate.powi(exponent);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max);
    }
    if retrier.full_jitter {
        seconds *= super::entropy::current().ids.unit();
    }
    *attempt = attempt.saturating_add(1);
    Some(limits::capped_duration(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(max_attempts: u32) -> Retrier {
        Retrier {
            error_equals: vec!["States.ALL".into()],
            interval_seconds: 2.0,
            max_attempts,
            backoff_rate: 3.0,
            max_delay_seconds: Some(10.0),
            full_jitter: false,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped_then_stops() {
        let retriers = [retrier(3)];
        let mut attempts = [0];
        let failure = Failure::of_state("S", "X", "y");
        let delays: Vec<_> =
            std::iter::from_fn(|| next_delay(&retriers, &mut attempts, &failure, true)).collect();
        assert_eq!(
            delays,
            [2.0, 6.0, 10.0].map(Duration::from_secs_f64).to_vec()
        );
    }

    #[test]
    fn huge_backoffs_are_capped_instead_of_overflowing() {
        let retriers = [Retrier {
            error_equals: vec!["States.ALL".into()],
            interval_seconds: 99_999_999.0,
            max_attempts: 99_999_999,
            backoff_rate: 1e300,
            max_delay_seconds: None,
            full_jitter: false,
        }];
        let mut attempts = [50];
        let delay = next_delay(
            &retriers,
            &mut attempts,
            &Failure::of_state("S", "X", ""),
            true,
        );
        assert_eq!(delay, Some(limits::MAX_EXECUTION_TIME));
    }

    #[test]
    fn runtime_errors_are_never_retried() {
        let mut attempts = [0];
        let failure = Failure::of_state("S", "States.Runtime", "bad path");
        assert!(next_delay(&[retrier(3)], &mut attempts, &failure, true).is_none());
    }

    #[test]
    fn a_heartbeat_timeout_is_states_timeout_and_states_heartbeat_timeout() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let heartbeat = Failure::heartbeat_timeout();
        assert_eq!(heartbeat.error, "States.Timeout");
        assert!(matches(
            &names(&["States.HeartbeatTimeout"]),
            &heartbeat,
            true
        ));
        assert!(matches(&names(&["States.Timeout"]), &heartbeat, true));
        assert!(!matches(&names(&["States.TaskFailed"]), &heartbeat, true));
        let timeout = Failure::of_integration("States.Timeout", "");
        assert!(!matches(
            &names(&["States.HeartbeatTimeout"]),
            &timeout,
            true
        ));
    }
}
