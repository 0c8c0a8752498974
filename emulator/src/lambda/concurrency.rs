//! Reserved concurrency, as Lambda has it: `PutFunctionConcurrency`,
//! `GetFunctionConcurrency`, `DeleteFunctionConcurrency` and `GetAccountSettings`, and what an
//! invocation beyond a function's reservation gets.
//!
//! The account's concurrency is [`ACCOUNT_CONCURRENCY`] (AWS's default quota), of which
//! [`MIN_UNRESERVED`] must stay unreserved: a reservation that would leave less is refused with
//! AWS's `InvalidParameterValueException`. A function with a reservation of N runs at most N
//! invocations at once (and never more than the emulator's own [`super::pool::MAX_INSTANCES`]);
//! 0 throttles every invocation. Beyond it a synchronous invocation answers 429
//! `TooManyRequestsException` (`Reason: ReservedFunctionConcurrentInvocationLimitExceeded`), an
//! asynchronous one stays queued and is retried with AWS's back-off (1 s doubling to 5 min)
//! until it runs or reaches the maximum event age (6 hours, then it is discarded with a
//! warning), and an event source mapping backs off and retries its batch
//! ([`super::esm_poller`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, json};
use tokio::sync::futures::Notified;

use super::{Lambda, lock};
use crate::Context;
use crate::protocol::members::{Dialect, Members};
use crate::protocol::{AwsError, AwsRequest, rest};

type Answer = Result<axum::response::Response, AwsError>;

/// The account's concurrent executions in the region (AWS's default quota).
pub const ACCOUNT_CONCURRENCY: i64 = 1_000;

/// What reservations must leave for functions without one.
pub const MIN_UNRESERVED: i64 = 100;

/// The first wait of a throttled asynchronous invocation.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// The longest wait between two attempts of a throttled asynchronous invocation.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How long a throttled asynchronous invocation is retried (`MaximumEventAgeInSeconds`).
const MAX_EVENT_AGE: Duration = Duration::from_secs(6 * 60 * 60);

/// 429 `TooManyRequestsException` for an invocation beyond the function's reservation.
pub fn throttled() -> AwsError {
    let mut details = Map::new();
    details.insert(
        "Reason".into(),
        json!("ReservedFunctionConcurrentInvocationLimitExceeded"),
    );
    AwsError::new(429, "TooManyRequestsException", "Rate Exceeded.").with_details(details)
}

/// Whether `error` is a throttle (what a caller should back off from and retry).
pub fn is_throttle(error: &AwsError) -> bool {
    error.code == "TooManyRequestsException"
}

/// What an invocation does when the function's reserved concurrency is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Answer [`throttled`] (synchronous invocations).
    Throttle,
    /// Wait and try again (queued asynchronous invocations).
    Queue,
}

impl Admission {
    /// Called when the reservation is in use: `Err` to give up, `Ok` to look again.
    pub async fn throttled(
        self,
        backoff: &mut Backoff,
        freed: Notified<'_>,
    ) -> Result<(), AwsError> {
        if self == Admission::Throttle {
            return Err(throttled());
        }
        if backoff.wait(freed).await {
            return Ok(());
        }
        Err(AwsError::new(
            429,
            "TooManyRequestsException",
            "The event reached its maximum age (21600 seconds) while the function was \
             throttled by its reserved concurrency",
        ))
    }
}

/// A throttled asynchronous invocation's waits: exponential, bounded, on the emulator clock.
pub struct Backoff {
    ctx: Arc<Context>,
    since: SystemTime,
    next: Duration,
}

impl Backoff {
    pub fn new(ctx: &Arc<Context>) -> Backoff {
        Backoff {
            ctx: ctx.clone(),
            since: ctx.clock.now(),
            next: FIRST_BACKOFF,
        }
    }

    /// Waits the next interval (on the virtual clock through the scheduler, so the turn is
    /// given up; in real time until the interval ends or an instance comes free); `false` once
    /// the event is too old to retry.
    async fn wait(&mut self, freed: Notified<'_>) -> bool {
        let age = self
            .ctx
            .clock
            .now()
            .duration_since(self.since)
            .unwrap_or_default();
        if age >= MAX_EVENT_AGE {
            return false;
        }
        let delay = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF);
        if !self.ctx.sched.sleep(delay).await {
            let _ = self.ctx.clock.real_timeout(delay, freed).await;
        }
        true
    }
}

/// `PutFunctionConcurrency`: members first, then the function, then the account's unreserved
/// minimum (checked and set under the functions' lock, so two reservations never overshoot).
pub fn put(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let input = rest::parse_body(request)?;
    let members = Members::with(&input, Dialect::Lambda);
    let member = "ReservedConcurrentExecutions";
    let reserved = members.require(member, members.int_in(member, 0, i64::MAX)?)?;
    let function = lambda.function(name)?;
    let functions = lock(&lambda.functions);
    let others: i64 = functions
        .values()
        .filter(|other| !Arc::ptr_eq(other, &function))
        .filter_map(|other| other.pool.reserved())
        .map(|n| n as i64)
        .sum();
    if ACCOUNT_CONCURRENCY - others - reserved < MIN_UNRESERVED {
        return Err(AwsError::new(
            400,
            "InvalidParameterValueException",
            format!(
                "Specified ReservedConcurrentExecutions for function decreases account's \
                 UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
            ),
        ));
    }
    function
        .pool
        .set_reserved(Some(usize::try_from(reserved).unwrap_or(usize::MAX)));
    drop(functions);
    Ok(rest::json(
        200,
        &json!({ "ReservedConcurrentExecutions": reserved }),
    ))
}

/// `GetFunctionConcurrency`: the reservation, or `{}` without one.
pub fn get(lambda: &Lambda, name: &str) -> Answer {
    let function = lambda.function(name)?;
    let answer = match function.pool.reserved() {
        Some(reserved) => json!({ "ReservedConcurrentExecutions": reserved }),
        None => json!({}),
    };
    Ok(rest::json(200, &answer))
}

/// `DeleteFunctionConcurrency`: the reservation removed (also when there was none).
pub fn delete(lambda: &Lambda, name: &str) -> Answer {
    let function = lambda.function(name)?;
    function.pool.set_reserved(None);
    Ok(rest::empty(204))
}

/// `GetAccountSettings`: AWS's default limits, what reservations leave unreserved, and the
/// functions' count and code size.
pub fn account_settings(lambda: &Lambda) -> Answer {
    let functions = lock(&lambda.functions);
    let reserved: i64 = functions
        .values()
        .filter_map(|function| function.pool.reserved())
        .map(|n| n as i64)
        .sum();
    let code_size: u64 = functions
        .values()
        .map(|function| lock(&function.config).code_size)
        .sum();
    let count = functions.len();
    drop(functions);
    Ok(rest::json(
        200,
        &json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800_i64,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": { "TotalCodeSize": code_size, "FunctionCount": count },
        }),
    ))
}

/// The `Concurrency` member of GetFunction's answer, when the function has a reservation.
pub fn describe(reserved: Option<usize>) -> Option<serde_json::Value> {
    reserved.map(|reserved| json!({ "ReservedConcurrentExecutions": reserved }))
}
