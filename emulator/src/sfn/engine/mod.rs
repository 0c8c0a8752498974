//! The interpreter: runs a parsed definition from `StartAt` to a terminal state, recording
//! history as it goes. One module per state type; [`paths`] does JSONPath input/output
//! processing, [`jsonata`] the JSONata query language, [`dataflow`] variables (`Assign`) and
//! the JSONata `Arguments`/`Output`; [`retry`] and [`catch`] handle errors; [`callback`] is a
//! `.waitForTaskToken` Task's wait for its token. The machine's `TimeoutSeconds` is a deadline
//! on the emulator's clock (virtual or real).
//!
//! Map iterations and Parallel branches run concurrently (`fanout.rs`): on the virtual clock each
//! is an activity of the seeded scheduler, so their interleaving is a function of the seed.
//!
//! Between states the engine yields to the runtime and stops if the execution was stopped
//! (its history is sealed), its history is full (25,000 events: `States.Runtime`) or its
//! deadline passed; [`limits`] holds the payload, duration and nesting bounds.

pub mod callback;
pub mod catch;
pub mod choice;
pub mod context;
pub mod dataflow;
pub mod entropy;
pub mod fail;
pub mod failure;
mod fanout;
pub mod intrinsics;
pub mod item_batcher;
pub mod item_reader;
pub mod jsonata;
pub mod limits;
pub mod map;
pub mod parallel;
pub mod pass;
pub mod paths;
pub mod retry;
pub mod sdk;
pub mod succeed;
pub mod tail;
pub mod task;
pub mod wait;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{Map, Value, json};

pub use failure::{Failure, Origin, failure_details, history_limit};

use crate::Context;
use crate::sfn::asl::{Definition, State, StateKind};
use crate::sfn::history::{EventType, History, not_truncated};
use crate::sfn::integrations::Integrations;
use context::{ExecutionInfo, StateFacts, context_object};
use failure::execution_timeout;
use paths::{PathError, to_text};

/// Where a state transitions after running.
pub struct Step {
    pub output: Value,
    /// `None` ends the machine (End, Succeed).
    pub next: Option<String>,
}

/// One state being run: its definition, raw input and position in the history.
pub struct StateRun<'a> {
    pub state: &'a State,
    pub input: Value,
    pub entered_id: u64,
    pub entered_time: SystemTime,
    /// The id of the last event this thread of execution recorded.
    pub previous: u64,
    pub retry_count: u32,
    /// Whether the state uses JSONata.
    pub jsonata: bool,
    /// The variables in scope when the state was entered.
    pub vars: Map<String, Value>,
    /// What `Assign` set, applied once the state completes.
    pub assigned: Mutex<Option<Map<String, Value>>>,
    /// A `.waitForTaskToken` Task's token for this attempt (`$$.Task.Token`).
    pub task_token: Option<String>,
}

impl StateRun<'_> {
    /// Turns a path or intrinsic error into this state's States.Runtime-style failure.
    pub fn fail(&self, err: PathError) -> Failure {
        let origin = Origin::Processing {
            state: self.state.name.clone(),
            entered_id: self.entered_id,
        };
        Failure::new(
            err.error,
            format!("{}{}", self.cause_prefix(), err.message),
            origin,
        )
    }

    /// How the causes of this state's own processing errors begin.
    pub fn cause_prefix(&self) -> String {
        format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). ",
            self.state.name, self.entered_id
        )
    }

    /// The context object for this state.
    pub fn context(&self, info: &ExecutionInfo, map_item: Option<(usize, &Value)>) -> Value {
        let context = context_object(
            info,
            &StateFacts {
                name: &self.state.name,
                entered_time: self.entered_time,
                retry_count: (!self.state.common.retry.is_empty()).then_some(self.retry_count),
                map_item,
                vars: Some(&self.vars),
                with_input: self.state.reads_execution_input,
                task_token: self.task_token.as_deref(),
            },
        );
        // TestState: the caller's `context` (outside a test, unchanged).
        crate::sfn::test_state::scope::context_override(context)
    }
}

