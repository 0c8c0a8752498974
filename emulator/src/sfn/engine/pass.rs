//! Pass: the result is `Result`, else the effective input (after InputPath/Parameters),
//! placed with ResultPath and filtered with OutputPath.

use serde_json::Value;

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, Step};

pub fn run(engine: &Engine, run: &StateRun<'_>, result: Option<&Value>) -> Result<Step, Failure> {
    if run.jsonata() {
        let common = &run.state.common;
        let extra = Extra::default();
        run.assign(engine, common.assign.as_ref(), &run.input, extra)?;
        let output =
            run.jsonata_output(engine, common.output.as_ref(), run.input.clone(), extra)?;
        return Ok(Step {
            output,
            next: Engine::next_of(run),
        });
    }
    let effective = engine.effective_input(run)?;
    let result = result.cloned().unwrap_or(effective);
    let common = &run.state.common;
    run.assign(engine, common.assign.as_ref(), &result, Extra::default())?;
    let placed = super::paths::apply_result_path(&common.result_path, &run.input, result)
        .map_err(|e| run.fail(e))?;
    let output = super::paths::apply_output_path(
        &common.output_path,
        &placed,
        &run.context(&engine.info, None),
    )
    .map_err(|e| run.fail(e))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}
