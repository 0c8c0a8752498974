//! Catch: turning an error the retriers gave up on into a transition to the catcher's Next,
//! with `{"Error", "Cause"}` placed by the catcher's ResultPath (JSONPath) or its `Output`
//! (JSONata, `$states.errorOutput`), and the catcher's `Assign` applied.

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, Step, paths, retry};

pub fn recover(
    engine: &Engine,
    run: &StateRun<'_>,
    failure: Failure,
    is_task: bool,
) -> Result<Step, Failure> {
    let Some(catcher) = run
        .state
        .common
        .catch
        .iter()
        .find(|c| retry::matches(&c.error_equals, &failure, is_task))
    else {
        return Err(failure);
    };
    let error_output = failure.to_output();
    let extra = Extra {
        result: None,
        error_output: Some(&error_output),
    };
    run.assign(engine, catcher.assign.as_ref(), &error_output, extra)?;
    let output = if run.jsonata() {
        run.jsonata_output(engine, catcher.output.as_ref(), error_output.clone(), extra)?
    } else {
        paths::apply_result_path(&catcher.result_path, &run.input, error_output.clone())
            .map_err(|e| run.fail(e))?
    };
    Ok(Step {
        output,
        next: Some(catcher.next.clone()),
    })
}
