//! Reading a TestState request: botocore's member constraints (lengths, enums, ranges), the
//! definition (one state, or a whole machine with `stateName`), and the cross-member rules
//! AWS checks before running anything (mocks only on Task/Map/Parallel, Map and Parallel only
//! with a mock, `context` only with a mock, a role for an unmocked Task, …).

use serde_json::{Map, Value, json};

use super::fields::{self, Mode};
use super::scope::MockOutcome;
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::asl::{self, Definition, StateKind};
use crate::sfn::engine::Failure;
use crate::sfn::engine::limits::MAX_PAYLOAD_BYTES;

/// botocore's bound on `stateConfiguration.mapItemReaderData`.
const MAP_ITEM_READER_DATA_BYTES: usize = 262_144;

/// The name a single-state definition runs under (AWS shows its own; any is valid).
pub const SINGLE_STATE_NAME: &str = "TestState";

/// `inspectionLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Debug,
    Trace,
}

/// `stateConfiguration`.
#[derive(Debug, Default)]
pub struct Configuration {
    pub retrier_retry_count: Option<u32>,
    pub error_caused_by_state: Option<String>,
    pub map_iteration_failure_count: Option<u32>,
    /// What a distributed Map's ItemReader reads (the object's text), in place of S3.
    pub map_item_reader_data: Option<String>,
}

/// A checked TestState request.
pub struct Request {
    pub definition: Definition,
    pub state_name: String,
    pub role_arn: Option<String>,
    pub input: Value,
    pub level: Level,
    pub variables: Map<String, Value>,
    pub mock: Option<MockOutcome>,
    pub context: Option<Value>,
    pub config: Configuration,
}

fn invalid_definition(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "InvalidDefinition", message)
}

/// A JSON text member (`input`, `variables`, `context`, `mock.result`).
fn json_member(
    members: &Members<'_>,
    member: &str,
    bad: impl Fn(String) -> AwsError,
) -> Result<Option<Value>, AwsError> {
    match members.sensitive_str(member, MAX_PAYLOAD_BYTES)? {
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| bad(e.to_string())),
        None => Ok(None),
    }
}

pub fn parse(input: &Value) -> Result<Request, AwsError> {
    let members = Members::of(input);
    let definition_text = members.required_str("definition")?;
    if definition_text.is_empty() || definition_text.len() > 1_048_576 {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length between 1 and 1048576",
        ));
    }
    let role_arn = members.str_len("roleArn", 1, 256)?.map(str::to_owned);
    if let Some(arn) = &role_arn {
        check_role_arn(arn)?;
    }
    let execution_input = json_member(&members, "input", |e| {
        AwsError::new(
            400,
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    })?
    .unwrap_or_else(|| json!({}));
    let level = match members.enumeration("inspectionLevel", &["INFO", "DEBUG", "TRACE"])? {
        Some("DEBUG") => Level::Debug,
        Some("TRACE") => Level::Trace,
        _ => Level::Info,
    };
    let reveal_secrets = members.bool("revealSecrets")?.unwrap_or(false);
    let variables = match json_member(&members, "variables", |e| {
        AwsError::validation(format!("Invalid variables: {e}"))
    })? {
        None => Map::new(),
        Some(Value::Object(vars)) => vars,
        Some(_) => {
            return Err(AwsError::validation(
                "Variables must be a JSON object literal.",
            ));
        }
    };
    let state_name = members.str_len("stateName", 1, 80)?;
    let context = json_member(&members, "context", |e| {
        AwsError::validation(format!("Invalid context: {e}"))
    })?;
    let config = configuration(&members)?;
    let (definition, state_name) = parse_definition(definition_text, state_name)?;
    let mock = members.structure("mock")?;
    let state = definition.states.get(&state_name).ok_or_else(|| {
        invalid_definition(format!("State '{state_name}' is not in the definition"))
    })?;
    check_state_and_mock(state, mock.is_some(), role_arn.is_some())?;
    let mock = match mock {
        Some(mock) => Some(read_mock(&mock, state, reveal_secrets)?),
        None => None,
    };
    if context.is_some() && mock.is_none() {
        return Err(AwsError::validation(
            "TestState does not support a context object when no mock is specified.",
        ));
    }
    check_configuration(&config, state, mock.as_ref())?;
    Ok(Request {
        definition,
        state_name,
        role_arn,
        input: execution_input,
        level,
        variables,
        mock,
        context,
        config,
    })
}

