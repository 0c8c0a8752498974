//! What a run can cover, read from the ASL definition: every state (nested Map and Parallel
//! bodies included, each named by its path, e.g. `ReleaseStock/ReturnItemStock` or
//! `Fan[1]/Notify`) and every [`Transition`] — each `Next`, each Choice rule and `Default`,
//! each Catch clause per error it names, each Retry clause per error and attempt, a Map's
//! iterations, each Parallel branch, each terminal state.

use std::fmt;

use anyhow::{Context as _, bail};
use serde::Serialize;
use serde_json::Value;

/// Retry attempts listed per clause and error at most: a `MaxAttempts` of 99999999 is not a
/// list anyone can cover.
pub const MAX_LISTED_ATTEMPTS: u32 = 25;

/// AWS's default `MaxAttempts`.
const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// A state's `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StateType {
    Task,
    Pass,
    Choice,
    Wait,
    Succeed,
    Fail,
    Map,
    Parallel,
}

impl StateType {
    fn parse(text: &str) -> Option<StateType> {
        Some(match text {
            "Task" => StateType::Task,
            "Pass" => StateType::Pass,
            "Choice" => StateType::Choice,
            "Wait" => StateType::Wait,
            "Succeed" => StateType::Succeed,
            "Fail" => StateType::Fail,
            "Map" => StateType::Map,
            "Parallel" => StateType::Parallel,
            _ => return None,
        })
    }

    /// Map and Parallel hold state machines of their own.
    pub fn is_container(self) -> bool {
        matches!(self, StateType::Map | StateType::Parallel)
    }
}

/// A Retry clause: the errors it names and its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub max_attempts: u32,
}

/// A Catch clause: the errors it names and where it goes (a state id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catcher {
    pub errors: Vec<String>,
    pub next: String,
}

/// Where a nested state sits: its Map or Parallel state (id) and the branch (0 for a Map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub state: String,
    pub branch: usize,
}

/// One state of the definition or of a nested body.
#[derive(Debug, Clone)]
pub struct State {
    /// The path: `Name` at the top, `Map/Name` in a Map body, `Par[1]/Name` in a branch.
    pub id: String,
    pub name: String,
    pub kind: StateType,
    pub parent: Option<Parent>,
    /// `Next` (a state id) or None.
    pub next: Option<String>,
    /// `End: true`, or a Succeed or Fail state.
    pub terminal: bool,
    /// A Choice's rules, each as its `Next` (state id), in order.
    pub choices: Vec<String>,
    /// The same rules as written (to evaluate when two lead to the same state).
    pub rules: Vec<Value>,
    pub default: Option<String>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// The StartAt (state id) of each body: one for a Map, one per branch for a Parallel.
    pub bodies: Vec<String>,
}

/// One thing a run can exercise besides entering a state. State fields hold state ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transition {
    /// A state's `Next`, taken without an error.
    Next { from: String, to: String },
    /// A Choice rule (0-based index) matched.
    ChoiceRule {
        state: String,
        rule: usize,
        to: String,
    },
    /// No Choice rule matched.
    ChoiceDefault { state: String, to: String },
    /// A Catch clause (0-based) caught an error through one of its `ErrorEquals` names.
    Catch {
        state: String,
        clause: usize,
        error: String,
        to: String,
    },
    /// A Retry clause (0-based) retried an error (through one of its names) for the
    /// `attempt`-th time (1-based).
    Retry {
        state: String,
        clause: usize,
        error: String,
        attempt: u32,
    },
    /// A Map state ran at least one iteration.
    MapIteration { state: String },
    /// A Parallel state's branch (0-based) started.
    ParallelBranch { state: String, branch: usize },
    /// A terminal state (`End`, Succeed, Fail) ended its state machine or body.
    End { state: String },
}

impl Transition {
    /// The state this transition leaves (or retries, or ends).
    pub fn state(&self) -> &str {
        match self {
            Transition::Next { from, .. } => from,
            Transition::ChoiceRule { state, .. }
            | Transition::ChoiceDefault { state, .. }
            | Transition::Catch { state, .. }
            | Transition::Retry { state, .. }
            | Transition::MapIteration { state }
            | Transition::ParallelBranch { state, .. }
            | Transition::End { state } => state,
        }
    }
}

