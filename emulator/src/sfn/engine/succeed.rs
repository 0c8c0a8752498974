//! Succeed: ends the machine (or branch/iteration) with its filtered input.

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, Step, paths};

pub fn run(engine: &Engine, run: &StateRun<'_>) -> Result<Step, Failure> {
    if run.jsonata() {
        let output = run.jsonata_output(
            engine,
            run.state.common.output.as_ref(),
            run.input.clone(),
            Extra::default(),
        )?;
        return Ok(Step { output, next: None });
    }
    let context = run.context(&engine.info, None);
    let common = &run.state.common;
    let selected = paths::apply_input_path(&common.input_path, "InputPath", &run.input, &context)
        .map_err(|e| run.fail(e))?;
    let output = paths::apply_output_path(
        &common.output_path,
        &selected,
        &run.context(&engine.info, None),
    )
    .map_err(|e| run.fail(e))?;
    Ok(Step { output, next: None })
}
