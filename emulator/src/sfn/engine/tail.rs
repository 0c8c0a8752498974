//! The one input→output tail every state type shares (as LocalStack's interpreter runs one
//! evaluation body for every state): a state type only says what it produced — its result, or
//! nothing (its input passes through) — and [`Engine::finish`] applies the rest.
//!
//! JSONPath: ResultSelector (Task, Map, Parallel), `Assign`, ResultPath, OutputPath; a state
//! without a result (Choice, Wait, Succeed) runs `Assign` and OutputPath on its InputPath-selected
//! input. JSONata: `Assign`, then `Output` (default: the result, else the input), with
//! `$states.result` bound when there is a result.

use serde_json::Value;

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, paths};
use crate::sfn::asl::StateKind;

/// What a state's type produced, for [`Engine::finish`].
pub struct Produced<'v> {
    /// What the state's fields saw: its InputPath-selected input (JSONPath) or its raw input
    /// (JSONata). The output when there is no result.
    pub input: &'v Value,
    /// The state's result (Pass, Task, Map, Parallel), placed by ResultPath; `None` passes
    /// `input` through (Choice, Wait, Succeed).
    pub result: Option<Value>,
    /// The `Assign` to run: the state's, a Choice rule's, or none (Succeed).
    pub assign: Option<&'v Value>,
    /// The JSONata `Output`: the state's or a Choice rule's.
    pub output: Option<&'v Value>,
}

impl<'v> Produced<'v> {
    /// A state's result, with the state's own `Assign` and `Output`.
    pub fn result(run: &'v StateRun<'_>, input: &'v Value, result: Value) -> Produced<'v> {
        Produced {
            input,
            result: Some(result),
            ..Produced::passed(run, input)
        }
    }

    /// The input passed through, with the state's own `Assign` and `Output`.
    pub fn passed(run: &'v StateRun<'_>, input: &'v Value) -> Produced<'v> {
        Produced {
            input,
            result: None,
            assign: run.state.common.assign.as_ref(),
            output: run.state.common.output.as_ref(),
        }
    }
}

/// Whether the state type has a ResultSelector (AWS: Task, Map, Parallel).
fn selects_result(kind: &StateKind) -> bool {
    matches!(
        kind,
        StateKind::Task { .. } | StateKind::Map { .. } | StateKind::Parallel { .. }
    )
}

impl Engine {
    /// The input of a state that passes it through (Choice, Wait, Succeed): InputPath's
    /// selection (JSONPath) or the raw input (JSONata).
    pub fn passed_input(&self, run: &StateRun<'_>) -> Result<Value, Failure> {
        if run.jsonata() {
            return Ok(run.input.clone());
        }
        let context = run.context(&self.info, None);
        paths::apply_input_path(
            &run.state.common.input_path,
            "InputPath",
            &run.input,
            &context,
        )
        .map_err(|e| run.fail(e))
    }

    /// The state's output from what it produced (see the module doc).
    pub fn finish(&self, run: &StateRun<'_>, produced: Produced<'_>) -> Result<Value, Failure> {
        if run.jsonata() {
            return self.finish_jsonata(run, produced);
        }
        let context = run.context(&self.info, None);
        let placed = match produced.result {
            Some(result) => {
                let common = &run.state.common;
                let selected = match (&common.result_selector, selects_result(&run.state.kind)) {
                    (Some(template), true) => paths::apply_template(template, &result, &context)
                        .map_err(|e| run.fail(e))?,
                    _ => result,
                };
                run.assign(self, produced.assign, &selected, Extra::default())?;
                paths::apply_result_path(&common.result_path, &run.input, selected)
                    .map_err(|e| run.fail(e))?
            }
            None => {
                run.assign(self, produced.assign, produced.input, Extra::default())?;
                produced.input.clone()
            }
        };
        paths::apply_output_path(&run.state.common.output_path, &placed, &context)
            .map_err(|e| run.fail(e))
    }

    fn finish_jsonata(&self, run: &StateRun<'_>, produced: Produced<'_>) -> Result<Value, Failure> {
        let extra = Extra {
            result: produced.result.as_ref(),
            error_output: None,
        };
        let jsonpath_input = produced.result.as_ref().unwrap_or(produced.input);
        run.assign(self, produced.assign, jsonpath_input, extra)?;
        let default = produced
            .result
            .clone()
            .unwrap_or_else(|| produced.input.clone());
        run.jsonata_output(self, produced.output, default, extra)
    }
}
