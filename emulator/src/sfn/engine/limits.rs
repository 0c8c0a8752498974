//! The bounds an execution runs within: AWS's 256 KiB payload quota ("Maximum input or
//! output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string",
//! failing with `States.DataLimitExceeded`), the longest an execution may run (one year,
//! failing with `States.Timeout`), and how deeply a value may nest before the emulator, which
//! serializes and drops values recursively, refuses it.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use super::{Failure, StateRun};

/// AWS's payload quota in bytes (botocore's `SensitiveData` shape: max 262144).
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// "Maximum execution time: 1 year" (Step Functions service quotas); an execution still
/// running then fails with `States.Timeout`. Also bounds any single wait or back-off.
pub const MAX_EXECUTION_TIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How deeply a state's input or output may nest. Not an AWS figure (AWS documents none;
/// Jackson, its JSON library, refuses documents nested deeper than 1000 by default): it keeps
/// serialization and drops, which recurse, well inside a thread's stack.
pub const MAX_NESTING: usize = 1000;

/// True when `value`'s compact JSON text is longer than [`MAX_PAYLOAD_BYTES`]; stops
/// serializing as soon as it is. `value` must be no deeper than [`MAX_NESTING`].
pub fn too_large(value: &Value) -> bool {
    text_len(value, MAX_PAYLOAD_BYTES).is_none()
}

/// The length of `value`'s compact JSON text, or `None` once it passes `limit` bytes
/// (serialization stops there).
pub fn text_len(value: &Value, limit: usize) -> Option<usize> {
    let mut counter = Counter { written: 0, limit };
    serde_json::to_writer(&mut counter, value).ok()?;
    Some(counter.written)
}

/// Adds up the JSON text of an array's items as they are produced, so a Map whose results
/// outgrow the payload quota fails without building (or serializing) the whole array.
#[derive(Default)]
pub struct ArrayBudget {
    /// `[`, `]` and the commas so far.
    used: usize,
}

impl ArrayBudget {
    /// Counts `item`; false once the array's text exceeds [`MAX_PAYLOAD_BYTES`].
    pub fn admit(&mut self, item: &Value) -> bool {
        let overhead = if self.used == 0 { 2 } else { 1 };
        let left = MAX_PAYLOAD_BYTES.saturating_sub(self.used.saturating_add(overhead));
        match text_len(item, left) {
            Some(len) => {
                self.used = self.used.saturating_add(overhead).saturating_add(len);
                true
            }
            None => false,
        }
    }
}

/// Counts bytes and fails once past its limit, so a huge value is never fully serialized.
struct Counter {
    written: usize,
    limit: usize,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written = self.written.saturating_add(buf.len());
        if self.written > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// True when `value` nests deeper than [`MAX_NESTING`] arrays/objects (iterative).
pub fn too_deep(value: &Value) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(object) => Box::new(object.values()),
            _ => continue,
        };
        if depth > MAX_NESTING {
            return true;
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

/// AWS's `States.DataLimitExceeded`: `what` is the state name, or the resource for a Task's
/// result (`lambda` for `lambda:invoke`, the function ARN for a Lambda resource).
pub fn data_limit_exceeded(what: &str) -> Failure {
    Failure::of_state(
        what,
        "States.DataLimitExceeded",
        format!(
            "The state/task '{what}' returned a result with a size exceeding the maximum number of bytes service limit."
        ),
    )
}

/// What a state whose input or output nests too deeply fails with (emulator wording).
pub fn nested_too_deeply(run: &StateRun<'_>) -> Failure {
    run.fail(super::paths::PathError::runtime(format!(
        "The value nests deeper than {MAX_NESTING} levels."
    )))
}

/// Checks a state's result: too deep, then too large (by serialized size).
pub fn check_payload(value: &Value, run: &StateRun<'_>) -> Result<(), Failure> {
    if too_deep(value) {
        return Err(nested_too_deeply(run));
    }
    if too_large(value) {
        return Err(data_limit_exceeded(&run.state.name));
    }
    Ok(())
}

/// A duration of `seconds` (any f64), capped at [`MAX_EXECUTION_TIME`]: no wait or back-off
/// needs to be longer, since the execution ends by then.
pub fn capped_duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.0))
        .unwrap_or(MAX_EXECUTION_TIME)
        .min(MAX_EXECUTION_TIME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn size_is_measured_without_serializing_everything() {
        assert!(!too_large(&json!({"a": "x"})));
        let big = Value::String("x".repeat(MAX_PAYLOAD_BYTES));
        assert!(too_large(&big), "quotes push it over");
        assert!(!too_large(&Value::String(
            "x".repeat(MAX_PAYLOAD_BYTES - 2)
        )));
    }

    #[test]
    fn an_array_budget_counts_brackets_and_commas() {
        let mut budget = ArrayBudget::default();
        let item = Value::String("x".repeat(MAX_PAYLOAD_BYTES / 2 - 3));
        assert!(budget.admit(&item), "[\"…\"] fits");
        assert!(!budget.admit(&item), "a second one does not");
        let mut exact = ArrayBudget::default();
        assert!(exact.admit(&Value::String("x".repeat(MAX_PAYLOAD_BYTES - 4))));
        assert!(!exact.admit(&json!(1)));
    }

    #[test]
    fn depth_is_counted_iteratively() {
        let mut value = json!(1);
        for _ in 0..MAX_NESTING {
            value = json!([value]);
        }
        assert!(!too_deep(&value));
        let deeper = json!({ "a": value });
        assert!(too_deep(&deeper));
    }

    #[test]
    fn durations_never_overflow() {
        assert_eq!(capped_duration(f64::INFINITY), MAX_EXECUTION_TIME);
        assert_eq!(capped_duration(f64::NAN), Duration::ZERO);
        assert_eq!(capped_duration(-5.0), Duration::ZERO);
        assert_eq!(capped_duration(1e300), MAX_EXECUTION_TIME);
        assert_eq!(capped_duration(1.5), Duration::from_millis(1500));
    }
}