/// Runs executions of one state machine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub ctx: Arc<Context>,
    pub integrations: Arc<dyn Integrations>,
    pub history: Arc<History>,
    pub info: Arc<ExecutionInfo>,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Engine {
    /// Records `type` with `previous` and moves the caller's cursor to the new event.
    pub fn record(
        &self,
        previous: &mut u64,
        event_type: EventType,
        details: Option<(&str, Value)>,
    ) -> u64 {
        let id = self.history.record(*previous, event_type, details);
        *previous = id;
        id
    }

    /// Waits `duration` of clock time, or until the execution's deadline, which fails it.
    pub async fn sleep(&self, duration: std::time::Duration) -> Result<(), Failure> {
        if crate::sfn::test_state::scope::active() {
            return Ok(()); // TestState: Wait states do not wait.
        }
        if let Some(deadline) = self.info.deadline {
            let left = deadline
                .duration_since(self.ctx.clock.now())
                .unwrap_or_default();
            if duration >= left {
                self.pause(left).await;
                return Err(execution_timeout());
            }
        }
        self.pause(duration).await;
        Ok(())
    }

    /// Waits on the scheduler's timeline (an activity), else on the clock.
    async fn pause(&self, duration: std::time::Duration) {
        if !self.ctx.sched.sleep(duration).await {
            self.ctx.clock.sleep(duration).await;
        }
    }

    /// True once the machine's `TimeoutSeconds` has run out.
    pub fn timed_out(&self) -> bool {
        self.info
            .deadline
            .is_some_and(|deadline| self.ctx.clock.now() >= deadline)
    }

    fn check_deadline(&self) -> Result<(), Failure> {
        if self.timed_out() {
            return Err(execution_timeout());
        }
        Ok(())
    }

    /// Runs the whole execution: ExecutionStarted … ExecutionSucceeded/Failed/TimedOut.
    #[cfg(test)]
    pub async fn run_execution(&self, definition: &Definition) -> Result<Value, Failure> {
        self.record_started();
        self.run_started(definition).await
    }

    /// Records ExecutionStarted; StartExecution does so before it answers, as AWS's history
    /// shows the event as soon as the execution exists.
    pub fn record_started(&self) {
        self.history.record(
            0,
            EventType::ExecutionStarted,
            Some((
                "executionStartedEventDetails",
                json!({
                    "input": to_text(&self.info.input),
                    "inputDetails": not_truncated(),
                    "roleArn": self.info.role_arn,
                }),
            )),
        );
    }

    /// Runs a started execution (ExecutionStarted recorded) to its terminal event, drawing
    /// its random values from its own seeded stream ([`entropy`]).
    pub async fn run_started(&self, definition: &Definition) -> Result<Value, Failure> {
        let entropy = entropy::Entropy::of_execution(&self.ctx, &self.info.execution_arn);
        entropy::within(entropy, self.run_to_terminal(definition)).await
    }

    async fn run_to_terminal(&self, definition: &Definition) -> Result<Value, Failure> {
        let mut previous = 0;
        let mut vars = Map::new();
        let mut result = self
            .run_machine(
                definition,
                self.info.input.clone(),
                &mut previous,
                &mut vars,
            )
            .await;
        if self.history.exhausted() {
            // AWS: the failure is event 25,000 and follows the last event recorded.
            result = Err(history_limit());
            previous = self.history.last_id();
        }
        let (event_type, details) = match &result {
            Ok(output) => (
                EventType::ExecutionSucceeded,
                (
                    "executionSucceededEventDetails",
                    json!({ "output": to_text(output), "outputDetails": not_truncated() }),
                ),
            ),
            Err(failure) if self.timed_out() => (
                EventType::ExecutionTimedOut,
                ("executionTimedOutEventDetails", failure_details(failure)),
            ),
            Err(failure) => (
                EventType::ExecutionFailed,
                ("executionFailedEventDetails", failure_details(failure)),
            ),
        };
        self.history
            .record_terminal(previous, event_type, Some(details));
        result
    }

    /// Between two states: gives the thread back to the runtime (a machine that loops
    /// forever must not starve other requests) — on the virtual clock, the turn to whichever
    /// ready activity the seeded scheduler draws —, then stops the run if the execution was
    /// stopped, its history is full or its deadline has passed.
    async fn checkpoint(&self) -> Result<(), Failure> {
        self.ctx.sched.yield_now().await;
        self.check_running()
    }

    /// Fails the run if the execution was stopped, its history is full or its deadline has
    /// passed.
    fn check_running(&self) -> Result<(), Failure> {
        if self.history.sealed() {
            return Err(Failure::of_execution(
                "States.Runtime",
                "The execution was stopped.",
            ));
        }
        if self.history.exhausted() {
            return Err(history_limit());
        }
        self.check_deadline()
    }

    /// Runs a machine or iterator/branch body from its StartAt state.
    pub fn run_machine<'a>(
        &'a self,
        definition: &'a Definition,
        input: Value,
        previous: &'a mut u64,
        vars: &'a mut Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, Failure>> {
        Box::pin(async move {
            let mut current = definition.start_at.clone();
            let mut input = input;
            loop {
                self.checkpoint().await?;
                let state = definition.states.get(&current).ok_or_else(|| {
                    Failure::of_execution(
                        "States.Runtime",
                        format!("State '{current}' does not exist"),
                    )
                })?;
                let step = self
                    .run_state(definition, state, input, previous, vars)
                    .await?;
                match step.next {
                    Some(next) => {
                        current = next;
                        input = step.output;
                    }
                    None => return Ok(step.output),
                }
            }
        })
    }

    async fn run_state(
        &self,
        definition: &Definition,
        state: &State,
        input: Value,
        previous: &mut u64,
        vars: &mut Map<String, Value>,
    ) -> Result<Step, Failure> {
        if map::stalls(state, &input) {
            // AWS quirk: the execution stays RUNNING with nothing more recorded.
            std::future::pending::<()>().await;
        }
        // AWS quirk: the first state entered points back at event 0, not ExecutionStarted.
        let entered_id = self.record(
            previous,
            EventType::state_entered(&state.kind),
            Some((
                "stateEnteredEventDetails",
                json!({ "name": state.name, "input": to_text(&input), "inputDetails": not_truncated() }),
            )),
        );
        if self.history.exhausted() {
            // The history is full: nothing this state would do could be recorded.
            return Err(history_limit());
        }
        let mut run = StateRun {
            state,
            input,
            entered_id,
            entered_time: self.ctx.clock.now(),
            previous: *previous,
            retry_count: 0,
            jsonata: state
                .common
                .query_language
                .as_deref()
                .unwrap_or(&definition.query_language)
                == "JSONata",
            vars: vars.clone(),
            assigned: Mutex::new(None),
            task_token: None,
        };
        fanout::entered(Some(&state.kind));
        let result = self.execute_with_recovery(&mut run).await;
        fanout::entered(None);
        *previous = run.previous;
        let step = result?;
        limits::check_payload(&step.output, &run)?;
        let mut details = json!({ "name": state.name, "output": to_text(&step.output), "outputDetails": not_truncated() });
        if let Some(assigned) = run.take_assigned() {
            // History shows each assigned value as JSON text.
            let shown: Map<String, Value> = assigned
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(to_text(value))))
                .collect();
            if let Some(object) = details.as_object_mut() {
                object.insert("assignedVariables".into(), Value::Object(shown));
                object.insert("assignedVariablesDetails".into(), not_truncated());
            }
            vars.extend(assigned);
        }
        if let Some(exited) = EventType::state_exited(&state.kind) {
            self.record(previous, exited, Some(("stateExitedEventDetails", details)));
        }
        Ok(step)
    }

    /// Runs the state, retrying and catching as its Retry/Catch fields say.
    async fn execute_with_recovery(&self, run: &mut StateRun<'_>) -> Result<Step, Failure> {
        let mut attempts = vec![0u32; run.state.common.retry.len()];
        loop {
            let failure = match self.execute(run).await {
                Ok(step) => return Ok(step),
                Err(failure) => failure,
            };
            run.take_assigned();
            if self.timed_out() {
                return Err(failure);
            }
            let is_task = matches!(run.state.kind, StateKind::Task { .. });
            if let Some(delay) =
                retry::next_delay(&run.state.common.retry, &mut attempts, &failure, is_task)
            {
                self.sleep(delay).await?;
                run.retry_count += 1;
                continue;
            }
            self.record_failure_events(run, &failure);
            return catch::recover(self, run, failure, is_task);
        }
    }

    /// EvaluationFailed for a query error of the state itself; Map/ParallelStateFailed unless
    /// the state's own (non-query) processing failed, as AWS records them.
    fn record_failure_events(&self, run: &mut StateRun<'_>, failure: &Failure) {
        let own = failure.is_processing_of(&run.state.name, run.entered_id);
        let evaluation = own && failure.error == "States.QueryEvaluationError";
        if evaluation {
            self.record(
                &mut run.previous,
                EventType::EvaluationFailed,
                Some((
                    "evaluationFailedEventDetails",
                    json!({
                        "error": failure.error,
                        "cause": failure.cause,
                        "location": field_of(&failure.cause),
                        "state": run.state.name,
                    }),
                )),
            );
        }
        let failed_event = match run.state.kind {
            StateKind::Map { .. } => Some(EventType::MapStateFailed),
            StateKind::Parallel { .. } => Some(EventType::ParallelStateFailed),
            _ => None,
        };
        if let Some(event_type) = failed_event.filter(|_| evaluation || !own) {
            self.record(&mut run.previous, event_type, None);
        }
    }

    /// Runs the state once: no Retry, no Catch (TestState decides those itself).
    pub(crate) async fn execute(&self, run: &mut StateRun<'_>) -> Result<Step, Failure> {
        match &run.state.kind {
            StateKind::Pass { result } => pass::run(self, run, result.as_ref()),
            StateKind::Task {
                resource,
                timeout,
                heartbeat,
            } => {
                let times = task::Times {
                    timeout: timeout.as_ref(),
                    heartbeat: heartbeat.as_ref(),
                };
                task::run(self, run, resource, times).await
            }
            StateKind::Choice { choices, default } => {
                choice::run(self, run, choices, default.as_deref())
            }
            StateKind::Wait(wait_for) => wait::run(self, run, wait_for).await,
            StateKind::Succeed => succeed::run(self, run),
            StateKind::Fail { error, cause } => {
                Err(fail::failure(self, run, error.as_ref(), cause.as_ref()))
            }
            StateKind::Map {
                items,
                item_selector,
                processor,
                distributed,
                max_concurrency,
            } => {
                let spec = map::MapSpec {
                    items,
                    item_selector: item_selector.as_ref(),
                    processor,
                    distributed: distributed.as_deref(),
                    max_concurrency,
                };
                map::run(self, run, spec).await
            }
            StateKind::Parallel { branches } => parallel::run(self, run, branches).await,
        }
    }

    /// InputPath then Parameters: the effective input of a Pass/Task/Map/Parallel state,
    /// which must fit AWS's payload quota ("after Parameters processing, the input of a
    /// state is larger than the payload size quota": `States.DataLimitExceeded`).
    pub fn effective_input(&self, run: &StateRun<'_>) -> Result<Value, Failure> {
        let input = self.select_input(run)?;
        limits::check_payload(&input, run)?;
        Ok(input)
    }

    fn select_input(&self, run: &StateRun<'_>) -> Result<Value, Failure> {
        if run.jsonata {
            return match &run.state.common.arguments {
                Some(arguments) => {
                    run.jsonata_template(self, arguments, "Arguments", dataflow::Extra::default())
                }
                None => Ok(run.input.clone()),
            };
        }
        let context = run.context(&self.info, None);
        let common = &run.state.common;
        let selected =
            paths::apply_input_path(&common.input_path, "InputPath", &run.input, &context)
                .map_err(|e| run.fail(e))?;
        match (&common.parameters, &run.state.kind) {
            (Some(template), StateKind::Pass { .. } | StateKind::Task { .. }) => {
                paths::apply_template(template, &selected, &context).map_err(|e| run.fail(e))
            }
            (Some(template), StateKind::Parallel { .. }) => {
                paths::apply_template(template, &selected, &context).map_err(|e| run.fail(e))
            }
            _ => Ok(selected),
        }
    }

    /// The output of a state with a result (Task, Map, Parallel): [`Engine::finish`].
    pub fn state_output(&self, run: &StateRun<'_>, result: Value) -> Result<Value, Failure> {
        self.finish(run, tail::Produced::result(run, &run.input, result))
    }

    /// Where a non-terminal state goes next (`None` for `End: true`).
    pub fn next_of(run: &StateRun<'_>) -> Option<String> {
        run.state.common.next.clone()
    }
}

/// The field a JSONata error names (`… specified for the field 'Output/result' …`).
fn field_of(cause: &str) -> Option<&str> {
    let rest = cause.split("specified for the field '").nth(1)?;
    rest.split('\'').next()
}

#[cfg(test)]
mod tests;
