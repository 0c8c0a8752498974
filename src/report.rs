//! The human-readable summary of a run: one line per order (id, final status, total, path
//! through the state machine) and the wall time of each phase.

use serde_json::Value;

use crate::run::{self, RunResult, Timings};

/// One line per order of the scenario.
pub fn order_lines(result: &RunResult) -> Vec<String> {
    result
        .collected
        .orders
        .iter()
        .map(|outcome| {
            let id = &outcome.submission.order_id;
            let status = run::final_status(result, id).unwrap_or_else(|| {
                match outcome.submission.http_status {
                    Some(code) => format!("HTTP {code}"),
                    None => "NOT WRITTEN".to_owned(),
                }
            });
            let total = result
                .collected
                .order_item(&result.stack.orders_table, id)
                .and_then(|item| item.get("total"))
                .map(number_text)
                .unwrap_or_else(|| "-".to_owned());
            let path = outcome
                .executions
                .first()
                .map(|execution| execution.path.join(" → "))
                .unwrap_or_else(|| "(no execution)".to_owned());
            format!("  {id}  {status:<14} total {total:<8} {path}")
        })
        .collect()
}

fn number_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `start 12 ms · provision 340 ms · …`
pub fn timing_line(timings: &Timings) -> String {
    let phases: Vec<String> = timings
        .phases
        .iter()
        .map(|(phase, took)| format!("{phase} {} ms", took.as_millis()))
        .collect();
    format!("  {}", phases.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn lists_phases_in_order() {
        let timings = Timings {
            phases: vec![
                ("start", Duration::from_millis(3)),
                ("wait", Duration::from_millis(1200)),
            ],
        };
        assert_eq!(timing_line(&timings), "  start 3 ms · wait 1200 ms");
    }
}
