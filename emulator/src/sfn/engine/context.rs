//! The context object (`$$`): the execution, the state machine, the current state, a callback
//! Task's `Task.Token` and, while a Map state selects an item, `Map.Item`. It also carries the variables in scope under a hidden
//! key, so every JSONPath reader that resolves `$$…` can resolve `$name…` too.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// Execution-wide facts, fixed when the execution starts.
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub execution_name: String,
    pub input: Value,
    pub role_arn: String,
    pub start_time: SystemTime,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    /// When the machine's `TimeoutSeconds` runs out (clock time), if it has one.
    pub deadline: Option<SystemTime>,
    /// The MockConfigFile test case named by `StartExecution`'s `<arn>#<TestCase>`.
    pub test_case: Option<String>,
}

/// What the current state adds to the context object.
#[derive(Debug, Clone)]
pub struct StateFacts<'a> {
    pub name: &'a str,
    pub entered_time: SystemTime,
    /// `State.RetryCount`, shown only for states that can retry (AWS leaves it out otherwise).
    pub retry_count: Option<u32>,
    /// `(index, value)` of the Map item being selected.
    pub map_item: Option<(usize, &'a Value)>,
    /// The variables in scope, carried under [`VARIABLES_KEY`] for `$name` paths.
    pub vars: Option<&'a Map<String, Value>>,
    /// Whether to copy the execution input into `Execution.Input` (null otherwise): a state
    /// that never reads the context object need not pay for it.
    pub with_input: bool,
    /// A `.waitForTaskToken` Task's token (`Task.Token`).
    pub task_token: Option<&'a str>,
}

/// Where the context object carries the variables in scope (never shown: `$$` and
/// `$states.context` strip it).
pub const VARIABLES_KEY: &str = "\u{0}variables";

/// The context object without the variables it carries.
pub fn strip_variables(mut context: Value) -> Value {
    if let Some(object) = context.as_object_mut() {
        object.remove(VARIABLES_KEY);
    }
    context
}

/// Builds `$$`.
pub fn context_object(info: &ExecutionInfo, state: &StateFacts<'_>) -> Value {
    let input = if state.with_input {
        info.input.clone()
    } else {
        Value::Null
    };
    let mut context = json!({
        "Execution": {
            "Id": info.execution_arn,
            "Input": input,
            "StartTime": iso8601(info.start_time),
            "Name": info.execution_name,
            "RoleArn": info.role_arn,
            "RedriveCount": 0,
        },
        "StateMachine": {
            "Id": info.state_machine_arn,
            "Name": info.state_machine_name,
        },
        "State": {
            "Name": state.name,
            "EnteredTime": iso8601(state.entered_time),
        },
    });
    if let (Some(count), Some(state_object)) = (
        state.retry_count,
        context.get_mut("State").and_then(Value::as_object_mut),
    ) {
        state_object.insert("RetryCount".into(), json!(count));
    }
    if let (Some(token), Some(object)) = (state.task_token, context.as_object_mut()) {
        object.insert("Task".into(), json!({ "Token": token }));
    }
    if let (Some((index, value)), Some(object)) = (state.map_item, context.as_object_mut()) {
        object.insert(
            "Map".into(),
            json!({ "Item": { "Index": index, "Value": value } }),
        );
    }
    if let (Some(vars), Some(object)) = (state.vars, context.as_object_mut()) {
        object.insert(VARIABLES_KEY.into(), Value::Object(vars.clone()));
    }
    context
}

/// `2024-01-02T03:04:05.678Z`, the form Step Functions uses for context timestamps.
pub fn iso8601(time: SystemTime) -> String {
    let at = date_time(time);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// `time` as a UTC date-time. `OffsetDateTime::from` panics past the year 9999, which a
/// virtual clock advanced by long waits can reach; such a time is clamped instead.
pub fn date_time(time: SystemTime) -> time::OffsetDateTime {
    let nanos = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |n| -n),
    };
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or_else(|_| {
        if nanos < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_past_year_9999_do_not_panic() {
        let far = UNIX_EPOCH + Duration::from_secs(400_000 * 365 * 24 * 3600);
        assert!(iso8601(far).starts_with("9999-12-31T23:59:59"));
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
