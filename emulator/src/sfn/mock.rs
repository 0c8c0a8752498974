//! State-level mocks, compatible with AWS Step Functions Local's MockConfigFile: `StateMachines
//! → <name> → TestCases → <case> → <state name> → <mocked response name>` and `MockedResponses
//! → <name> → {"0": …, "1-2": …}`, each entry `{"Return": <integration output>}` or
//! `{"Throw": {"Error", "Cause"}}`; orderlab adds `{"Timeout": true}` (the state fails with
//! `States.Timeout`) and the index key `"*"` (every invocation).
//!
//! An execution started with `stateMachineArn#TestCase` uses that test case, for itself only.
//! One started without uses the case `ActiveTestCases` (orderlab's addition) names; mocks set
//! through `POST /_orderlab/faults` (whose executions are started by EventBridge and cannot
//! name a case) fall back to the machine's first case, a file loaded at start
//! (`--mock-config`, `SFN_MOCK_CONFIG`) to none, as in Step Functions Local. The index of a response is the state's attempt within one
//! execution (0 first, retries after), as in Step Functions Local. An attempt no key covers
//! calls the real integration. Set through `POST /_orderlab/faults` (see `control.rs`).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::engine::{Engine, Failure, StateRun};

/// One mocked response.
#[derive(Debug, Clone, PartialEq)]
pub enum Mocked {
    Return(Value),
    Throw { error: String, cause: String },
    Timeout,
}

/// Responses by invocation index: `"0"`, `"1-2"`, `"*"`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indexed {
    entries: Vec<(u32, u32, Mocked)>,
}

impl Indexed {
    /// Parses `{"0": {...}, "1-2": {...}}`; `what` names the object in messages.
    pub fn parse(what: &str, value: &Value) -> Result<Indexed, String> {
        let object = value
            .as_object()
            .ok_or_else(|| format!("{what} must be an object of index keys"))?;
        let mut entries = Vec::new();
        for (key, response) in object {
            let (first, last) = parse_range(key).ok_or_else(|| {
                format!("{what}: {key:?} is not an index (\"0\", \"1-2\", \"*\")")
            })?;
            entries.push((
                first,
                last,
                parse_response(&format!("{what}.{key}"), response)?,
            ));
        }
        Ok(Indexed { entries })
    }

    /// The response for invocation `index` (0-based), if one is defined.
    pub fn at(&self, index: u32) -> Option<&Mocked> {
        self.entries
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&index))
            .map(|(_, _, mocked)| mocked)
    }
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    if key == "*" {
        return Some((0, u32::MAX));
    }
    let (first, last) = key.split_once('-').unwrap_or((key, key));
    let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first <= last).then_some((first, last))
}

fn parse_response(what: &str, value: &Value) -> Result<Mocked, String> {
    if let Some(result) = value.get("Return") {
        return Ok(Mocked::Return(result.clone()));
    }
    if let Some(throw) = value.get("Throw") {
        let text = |key: &str| throw.get(key).and_then(Value::as_str).map(str::to_owned);
        let error = text("Error").ok_or_else(|| format!("{what}.Throw needs an Error"))?;
        return Ok(Mocked::Throw {
            error,
            cause: text("Cause").unwrap_or_default(),
        });
    }
    if value.get("Timeout").and_then(Value::as_bool) == Some(true) {
        return Ok(Mocked::Timeout);
    }
    Err(format!("{what} must hold Return, Throw or Timeout"))
}

/// A test case: state name → responses.
type Case = HashMap<String, Indexed>;

/// A parsed MockConfigFile: every test case of every state machine, and which case an
/// execution started without `#TestCase` uses.
#[derive(Default)]
struct Parsed {
    machines: HashMap<String, HashMap<String, Case>>,
    defaults: HashMap<String, String>,
}

/// Which test case executions started without `#TestCase` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaults {
    /// `ActiveTestCases`, else the machine's first case (`POST /_orderlab/faults`: the
    /// harness's executions are started by EventBridge and cannot name a case).
    FirstCase,
    /// `ActiveTestCases` only, as Step Functions Local does (`--mock-config`,
    /// `SFN_MOCK_CONFIG`): without `#TestCase` an execution calls the real services.
    ActiveOnly,
}

