//! What a TestState run changes in the engine, carried as a tokio task-local so executions
//! never pay for it: the mocked outcome of the state under test (consulted by the Task
//! integrations through `sfn::mock::response`), the context object given by the caller
//! (merged over the one the engine builds) and "no waiting" (a Wait state or a retry back-off
//! returns at once). Outside [`TestScope::run`] every accessor answers "not in a test".

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::sfn::engine::Failure;

/// The mocked outcome of the state under test.
#[derive(Debug, Clone)]
pub enum MockOutcome {
    Result(Value),
    Error(Failure),
}

/// One TestState run's overrides.
#[derive(Debug, Default)]
pub struct TestScope {
    pub mock: Option<MockOutcome>,
    /// The caller's `context` object, merged over the engine's.
    pub context: Option<Value>,
}

tokio::task_local! {
    static SCOPE: Arc<TestScope>;
}

impl TestScope {
    /// Runs `future` with these overrides in force.
    pub async fn run<F: Future>(self, future: F) -> F::Output {
        SCOPE.scope(Arc::new(self), future).await
    }
}

/// True inside a TestState run (waits and back-offs take no time).
pub fn active() -> bool {
    SCOPE.try_with(|_| ()).is_ok()
}

/// The mocked outcome of a Task's call, inside a TestState run with a mock.
pub fn mocked() -> Option<Result<Value, Failure>> {
    SCOPE
        .try_with(|scope| match &scope.mock {
            Some(MockOutcome::Result(value)) => Some(Ok(value.clone())),
            Some(MockOutcome::Error(failure)) => Some(Err(failure.clone())),
            None => None,
        })
        .ok()
        .flatten()
}

/// The context object the engine built, with the caller's `context` merged over it.
pub fn context_override(mut context: Value) -> Value {
    let given = SCOPE.try_with(|scope| scope.context.clone()).ok().flatten();
    if let Some(given) = given {
        merge(&mut context, given);
    }
    context
}

/// Deep merge: objects member by member, anything else replaced.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contexts_merge_member_by_member() {
        let mut base = json!({"Execution": {"Id": "a", "Name": "n"}, "State": {"Name": "S"}});
        merge(
            &mut base,
            json!({"Execution": {"Id": "b"}, "Map": {"Item": {"Index": 2}}}),
        );
        assert_eq!(
            base,
            json!({"Execution": {"Id": "b", "Name": "n"}, "State": {"Name": "S"}, "Map": {"Item": {"Index": 2}}})
        );
    }

    #[tokio::test]
    async fn outside_a_test_nothing_is_overridden() {
        assert!(!active());
        assert!(mocked().is_none());
        let scope = TestScope {
            mock: Some(MockOutcome::Result(json!(1))),
            context: None,
        };
        let inside = scope.run(async { (active(), mocked()) }).await;
        assert!(inside.0);
        assert_eq!(inside.1, Some(Ok(json!(1))));
    }
}
