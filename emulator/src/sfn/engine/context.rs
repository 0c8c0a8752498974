//! The context object (`$$`): the execution, the state machine, the current state and, while a
//! Map state selects an item, `Map.Item`. It also carries the variables in scope under a hidden
//! key, so every JSONPath reader that resolves `$$…` can resolve `$name…` too.

use std::time::SystemTime;

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
    let mut context = json!({
        "Execution": {
            "Id": info.execution_arn,
            "Input": info.input,
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
    let at = time::OffsetDateTime::from(time);
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
