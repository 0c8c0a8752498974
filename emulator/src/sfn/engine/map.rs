//! Map (inline and distributed run the same way; a distributed Map with an ItemReader takes
//! its items from `item_reader.rs`): runs the
//! ItemProcessor/Iterator once per item of ItemsPath/Items (each item optionally reshaped by
//! ItemSelector, which sees `$$.Map.Item`), collecting the outputs in order. Iterations run
//! concurrently (`fanout.rs`), at most MaxConcurrency (or its path or JSONata) at once within
//! AWS's ceiling (40 inline), each with its own copy of the variables in scope. A failed
//! inline iteration stops the others (MapIterationAborted each) and fails the Map. A
//! distributed Map with an ItemBatcher runs one child per batch (`item_batcher.rs`).

use serde_json::{Value, json};

use super::dataflow::Extra;
use super::fanout::{self, Child, Plan, Stop};
use super::jsonata::{self, Scope};
use super::limits::{ArrayBudget, data_limit_exceeded};
use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::Definition;
use crate::sfn::asl::model::{Distributed, Dynamic, MapItems};
use crate::sfn::history::{EventType, History};

/// The Map fields the iterations depend on.
#[derive(Clone, Copy)]
pub struct MapSpec<'a> {
    pub items: &'a MapItems,
    pub item_selector: Option<&'a Value>,
    pub processor: &'a Definition,
    pub distributed: Option<&'a Distributed>,
    pub max_concurrency: &'a Dynamic<u64>,
}

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    spec: MapSpec<'_>,
) -> Result<Step, Failure> {
    let input = engine.effective_input(run)?;
    let max_concurrency = max_concurrency(engine, run, spec.max_concurrency, &input)?;
    let items = match spec.distributed.and_then(|d| d.reader.as_ref()) {
        Some(reader) => match super::item_reader::read(engine, run, reader, &input) {
            Ok(items) => items,
            Err(failure) => return Err(reader_failed(engine, run, failure)),
        },
        None => select_items(engine, run, &spec, &input)?,
    };
    engine.record(
        &mut run.previous,
        EventType::MapStateStarted,
        Some((
            "mapStateStartedEventDetails",
            json!({ "length": items.len() }),
        )),
    );
    let outputs = match spec.distributed {
        Some(distributed) => {
            let (items, sizes, spec) = match &distributed.batcher {
                Some(batcher) => {
                    let batches = super::item_batcher::batch(
                        engine,
                        run,
                        batcher,
                        spec.item_selector,
                        &input,
                        &items,
                    )?;
                    let spec = MapSpec {
                        item_selector: None,
                        ..spec
                    };
                    (batches.inputs, batches.sizes, spec)
                }
                None => {
                    let sizes = vec![1; items.len()];
                    (items, sizes, spec)
                }
            };
            let total = sizes.iter().sum();
            let tolerated = tolerated_failures(engine, run, distributed, &input, total)?;
            engine.record(&mut run.previous, EventType::MapRunStarted, None);
            let iterations = Iterations {
                engine,
                spec: &spec,
                input: &input,
                items: &items,
                run: &*run,
                limit: concurrency(max_concurrency, DISTRIBUTED_CONCURRENCY),
            };
            let children = iterations.distributed().await;
            return finish_distributed(engine, run, children, &sizes, tolerated);
        }
        None => {
            let iterations = Iterations {
                engine,
                spec: &spec,
                input: &input,
                items: &items,
                run: &*run,
                limit: concurrency(max_concurrency, INLINE_CONCURRENCY),
            };
            iterations.inline().await
        }
    };
    let done = outputs.map_err(|stop| record_stop(engine, run, stop))?;
    // AWS chains MapStateSucceeded and MapStateExited to the MapIterationSucceeded of the
    // iteration that finished last.
    if let Some((_, succeeded)) = done.last.and_then(|last| done.outputs.get(last)) {
        run.previous = *succeeded;
    }
    let outputs = done.outputs.into_iter().map(|(output, _)| output).collect();
    engine
        .history
        .record(run.previous, EventType::MapStateSucceeded, None);
    let output = engine.state_output(run, Value::Array(outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

/// AWS's ceiling on concurrent iterations: "In Inline mode, the Map state supports up to 40
/// concurrent iterations"; a distributed Map runs up to 10,000 child workflows at once.
const INLINE_CONCURRENCY: usize = 40;
const DISTRIBUTED_CONCURRENCY: usize = 10_000;

/// `MaxConcurrency` (0: no limit) within AWS's ceiling.
fn concurrency(max_concurrency: u64, ceiling: usize) -> usize {
    match usize::try_from(max_concurrency) {
        Ok(0) | Err(_) => ceiling,
        Ok(n) => n.min(ceiling),
    }
}

/// The MaxConcurrency in force: the literal, the integer `MaxConcurrencyPath` selects, or
/// what the JSONata expression yields (a non-negative integer).
fn max_concurrency(
    engine: &Engine,
    run: &StateRun<'_>,
    field: &Dynamic<u64>,
    input: &Value,
) -> Result<u64, Failure> {
    match field {
        Dynamic::Literal(n) => Ok(*n),
        Dynamic::Path(path) => {
            let value = read_number(engine, run, input, path, "MaxConcurrencyPath", "integer")?;
            // A negative one stalls the execution before the state is entered (`stalls`).
            Ok(value.as_u64().unwrap_or(0))
        }
        Dynamic::Jsonata(text) => {
            let value = run.jsonata_template(
                engine,
                &Value::String(text.clone()),
                "MaxConcurrency",
                Extra::default(),
            )?;
            // JSONata numbers are floats: 3 may come back as 3.0.
            let whole = value.as_u64().or_else(|| {
                value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && (0.0..=9.0e15).contains(n))
                    .map(|n| n as u64)
            });
            match whole {
                Some(n) => Ok(n),
                None => {
                    let expr = jsonata::expression(text).unwrap_or(text);
                    Err(run.fail(jsonata::unexpected_type(
                        expr,
                        "MaxConcurrency",
                        "integer",
                        &value,
                    )))
                }
            }
        }
    }
}

/// The iterations of one Map state, started one by one by `fanout::run`.
struct Iterations<'r> {
    engine: &'r Engine,
    spec: &'r MapSpec<'r>,
    input: &'r Value,
    items: &'r [Value],
    run: &'r StateRun<'r>,
    limit: usize,
}

impl<'r> Iterations<'r> {
    fn plan(&self) -> Plan {
        Plan {
            count: self.items.len(),
            limit: self.limit,
            cursor: self.run.previous,
            cut: self.spec.distributed.is_none(),
            checkpoint_each: true,
        }
    }

    /// The item as iteration `index` sees it.
    fn selected(&self, index: usize) -> Result<Value, Failure> {
        let item = self.items.get(index).unwrap_or(&Value::Null);
        select_item(
            self.engine,
            self.run,
            self.spec.item_selector,
            self.input,
            index,
            item,
        )
    }

    /// Inline: each iteration's events in this execution's history; each output with the id
    /// of its MapIterationSucceeded.
    async fn inline(&self) -> Result<fanout::Done<(Value, u64)>, Stop> {
        let name = &self.run.state.name;
        let mut budget = ArrayBudget::default();
        let start = |index: usize, mut cursor: u64| {
            let details = json!({ "index": index, "name": name });
            self.engine.record(
                &mut cursor,
                EventType::MapIterationStarted,
                Some(("mapIterationStartedEventDetails", details.clone())),
            );
            self.selected(index)
                .map(|selected| self.iteration(selected, cursor, details))
        };
        let accept = |(output, _): &(Value, u64)| {
            if budget.admit(output) {
                Ok(())
            } else {
                Err(data_limit_exceeded(name))
            }
        };
        fanout::run(self.engine, self.plan(), start, accept).await
    }

    /// One inline iteration from `cursor` (its MapIterationStarted); MapIterationSucceeded as
    /// its last act.
    fn iteration(&self, selected: Value, cursor: u64, details: Value) -> Child<'r, (Value, u64)> {
        let (engine, processor) = (self.engine, self.spec.processor);
        let mut vars = self.run.vars.clone();
        Box::pin(async move {
            let mut cursor = cursor;
            let result = engine
                .run_machine(processor, selected, &mut cursor, &mut vars)
                .await;
            let result = result.map(|output| {
                // AWS points the next iteration at the last inner event, not at this one.
                let succeeded = engine.history.record(
                    cursor,
                    EventType::MapIterationSucceeded,
                    Some(("mapIterationSucceededEventDetails", details)),
                );
                (output, succeeded)
            });
            (result, cursor)
        })
    }
}

