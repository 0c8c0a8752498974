//! Succeed: ends the machine (or branch/iteration) with its input, through the shared tail
//! ([`super::tail`]): InputPath and OutputPath, or JSONata `Output`. No `Assign`.

use super::tail::Produced;
use super::{Engine, Failure, StateRun, Step};

pub fn run(engine: &Engine, run: &StateRun<'_>) -> Result<Step, Failure> {
    let input = engine.passed_input(run)?;
    let produced = Produced {
        assign: None,
        ..Produced::passed(run, &input)
    };
    let output = engine.finish(run, produced)?;
    Ok(Step { output, next: None })
}