/// The mocks in force, and each running execution's attempt counts.
#[derive(Default)]
pub struct Mocks {
    parsed: Mutex<Parsed>,
    /// execution ARN → state name → attempts so far.
    attempts: Mutex<HashMap<String, HashMap<String, u32>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Mocks {
    /// Replaces the mocks with those of a MockConfigFile document (checked whole first),
    /// the default case chosen the `POST /_orderlab/faults` way.
    pub fn load(&self, config: &Value) -> Result<(), String> {
        self.load_with(config, Defaults::FirstCase)
    }

    /// Replaces the mocks with those of a MockConfigFile document (checked whole first).
    pub fn load_with(&self, config: &Value, defaults: Defaults) -> Result<(), String> {
        let parsed = parse_config(config, defaults)?;
        *lock(&self.parsed) = parsed;
        lock(&self.attempts).clear();
        Ok(())
    }

    pub fn clear(&self) {
        *lock(&self.parsed) = Parsed::default();
        lock(&self.attempts).clear();
    }

    /// Whether the MockConfigFile defines test case `case` for state machine `machine`.
    pub fn has_case(&self, machine: &str, case: &str) -> bool {
        lock(&self.parsed)
            .machines
            .get(machine)
            .is_some_and(|cases| cases.contains_key(case))
    }

    /// Whether the test case in force for this execution mocks `state` at all.
    pub fn covers(&self, machine: &str, case: Option<&str>, state: &str) -> bool {
        let parsed = lock(&self.parsed);
        parsed
            .case(machine, case)
            .is_some_and(|states| states.contains_key(state))
    }

    /// Drops what an ended execution's attempts counted.
    pub fn forget(&self, execution: &str) {
        lock(&self.attempts).remove(execution);
    }

    /// The mocked result of this attempt of the state, when one is configured.
    fn respond(
        &self,
        machine: &str,
        case: Option<&str>,
        execution: &str,
        state: &str,
    ) -> Option<Mocked> {
        let parsed = lock(&self.parsed);
        let responses = parsed.case(machine, case)?.get(state)?;
        let mut attempts = lock(&self.attempts);
        let attempt = attempts
            .entry(execution.to_owned())
            .or_default()
            .entry(state.to_owned())
            .or_default();
        let index = *attempt;
        *attempt = attempt.saturating_add(1);
        responses.at(index).cloned()
    }
}

impl Parsed {
    /// The case an execution uses: the one it named, else the machine's default.
    fn case(&self, machine: &str, named: Option<&str>) -> Option<&Case> {
        let cases = self.machines.get(machine)?;
        let name = match named {
            Some(name) => name,
            None => self.defaults.get(machine)?,
        };
        cases.get(name)
    }
}

fn parse_config(config: &Value, defaults: Defaults) -> Result<Parsed, String> {
    let empty = serde_json::Map::new();
    let section = |key: &str| match config.get(key) {
        None => Ok(&empty),
        Some(value) => value
            .as_object()
            .ok_or_else(|| format!("{key} must be an object")),
    };
    if !config.is_object() {
        return Err("a MockConfigFile must be a JSON object".to_owned());
    }
    let responses = section("MockedResponses")?;
    let machines = section("StateMachines")?;
    let active = section("ActiveTestCases")?;
    let mut parsed = Parsed::default();
    for (machine, spec) in machines {
        let cases = spec
            .get("TestCases")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("StateMachines.{machine} needs TestCases"))?;
        let mut parsed_cases = HashMap::new();
        for (name, case) in cases {
            let what = format!("StateMachines.{machine}.TestCases.{name}");
            parsed_cases.insert(name.clone(), parse_case(&what, case, responses)?);
        }
        let default = match active.get(machine) {
            Some(name) => {
                let name = name
                    .as_str()
                    .ok_or_else(|| format!("ActiveTestCases.{machine} must be a string"))?;
                if !cases.contains_key(name) {
                    return Err(format!("StateMachines.{machine} has no test case {name}"));
                }
                Some(name.to_owned())
            }
            None if defaults == Defaults::FirstCase => cases.keys().next().cloned(),
            None => None,
        };
        if let Some(default) = default {
            parsed.defaults.insert(machine.clone(), default);
        }
        parsed.machines.insert(machine.clone(), parsed_cases);
    }
    Ok(parsed)
}

fn parse_case(
    what: &str,
    case: &Value,
    responses: &serde_json::Map<String, Value>,
) -> Result<Case, String> {
    let states = case
        .as_object()
        .ok_or_else(|| format!("{what} must be an object of state names"))?;
    let mut parsed = HashMap::new();
    for (state, response_name) in states {
        let name = response_name
            .as_str()
            .ok_or_else(|| format!("test case state {state} must name a mocked response"))?;
        let response = responses
            .get(name)
            .ok_or_else(|| format!("MockedResponses has no {name} (used by {state})"))?;
        parsed.insert(
            state.clone(),
            Indexed::parse(&format!("MockedResponses.{name}"), response)?,
        );
    }
    Ok(parsed)
}