/// Records how the iterations stopped and returns the Map's failure. A failed iteration: each
/// iteration it cut (MapIterationAborted, then the `…StateAborted` of the state it was in),
/// then MapIterationFailed, all chained to its last event — where MapStateFailed points too
/// (AWS's order and chaining, as measured in ap-northeast-1 by the floci emulator's
/// StepFunctionsMapIterationFailureIntegrationTest; the corpus' map_state_break_condition
/// shows MapStateFailed chained to the failing state).
fn record_stop(engine: &Engine, run: &mut StateRun<'_>, stop: Stop) -> Failure {
    match stop {
        Stop::Child {
            index,
            failure,
            cursor,
            cut,
        } => {
            let name = &run.state.name;
            for (aborted, state) in cut {
                engine.history.record(
                    cursor,
                    EventType::MapIterationAborted,
                    Some((
                        "mapIterationAbortedEventDetails",
                        json!({ "index": aborted, "name": name }),
                    )),
                );
                if let Some(state_aborted) = state {
                    engine.history.record(cursor, state_aborted, None);
                }
            }
            engine.history.record(
                cursor,
                EventType::MapIterationFailed,
                Some((
                    "mapIterationFailedEventDetails",
                    json!({ "index": index, "name": name }),
                )),
            );
            run.previous = cursor;
            failure
        }
        Stop::Parent { failure, cursor } => {
            run.previous = cursor;
            failure
        }
    }
}

