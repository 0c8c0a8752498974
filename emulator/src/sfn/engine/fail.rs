//! Fail: ends the machine with an error and cause, fixed (`Error`/`Cause`), read from the
//! state input (`ErrorPath`/`CausePath`, paths or intrinsic calls) or, in a JSONata state,
//! evaluated (`Error`/`Cause` templates yielding strings).

use serde_json::Value;

use super::dataflow::Extra;
use super::{Engine, Failure, StateRun, paths};
use crate::sfn::asl::model::Dynamic;

pub fn failure(
    engine: &Engine,
    run: &StateRun<'_>,
    error: Option<&Dynamic<String>>,
    cause: Option<&Dynamic<String>>,
) -> Failure {
    match (
        field(engine, run, error, "Error"),
        field(engine, run, cause, "Cause"),
    ) {
        (Ok(error), Ok(cause)) => Failure::of_state(&run.state.name, error, cause),
        (Err(failure), _) | (_, Err(failure)) => failure,
    }
}

/// One of the two fields as text (empty when absent); a non-string value is its JSON text.
fn field(
    engine: &Engine,
    run: &StateRun<'_>,
    value: Option<&Dynamic<String>>,
    name: &str,
) -> Result<String, Failure> {
    let value = match value {
        None => return Ok(String::new()),
        Some(Dynamic::Literal(text)) => return Ok(text.clone()),
        Some(Dynamic::Path(path)) => {
            let context = run.context(&engine.info, None);
            paths::evaluate_expression(path, &format!("{name}Path"), &run.input, &context)
                .map_err(|e| run.fail(e))?
        }
        Some(Dynamic::Jsonata(text)) => {
            run.jsonata_template(engine, &Value::String(text.clone()), name, Extra::default())?
        }
    };
    Ok(match value {
        Value::String(s) => s,
        other => paths::to_text(&other),
    })
}