/// Whether the execution's test case mocks this Task state at all.
pub fn covers(engine: &Engine, run: &StateRun<'_>) -> bool {
    engine.ctx.state_mocks.covers(
        &engine.info.state_machine_name,
        engine.info.test_case.as_deref(),
        &run.state.name,
    )
}

/// The mocked outcome of a Task state's attempt, or None to call the real integration.
pub fn response(engine: &Engine, run: &StateRun<'_>) -> Option<Result<Value, Failure>> {
    if let Some(mocked) = crate::sfn::test_state::scope::mocked() {
        return Some(mocked); // TestState's `mock`.
    }
    let mocked = engine.ctx.state_mocks.respond(
        &engine.info.state_machine_name,
        engine.info.test_case.as_deref(),
        &engine.info.execution_arn,
        &run.state.name,
    )?;
    Some(match mocked {
        Mocked::Return(value) => Ok(value),
        Mocked::Throw { error, cause } => Err(Failure::of_integration(error, cause)),
        Mocked::Timeout => Err(Failure::of_integration("States.Timeout", "")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn index_keys_select_responses() {
        let indexed = Indexed::parse(
            "M",
            &json!({"0": {"Throw": {"Error": "E", "Cause": "c"}}, "1-2": {"Return": 7}}),
        )
        .unwrap();
        assert!(matches!(indexed.at(0), Some(Mocked::Throw { error, .. }) if error == "E"));
        assert_eq!(indexed.at(2), Some(&Mocked::Return(json!(7))));
        assert_eq!(indexed.at(3), None);
        let every = Indexed::parse("M", &json!({"*": {"Timeout": true}})).unwrap();
        assert_eq!(every.at(1000), Some(&Mocked::Timeout));
    }

    #[test]
    fn bad_documents_are_named() {
        let err = Indexed::parse("M", &json!({"x": {"Return": 1}})).unwrap_err();
        assert!(err.contains("\"x\" is not an index"), "{err}");
        let err = Indexed::parse("M", &json!({"0": {"Nope": 1}})).unwrap_err();
        assert!(err.contains("Return, Throw or Timeout"), "{err}");
        let config = json!({"StateMachines": {"sm": {"TestCases": {"t": {"S": "Missing"}}}}});
        let err = parse_config(&config, Defaults::FirstCase).err().unwrap();
        assert!(err.contains("no Missing"), "{err}");
    }

    #[test]
    fn attempts_count_per_execution_and_state() {
        let mocks = Mocks::default();
        mocks
            .load(&json!({
                "StateMachines": {"sm": {"TestCases": {"t": {"S": "R"}}}},
                "MockedResponses": {"R": {"0-1": {"Return": 1}}}
            }))
            .unwrap();
        assert!(mocks.respond("sm", None, "e1", "S").is_some());
        assert!(mocks.respond("sm", None, "e1", "S").is_some());
        assert!(mocks.respond("sm", None, "e1", "S").is_none());
        assert!(mocks.respond("sm", None, "e2", "S").is_some());
        assert!(mocks.respond("other", None, "e1", "S").is_none());
        mocks.forget("e1");
        assert!(mocks.respond("sm", None, "e1", "S").is_some());
    }

    #[test]
    fn executions_name_their_own_test_case() {
        let mocks = Mocks::default();
        let config = json!({
            "StateMachines": {"sm": {"TestCases": {"a": {"S": "A"}, "b": {"S": "B"}}}},
            "MockedResponses": {"A": {"*": {"Return": "a"}}, "B": {"*": {"Return": "b"}}}
        });
        mocks.load_with(&config, Defaults::ActiveOnly).unwrap();
        assert!(mocks.has_case("sm", "b") && !mocks.has_case("sm", "c"));
        assert_eq!(mocks.respond("sm", None, "e0", "S"), None);
        assert_eq!(
            mocks.respond("sm", Some("a"), "e1", "S"),
            Some(Mocked::Return(json!("a")))
        );
        assert_eq!(
            mocks.respond("sm", Some("b"), "e2", "S"),
            Some(Mocked::Return(json!("b")))
        );
        assert!(mocks.covers("sm", Some("a"), "S") && !mocks.covers("sm", Some("a"), "T"));
        mocks.load(&config).unwrap();
        assert_eq!(
            mocks.respond("sm", None, "e3", "S"),
            Some(Mocked::Return(json!("a")))
        );
    }
}
