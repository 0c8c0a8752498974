//! Map (inline, and distributed without a reader, run the same way): runs the
//! ItemProcessor/Iterator once per item of ItemsPath/Items (each item optionally reshaped by
//! ItemSelector, which sees `$$.Map.Item`), collecting the outputs in order. Iterations run
//! one after another, each with its own copy of the variables in scope.

use serde_json::{Value, json};

use super::dataflow::Extra;
use super::jsonata::{self, Scope};
use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::Definition;
use crate::sfn::asl::model::PathField;

/// The Map fields the iterations depend on.
pub struct MapSpec<'a> {
    pub items_path: &'a PathField,
    pub items: Option<&'a Value>,
    pub item_selector: Option<&'a Value>,
    pub processor: &'a Definition,
}

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    spec: MapSpec<'_>,
) -> Result<Step, Failure> {
    let input = engine.effective_input(run)?;
    let items = select_items(engine, run, &spec, &input)?;
    let name = run.state.name.clone();
    engine.record(
        &mut run.previous,
        "MapStateStarted",
        Some((
            "mapStateStartedEventDetails",
            json!({ "length": items.len() }),
        )),
    );
    let mut outputs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let details = json!({ "index": index, "name": name });
        let mut cursor = run.previous;
        engine.record(
            &mut cursor,
            "MapIterationStarted",
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
                    "MapIterationSucceeded",
                    Some(("mapIterationSucceededEventDetails", details)),
                );
                outputs.push(output);
            }
            Err(failure) => {
                engine.record(
                    &mut run.previous,
                    "MapIterationFailed",
                    Some(("mapIterationFailedEventDetails", details)),
                );
                return Err(failure);
            }
        }
    }
    engine
        .history
        .record(run.previous, "MapStateSucceeded", None);
    let output = engine.state_output(run, Value::Array(outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
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
    if run.jsonata() {
        return jsonata_items(engine, run, spec.items);
    }
    let context = run.context(&engine.info, None);
    let items = paths::apply_input_path(spec.items_path, "ItemsPath", input, &context)
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
