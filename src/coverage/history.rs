//! What one execution covered, read from its history (GetExecutionHistory through the SDK,
//! so every backend is read the same way). Events are first reduced to the few kinds coverage
//! needs ([`Event`]); [`observe`] then walks them, each event on its chain: the states open
//! after the event its `previousEventId` names (an unknown id: the event before it). Map
//! iterations and Parallel branches run concurrently and their events interleave, but each
//! child's chain is its own, so each event is read against its own child's open states:
//!
//! - a transition is found from each `*StateEntered` back to the state that led there — the
//!   `*StateExited` its `previousEventId` names, or else the last state left in the same body;
//! - a failure (TaskFailed, TaskTimedOut, LambdaFunctionFailed, …) marks the state open on its
//!   chain; the next attempt of that state makes it a retry (counted per Retry clause, as
//!   Step Functions counts them), leaving it makes it a catch; a failure inside a Map or
//!   Parallel body that nothing caught becomes the error of the Map or Parallel itself;
//! - a sibling stopped by a failing child (MapIterationAborted, `…StateAborted`, chained to the
//!   failing child) is neither a failure nor a catch: its chain just ends;
//! - what cannot be matched to the definition is kept as a message, never dropped.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_sfn::types::HistoryEvent;

use super::model::{Model, State, StateType, Transition, matching_name};

/// One history event, reduced to what coverage reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub previous: i64,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A state was entered; a Choice's input (JSON text) is kept to tell its rules apart.
    StateEntered {
        name: String,
        input: Option<String>,
    },
    StateExited {
        name: String,
    },
    /// A Task attempt begins: TaskScheduled, LambdaFunctionScheduled, ActivityScheduled.
    AttemptStarted,
    /// A Map or Parallel attempt begins: MapStateStarted, ParallelStateStarted.
    ContainerStarted,
    /// MapIterationStarted.
    IterationStarted,
    /// An attempt failed; the error's name when the event gives one.
    Failed {
        error: Option<String>,
    },
    /// MapIterationFailed, MapStateFailed, ParallelStateFailed.
    ContainerFailed,
    Other,
}

/// Reduces an SDK history event.
pub fn from_sdk(event: &HistoryEvent) -> Event {
    let kind_name = event.r#type().as_str();
    let entered = event.state_entered_event_details();
    let exited = event.state_exited_event_details().map(|d| d.name());
    let kind = match (entered, exited) {
        (Some(details), _) if kind_name.ends_with("StateEntered") => EventKind::StateEntered {
            name: details.name().to_owned(),
            input: details
                .input()
                .filter(|_| kind_name == "ChoiceStateEntered")
                .map(str::to_owned),
        },
        (_, Some(name)) if kind_name.ends_with("StateExited") => EventKind::StateExited {
            name: name.to_owned(),
        },
        _ => kind_of(kind_name, failure_error(event)),
    };
    Event {
        id: event.id(),
        previous: event.previous_event_id(),
        kind,
    }
}

/// The kind of an event by its type name (`error`: the failure details' error, if any).
pub fn kind_of(type_name: &str, error: Option<String>) -> EventKind {
    match type_name {
        "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled" => {
            EventKind::AttemptStarted
        }
        "MapStateStarted" | "ParallelStateStarted" => EventKind::ContainerStarted,
        "MapIterationStarted" => EventKind::IterationStarted,
        "MapIterationFailed" | "MapStateFailed" | "ParallelStateFailed" => {
            EventKind::ContainerFailed
        }
        "TaskFailed"
        | "TaskTimedOut"
        | "TaskStartFailed"
        | "TaskSubmitFailed"
        | "LambdaFunctionFailed"
        | "LambdaFunctionTimedOut"
        | "LambdaFunctionStartFailed"
        | "LambdaFunctionScheduleFailed"
        | "ActivityFailed"
        | "ActivityTimedOut"
        | "ActivityScheduleFailed" => EventKind::Failed { error },
        _ => EventKind::Other,
    }
}