/// True when AWS would stall this execution before entering the Map: its
/// MaxConcurrencyPath selects a negative number from the input.
pub fn stalls(state: &crate::sfn::asl::State, input: &Value) -> bool {
    let crate::sfn::asl::StateKind::Map {
        max_concurrency: Dynamic::Path(path),
        ..
    } = &state.kind
    else {
        return false;
    };
    paths::select(input, path)
        .and_then(|value| value.as_i64())
        .is_some_and(|n| n < 0)
}

/// One item as the iteration sees it: reshaped by ItemSelector if there is one.
pub fn select_item(
    engine: &Engine,
    run: &StateRun<'_>,
    item_selector: Option<&Value>,
    input: &Value,
    index: usize,
    item: &Value,
) -> Result<Value, Failure> {
    let Some(template) = item_selector else {
        return Ok(item.clone());
    };
    let context = run.context(&engine.info, Some((index, item)));
    if run.jsonata() {
        let context = super::context::strip_variables(context);
        let scope = Scope {
            states: run.states_with_context(context, Extra::default()),
            vars: &run.vars,
        };
        return jsonata::template(template, "ItemSelector", &scope).map_err(|e| run.fail(e));
    }
    paths::apply_template(template, input, &context).map_err(|e| run.fail(e))
}

fn select_items(
    engine: &Engine,
    run: &StateRun<'_>,
    spec: &MapSpec<'_>,
    input: &Value,
) -> Result<Vec<Value>, Failure> {
    let items_path = match spec.items {
        MapItems::Jsonata(items) => return jsonata_items(engine, run, items.as_ref()),
        MapItems::Path(path) => path,
    };
    let context = run.context(&engine.info, None);
    let items = paths::apply_input_path(items_path, "ItemsPath", input, &context)
        .map_err(|e| run.fail(e))?;
    match items {
        Value::Array(items) => Ok(items),
        other => Err(run.fail(paths::PathError::runtime(format!(
            "Map state input must be an array but was: {}",
            paths::to_text(&other)
        )))),
    }
}

