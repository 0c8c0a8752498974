//! Function-level faults: for a function, make invocation N (0-based, counted from when the
//! faults were set) or every one throw a named error, time out, or return a given payload —
//! the same response shapes and index keys as Step Functions Local's MockedResponses
//! ([`crate::sfn::mock::Indexed`]), under orderlab's `Functions` key of the document
//! `POST /_orderlab/faults` takes: `{"Functions": {"alex-payment": {"0-1": {"Throw": {"Error":
//! "PaymentGatewayUnavailable", "Cause": "…"}}}}}`.
//!
//! A throw answers like a function whose handler failed (`X-Amz-Function-Error: Unhandled`,
//! payload `{"errorType", "errorMessage"}`); a timeout like a function that ran past its
//! timeout (`Sandbox.Timedout`, "Task timed out after N seconds") without waiting for it; a
//! return is the payload. The function's process is not started for a faulted invocation.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::ids::Ids;

use crate::bus::Invocation;
use crate::sfn::mock::{Indexed, Mocked};

/// Faults by function name, with each function's invocation count.
#[derive(Default)]
pub struct FunctionFaults {
    by_function: Mutex<HashMap<String, Indexed>>,
    invocations: Mutex<HashMap<String, u32>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FunctionFaults {
    /// Replaces the faults with the `Functions` member of `config` (checked whole first).
    pub fn load(&self, config: &Value) -> Result<(), String> {
        let mut parsed = HashMap::new();
        let functions = config.get("Functions").and_then(Value::as_object);
        for (name, responses) in functions.into_iter().flatten() {
            let indexed = Indexed::parse(&format!("Functions.{name}"), responses)?;
            parsed.insert(name.clone(), indexed);
        }
        *lock(&self.by_function) = parsed;
        lock(&self.invocations).clear();
        Ok(())
    }

    pub fn clear(&self) {
        lock(&self.by_function).clear();
        lock(&self.invocations).clear();
    }

    /// The faulted result of this invocation of `function`, or None to run it.
    pub fn respond(&self, ids: &Ids, function: &str, timeout_seconds: u64) -> Option<Invocation> {
        let faults = lock(&self.by_function);
        let responses = faults.get(function)?;
        let mut invocations = lock(&self.invocations);
        let count = invocations.entry(function.to_owned()).or_default();
        let index = *count;
        *count += 1;
        responses
            .at(index)
            .map(|mocked| invocation(mocked, timeout_seconds, ids))
    }
}

fn invocation(mocked: &Mocked, timeout_seconds: u64, ids: &Ids) -> Invocation {
    let (payload, function_error) = match mocked {
        Mocked::Return(value) => (value.to_string(), None),
        Mocked::Throw { error, cause } => (
            json!({"errorType": error, "errorMessage": cause}).to_string(),
            Some("Unhandled"),
        ),
        Mocked::Timeout => (
            json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": format!(
                    "RequestId: {} Error: Task timed out after {timeout_seconds}.00 seconds",
                    ids.uuid()
                ),
            })
            .to_string(),
            Some("Unhandled"),
        ),
    };
    Invocation {
        status_code: 200,
        payload: Bytes::from(payload),
        function_error: function_error.map(str::to_owned),
        executed_version: "$LATEST".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throws_on_the_chosen_invocations_only() {
        let faults = FunctionFaults::default();
        faults
            .load(&json!({"Functions": {"f": {"1": {"Throw": {"Error": "Boom", "Cause": "c"}}}}}))
            .unwrap();
        assert!(faults.respond(&Ids::new(0), "f", 3).is_none());
        let thrown = faults.respond(&Ids::new(0), "f", 3).unwrap();
        assert_eq!(thrown.function_error.as_deref(), Some("Unhandled"));
        let payload: Value = serde_json::from_slice(&thrown.payload).unwrap();
        assert_eq!(payload, json!({"errorType": "Boom", "errorMessage": "c"}));
        assert!(faults.respond(&Ids::new(0), "f", 3).is_none());
        assert!(faults.respond(&Ids::new(0), "g", 3).is_none());
    }

    #[test]
    fn a_timeout_looks_like_lambdas() {
        let faults = FunctionFaults::default();
        faults
            .load(&json!({"Functions": {"f": {"*": {"Timeout": true}}}}))
            .unwrap();
        let timed_out = faults.respond(&Ids::new(0), "f", 3).unwrap();
        let payload: Value = serde_json::from_slice(&timed_out.payload).unwrap();
        assert_eq!(payload["errorType"], "Sandbox.Timedout");
        let message = payload["errorMessage"].as_str().unwrap();
        assert!(
            message.ends_with("Task timed out after 3.00 seconds"),
            "{message}"
        );
    }
}
