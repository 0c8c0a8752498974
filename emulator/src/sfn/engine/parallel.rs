//! Parallel: runs every branch on the effective input and outputs their results as an array,
//! in branch order. Branches run one after another; the first failure fails the state
//! (ParallelStateFailed is recorded once retries are exhausted, by the run loop).

use serde_json::Value;

use super::limits::{ArrayBudget, data_limit_exceeded};
use super::{Engine, Failure, StateRun, Step};
use crate::sfn::asl::Definition;
use crate::sfn::history::EventType;

pub async fn run(
    engine: &Engine,
    run: &mut StateRun<'_>,
    branches: &[Definition],
) -> Result<Step, Failure> {
    let input = engine.effective_input(run)?;
    engine.record(&mut run.previous, EventType::ParallelStateStarted, None);
    let mut outputs = Vec::with_capacity(branches.len());
    let mut budget = ArrayBudget::default();
    for branch in branches {
        let mut cursor = run.previous;
        let mut vars = run.vars.clone();
        let result = engine
            .run_machine(branch, input.clone(), &mut cursor, &mut vars)
            .await;
        run.previous = cursor;
        match result {
            Ok(output) if budget.admit(&output) => outputs.push(output),
            Ok(_) => return Err(data_limit_exceeded(&run.state.name)),
            Err(failure) => return Err(failure),
        }
    }
    engine.record(&mut run.previous, EventType::ParallelStateSucceeded, None);
    let output = engine.state_output(run, Value::Array(outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}