/// JSONata `Items` (an expression or a literal array), else the state input.
fn jsonata_items(
    engine: &Engine,
    run: &StateRun<'_>,
    items: Option<&Value>,
) -> Result<Vec<Value>, Failure> {
    let scope = Scope {
        states: run.states(engine, Extra::default()),
        vars: &run.vars,
    };
    let (value, expr) = match items {
        None => (run.input.clone(), None),
        Some(Value::String(text)) => match jsonata::expression(text) {
            Some(expr) => (
                jsonata::evaluate_defined(expr, "Items", &scope).map_err(|e| run.fail(e))?,
                Some(expr),
            ),
            None => (Value::String(text.clone()), None),
        },
        Some(literal) => (
            jsonata::template(literal, "Items", &scope).map_err(|e| run.fail(e))?,
            None,
        ),
    };
    match (value, expr) {
        (Value::Array(items), _) => Ok(items),
        (other, Some(expr)) => {
            Err(run.fail(jsonata::unexpected_type(expr, "Items", "array", &other)))
        }
        (other, None) => Err(run.fail(jsonata::query_error(format!(
            "Map state input must be an array but was: {}",
            paths::to_text(&other)
        )))),
    }
}

/// A child workflow's output (its failure's, when it failed) and its failure.
type ChildOutcome = (Value, Option<Failure>);

impl<'r> Iterations<'r> {
    /// Distributed: each item a child workflow whose events stay out of this execution's
    /// history (which records the map run instead); a failed child is an output and a count,
    /// judged against the tolerated failures once all have run.
    async fn distributed(&self) -> Result<fanout::Done<ChildOutcome>, Stop> {
        let name = &self.run.state.name;
        let mut budget = ArrayBudget::default();
        let start = |index: usize, cursor: u64| {
            self.selected(index)
                .map(|selected| self.child_workflow(selected, cursor))
        };
        let accept = |(output, _): &ChildOutcome| {
            if budget.admit(output) {
                Ok(())
            } else {
                Err(data_limit_exceeded(name))
            }
        };
        fanout::run(self.engine, self.plan(), start, accept).await
    }

    /// One child workflow, with a history (and its limit) of its own; the parent's cursor
    /// (MapRunStarted) stays where it is.
    fn child_workflow(&self, selected: Value, parent: u64) -> Child<'r, ChildOutcome> {
        let processor = self.spec.processor;
        let mut vars = self.run.vars.clone();
        let child = Engine {
            history: std::sync::Arc::new(History::new(self.engine.ctx.clone())),
            ..self.engine.clone()
        };
        Box::pin(async move {
            let mut cursor = 0;
            let result = child
                .run_machine(processor, selected, &mut cursor, &mut vars)
                .await;
            let outcome = match result {
                Ok(output) => (output, None),
                Err(failure) => (failure.to_output(), Some(failure)),
            };
            (Ok(outcome), parent)
        })
    }
}

/// A reader that could not read: as AWS records it, inside a map run of no items
/// (MapStateStarted, MapRunStarted, MapRunFailed with the error) when the data was bad;
/// before the map run when S3 could not be called.
fn reader_failed(engine: &Engine, run: &mut StateRun<'_>, failure: Failure) -> Failure {
    if failure.error != super::item_reader::READER_FAILED {
        return failure;
    }
    let started = ("mapStateStartedEventDetails", json!({ "length": 0 }));
    engine.record(&mut run.previous, EventType::MapStateStarted, Some(started));
    engine.record(&mut run.previous, EventType::MapRunStarted, None);
    let details = json!({ "error": failure.error, "cause": failure.cause });
    engine.record(
        &mut run.previous,
        EventType::MapRunFailed,
        Some(("mapRunFailedEventDetails", details)),
    );
    failure
}

