//! Running the state under test with the engine that runs executions: the state is entered
//! as in an execution (its events go to a throwaway history) and evaluated once by
//! `Engine::execute`, the same body executions use; then, instead of retrying or catching
//! in a loop, TestState reports what would happen next: RETRIABLE (a retrier with attempts
//! left after `retrierRetryCount`), CAUGHT_ERROR (a catcher: its `Next` and output), FAILED
//! or SUCCEEDED (`nextState` and `output`). Map and Parallel states (always mocked) run
//! their input and output processing around the mocked result without running iterations
//! or branches.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::inspect::{self, Inspection};
use super::request::{Level, Request};
use super::scope::{MockOutcome, TestScope};
use crate::sfn::StepFunctions;
use crate::sfn::asl::StateKind;
use crate::sfn::asl::model::{Distributed, Dynamic};
use crate::sfn::engine::context::ExecutionInfo;
use crate::sfn::engine::entropy::{self, Entropy};
use crate::sfn::engine::paths::{self, to_text};
use crate::sfn::engine::{Engine, Failure, StateRun, Step, catch, limits, retry};
use crate::sfn::history::{EventType, History, not_truncated};

/// What the test found.
pub enum Outcome {
    Succeeded(Step),
    Retriable {
        failure: Failure,
        retry_index: usize,
        backoff_seconds: u64,
    },
    Caught {
        failure: Failure,
        catch_index: usize,
        step: Step,
    },
    Failed(Failure),
}

pub async fn test(sfn: &StepFunctions, request: Request) -> Value {
    let scope = TestScope {
        mock: request.mock.clone(),
        context: request.context.clone(),
    };
    // Each TestState call draws from a stream of its own (the emulator's seed, its place).
    let label = format!("TestState:{}", sfn.ctx.ids.next_u64());
    let entropy = Entropy::of_execution(&sfn.ctx, &label);
    entropy::within(entropy, scope.run(test_in_scope(sfn, &request))).await
}

fn engine(sfn: &StepFunctions, request: &Request) -> Engine {
    let ctx = sfn.ctx.clone();
    let name = ctx.ids.uuid().to_string();
    let machine = "TestStateMachine";
    Engine {
        ctx: ctx.clone(),
        integrations: sfn.integrations.clone(),
        history: Arc::new(History::new(ctx.clone())),
        info: Arc::new(ExecutionInfo {
            execution_arn: ctx.arn("states", &format!("express:{machine}:{name}")),
            execution_name: name,
            input: request.input.clone(),
            role_arn: request.role_arn.clone().unwrap_or_default(),
            start_time: ctx.clock.now(),
            state_machine_arn: ctx.arn("states", &format!("stateMachine:{machine}")),
            state_machine_name: machine.to_owned(),
            deadline: None,
            test_case: None,
        }),
    }
}

async fn test_in_scope(sfn: &StepFunctions, request: &Request) -> Value {
    let engine = engine(sfn, request);
    let Some(state) = request.definition.states.get(&request.state_name) else {
        return respond(
            &Outcome::Failed(Failure::of_execution("States.Runtime", "")),
            None,
            &Map::new(),
        );
    };
    let mut previous = 0;
    let entered_id = engine.record(
        &mut previous,
        EventType::state_entered(&state.kind),
        Some((
            "stateEnteredEventDetails",
            json!({ "name": state.name, "input": to_text(&request.input), "inputDetails": not_truncated() }),
        )),
    );
    let language = state
        .common
        .query_language
        .as_deref()
        .unwrap_or(&request.definition.query_language);
    let mut run = StateRun {
        state,
        input: request.input.clone(),
        entered_id,
        entered_time: engine.ctx.clock.now(),
        previous,
        retry_count: request.config.retrier_retry_count.unwrap_or(0),
        jsonata: language == "JSONata",
        vars: request.variables.clone(),
        assigned: Mutex::new(None),
        task_token: None,
    };
    let attempt = match &state.kind {
        StateKind::Map { .. } | StateKind::Parallel { .. } => composite(&engine, &run, request),
        _ => engine.execute(&mut run).await,
    };
    let attempt = attempt.and_then(|step| {
        limits::check_payload(&step.output, &run)?;
        Ok(step)
    });
    let outcome = decide(&engine, &mut run, attempt);
    let mut variables = run.vars.clone();
    if let Some(assigned) = run.take_assigned() {
        variables.extend(assigned);
    }
    let inspection =
        (request.level != Level::Info).then(|| inspect::collect(&engine, &run, request, &outcome));
    respond(&outcome, inspection, &variables)
}

/// Retry and Catch, once: what the execution would do after this attempt.
fn decide(engine: &Engine, run: &mut StateRun<'_>, attempt: Result<Step, Failure>) -> Outcome {
    let failure = match attempt {
        Ok(step) => return Outcome::Succeeded(step),
        Err(failure) => failure,
    };
    run.take_assigned();
    let is_task = matches!(run.state.kind, StateKind::Task { .. });
    let retriers = &run.state.common.retry;
    if let Some(index) = retriers
        .iter()
        .position(|r| retry::matches(&r.error_equals, &failure, is_task))
    {
        let mut attempts = vec![0; retriers.len()];
        if let Some(slot) = attempts.get_mut(index) {
            *slot = run.retry_count;
        }
        if let Some(delay) = retry::next_delay(retriers, &mut attempts, &failure, is_task) {
            return Outcome::Retriable {
                failure,
                retry_index: index,
                backoff_seconds: delay.as_secs(),
            };
        }
    }
    let catch_index = run
        .state
        .common
        .catch
        .iter()
        .position(|c| retry::matches(&c.error_equals, &failure, is_task));
    match (
        catch_index,
        catch::recover(engine, run, failure.clone(), is_task),
    ) {
        (Some(catch_index), Ok(step)) => Outcome::Caught {
            failure,
            catch_index,
            step,
        },
        (_, Err(failure)) => Outcome::Failed(failure),
        (None, Ok(_)) => Outcome::Failed(failure),
    }
}