fn check_role_arn(arn: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && parts.first() == Some(&"arn")
        && parts.get(2) == Some(&"iam")
        && parts
            .get(5)
            .is_some_and(|resource| resource.starts_with("role/"));
    if valid {
        return Ok(());
    }
    Err(AwsError::new(
        400,
        "InvalidArn",
        format!("Invalid Arn: 'Invalid role ARN: {arn}'"),
    ))
}

fn configuration(members: &Members<'_>) -> Result<Configuration, AwsError> {
    let Some(config) = members.structure("stateConfiguration")? else {
        return Ok(Configuration::default());
    };
    let count = |member: &str| -> Result<Option<u32>, AwsError> {
        Ok(config
            .int_in(member, 0, i64::from(i32::MAX))?
            .and_then(|n| u32::try_from(n).ok()))
    };
    Ok(Configuration {
        retrier_retry_count: count("retrierRetryCount")?,
        error_caused_by_state: config
            .str_len("errorCausedByState", 1, 80)?
            .map(str::to_owned),
        map_iteration_failure_count: count("mapIterationFailureCount")?,
        map_item_reader_data: config
            .sensitive_str("mapItemReaderData", MAP_ITEM_READER_DATA_BYTES)?
            .map(str::to_owned),
    })
}

/// The machine to run and the state under test. A single state is run as the only state of
/// a machine whose other states are the targets it names (`Next`, `Default`, a Choice's or
/// a Catch's `Next`), each a placeholder Succeed state, so the usual checks apply.
fn parse_definition(
    text: &str,
    state_name: Option<&str>,
) -> Result<(Definition, String), AwsError> {
    let value: Value = serde_json::from_str(text).map_err(|err| {
        invalid_definition(format!(
            "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {err}'"
        ))
    })?;
    if let Some(name) = state_name {
        let definition = asl::parse_definition(text).map_err(invalid_definition)?;
        return Ok((definition, name.to_owned()));
    }
    if value.get("States").is_some() || value.get("StartAt").is_some() {
        return Err(invalid_definition(
            "Invalid State Machine Definition: a full state machine definition requires stateName",
        ));
    }
    let mut states = Map::new();
    for target in targets(&value) {
        states.insert(target, json!({ "Type": "Succeed" }));
    }
    states.insert(SINGLE_STATE_NAME.to_owned(), value);
    let machine = json!({ "StartAt": SINGLE_STATE_NAME, "States": states });
    let definition = asl::parse_definition(&machine.to_string()).map_err(invalid_definition)?;
    Ok((definition, SINGLE_STATE_NAME.to_owned()))
}

