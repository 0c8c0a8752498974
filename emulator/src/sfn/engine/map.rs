//! Map (inline): runs the ItemProcessor/Iterator once per item of ItemsPath (each item
//! optionally reshaped by ItemSelector, which sees `$$.Map.Item`), collecting the outputs in
//! order. Iterations run one after another.

use serde_json::{Value, json};

use super::{Engine, Failure, StateRun, Step, paths};
use crate::sfn::asl::Definition;
use crate::sfn::asl::model::PathField;

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    items_path: &PathField,
    item_selector: Option<&Value>,
    processor: &Definition,
) -> Result<Step, Failure> {
    let input = engine.effective_input(run)?;
    let items = select_items(engine, run, items_path, &input)?;
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
        let selected = match item_selector {
            Some(template) => {
                let context = run.context(&engine.info, Some((index, item)));
                paths::apply_template(template, &input, &context).map_err(|e| run.fail(e))?
            }
            None => item.clone(),
        };
        let result = engine.run_machine(processor, selected, &mut cursor).await;
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

fn select_items(
    engine: &Engine,
    run: &StateRun<'_>,
    items_path: &PathField,
    input: &Value,
) -> Result<Vec<Value>, Failure> {
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
