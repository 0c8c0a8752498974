//! `inspectionData` (DEBUG and TRACE): the state's data at each processing step. The run
//! itself is the engine's; these values are the same steps taken again with the engine's
//! own functions (`effective_input`, the `paths` functions), which are pure, and the raw
//! result read from the run's history (`TaskSucceeded`/`LambdaFunctionSucceeded`), or the
//! mock for Map and Parallel (a reader Map's items from `mapItemReaderData` shown as
//! `afterItemSelector`, and batched as `afterItemBatcher`). TRACE adds the HTTP request and response of HTTP Tasks, which
//! the emulator does not run (`arn:aws:states:::http:invoke` is refused), so it shows the
//! same as DEBUG.

use serde_json::{Map, Value, json};

use super::request::Request;
use super::run::{Outcome, tolerances};
use super::scope::MockOutcome;
use crate::sfn::asl::StateKind;
use crate::sfn::asl::model::{Dynamic, MapItems, PathField};
use crate::sfn::engine::paths::{self, to_text};
use crate::sfn::engine::{Engine, StateRun};

/// The collected values, each shown as JSON text.
#[derive(Default)]
pub struct Inspection {
    fields: Map<String, Value>,
}

impl Inspection {
    fn text(&mut self, key: &str, value: &Value) {
        self.fields.insert(key.to_owned(), json!(to_text(value)));
    }

    /// The answer's `inspectionData`, with `errorDetails` and the variables after the state.
    pub fn into_json(
        mut self,
        error_details: Map<String, Value>,
        variables: &Map<String, Value>,
    ) -> Value {
        if !error_details.is_empty() {
            self.fields
                .insert("errorDetails".into(), Value::Object(error_details));
        }
        if !variables.is_empty() {
            self.fields.insert(
                "variables".into(),
                json!(to_text(&Value::Object(variables.clone()))),
            );
        }
        Value::Object(self.fields)
    }
}

pub fn collect(
    engine: &Engine,
    run: &StateRun<'_>,
    request: &Request,
    outcome: &Outcome,
) -> Inspection {
    let mut inspection = Inspection::default();
    inspection.text("input", &run.input);
    let state = run.state;
    let processes_data = matches!(
        state.kind,
        StateKind::Pass { .. }
            | StateKind::Task { .. }
            | StateKind::Map { .. }
            | StateKind::Parallel { .. }
    );
    if !processes_data {
        return inspection;
    }
    let context = run.context(&engine.info, None);
    let common = &state.common;
    let effective = engine.effective_input(run).ok();
    if run.jsonata() {
        if common.arguments.is_some()
            && let Some(arguments) = &effective
        {
            inspection.text("afterArguments", arguments);
        }
    } else {
        let after_input_path =
            paths::apply_input_path(&common.input_path, "InputPath", &run.input, &context).ok();
        if let Some(value) = &after_input_path {
            inspection.text("afterInputPath", value);
        }
        if !matches!(state.kind, StateKind::Map { .. })
            && let Some(value) = &effective
        {
            inspection.text("afterParameters", value);
        }
    }
    if let StateKind::Map { .. } = &state.kind {
        map_fields(&mut inspection, engine, run, effective.as_ref(), &context);
        if let Some(Ok(Some(items))) = effective
            .as_ref()
            .map(|input| super::reader::items(engine, run, request, input))
        {
            inspection.text("afterItemSelector", &Value::Array(items.clone()));
            let input = effective.as_ref().unwrap_or(&Value::Null);
            if let Ok(Some(batches)) = super::reader::batches(engine, run, input, &items) {
                inspection.text("afterItemBatcher", &Value::Array(batches));
            }
        }
    }
    if !matches!(outcome, Outcome::Succeeded(_)) {
        return inspection;
    }
    let Some(result) = raw_result(engine, run, request, effective.as_ref()) else {
        return inspection;
    };
    inspection.text("result", &result);
    if run.jsonata() {
        return inspection;
    }
    let selected = match &common.result_selector {
        Some(template) => paths::apply_template(template, &result, &context).ok(),
        None => Some(result),
    };
    if let Some(selected) = selected {
        inspection.text("afterResultSelector", &selected);
        if let Ok(placed) = paths::apply_result_path(&common.result_path, &run.input, selected) {
            inspection.text("afterResultPath", &placed);
        }
    }
    inspection
}

/// The state's result before ResultSelector.
fn raw_result(
    engine: &Engine,
    run: &StateRun<'_>,
    request: &Request,
    effective: Option<&Value>,
) -> Option<Value> {
    match &run.state.kind {
        StateKind::Pass { result } => result.clone().or_else(|| effective.cloned()),
        StateKind::Task { .. } => task_result(engine),
        StateKind::Map { .. } | StateKind::Parallel { .. } => match &request.mock {
            Some(MockOutcome::Result(result)) => Some(result.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The output of the run's last TaskSucceeded/LambdaFunctionSucceeded event.
fn task_result(engine: &Engine) -> Option<Value> {
    let count = engine.history.count();
    engine
        .history
        .page(0..count, true)
        .into_iter()
        .find_map(|event| {
            let key = match event.get("type")?.as_str()? {
                "TaskSucceeded" => "taskSucceededEventDetails",
                "LambdaFunctionSucceeded" => "lambdaFunctionSucceededEventDetails",
                _ => return None,
            };
            let text = event.get(key)?.get("output")?.as_str()?;
            serde_json::from_str(text).ok()
        })
}

/// afterItemsPath, toleratedFailureCount/Percentage and maxConcurrency of a Map.
fn map_fields(
    inspection: &mut Inspection,
    engine: &Engine,
    run: &StateRun<'_>,
    input: Option<&Value>,
    context: &Value,
) {
    let StateKind::Map {
        items,
        distributed,
        max_concurrency,
        ..
    } = &run.state.kind
    else {
        return;
    };
    let reads = distributed.as_ref().is_some_and(|d| d.reader.is_some());
    if let (Some(input), MapItems::Path(items_path), false) = (input, items, reads) {
        let items = match items_path {
            PathField::Path(path) => paths::read(path, "ItemsPath", input, context).ok(),
            PathField::Default => Some(input.clone()),
            PathField::Null => None,
        };
        if let Some(items) = items {
            inspection.text("afterItemsPath", &items);
        }
    }
    if let (Some(tolerance), Some(input)) = (distributed.as_deref(), input)
        && let Ok((count, percentage)) = tolerances(engine, run, tolerance, input)
    {
        if let Some(count) = count {
            inspection
                .fields
                .insert("toleratedFailureCount".into(), json!(count as i64));
        }
        if let Some(percentage) = percentage {
            inspection
                .fields
                .insert("toleratedFailurePercentage".into(), json!(percentage));
        }
    }
    // A MaxConcurrencyPath is shown as 0, as before it is read.
    let shown_concurrency = match max_concurrency {
        Dynamic::Literal(n) => *n,
        Dynamic::Path(_) | Dynamic::Jsonata(_) => 0,
    };
    inspection
        .fields
        .insert("maxConcurrency".into(), json!(shown_concurrency));
}
