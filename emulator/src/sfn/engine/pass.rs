//! Pass: the result is `Result`, else the effective input (after InputPath/Parameters); the
//! shared tail ([`super::tail`]) places it with ResultPath and filters it with OutputPath. A
//! JSONata Pass passes its input to `Output`.

use serde_json::Value;

use super::tail::Produced;
use super::{Engine, Failure, StateRun, Step};

pub fn run(engine: &Engine, run: &StateRun<'_>, result: Option<&Value>) -> Result<Step, Failure> {
    let output = if run.jsonata() {
        engine.finish(run, Produced::passed(run, &run.input))?
    } else {
        let effective = engine.effective_input(run)?;
        let result = result.cloned().unwrap_or_else(|| effective.clone());
        engine.finish(run, Produced::result(run, &effective, result))?
    };
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}
