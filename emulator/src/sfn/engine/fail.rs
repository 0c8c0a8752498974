//! Fail: ends the machine with an error and cause, fixed (`Error`/`Cause`) or read from the
//! state input (`ErrorPath`/`CausePath`, paths or intrinsic calls).

use serde_json::Value;

use super::{Failure, StateRun, paths};

pub fn failure(
    run: &StateRun<'_>,
    error: Option<&str>,
    cause: Option<&str>,
    error_path: Option<&str>,
    cause_path: Option<&str>,
) -> Failure {
    let read = |path: &str, field: &str| -> Result<String, Failure> {
        let value = paths::evaluate_expression(path, field, &run.input, &Value::Null)
            .map_err(|e| run.fail(e))?;
        Ok(match value {
            Value::String(s) => s,
            other => paths::to_text(&other),
        })
    };
    let error = match error_path {
        Some(path) => read(path, "ErrorPath"),
        None => Ok(error.unwrap_or_default().to_owned()),
    };
    let cause = match cause_path {
        Some(path) => read(path, "CausePath"),
        None => Ok(cause.unwrap_or_default().to_owned()),
    };
    match (error, cause) {
        (Ok(error), Ok(cause)) => Failure::new(error, cause),
        (Err(failure), _) | (_, Err(failure)) => failure,
    }
}