fn failure_error(event: &HistoryEvent) -> Option<String> {
    let error = event
        .task_failed_event_details()
        .and_then(|d| d.error())
        .or_else(|| event.task_timed_out_event_details().and_then(|d| d.error()))
        .or_else(|| {
            event
                .task_start_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .task_submit_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .lambda_function_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .lambda_function_timed_out_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .lambda_function_start_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .lambda_function_schedule_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .activity_failed_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .activity_timed_out_event_details()
                .and_then(|d| d.error())
        })
        .or_else(|| {
            event
                .activity_schedule_failed_event_details()
                .and_then(|d| d.error())
        });
    error.map(str::to_owned)
}

/// What one execution covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// State ids entered.
    pub states: BTreeSet<String>,
    pub transitions: BTreeSet<Transition>,
    /// What the history did that the definition does not explain (one message each).
    pub unmatched: BTreeSet<String>,
}

/// Walks `events` (in history order) against `model`. Each event continues the chain of the
/// event its `previousEventId` names: it sees the states open there, so concurrent Map
/// iterations and Parallel branches, however interleaved, each keep their own (an event
/// naming no known event continues the one before it, as in a sequential history).
pub fn observe(model: &Model, events: &[Event]) -> Observed {
    let mut walker = Walker {
        model,
        frames: Vec::new(),
        stack: Vec::new(),
        root_last: None,
        exits: HashMap::new(),
        after: HashMap::new(),
        observed: Observed::default(),
    };
    for event in events {
        if let Some(open) = walker.after.get(&event.previous) {
            walker.stack.clone_from(open);
        }
        walker.step(event);
        walker.after.insert(event.id, walker.stack.clone());
    }
    walker.observed
}

/// How a state was left.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Leaving {
    Normally,
    /// After an error (its name; empty when the history did not give it).
    Caught(String),
}

#[derive(Debug, Clone)]
struct Exit {
    state: usize,
    leaving: Leaving,
    /// A Choice's input.
    input: Option<serde_json::Value>,
}

/// A state entered and not yet left.
struct Open {
    /// Index into the model's states; None for a state the definition does not have.
    state: Option<usize>,
    name: String,
    /// The failure of the current attempt, not yet retried or caught ("" when unnamed).
    error: Option<String>,
    attempts: u32,
    /// Per Retry clause, the retries so far.
    retries: Vec<u32>,
    /// In a Map or Parallel: the last state its body left, not yet followed.
    last_child: Option<(i64, Exit)>,
    /// A Choice's input, to tell rules leading to the same state apart.
    input: Option<serde_json::Value>,
}

struct Walker<'m> {
    model: &'m Model,
    /// Every state entered, in entering order; a Map or Parallel is shared by the chains of
    /// its children.
    frames: Vec<Open>,
    /// The current event's chain: its open states (indices into `frames`), outermost first.
    stack: Vec<usize>,
    root_last: Option<(i64, Exit)>,
    exits: HashMap<i64, Exit>,
    /// Per event seen, the states open on its chain after it.
    after: HashMap<i64, Vec<usize>>,
    observed: Observed,
}

