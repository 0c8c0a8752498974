//! State-level mocks, compatible with AWS Step Functions Local's MockConfigFile: `StateMachines
//! → <name> → TestCases → <case> → <state name> → <mocked response name>` and `MockedResponses
//! → <name> → {"0": …, "1-2": …}`, each entry `{"Return": <integration output>}` or
//! `{"Throw": {"Error", "Cause"}}`; orderlab adds `{"Timeout": true}` (the state fails with
//! `States.Timeout`) and the index key `"*"` (every invocation).
//!
//! Executions here are started by EventBridge, not with `stateMachineArn#TestCase`, so the test
//! case in force for a state machine is the one named in `ActiveTestCases` (orderlab's
//! addition), else its first. The index of a response is the state's attempt within one
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

/// The mocks in force: state machine name → state name → responses.
#[derive(Default)]
pub struct Mocks {
    by_machine: Mutex<HashMap<String, HashMap<String, Indexed>>>,
    attempts: Mutex<HashMap<(String, String), u32>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Mocks {
    /// Replaces the mocks with those of a MockConfigFile document (checked whole first).
    pub fn load(&self, config: &Value) -> Result<(), String> {
        let parsed = parse_config(config)?;
        *lock(&self.by_machine) = parsed;
        lock(&self.attempts).clear();
        Ok(())
    }

    pub fn clear(&self) {
        lock(&self.by_machine).clear();
        lock(&self.attempts).clear();
    }

    /// The mocked result of this attempt of the state, when one is configured.
    fn respond(&self, machine: &str, execution: &str, state: &str) -> Option<Mocked> {
        let machines = lock(&self.by_machine);
        let responses = machines.get(machine)?.get(state)?;
        let mut attempts = lock(&self.attempts);
        let attempt = attempts
            .entry((execution.to_owned(), state.to_owned()))
            .or_default();
        let index = *attempt;
        *attempt += 1;
        responses.at(index).cloned()
    }
}

fn parse_config(config: &Value) -> Result<HashMap<String, HashMap<String, Indexed>>, String> {
    let empty = serde_json::Map::new();
    let responses = config
        .get("MockedResponses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let machines = config
        .get("StateMachines")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut parsed = HashMap::new();
    for (machine, spec) in machines {
        let cases = spec
            .get("TestCases")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("StateMachines.{machine} needs TestCases"))?;
        let active = config
            .get("ActiveTestCases")
            .and_then(|active| active.get(machine))
            .and_then(Value::as_str);
        let case = match active {
            Some(name) => cases
                .get(name)
                .ok_or_else(|| format!("StateMachines.{machine} has no test case {name}"))?,
            None => match cases.values().next() {
                Some(case) => case,
                None => continue,
            },
        };
        let mut states = HashMap::new();
        for (state, response_name) in case.as_object().into_iter().flatten() {
            let name = response_name
                .as_str()
                .ok_or_else(|| format!("test case state {state} must name a mocked response"))?;
            let response = responses
                .get(name)
                .ok_or_else(|| format!("MockedResponses has no {name} (used by {state})"))?;
            states.insert(
                state.clone(),
                Indexed::parse(&format!("MockedResponses.{name}"), response)?,
            );
        }
        parsed.insert(machine.clone(), states);
    }
    Ok(parsed)
}

/// The mocked outcome of a Task state's attempt, or None to call the real integration.
pub fn response(engine: &Engine, run: &StateRun<'_>) -> Option<Result<Value, Failure>> {
    if let Some(mocked) = crate::sfn::test_state::scope::mocked() {
        return Some(mocked); // TestState's `mock`.
    }
    let mocked = engine.ctx.state_mocks.respond(
        &engine.info.state_machine_name,
        &engine.info.execution_arn,
        &run.state.name,
    )?;
    Some(match mocked {
        Mocked::Return(value) => Ok(value),
        Mocked::Throw { error, cause } => Err(Failure::new(error, cause)),
        Mocked::Timeout => Err(Failure::new("States.Timeout", "")),
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
        assert!(parse_config(&config).unwrap_err().contains("no Missing"));
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
        assert!(mocks.respond("sm", "e1", "S").is_some());
        assert!(mocks.respond("sm", "e1", "S").is_some());
        assert!(mocks.respond("sm", "e1", "S").is_none());
        assert!(mocks.respond("sm", "e2", "S").is_some());
        assert!(mocks.respond("other", "e1", "S").is_none());
    }
}
