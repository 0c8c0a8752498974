//! Fail: ends the machine with an error and cause, fixed (`Error`/`Cause`) or read from the
//! state input (`ErrorPath`/`CausePath`, paths or intrinsic calls).

use serde_json::Value;

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, paths};

pub fn failure(
    engine: &Engine,
    run: &StateRun<'_>,
    error: Option<&str>,
    cause: Option<&str>,
    error_path: Option<&str>,
    cause_path: Option<&str>,
) -> Failure {
    if run.jsonata() {
        return jsonata_failure(engine, run, error, cause);
    }
    let context = run.context(&engine.info, None);
    let read = |path: &str, field: &str| -> Result<String, Failure> {
        let value = paths::evaluate_expression(path, field, &run.input, &context)
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
        (Ok(error), Ok(cause)) => Failure::of_state(&run.state.name, error, cause),
        (Err(failure), _) | (_, Err(failure)) => failure,
    }
}

/// JSONata Fail: `Error` and `Cause` may be expressions yielding strings.
fn jsonata_failure(
    engine: &Engine,
    run: &StateRun<'_>,
    error: Option<&str>,
    cause: Option<&str>,
) -> Failure {
    let field = |text: Option<&str>, name: &str| -> Result<String, Failure> {
        let Some(text) = text else {
            return Ok(String::new());
        };
        let value = run.jsonata_template(
            engine,
            &Value::String(text.to_owned()),
            name,
            Extra::default(),
        )?;
        Ok(match value {
            Value::String(s) => s,
            other => paths::to_text(&other),
        })
    };
    match (field(error, "Error"), field(cause, "Cause")) {
        (Ok(error), Ok(cause)) => Failure::of_state(&run.state.name, error, cause),
        (Err(failure), _) | (_, Err(failure)) => failure,
    }
}