impl Walker<'_> {
    fn step(&mut self, event: &Event) {
        match &event.kind {
            EventKind::StateEntered { name, input } => self.entered(event, name, input),
            EventKind::StateExited { name } => self.exited(event.id, name),
            EventKind::AttemptStarted => {
                if let Some(top) = self.stack.len().checked_sub(1) {
                    self.attempt(top);
                }
            }
            EventKind::ContainerStarted => {
                if let Some(index) = self.unwind_to_container() {
                    self.attempt(index);
                }
            }
            EventKind::IterationStarted => {
                if let Some(index) = self.unwind_to_container()
                    && let Some(open) = self.open_mut(index)
                {
                    open.last_child = None;
                }
            }
            EventKind::Failed { error } => {
                if let Some(top) = self.stack.len().checked_sub(1)
                    && let Some(open) = self.open_mut(top)
                {
                    open.error = Some(error.clone().unwrap_or_default());
                }
            }
            EventKind::ContainerFailed => {
                self.unwind_to_container();
            }
            EventKind::Other => {}
        }
    }

    fn state(&self, index: Option<usize>) -> Option<&State> {
        self.model.states.get(index?)
    }

    /// The open state at `index` of the current chain.
    fn open(&self, index: usize) -> Option<&Open> {
        self.frames.get(*self.stack.get(index)?)
    }

    fn open_mut(&mut self, index: usize) -> Option<&mut Open> {
        self.frames.get_mut(*self.stack.get(index)?)
    }

    /// The model state of the open state at `index`.
    fn open_state(&self, index: usize) -> Option<&State> {
        self.state(self.open(index)?.state)
    }

    /// The innermost open Map or Parallel, with everything above it closed (their error,
    /// uncaught, becomes its error).
    fn unwind_to_container(&mut self) -> Option<usize> {
        let index = (0..self.stack.len())
            .rev()
            .find(|&i| self.open_state(i).is_some_and(|s| s.kind.is_container()))?;
        self.unwind_above(index);
        Some(index)
    }

    /// Closes the states open inside the one at `index` (its Map or Parallel body) on this
    /// chain; their error, uncaught, becomes its error.
    fn unwind_above(&mut self, index: usize) {
        let model = self.model;
        let Some(outer) = self.open(index).and_then(|o| o.state) else {
            return;
        };
        let mut j = self.stack.len();
        while j > index + 1 {
            j -= 1;
            let inside = self
                .open(j)
                .is_some_and(|open| open.state.is_none_or(|s| is_within(model, s, outer)));
            if !inside {
                continue;
            }
            let popped = self.stack.remove(j);
            let error = self.frames.get_mut(popped).and_then(|o| o.error.take());
            if let Some(container) = self.open_mut(index)
                && container.error.is_none()
            {
                container.error = error;
            }
        }
    }

    fn entered(&mut self, event: &Event, name: &str, input: &Option<String>) {
        let container = (0..self.stack.len())
            .rev()
            .filter_map(|i| self.open_state(i))
            .find(|s| s.kind.is_container())
            .map(|s| s.id.clone());
        let index = self
            .model
            .resolve(name, container.as_deref())
            .and_then(|s| self.model.states.iter().position(|t| t.id == s.id));
        let Some(to) = index.and_then(|i| self.model.states.get(i)) else {
            self.observed
                .unmatched
                .insert(format!("state {name} is not in the definition"));
            self.push(None, name, None);
            return;
        };
        match self.predecessor(event, to) {
            Some(exit) => self.record(classify(self.model, &exit, to)),
            None => self.record_start(to),
        }
        self.observed.states.insert(to.id.clone());
        if matches!(to.kind, StateType::Succeed | StateType::Fail) {
            self.observed.transitions.insert(Transition::End {
                state: to.id.clone(),
            });
        }
        let input = input
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok());
        self.push(index, name, input);
    }

    fn push(&mut self, state: Option<usize>, name: &str, input: Option<serde_json::Value>) {
        let retries = self.state(state).map_or(0, |s| s.retry.len());
        self.stack.push(self.frames.len());
        self.frames.push(Open {
            state,
            name: name.to_owned(),
            error: None,
            attempts: 0,
            retries: vec![0; retries],
            last_child: None,
            input,
        });
    }

    /// The state left just before `to` was entered: the exit `previousEventId` names; none
    /// when it names another known event (the body's start); else the body's last exit.
    fn predecessor(&mut self, event: &Event, to: &State) -> Option<Exit> {
        let slot = self.last_slot(to);
        let last = slot.take();
        if let Some(exit) = self.exits.get(&event.previous) {
            return Some(exit.clone());
        }
        if event.previous != 0 && self.after.contains_key(&event.previous) {
            return None;
        }
        last.map(|(_, exit)| exit)
    }

    /// Where the last exit of `state`'s body is kept.
    fn last_slot(&mut self, state: &State) -> &mut Option<(i64, Exit)> {
        let parent = state.parent.as_ref().map(|p| p.state.as_str());
        let found = parent.and_then(|parent| {
            (0..self.stack.len())
                .rev()
                .find(|&i| self.open_state(i).is_some_and(|s| s.id == parent))
                .and_then(|i| self.stack.get(i).copied())
        });
        match found.and_then(|i| self.frames.get_mut(i)) {
            Some(open) => &mut open.last_child,
            None => &mut self.root_last,
        }
    }

    /// The first state of a body: a Map iteration or a Parallel branch began.
    fn record_start(&mut self, to: &State) {
        let Some(parent) = &to.parent else {
            return;
        };
        let Some(container) = self.model.state(&parent.state) else {
            return;
        };
        let transition = match container.kind {
            StateType::Map => Transition::MapIteration {
                state: container.id.clone(),
            },
            _ => Transition::ParallelBranch {
                state: container.id.clone(),
                branch: parent.branch,
            },
        };
        self.observed.transitions.insert(transition);
    }

    fn record(&mut self, found: Result<Transition, String>) {
        match found {
            Ok(transition) => self.observed.transitions.insert(transition),
            Err(message) => self.observed.unmatched.insert(message),
        };
    }

    /// An attempt of the open state at `index` begins: after a failure, that is a retry.
    fn attempt(&mut self, index: usize) {
        self.unwind_above(index);
        let model = self.model;
        let frame = self.stack.get(index).copied();
        let Some(open) = frame.and_then(|f| self.frames.get_mut(f)) else {
            return;
        };
        open.attempts += 1;
        let error = open.error.take();
        let Some(state) = open.state.and_then(|i| model.states.get(i)) else {
            return;
        };
        let message = match error {
            Some(error) => match retry_clause(state, &error) {
                Some((clause, name)) => {
                    let count = open.retries.get_mut(clause).map(|n| {
                        *n += 1;
                        *n
                    });
                    let transition = Transition::Retry {
                        state: state.id.clone(),
                        clause,
                        error: name.to_owned(),
                        attempt: count.unwrap_or(1),
                    };
                    self.observed.transitions.insert(transition);
                    return;
                }
                None => format!(
                    "{} retried {} but no Retry clause names it",
                    state.id,
                    shown(&error)
                ),
            },
            None if open.attempts > 1 => {
                format!(
                    "{} retried after a failure its history does not show",
                    state.id
                )
            }
            None => return,
        };
        self.observed.unmatched.insert(message);
    }

    fn exited(&mut self, id: i64, name: &str) {
        let Some(index) = (0..self.stack.len())
            .rev()
            .find(|&i| self.open(i).is_some_and(|open| open.name == name))
        else {
            self.observed
                .unmatched
                .insert(format!("{name} exited without being entered"));
            return;
        };
        self.unwind_above(index);
        let frame = self.stack.remove(index);
        let Some(open) = self.frames.get_mut(frame) else {
            return;
        };
        let (error, input) = (open.error.take(), open.input.take());
        let state_index = open.state;
        let Some(state) = state_index.and_then(|i| self.model.states.get(i)) else {
            return;
        };
        let leaving = match error {
            Some(error) => Leaving::Caught(error),
            None => Leaving::Normally,
        };
        if leaving == Leaving::Normally && state.terminal {
            self.observed.transitions.insert(Transition::End {
                state: state.id.clone(),
            });
            return;
        }
        let exit = Exit {
            state: state_index.unwrap_or_default(),
            leaving,
            input,
        };
        self.exits.insert(id, exit.clone());
        let state = state.clone();
        *self.last_slot(&state) = Some((id, exit));
    }
}