/// The map run's end: MapRunFailed past the tolerated failures, else MapRunSucceeded and
/// MapStateSucceeded. A failed child counts the `sizes` of its batch (1 unbatched) in
/// failed items, as AWS counts them against the tolerated failures.
fn finish_distributed(
    engine: &Engine,
    run: &mut StateRun<'_>,
    children: Result<fanout::Done<ChildOutcome>, Stop>,
    sizes: &[usize],
    tolerated: usize,
) -> Result<Step, Failure> {
    let children = children.map_err(|stop| record_stop(engine, run, stop))?;
    let mut outputs = Vec::with_capacity(children.outputs.len());
    let (mut failures, mut last_failure) = (0usize, None);
    for (index, (output, failure)) in children.outputs.into_iter().enumerate() {
        if let Some(failure) = failure {
            failures += sizes.get(index).copied().unwrap_or(1);
            last_failure = Some(failure);
        }
        outputs.push(output);
    }
    if failures > tolerated {
        engine.record(&mut run.previous, EventType::MapRunFailed, None);
        let cause = last_failure.map(|f| f.cause).unwrap_or_default();
        return Err(Failure::of_state(
            &run.state.name,
            "States.ExceedToleratedFailureThreshold",
            format!("The specified tolerated failure threshold was exceeded. {cause}").trim_end(),
        ));
    }
    engine.record(&mut run.previous, EventType::MapRunSucceeded, None);
    engine
        .history
        .record(run.previous, EventType::MapStateSucceeded, None);
    let output = engine.state_output(run, Value::Array(outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

/// How many failed items the map run tolerates (ToleratedFailureCount/Percentage and paths).
fn tolerated_failures(
    engine: &Engine,
    run: &StateRun<'_>,
    distributed: &Distributed,
    input: &Value,
    total: usize,
) -> Result<usize, Failure> {
    let mut tolerated =
        if distributed.tolerated_count.is_some() || distributed.tolerated_percentage.is_some() {
            0
        } else {
            total
        };
    let count = tolerance(
        engine,
        run,
        input,
        distributed.tolerated_count.as_ref(),
        "ToleratedFailureCount",
        "integer",
    )?;
    if let Some(count) = count {
        let count = count.as_f64().unwrap_or(0.0);
        if count < 0.0 {
            return Err(runtime(run, "ToleratedFailureCount cannot be negative."));
        }
        tolerated = tolerated.max(count as usize);
    }
    let percentage = tolerance(
        engine,
        run,
        input,
        distributed.tolerated_percentage.as_ref(),
        "ToleratedFailurePercentage",
        "float",
    )?;
    if let Some(percentage) = percentage {
        let percentage = percentage.as_f64().unwrap_or(0.0);
        if !(0.0..=100.0).contains(&percentage) {
            return Err(runtime(
                run,
                "ToleratedFailurePercentage must be between 0 and 100.",
            ));
        }
        tolerated = tolerated.max((percentage / 100.0 * total as f64).floor() as usize);
    }
    Ok(tolerated)
}

/// A tolerated-failure field's value: the literal, the number its `…Path` selects, or what
/// its JSONata template yields.
fn tolerance(
    engine: &Engine,
    run: &StateRun<'_>,
    input: &Value,
    field: Option<&Dynamic<Value>>,
    name: &str,
    kind: &str,
) -> Result<Option<Value>, Failure> {
    match field {
        None => Ok(None),
        Some(Dynamic::Literal(value)) => Ok(Some(value.clone())),
        Some(Dynamic::Path(path)) => {
            read_number(engine, run, input, path, &format!("{name}Path"), kind).map(Some)
        }
        Some(Dynamic::Jsonata(text)) => run
            .jsonata_template(engine, &Value::String(text.clone()), name, Extra::default())
            .map(Some),
    }
}

fn runtime(run: &StateRun<'_>, message: &str) -> Failure {
    run.fail(paths::PathError::runtime(message))
}

/// Reads a numeric `…Path` field; AWS's error when it is not an `integer`/`float`.
pub(super) fn read_number(
    engine: &Engine,
    run: &StateRun<'_>,
    input: &Value,
    path: &str,
    field: &str,
    kind: &str,
) -> Result<Value, Failure> {
    let context = run.context(&engine.info, None);
    let value = paths::read(path, field, input, &context).map_err(|e| run.fail(e))?;
    let parsed = match (&value, kind) {
        (Value::Number(n), "integer") => n.as_i64().map(Value::from),
        (Value::Number(_), _) => Some(value.clone()),
        (Value::String(text), "integer") => text.trim().parse::<i64>().ok().map(Value::from),
        (Value::String(text), _) => text.trim().parse::<f64>().ok().map(Value::from),
        _ => None,
    };
    if let Some(number) = parsed {
        return Ok(number);
    }
    let shown = match &value {
        Value::String(text) => text.clone(),
        other => paths::to_text(other),
    };
    Err(run.fail(paths::PathError::runtime(format!(
        "The {field} field refers to value \"{shown}\" which is not a valid {kind}: {path}"
    ))))
}
