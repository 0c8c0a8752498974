//! Reliability: EventBridge → Step Functions loops (found by the soak, issue #10). A rule
//! whose target's execution puts an event the rule matches again never ends — on AWS too,
//! where it costs money instead of memory. Here it must neither freeze the emulator nor
//! grow without bound, and deleting the rules must end it.

use std::time::{Duration, Instant};

use aws_sdk_eventbridge::types::Target;
use aws_sdk_sfn::types::ExecutionStatus;
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::json;

use crate::support;

const ROLE: &str = "arn:aws:iam::000000000000:role/loop-role";
/// How long the loop is left running before the rules are deleted.
const LOOP_FOR: Duration = Duration::from_secs(2);
/// A bound no unrelated request may exceed while the loop runs. Before the background
/// runtime, ListTables took over 30 s here.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recursive_rule_loop_neither_freezes_nor_outlives_its_rules() {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let config = support::sdk_config(&emulator).await;
    let sfn = aws_sdk_sfn::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);

    // One execution puts one event; two rules match it: each generation doubles.
    let definition = json!({"StartAt": "E", "States": {"E": {"Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {"Entries": [{"Source": "loop", "DetailType": "T", "Detail": {"n": 1}}]},
        "End": true}}});
    let machine = sfn
        .create_state_machine()
        .name("loop")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("machine created")
        .state_machine_arn;
    for rule in ["r1", "r2"] {
        events
            .put_rule()
            .name(rule)
            .event_pattern(json!({"source": ["loop"]}).to_string())
            .send()
            .await
            .expect("rule");
        let target = Target::builder()
            .id("m")
            .arn(&machine)
            .role_arn(ROLE)
            .build()
            .unwrap();
        events
            .put_targets()
            .rule(rule)
            .targets(target)
            .send()
            .await
            .expect("target");
    }
    sfn.start_execution()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("first execution");

    let looping = Instant::now();
    let mut slowest = Duration::ZERO;
    while looping.elapsed() < LOOP_FOR {
        let asked = Instant::now();
        tokio::time::timeout(ANSWER_WITHIN, dynamodb.list_tables().send())
            .await
            .expect("ListTables answers while the loop runs")
            .expect("ListTables succeeds");
        slowest = slowest.max(asked.elapsed());
    }
    let started = running_or_done(&sfn, &machine).await;
    assert!(started > 2, "the loop ran ({started} executions)");

    for rule in ["r1", "r2"] {
        events
            .remove_targets()
            .rule(rule)
            .ids("m")
            .send()
            .await
            .expect("targets removed");
        events
            .delete_rule()
            .name(rule)
            .send()
            .await
            .expect("rule deleted");
    }
    // What was already delivered runs out; nothing starts anything new.
    let draining = Instant::now();
    while still_running(&sfn, &machine).await {
        assert!(
            draining.elapsed() < Duration::from_secs(120),
            "executions still running 120 s after the rules were deleted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let total = running_or_done(&sfn, &machine).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        running_or_done(&sfn, &machine).await,
        total,
        "no execution starts once the loop's rules are gone"
    );
    eprintln!("loop: {total} executions, slowest ListTables {slowest:?}");
    emulator.shutdown().await;
}

/// How many executions the machine has had (every status), counted through ListExecutions.
async fn running_or_done(sfn: &aws_sdk_sfn::Client, machine: &str) -> usize {
    let mut count = 0;
    let mut pages = sfn
        .list_executions()
        .state_machine_arn(machine)
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        count += page.expect("ListExecutions").executions.len();
    }
    count
}

async fn still_running(sfn: &aws_sdk_sfn::Client, machine: &str) -> bool {
    let page = sfn
        .list_executions()
        .state_machine_arn(machine)
        .status_filter(ExecutionStatus::Running)
        .max_results(1)
        .send()
        .await
        .expect("ListExecutions");
    !page.executions.is_empty()
}
