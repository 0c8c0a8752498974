//! Wait: Seconds, SecondsPath, Timestamp or TimestampPath, always through the emulator's clock
//! (a virtual clock makes a one-hour wait instant).

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::model::WaitFor;

/// An RFC 3339 timestamp, as Step Functions accepts them.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(SystemTime::from(parsed))
}

pub async fn run(engine: &Engine, run: &StateRun<'_>, wait_for: &WaitFor) -> Result<Step, Failure> {
    let context = run.context(&engine.info, None);
    let common = &run.state.common;
    let input = paths::apply_input_path(&common.input_path, "InputPath", &run.input, &context)
        .map_err(|e| run.fail(e))?;
    let duration = wait_duration(engine, run, wait_for, &input, &context)?;
    engine.ctx.clock.sleep(duration).await;
    let output = paths::apply_output_path(&common.output_path, &input).map_err(|e| run.fail(e))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

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
    match wait_for {
        WaitFor::Seconds(seconds) => Ok(Duration::from_secs_f64(seconds.max(0.0))),
        WaitFor::SecondsPath(path) => {
            let value =
                paths::read(path, "SecondsPath", input, context).map_err(|e| run.fail(e))?;
            value
                .as_f64()
                .filter(|s| *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    run.fail(paths::PathError::runtime(format!(
                        "The SecondsPath parameter does not reference a valid integer value: {}",
                        paths::to_text(&value)
                    )))
                })
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
                run.fail(paths::PathError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {}",
                    paths::to_text(&value)
                )))
            })
        }
    }
}
