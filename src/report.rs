//! The human-readable summary of a run: one line per order (id, final status, total, path
//! through the state machine) — or, for a race, the count of each status —, one line per raw
//! request, and the wall time of each phase.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::run::{self, OrderOutcome, RunResult, Timings};
use crate::scenario::Scenario;

/// The lines printed for a run of `scenario`: its orders (counted for a race, one line each
/// otherwise), then its raw requests.
pub fn scenario_lines(scenario: &Scenario, result: &RunResult) -> Vec<String> {
    let mut lines = if scenario.race {
        vec![race_line(result)]
    } else {
        order_lines(result)
    };
    lines.extend(request_lines(result));
    lines
}

/// One line per order of the scenario.
pub fn order_lines(result: &RunResult) -> Vec<String> {
    result
        .collected
        .orders
        .iter()
        .map(|outcome| {
            let id = &outcome.submission.order_id;
            let status = status_of(result, outcome);
            let rejected = is_rejected_by_api(outcome);
            let total = result
                .collected
                .order_item(&result.stack.orders_table, id)
                .filter(|_| !rejected)
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

/// The API answered this submission with something other than 202 (a 409 for a duplicate
/// id, a 400): its own outcome is that answer, whatever the order's item says.
fn is_rejected_by_api(outcome: &OrderOutcome) -> bool {
    outcome
        .submission
        .http_status
        .is_some_and(|code| code != 202)
}

/// `HTTP 409` for a submission the API refused, else the order's final status (`HTTP 202`
/// or `NOT WRITTEN` when it has no item).
fn status_of(result: &RunResult, outcome: &OrderOutcome) -> String {
    let http = outcome.submission.http_status;
    if is_rejected_by_api(outcome) {
        return http.map_or_else(String::new, |code| format!("HTTP {code}"));
    }
    run::final_status(result, &outcome.submission.order_id).unwrap_or_else(|| match http {
        Some(code) => format!("HTTP {code}"),
        None => "NOT WRITTEN".to_owned(),
    })
}

/// `  50 orders: 10 COMPLETED, 40 REJECTED · 50 executions`
pub fn race_line(result: &RunResult) -> String {
    let orders = &result.collected.orders;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for outcome in orders {
        *counts.entry(status_of(result, outcome)).or_default() += 1;
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    format!(
        "  {} orders: {} · {} executions",
        orders.len(),
        counts.join(", "),
        result.collected.executions_started
    )
}

/// Answers longer than this are cut (with `…`) on a request's line.
const ANSWER_WIDTH: usize = 100;

/// `  request 1  HTTP 400  {"errors":[…]}`, one per raw request.
pub fn request_lines(result: &RunResult) -> Vec<String> {
    result
        .collected
        .raw_requests
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let answer = raw.response.to_string();
            let shown = match answer.char_indices().nth(ANSWER_WIDTH) {
                Some((cut, _)) => format!("{}…", answer.get(..cut).unwrap_or_default()),
                None => answer,
            };
            format!("  request {}  HTTP {}  {shown}", index + 1, raw.http_status)
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
    use crate::run::inject::RawResponse;
    use crate::run::{Collected, Submission};
    use crate::scenario::Via;
    use crate::stack::Stack;
    use serde_json::json;
    use std::time::Duration;

    fn submission(id: &str, status: u16) -> OrderOutcome {
        OrderOutcome {
            submission: Submission {
                order_id: id.into(),
                via: Via::Api,
                http_status: Some(status),
                http_body: None,
            },
            executions: Vec::new(),
        }
    }

    fn result(orders: Vec<OrderOutcome>, items: Vec<Value>) -> RunResult {
        RunResult {
            stack: Stack {
                orders_table: "orders".into(),
                inventory_table: "inventory".into(),
                state_machine_arn: "arn:aws:states:us-east-1:0:stateMachine:sm".into(),
                orders_url: String::new(),
                sender_email: String::new(),
            },
            collected: Collected {
                orders,
                tables: [("orders".to_owned(), items)].into_iter().collect(),
                emails: Vec::new(),
                tables_before: Default::default(),
                raw_requests: vec![RawResponse {
                    body: "{".into(),
                    http_status: 400,
                    response: json!({"errors": ["x".repeat(200)]}),
                }],
                executions_started: 1,
            },
            timings: Timings::default(),
        }
    }

    fn scenario(race: bool) -> Scenario {
        let text = format!("description: d\nseed: 1\nrace: {race}\n");
        crate::scenario::parse(std::path::Path::new("t.yaml"), "t", &text).unwrap()
    }

    #[test]
    fn a_refused_resubmission_shows_its_http_status_and_each_request_gets_a_line() {
        let item = json!({"order_id": "twice", "status": "COMPLETED", "total": 55});
        let run = result(
            vec![submission("twice", 202), submission("twice", 409)],
            vec![item],
        );
        let lines = scenario_lines(&scenario(false), &run);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines[0].starts_with("  twice  COMPLETED      total 55"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("  twice  HTTP 409       total -"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("(no execution)"), "{}", lines[1]);
        assert!(
            lines[2].starts_with("  request 1  HTTP 400  {\"errors\""),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].ends_with('…') && lines[2].chars().count() < 140,
            "{}",
            lines[2]
        );
    }

    #[test]
    fn a_race_prints_counts_not_one_line_per_order() {
        let items = vec![
            json!({"order_id": "a", "status": "COMPLETED"}),
            json!({"order_id": "b", "status": "REJECTED"}),
            json!({"order_id": "c", "status": "REJECTED"}),
        ];
        let orders = ["a", "b", "c"].map(|id| submission(id, 202)).to_vec();
        let lines = scenario_lines(&scenario(true), &result(orders, items));
        assert_eq!(
            lines[0],
            "  3 orders: 1 COMPLETED, 2 REJECTED · 1 executions"
        );
        assert_eq!(lines.len(), 2, "{lines:#?}");
    }

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