/// `A → B`, `Choice? rule 1 → B`, `A catch 1 [States.ALL] → B`,
/// `A retry 2 [Err] attempt 3`, `M iteration`, `P branch 1`, `A end` (clauses, rules and
/// branches counted from 1 for people).
impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transition::Next { from, to } => write!(f, "{from} → {to}"),
            Transition::ChoiceRule { state, rule, to } => {
                write!(f, "{state} rule {} → {to}", rule + 1)
            }
            Transition::ChoiceDefault { state, to } => write!(f, "{state} default → {to}"),
            Transition::Catch {
                state,
                clause,
                error,
                to,
            } => write!(f, "{state} catch {} [{error}] → {to}", clause + 1),
            Transition::Retry {
                state,
                clause,
                error,
                attempt,
            } => write!(
                f,
                "{state} retry {} [{error}] attempt {attempt}",
                clause + 1
            ),
            Transition::MapIteration { state } => write!(f, "{state} iteration"),
            Transition::ParallelBranch { state, branch } => {
                write!(f, "{state} branch {}", branch + 1)
            }
            Transition::End { state } => write!(f, "{state} end"),
        }
    }
}

/// Everything a run can cover, in definition order.
#[derive(Debug, Clone)]
pub struct Model {
    /// The top-level `StartAt` (a state id).
    pub start: Option<String>,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

impl Model {
    /// Reads an ASL definition (JSON text; `${…}` placeholders inside strings are fine).
    pub fn from_text(text: &str) -> anyhow::Result<Model> {
        let definition: Value = serde_json::from_str(text).context("not JSON")?;
        Model::from_definition(&definition)
    }

    pub fn from_definition(definition: &Value) -> anyhow::Result<Model> {
        let mut states = Vec::new();
        read_machine(definition, "", None, &mut states, 0)?;
        let transitions = states.iter().flat_map(transitions_of).collect();
        Ok(Model {
            start: definition
                .get("StartAt")
                .and_then(Value::as_str)
                .map(str::to_owned),
            states,
            transitions,
        })
    }

    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    /// The state a history calls `name`, entered inside `container` (a Map or Parallel
    /// state id; None at the top): a state of that body if there is one, else the only
    /// state of that name anywhere.
    pub fn resolve(&self, name: &str, container: Option<&str>) -> Option<&State> {
        let mut named = self.states.iter().filter(|s| s.name == name);
        let inside = |s: &&State| s.parent.as_ref().map(|p| p.state.as_str()) == container;
        if let Some(found) = named.clone().find(inside) {
            return Some(found);
        }
        match (named.next(), named.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
}

/// Bodies nest at most this deep (AWS's own nesting is far shallower).
const MAX_DEPTH: usize = 32;

fn read_machine(
    machine: &Value,
    prefix: &str,
    parent: Option<Parent>,
    out: &mut Vec<State>,
    depth: usize,
) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        bail!("bodies nested deeper than {MAX_DEPTH}");
    }
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        bail!("{}no States object", where_(prefix));
    };
    let id = |name: &str| format!("{prefix}{name}");
    for (name, state) in states {
        let state_id = id(name);
        let text = state.get("Type").and_then(Value::as_str).unwrap_or("");
        let kind = StateType::parse(text)
            .with_context(|| format!("state {state_id}: unknown Type {text:?}"))?;
        let target = |field: &Value| field.as_str().map(&id);
        let body_prefix = |branch: usize| match kind {
            StateType::Parallel => format!("{state_id}[{branch}]/"),
            _ => format!("{state_id}/"),
        };
        let bodies_json = bodies_of(state, kind);
        let bodies = bodies_json
            .iter()
            .enumerate()
            .map(|(branch, body)| {
                let start = body.get("StartAt").and_then(Value::as_str).unwrap_or("");
                format!("{}{start}", body_prefix(branch))
            })
            .collect();
        out.push(State {
            id: state_id.clone(),
            name: name.clone(),
            kind,
            parent: parent.clone(),
            next: state.get("Next").and_then(target),
            terminal: matches!(kind, StateType::Succeed | StateType::Fail)
                || state.get("End").and_then(Value::as_bool) == Some(true),
            choices: list(state, "Choices")
                .iter()
                .filter_map(|rule| rule.get("Next").and_then(target))
                .collect(),
            rules: list(state, "Choices").to_vec(),
            default: state.get("Default").and_then(target),
            retry: list(state, "Retry").iter().map(retrier).collect(),
            catch: list(state, "Catch")
                .iter()
                .map(|c| Catcher {
                    errors: names(c),
                    next: c.get("Next").and_then(target).unwrap_or_default(),
                })
                .collect(),
            bodies,
        });
        for (branch, body) in bodies_json.into_iter().enumerate() {
            let body_parent = Parent {
                state: state_id.clone(),
                branch,
            };
            read_machine(
                body,
                &body_prefix(branch),
                Some(body_parent),
                out,
                depth + 1,
            )?;
        }
    }
    Ok(())
}

