//! The snapshot document, the expectations and the per-order report, from a fabricated run —
//! everything after `collect` without a backend.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use crate::run::{
    self, Collected, Email, ExecutionRecord, OrderOutcome, RunResult, Submission, Timings,
};
use crate::scenario::{self, Via};
use crate::stack::Stack;

const SCENARIO: &str = "description: demo\nseed: 1\ninventory:\n  - {item_id: kb, name: Keyboard, price: \"120.50\", stock: 9}\norders:\n  - order_id: o-1\n    customer: {name: Ada, email: ada@example.com}\n    items: [{item_id: kb, quantity: 2}]\n    payment_token: tok_approve\nexpect:\n  statuses: {COMPLETED: 1}\n";

fn fabricated_run() -> RunResult {
    let number = |text: &str| serde_json::Value::Number(text.parse().unwrap());
    let mut tables = BTreeMap::new();
    tables.insert(
        "alex-orders".to_owned(),
        vec![json!({"created_at": "2025-05-05T10:00:00Z", "order_id": "o-1", "status": "COMPLETED", "total": number("261")})],
    );
    tables.insert(
        "alex-inventory".to_owned(),
        vec![json!({"item_id": "kb", "price": number("120.5"), "stock": number("7")})],
    );
    RunResult {
        stack: Stack {
            orders_table: "alex-orders".into(),
            inventory_table: "alex-inventory".into(),
            state_machine_arn: "arn:sm".into(),
            orders_url: "http://x/orders".into(),
            sender_email: "orders@alex.example".into(),
        },
        collected: Collected {
            orders: vec![OrderOutcome {
                submission: Submission {
                    order_id: "o-1".into(),
                    via: Via::Api,
                    http_status: Some(202),
                    http_body: Some(json!({"order_id": "o-1", "status": "PENDING"})),
                },
                executions: vec![ExecutionRecord {
                    status: "SUCCEEDED".into(),
                    path: vec![
                        "VerifyStock".into(),
                        "StockAvailable?".into(),
                        "CompleteOrder".into(),
                    ],
                    output: Some(
                        json!({"statusCode": 200, "body": "Order o-1 completed, request 4f9c1e2a-0b6d-4c1e-9a55-1234567890ab"}),
                    ),
                    error: None,
                    cause: None,
                    failed_attempts: vec!["VerifyStock: Lambda.ServiceException".into()],
                    history_span_seconds: 1.5,
                    history: Vec::new(),
                    moments: Vec::new(),
                }],
            }],
            tables,
            emails: vec![Email {
                to: "ada@example.com".into(),
                subject: "Your order o-1".into(),
                body: "Hello Ada,\nTotal: 261\n".into(),
            }],
            tables_before: Default::default(),
            raw_requests: Vec::new(),
            executions_started: 1,
        },
        timings: Timings::default(),
    }
}

#[test]
fn renders_a_normalised_stable_document() {
    let scenario = scenario::parse(Path::new("t.yaml"), "demo", SCENARIO).unwrap();
    let rendered = super::render(&scenario, &fabricated_run());
    let expected = "\
scenario: demo
orders:
  - order_id: o-1
    via: api
    http_status: 202
    response:
      order_id: o-1
      status: PENDING
    execution:
      status: SUCCEEDED
      path:
        - VerifyStock
        - StockAvailable?
        - CompleteOrder
      output:
        statusCode: 200
        body: \"Order o-1 completed, request [uuid]\"
      failed_attempts:
        - \"VerifyStock: Lambda.ServiceException\"
executions_started: 1
tables:
  alex-inventory:
    - item_id: kb
      price: 120.5
      stock: 7
  alex-orders:
    - created_at: \"[timestamp]\"
      order_id: o-1
      status: COMPLETED
      total: 261
emails:
  - to: ada@example.com
    subject: Your order o-1
    body: |
      Hello Ada,
      Total: 261
";
    assert_eq!(rendered, expected);
}

#[test]
fn expectations_compare_final_statuses() {
    let scenario = scenario::parse(Path::new("t.yaml"), "demo", SCENARIO).unwrap();
    let mut result = fabricated_run();
    assert!(run::check_expectations(&scenario, &result).is_empty());
    result.collected.tables.get_mut("alex-orders").unwrap()[0]["status"] = json!("REJECTED");
    assert_eq!(
        run::check_expectations(&scenario, &result),
        ["expected 1 order(s) COMPLETED, got 0"]
    );
}

#[test]
fn report_line_shows_status_total_and_path() {
    let lines = crate::report::order_lines(&fabricated_run());
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert!(
        line.contains("o-1") && line.contains("COMPLETED") && line.contains("total 261"),
        "{line}"
    );
    assert!(
        line.ends_with("VerifyStock → StockAvailable? → CompleteOrder"),
        "{line}"
    );
}

#[test]
fn on_aws_the_stored_emails_stand_in_for_the_unreadable_outbox() {
    let scenario = scenario::parse(Path::new("t.yaml"), "demo", SCENARIO).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut run = fabricated_run();
    let stored = super::render(&scenario, &run);
    super::file::write_snapshot(&super::file::snap_path(dir.path(), "demo"), &stored).unwrap();
    assert!(super::emails_observed(&run));
    run.stack.orders_url = "https://abc.execute-api.eu-west-1.amazonaws.com/prod/orders".into();
    run.collected.emails.clear();
    assert!(!super::emails_observed(&run));
    let rendered = super::render_with_stored_emails(&scenario, &run, dir.path()).unwrap();
    assert_eq!(rendered, stored);
    // Everything else is still compared.
    run.collected.tables.get_mut("alex-orders").unwrap()[0]["status"] = json!("FAILED");
    let rendered = super::render_with_stored_emails(&scenario, &run, dir.path()).unwrap();
    assert_ne!(rendered, stored);
    assert!(rendered.contains("Your order o-1"), "{rendered}");
}