/// The states a single state's transitions name.
fn targets(state: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |value: Option<&Value>| {
        if let Some(name) = value.and_then(Value::as_str)
            && name != SINGLE_STATE_NAME
        {
            names.push(name.to_owned());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for key in ["Choices", "Catch"] {
        for entry in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(entry.get("Next"));
        }
    }
    names
}

fn check_state_and_mock(
    state: &asl::State,
    has_mock: bool,
    has_role: bool,
) -> Result<(), AwsError> {
    match (&state.kind, has_mock) {
        (StateKind::Map { .. } | StateKind::Parallel { .. }, false) => Err(invalid_definition(
            "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
        )),
        (StateKind::Task { .. } | StateKind::Map { .. } | StateKind::Parallel { .. }, true) => {
            Ok(())
        }
        (kind, true) => Err(AwsError::validation(format!(
            "State type '{}' is not supported when a mock is specified",
            kind.type_name()
        ))),
        (StateKind::Task { .. }, false) if !has_role => Err(AwsError::validation(
            "RoleArn must be specified when testing a Task state",
        )),
        _ => Ok(()),
    }
}

fn read_mock(
    mock: &Members<'_>,
    state: &asl::State,
    reveal_secrets: bool,
) -> Result<MockOutcome, AwsError> {
    let mode = match mock.enumeration("fieldValidationMode", &["STRICT", "PRESENT", "NONE"])? {
        Some("PRESENT") => Mode::Present,
        Some("NONE") => Mode::None,
        _ => Mode::Strict,
    };
    let error_output = mock.structure("errorOutput")?;
    let has_result = mock.has("result");
    if reveal_secrets {
        return Err(AwsError::validation(
            "TestState does not support RevealSecrets when a mock is specified.",
        ));
    }
    if has_result && error_output.is_some() {
        return Err(AwsError::validation(
            "A test mock should have only one of the following fields: [result, errorOutput].",
        ));
    }
    if let Some(error_output) = error_output {
        let error = error_output.str_len("error", 0, 256)?;
        let cause = error_output
            .str_len("cause", 0, 32_768)?
            .unwrap_or_default();
        let error = error.ok_or_else(|| {
            AwsError::validation(
                "mock.errorOutput.error is required when mock.errorOutput is specified.",
            )
        })?;
        return Ok(MockOutcome::Error(Failure::of_integration(error, cause)));
    }
    let result = json_member(mock, "result", |_| {
        AwsError::validation("Mocked result must be valid JSON")
    })?
    .ok_or_else(|| {
        AwsError::validation(
            "A test mock should have one of the following fields: [result, errorOutput].",
        )
    })?;
    check_mock_result(&result, state, mode)?;
    Ok(MockOutcome::Result(result))
}

fn check_mock_result(result: &Value, state: &asl::State, mode: Mode) -> Result<(), AwsError> {
    match &state.kind {
        StateKind::Map { .. } if !result.is_array() => {
            Err(AwsError::validation("Mocked result must be an array."))
        }
        StateKind::Parallel { .. } if !result.is_array() => {
            Err(AwsError::validation("Mocked result must be an array."))
        }
        StateKind::Parallel { branches }
            if result.as_array().map(Vec::len) != Some(branches.len()) =>
        {
            Err(AwsError::validation(
                "Mocked result must contain the same number of items as number of Parallel branches.",
            ))
        }
        StateKind::Task { resource, .. } => fields::check(resource, result, mode),
        _ => Ok(()),
    }
}

/// `stateConfiguration` members that only make sense for some states, checked against it.
fn check_configuration(
    config: &Configuration,
    state: &asl::State,
    mock: Option<&MockOutcome>,
) -> Result<(), AwsError> {
    let is_map = matches!(state.kind, StateKind::Map { .. });
    if config.map_iteration_failure_count.is_some() && !is_map {
        return Err(AwsError::validation(
            "stateConfiguration.mapIterationFailureCount can only be specified for a Map state.",
        ));
    }
    let has_reader =
        matches!(&state.kind, StateKind::Map { distributed: Some(d), .. } if d.reader.is_some());
    if config.map_item_reader_data.is_some() && !has_reader {
        return Err(AwsError::validation(
            "stateConfiguration.mapItemReaderData can only be specified for a Distributed Map state with an ItemReader.",
        ));
    }
    let Some(name) = &config.error_caused_by_state else {
        return Ok(());
    };
    if !matches!(mock, Some(MockOutcome::Error(_))) {
        return Err(AwsError::validation(
            "stateConfiguration.errorCausedByState can only be specified with mock.errorOutput.",
        ));
    }
    let inner: Vec<&asl::Definition> = match &state.kind {
        StateKind::Map { processor, .. } => vec![processor.as_ref()],
        StateKind::Parallel { branches } => branches.iter().collect(),
        _ => {
            return Err(AwsError::validation(
                "stateConfiguration.errorCausedByState can only be specified for a Map or Parallel state.",
            ));
        }
    };
    if inner.iter().any(|body| contains_state(body, name)) {
        return Ok(());
    }
    Err(AwsError::validation(format!(
        "stateConfiguration.errorCausedByState: state '{name}' is not in the Map or Parallel state"
    )))
}

/// Whether `name` is a state of `body` or of a Map/Parallel nested in it.
fn contains_state(body: &asl::Definition, name: &str) -> bool {
    body.states.iter().any(|(state_name, state)| {
        state_name == name
            || match &state.kind {
                StateKind::Map { processor, .. } => contains_state(processor, name),
                StateKind::Parallel { branches } => {
                    branches.iter().any(|b| contains_state(b, name))
                }
                _ => false,
            }
    })
}