/// The rule (or Default) the Choice took, by evaluating its rules on its input — when that
/// is possible and agrees with where the execution went.
fn evaluated(from: &State, to: &State, input: Option<&serde_json::Value>) -> Option<Transition> {
    let transition = match super::choice::taken(&from.rules, input?)? {
        Some(rule) => Transition::ChoiceRule {
            state: from.id.clone(),
            rule,
            to: from.choices.get(rule)?.clone(),
        },
        None => Transition::ChoiceDefault {
            state: from.id.clone(),
            to: from.default.clone()?,
        },
    };
    let lands = match &transition {
        Transition::ChoiceRule { to: target, .. }
        | Transition::ChoiceDefault { to: target, .. } => *target == to.id,
        _ => false,
    };
    lands.then_some(transition)
}

/// Whether the state at `inner` lies in a body of the state at `outer`.
fn is_within(model: &Model, inner: usize, outer: usize) -> bool {
    let Some(outer_id) = model.states.get(outer).map(|s| s.id.as_str()) else {
        return false;
    };
    let mut parent = model.states.get(inner).and_then(|s| s.parent.as_ref());
    for _ in 0..=model.states.len() {
        let Some(p) = parent else {
            return false;
        };
        if p.state == outer_id {
            return true;
        }
        parent = model.state(&p.state).and_then(|s| s.parent.as_ref());
    }
    false
}

