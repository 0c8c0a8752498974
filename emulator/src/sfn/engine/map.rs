//! Map (inline, and distributed without a reader, run the same way): runs the
//! ItemProcessor/Iterator once per item of ItemsPath/Items (each item optionally reshaped by
//! ItemSelector, which sees `$$.Map.Item`), collecting the outputs in order. Iterations run
//! one after another, each with its own copy of the variables in scope.

use serde_json::{Value, json};

use super::dataflow::Extra;
use super::jsonata::{self, Scope};
use super::limits::{ArrayBudget, data_limit_exceeded};
use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::Definition;
use crate::sfn::asl::model::{Distributed, Dynamic, MapItems};
use crate::sfn::history::{EventType, History};

/// The Map fields the iterations depend on.
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
    if let Dynamic::Path(path) = spec.max_concurrency {
        read_number(engine, run, &input, path, "MaxConcurrencyPath", "integer")?;
    }
    let items = select_items(engine, run, &spec, &input)?;
    let name = run.state.name.clone();
    engine.record(
        &mut run.previous,
        EventType::MapStateStarted,
        Some((
            "mapStateStartedEventDetails",
            json!({ "length": items.len() }),
        )),
    );
    if let Some(distributed) = spec.distributed {
        return run_distributed(engine, run, &spec, distributed, &input, &items).await;
    }
    let mut outputs = Vec::with_capacity(items.len());
    let mut budget = ArrayBudget::default();
    for (index, item) in items.iter().enumerate() {
        engine.checkpoint().await?;
        let details = json!({ "index": index, "name": name });
        let mut cursor = run.previous;
        engine.record(
            &mut cursor,
            EventType::MapIterationStarted,
            Some(("mapIterationStartedEventDetails", details.clone())),
        );
        let selected = select_item(engine, run, spec.item_selector, &input, index, item)?;
        let mut vars = run.vars.clone();
        let result = engine
            .run_machine(spec.processor, selected, &mut cursor, &mut vars)
            .await;
        // AWS points the next iteration and the Map's end events at the last inner event.
        run.previous = cursor;
        match result {
            Ok(output) => {
                engine.history.record(
                    cursor,
                    EventType::MapIterationSucceeded,
                    Some(("mapIterationSucceededEventDetails", details)),
                );
                if !budget.admit(&output) {
                    return Err(data_limit_exceeded(&name));
                }
                outputs.push(output);
            }
            Err(failure) => {
                engine.record(
                    &mut run.previous,
                    EventType::MapIterationFailed,
                    Some(("mapIterationFailedEventDetails", details)),
                );
                return Err(failure);
            }
        }
    }
    engine
        .history
        .record(run.previous, EventType::MapStateSucceeded, None);
    let output = engine.state_output(run, Value::Array(outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
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
fn select_item(
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

/// A distributed Map: each item runs as a child workflow whose events stay out of this
/// execution's history, which records the map run instead.
async fn run_distributed(
    engine: &Engine,
    run: &mut StateRun<'_>,
    spec: &MapSpec<'_>,
    distributed: &Distributed,
    input: &Value,
    items: &[Value],
) -> Result<Step, Failure> {
    let tolerated = tolerated_failures(engine, run, distributed, input, items.len())?;
    engine.record(&mut run.previous, EventType::MapRunStarted, None);
    let mut outputs = Vec::with_capacity(items.len());
    let mut budget = ArrayBudget::default();
    let mut failures = 0usize;
    let mut last_failure = None;
    for (index, item) in items.iter().enumerate() {
        engine.checkpoint().await?;
        let selected = select_item(engine, run, spec.item_selector, input, index, item)?;
        let mut vars = run.vars.clone();
        let mut cursor = 0;
        // Each item is a child workflow execution with a history (and its limit) of its own.
        let child = Engine {
            history: std::sync::Arc::new(History::new(engine.ctx.clone())),
            ..engine.clone()
        };
        let output = match child
            .run_machine(spec.processor, selected, &mut cursor, &mut vars)
            .await
        {
            Ok(output) => output,
            Err(failure) => {
                failures += 1;
                let output = failure.to_output();
                last_failure = Some(failure);
                output
            }
        };
        if !budget.admit(&output) {
            return Err(data_limit_exceeded(&run.state.name));
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
fn read_number(
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
