//! Parallel: runs every branch on the effective input, concurrently (`fanout.rs`: on the
//! virtual clock each branch is an activity of the seeded scheduler), and outputs their
//! results as an array, in branch order. The first failure fails the state and stops the
//! other branches (ParallelStateFailed is recorded once retries are exhausted, by the run
//! loop).

use serde_json::{Map, Value};

use super::fanout::{self, Child, Plan, Stop};
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
    let mut budget = ArrayBudget::default();
    let name = run.state.name.clone();
    let vars = &run.vars;
    let plan = Plan {
        count: branches.len(),
        limit: branches.len(),
        cursor: run.previous,
        cut: true,
        checkpoint_each: false,
    };
    let start = |index: usize, cursor: u64| match branches.get(index) {
        Some(branch) => Ok(run_branch(
            engine,
            branch,
            input.clone(),
            vars.clone(),
            cursor,
        )),
        None => Err(Failure::of_execution(
            "States.Runtime",
            "a Parallel branch went missing",
        )),
    };
    let accept = |output: &Value| {
        if budget.admit(output) {
            Ok(())
        } else {
            Err(data_limit_exceeded(&name))
        }
    };
    let done = match fanout::run(engine, plan, start, accept).await {
        Ok(done) => done,
        Err(Stop::Child {
            failure, cursor, ..
        })
        | Err(Stop::Parent { failure, cursor }) => {
            run.previous = cursor;
            return Err(failure);
        }
    };
    run.previous = done.cursor;
    engine.record(&mut run.previous, EventType::ParallelStateSucceeded, None);
    let output = engine.state_output(run, Value::Array(done.outputs))?;
    Ok(Step {
        output,
        next: Engine::next_of(run),
    })
}

/// One branch from `cursor` (ParallelStateStarted, or the last event of the branch that
/// finished before it started), with its own copy of the variables in scope.
fn run_branch<'a>(
    engine: &'a Engine,
    branch: &'a Definition,
    input: Value,
    mut vars: Map<String, Value>,
    cursor: u64,
) -> Child<'a, Value> {
    Box::pin(async move {
        let mut cursor = cursor;
        let result = engine
            .run_machine(branch, input, &mut cursor, &mut vars)
            .await;
        (result, cursor)
    })
}
