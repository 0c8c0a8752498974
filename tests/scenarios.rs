//! Every scenario under `scenarios/`, run on the embedded backend (in parallel, each on its
//! own emulator) and asserted with insta against `scenarios/snapshots/<name>.snap` — the same
//! files `orderlab scenario` compares with, so `cargo insta review` accepts changes for both.
//! Every scenario keeps the built-in invariants; a few get extra assertions on what their
//! snapshot stands for.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use orderlab::run::{self, RunOptions, RunResult};
use orderlab::scenario::{self, Scenario};
use orderlab::snapshot;
use serde_json::Value;

async fn run_every_scenario() -> Vec<(Scenario, RunResult)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let names = scenario::list_names(&dir).expect("the scenarios directory is readable");
    assert!(
        names.len() >= 14,
        "expected at least 14 scenarios, found {names:?}"
    );
    let permits = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, name) in names.into_iter().enumerate() {
        let scenario = scenario::load_named(&dir, &name).unwrap_or_else(|err| panic!("{err}"));
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = run::run_scenario(&scenario, &RunOptions::default())
                .await
                .unwrap_or_else(|err| panic!("scenario {}: {err:#}", scenario.name));
            (index, scenario, result)
        });
    }
    let mut runs = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        runs.push(joined.expect("a scenario task panicked"));
    }
    runs.sort_by_key(|(index, _, _)| *index);
    runs.into_iter().map(|(_, s, r)| (s, r)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_matches_its_snapshot() {
    let runs = run_every_scenario().await;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../scenarios/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _bound = settings.bind_to_scope();
    for (scenario, result) in &runs {
        let problems = run::check_expectations(scenario, result);
        assert!(
            problems.is_empty(),
            "scenario {}: {}",
            scenario.name,
            problems.join("; ")
        );
        let violations = orderlab::invariants::check(scenario, result);
        assert!(
            violations.is_empty(),
            "scenario {}: {violations:#?}",
            scenario.name
        );
        match scenario.name.as_str() {
            "last-unit-race" => assert_last_unit_race(result),
            "fatal-failure" => assert_an_hour_of_virtual_back_off(result),
            "transient-failure" => assert_retried_then_succeeded(result),
            "duplicate-order" => assert_eq!(result.collected.executions_started, 1),
            "invalid-request" => assert_eq!(result.collected.executions_started, 0),
            _ => {}
        }
        let rendered = snapshot::render(scenario, result);
        insta::assert_snapshot!(scenario.name.as_str(), rendered);
    }
}

fn statuses(result: &RunResult) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in &result.collected.tables[&result.stack.orders_table] {
        let status = item["status"].as_str().unwrap_or("?").to_owned();
        *counts.entry(status).or_default() += 1;
    }
    counts
}

fn assert_last_unit_race(result: &RunResult) {
    let counts = statuses(result);
    assert_eq!(counts.get("COMPLETED"), Some(&10), "{counts:?}");
    assert_eq!(counts.values().sum::<usize>(), 50, "{counts:?}");
    let inventory = &result.collected.tables[&result.stack.inventory_table];
    assert_eq!(inventory[0]["stock"], Value::from(0), "{inventory:?}");
    assert_eq!(result.collected.executions_started, 50);
    for order in &result.collected.orders {
        assert_eq!(order.executions.len(), 1, "{}", order.submission.order_id);
    }
}

/// Six retries 60 s × 2ⁿ apart: the history spans more than an hour of (virtual) time.
fn assert_an_hour_of_virtual_back_off(result: &RunResult) {
    let execution = &result.collected.orders[0].executions[0];
    assert_eq!(
        execution.failed_attempts.len(),
        7,
        "{:?}",
        execution.failed_attempts
    );
    assert!(
        execution.history_span_seconds >= 3780.0,
        "the history spans only {} s",
        execution.history_span_seconds
    );
}

/// Two injected failures, retried 60 s and 120 s later (virtual time), then success.
fn assert_retried_then_succeeded(result: &RunResult) {
    let execution = &result.collected.orders[0].executions[0];
    assert_eq!(execution.status, "SUCCEEDED");
    assert_eq!(
        execution.failed_attempts,
        ["ProcessPayment: PaymentGatewayUnavailable"; 2]
    );
    assert!(
        execution.history_span_seconds >= 180.0,
        "the history spans only {} s",
        execution.history_span_seconds
    );
}
