//! Catch: turning an error the retriers gave up on into a transition to the catcher's Next,
//! with `{"Error", "Cause"}` placed by the catcher's ResultPath.

use super::{Failure, StateRun, Step, paths, retry};

pub fn recover(run: &StateRun<'_>, failure: Failure, is_task: bool) -> Result<Step, Failure> {
    let Some(catcher) = run
        .state
        .common
        .catch
        .iter()
        .find(|c| retry::matches(&c.error_equals, &failure, is_task))
    else {
        return Err(failure);
    };
    let output = paths::apply_result_path(&catcher.result_path, &run.input, failure.to_output())
        .map_err(|e| run.fail(e))?;
    Ok(Step {
        output,
        next: Some(catcher.next.clone()),
    })
}