fn shown(error: &str) -> String {
    if error.is_empty() {
        "an unnamed error".to_owned()
    } else {
        error.to_owned()
    }
}

/// The Retry clause that handles `error` in `state`, and the name in it that matched.
fn retry_clause<'s>(state: &'s State, error: &str) -> Option<(usize, &'s str)> {
    if error.is_empty() {
        return None;
    }
    let is_task = state.kind == StateType::Task;
    state
        .retry
        .iter()
        .enumerate()
        .find_map(|(i, r)| matching_name(&r.errors, error, is_task).map(|name| (i, name)))
}

/// Which transition of the definition took `exit`'s state to `to`.
fn classify(model: &Model, exit: &Exit, to: &State) -> Result<Transition, String> {
    let Some(from) = model.states.get(exit.state) else {
        return Err(format!("? → {}", to.id));
    };
    match &exit.leaving {
        Leaving::Caught(error) => caught(from, error, to),
        Leaving::Normally if from.kind == StateType::Choice => {
            choice(from, to, exit.input.as_ref())
        }
        Leaving::Normally if from.next.as_deref() == Some(to.id.as_str()) => Ok(Transition::Next {
            from: from.id.clone(),
            to: to.id.clone(),
        }),
        // A failure no event named (a path error, a payload limit) was caught.
        Leaving::Normally => caught(from, "", to),
    }
}

fn caught(from: &State, error: &str, to: &State) -> Result<Transition, String> {
    let is_task = from.kind == StateType::Task;
    let matched = from
        .catch
        .iter()
        .enumerate()
        .filter(|_| !error.is_empty())
        .find_map(|(i, c)| matching_name(&c.errors, error, is_task).map(|name| (i, c, name)));
    if let Some((clause, catcher, name)) = matched {
        if catcher.next != to.id {
            return Err(format!(
                "{} → {} after {error}, but catch {} sends it to {}",
                from.id,
                to.id,
                clause + 1,
                catcher.next
            ));
        }
        return Ok(Transition::Catch {
            state: from.id.clone(),
            clause,
            error: name.to_owned(),
            to: to.id.clone(),
        });
    }
    // The error is not named (or no clause names it): a single clause leading to `to` that
    // names a single error is the only reading.
    let leading: Vec<_> = from
        .catch
        .iter()
        .enumerate()
        .filter(|(_, c)| c.next == to.id)
        .collect();
    match leading.as_slice() {
        [(clause, catcher)] if catcher.errors.len() == 1 => Ok(Transition::Catch {
            state: from.id.clone(),
            clause: *clause,
            error: catcher.errors.concat(),
            to: to.id.clone(),
        }),
        _ => Err(format!(
            "{} → {} after {} matches no single Catch clause",
            from.id,
            to.id,
            shown(error)
        )),
    }
}

fn choice(
    from: &State,
    to: &State,
    input: Option<&serde_json::Value>,
) -> Result<Transition, String> {
    let mut candidates: Vec<Transition> = from
        .choices
        .iter()
        .enumerate()
        .filter(|(_, next)| **next == to.id)
        .map(|(rule, _)| Transition::ChoiceRule {
            state: from.id.clone(),
            rule,
            to: to.id.clone(),
        })
        .collect();
    if from.default.as_deref() == Some(to.id.as_str()) {
        candidates.push(Transition::ChoiceDefault {
            state: from.id.clone(),
            to: to.id.clone(),
        });
    }
    match candidates.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("{} → {} is no rule of the Choice", from.id, to.id)),
        _ if let Some(found) = evaluated(from, to, input) => Ok(found),
        many => Err(format!(
            "{} → {}: {} rules lead there and the history does not say which matched",
            from.id,
            to.id,
            many.len()
        )),
    }
}
