//! Wait: Seconds, SecondsPath, Timestamp or TimestampPath, always through the emulator's clock
//! (a virtual clock makes a one-hour wait instant).

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::dataflow::Extra;
use super::jsonata;
use super::tail::Produced;
use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::model::WaitFor;
use crate::sfn::asl::syntax::parse_timestamp;

pub async fn run(engine: &Engine, run: &StateRun<'_>, wait_for: &WaitFor) -> Result<Step, Failure> {
    let context = run.context(&engine.info, None);
    let input = engine.passed_input(run)?;
    let duration = wait_duration(engine, run, wait_for, &input, &context)?;
    let output = engine.finish(run, Produced::passed(run, &input))?;
    engine.sleep(duration).await?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

/// The longest wait AWS accepts: 2^31-1 seconds (about 24855 days).
const MAX_WAIT: Duration = Duration::from_secs(i32::MAX as u64);

fn wait_duration(
    engine: &Engine,
    run: &StateRun<'_>,
    wait_for: &WaitFor,
    input: &Value,
    context: &Value,
) -> Result<Duration, Failure> {
    let until = |at: SystemTime| {
        at.duration_since(engine.ctx.clock.now())
            .unwrap_or_default()
    };
    let duration = requested_duration(engine, run, wait_for, input, context, until)?;
    if duration > MAX_WAIT {
        return Err(run.fail(paths::PathError::runtime("Wait state delay is too long.")));
    }
    Ok(duration)
}

fn requested_duration(
    engine: &Engine,
    run: &StateRun<'_>,
    wait_for: &WaitFor,
    input: &Value,
    context: &Value,
    until: impl Fn(SystemTime) -> Duration,
) -> Result<Duration, Failure> {
    match wait_for {
        // Anything a Duration cannot hold is "too long" (checked by the caller).
        WaitFor::Seconds(seconds) => {
            Ok(Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX))
        }
        WaitFor::SecondsExpr(text) => {
            let value = jsonata_field(engine, run, text, "Seconds")?;
            match value.as_u64() {
                Some(seconds) => Ok(Duration::from_secs(seconds)),
                None => Err(run.fail(jsonata::query_error(format!(
                    "The Seconds field must be a non-negative integer, but was: {}",
                    paths::to_text(&value)
                )))),
            }
        }
        WaitFor::TimestampExpr(text) => {
            let value = jsonata_field(engine, run, text, "Timestamp")?;
            let shown = match &value {
                Value::String(text) => text.clone(),
                other => paths::to_text(other),
            };
            value.as_str().and_then(parse_timestamp).map(until).ok_or_else(|| {
                run.fail(jsonata::query_error(format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}"
                )))
            })
        }
        WaitFor::SecondsPath(path) => {
            let value =
                paths::read(path, "SecondsPath", input, context).map_err(|e| run.fail(e))?;
            seconds_from(&value, path).map_err(|e| run.fail(e))
        }
        WaitFor::Timestamp(text) => parse_timestamp(text).map(until).ok_or_else(|| {
            run.fail(paths::PathError::runtime(format!(
                "Invalid timestamp '{text}'"
            )))
        }),
        WaitFor::TimestampPath(path) => {
            let value =
                paths::read(path, "TimestampPath", input, context).map_err(|e| run.fail(e))?;
            value.as_str().and_then(parse_timestamp).map(until).ok_or_else(|| {
                let shown = match &value {
                    Value::String(text) => text.clone(),
                    other => paths::to_text(other),
                };
                run.fail(paths::PathError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}"
                )))
            })
        }
    }
}

/// A JSONata field of a Wait state: an expression, or a literal string.
fn jsonata_field(
    engine: &Engine,
    run: &StateRun<'_>,
    text: &str,
    field: &str,
) -> Result<Value, Failure> {
    run.jsonata_template(
        engine,
        &Value::String(text.to_owned()),
        field,
        Extra::default(),
    )
}

/// SecondsPath's value: a non-negative integer.
fn seconds_from(value: &Value, path: &str) -> Result<Duration, paths::PathError> {
    let shown = paths::to_text(value);
    let Some(seconds) = value.as_i64() else {
        return Err(paths::PathError::runtime(format!(
            "The SecondsPath parameter cannot be parsed as a long value: {path} == {shown}"
        )));
    };
    u64::try_from(seconds)
        .map(Duration::from_secs)
        .map_err(|_| {
            paths::PathError::runtime(format!(
                "The SecondsPath parameter references a negative value: {path} == {shown}"
            ))
        })
}