/// A mocked Map or Parallel: input processing, a distributed Map's items read from
/// `mapItemReaderData` (whose errors come first), the mocked result (or error) in place of
/// the iterations/branches, then the state's own output processing.
fn composite(engine: &Engine, run: &StateRun<'_>, request: &Request) -> Result<Step, Failure> {
    let input = engine.effective_input(run)?;
    let read = super::reader::items(engine, run, request, &input)?;
    if let Some(items) = &read {
        super::reader::batches(engine, run, &input, items)?;
    }
    let result = match &request.mock {
        Some(MockOutcome::Result(result)) => result.clone(),
        Some(MockOutcome::Error(failure)) => return Err(failure.clone()),
        None => {
            return Err(Failure::of_execution(
                "States.Runtime",
                "A Map or Parallel state needs a mock",
            ));
        }
    };
    if let (StateKind::Map { distributed, .. }, Some(failed)) =
        (&run.state.kind, request.config.map_iteration_failure_count)
    {
        let items = match &read {
            Some(items) => items.len(),
            None => result.as_array().map_or(0, Vec::len),
        };
        if exceeds_tolerance(engine, run, distributed.as_deref(), &input, failed, items)? {
            return Err(Failure::of_state(
                &run.state.name,
                "States.ExceedToleratedFailureThreshold",
                "The specified tolerated failure threshold was exceeded",
            ));
        }
    }
    let output = engine.state_output(run, result)?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

/// Whether `failed` of `items` iterations exceed the Map's ToleratedFailureCount/Percentage
/// (an inline Map tolerates none).
fn exceeds_tolerance(
    engine: &Engine,
    run: &StateRun<'_>,
    distributed: Option<&Distributed>,
    input: &Value,
    failed: u32,
    items: usize,
) -> Result<bool, Failure> {
    if failed == 0 {
        return Ok(false);
    }
    let Some(tolerance) = distributed else {
        return Ok(true);
    };
    let (count, percentage) = tolerances(engine, run, tolerance, input)?;
    if count.is_none() && percentage.is_none() {
        return Ok(true);
    }
    let over_count = count.is_none_or(|count| f64::from(failed) > count);
    let share = if items == 0 {
        100.0
    } else {
        f64::from(failed) * 100.0 / items as f64
    };
    let over_percentage = percentage.is_none_or(|percentage| share > percentage);
    Ok(over_count && over_percentage)
}

/// The Map's tolerated failure count and percentage (literals or paths).
pub fn tolerances(
    engine: &Engine,
    run: &StateRun<'_>,
    tolerance: &Distributed,
    input: &Value,
) -> Result<(Option<f64>, Option<f64>), Failure> {
    let context = run.context(&engine.info, None);
    let read = |field: &Option<Dynamic<Value>>, name: &str| -> Result<Option<f64>, Failure> {
        match field {
            Some(Dynamic::Path(path)) => {
                let value = paths::read(path, name, input, &context).map_err(|e| run.fail(e))?;
                Ok(value.as_f64())
            }
            Some(Dynamic::Literal(value)) => Ok(value.as_f64()),
            Some(Dynamic::Jsonata(_)) | None => Ok(None),
        }
    };
    Ok((
        read(&tolerance.tolerated_count, "ToleratedFailureCountPath")?,
        read(
            &tolerance.tolerated_percentage,
            "ToleratedFailurePercentagePath",
        )?,
    ))
}

/// The TestState answer.
fn respond(
    outcome: &Outcome,
    inspection: Option<Inspection>,
    variables: &Map<String, Value>,
) -> Value {
    let mut answer = Map::new();
    let mut put = |key: &str, value: Value| {
        answer.insert(key.to_owned(), value);
    };
    let mut error_details = Map::new();
    match outcome {
        Outcome::Succeeded(step) => {
            put("status", json!("SUCCEEDED"));
            put("output", json!(to_text(&step.output)));
            if let Some(next) = &step.next {
                put("nextState", json!(next));
            }
        }
        Outcome::Retriable {
            failure,
            retry_index,
            backoff_seconds,
        } => {
            put("status", json!("RETRIABLE"));
            put_failure(&mut put, failure);
            error_details.insert("retryIndex".into(), json!(retry_index));
            error_details.insert("retryBackoffIntervalSeconds".into(), json!(backoff_seconds));
        }
        Outcome::Caught {
            failure,
            catch_index,
            step,
        } => {
            put("status", json!("CAUGHT_ERROR"));
            put_failure(&mut put, failure);
            put("output", json!(to_text(&step.output)));
            if let Some(next) = &step.next {
                put("nextState", json!(next));
            }
            error_details.insert("catchIndex".into(), json!(catch_index));
        }
        Outcome::Failed(failure) => {
            put("status", json!("FAILED"));
            put_failure(&mut put, failure);
        }
    }
    if let Some(inspection) = inspection {
        put(
            "inspectionData",
            inspection.into_json(error_details, variables),
        );
    }
    Value::Object(answer)
}

fn put_failure(put: &mut impl FnMut(&str, Value), failure: &Failure) {
    if !failure.error.is_empty() {
        put("error", json!(failure.error));
    }
    if !failure.cause.is_empty() {
        put("cause", json!(failure.cause));
    }
}