fn where_(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{}: ", prefix.trim_end_matches('/'))
    }
}

/// A Map's ItemProcessor (or legacy Iterator), a Parallel's Branches.
fn bodies_of(state: &Value, kind: StateType) -> Vec<&Value> {
    match kind {
        StateType::Map => state
            .get("ItemProcessor")
            .or_else(|| state.get("Iterator"))
            .into_iter()
            .collect(),
        StateType::Parallel => list(state, "Branches").iter().collect(),
        _ => Vec::new(),
    }
}

fn list<'a>(state: &'a Value, field: &str) -> &'a [Value] {
    state
        .get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn names(clause: &Value) -> Vec<String> {
    list(clause, "ErrorEquals")
        .iter()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect()
}

fn retrier(clause: &Value) -> Retrier {
    let max_attempts = clause
        .get("MaxAttempts")
        .and_then(Value::as_u64)
        .map_or(DEFAULT_MAX_ATTEMPTS, |n| {
            u32::try_from(n).unwrap_or(u32::MAX)
        });
    Retrier {
        errors: names(clause),
        max_attempts,
    }
}

/// What `state` can do, in a fixed order: Next or rules/default, retries, catches, bodies,
/// end.
fn transitions_of(state: &State) -> Vec<Transition> {
    let id = || state.id.clone();
    let mut out = Vec::new();
    if let Some(to) = &state.next {
        out.push(Transition::Next {
            from: id(),
            to: to.clone(),
        });
    }
    for (rule, to) in state.choices.iter().enumerate() {
        out.push(Transition::ChoiceRule {
            state: id(),
            rule,
            to: to.clone(),
        });
    }
    if let Some(to) = &state.default {
        out.push(Transition::ChoiceDefault {
            state: id(),
            to: to.clone(),
        });
    }
    for (clause, retrier) in state.retry.iter().enumerate() {
        for error in &retrier.errors {
            for attempt in 1..=retrier.max_attempts.min(MAX_LISTED_ATTEMPTS) {
                out.push(Transition::Retry {
                    state: id(),
                    clause,
                    error: error.clone(),
                    attempt,
                });
            }
        }
    }
    for (clause, catcher) in state.catch.iter().enumerate() {
        for error in &catcher.errors {
            out.push(Transition::Catch {
                state: id(),
                clause,
                error: error.clone(),
                to: catcher.next.clone(),
            });
        }
    }
    match state.kind {
        StateType::Map => out.push(Transition::MapIteration { state: id() }),
        StateType::Parallel => {
            out.extend(
                (0..state.bodies.len()).map(|branch| Transition::ParallelBranch {
                    state: id(),
                    branch,
                }),
            )
        }
        _ => {}
    }
    if state.terminal {
        out.push(Transition::End { state: id() });
    }
    out
}

/// Which of `names` (an `ErrorEquals` list) matches `error`, as Step Functions matches
/// them: the name itself first, then `States.TaskFailed` (any error but `States.Timeout`, in
/// a Task), then `States.ALL`. `States.Runtime` is never caught or retried.
pub fn matching_name<'a>(names: &'a [String], error: &str, is_task: bool) -> Option<&'a str> {
    if error == "States.Runtime" {
        return None;
    }
    let find = |wanted: &dyn Fn(&str) -> bool| names.iter().map(String::as_str).find(|n| wanted(n));
    find(&|n| n == error)
        .or_else(|| {
            find(&|n| n == "States.TaskFailed").filter(|_| is_task && error != "States.Timeout")
        })
        .or_else(|| find(&|n| n == "States.ALL"))
}
