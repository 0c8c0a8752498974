//! Step Functions through the AWS SDK against an embedded emulator on a virtual clock:
//! machines of every flow state type, execution results, history and its pagination, errors.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use orderlab_emulator::Emulator;
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start() -> (Emulator, Client) {
    support::start_virtual_sfn().await
}

async fn create(client: &Client, name: &str, definition: Value) -> String {
    support::create_state_machine(client, name, definition).await
}

/// Starts an execution and polls until it has ended (bounded).
async fn execute(
    client: &Client,
    machine: &str,
    input: Value,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    support::execute_to_end(client, machine, input).await
}

fn output(
    described: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput,
) -> Value {
    serde_json::from_str(described.output().expect("has output")).expect("output is JSON")
}

#[tokio::test]
async fn pass_choice_and_succeed_shape_the_output() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "choose",
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Result": {"valid": true}, "ResultPath": "$.verification", "Next": "Valid?"},
            "Valid?": {"Type": "Choice", "Choices": [
                {"And": [{"Variable": "$.verification.valid", "BooleanEquals": true},
                         {"Variable": "$.n", "NumericGreaterThan": 1}], "Next": "Big"}],
             "Default": "Small"},
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "Next": "Done"},
            "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "Next": "Done"},
            "Done": {"Type": "Succeed", "OutputPath": "$.size"}}}),
    )
    .await;
    let big = execute(&client, &machine, json!({"n": 5})).await;
    assert_eq!(big.status, ExecutionStatus::Succeeded);
    assert_eq!(output(&big), json!("big"));
    assert!(big.stop_date.is_some());
    let small = execute(&client, &machine, json!({"n": 0})).await;
    assert_eq!(output(&small), json!("small"));
    let listed = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions.len(), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_one_hour_wait_takes_no_wall_time_on_the_virtual_clock() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "waiter",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    )
    .await;
    let wall = Instant::now();
    let done = execute(&client, &machine, json!({"x": 1})).await;
    assert!(
        wall.elapsed() < Duration::from_secs(1),
        "took {:?}",
        wall.elapsed()
    );
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let started = done.start_date.secs();
    let stopped = done.stop_date.expect("stopped").secs();
    assert!(
        stopped - started >= 3600,
        "virtual time moved {}s",
        stopped - started
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn map_and_parallel_collect_their_results() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "fanout",
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                "ItemSelector": {"q.$": "$$.Map.Item.Value.quantity", "i.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"StartAt": "Double", "States": {
                    "Double": {"Type": "Pass", "Parameters": {"text.$": "States.Format('{}#{}', $.i, $.q)"}, "End": true}}},
                "ResultPath": "$.mapped", "Next": "Both"},
            "Both": {"Type": "Parallel", "ResultPath": "$.branches", "End": true, "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.mapped[0]", "End": true}}}]}}}),
    )
    .await;
    let done = execute(
        &client,
        &machine,
        json!({"items": [{"quantity": 2}, {"quantity": 7}]}),
    )
    .await;
    assert_eq!(
        done.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    let out = output(&done);
    assert_eq!(out["mapped"], json!([{"text": "0#2"}, {"text": "1#7"}]));
    assert_eq!(out["branches"], json!([1, {"text": "0#2"}]));
    emulator.shutdown().await;
}

#[tokio::test]
async fn fail_reads_error_and_cause_from_paths() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "failer",
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}}}),
    )
    .await;
    let done = execute(
        &client,
        &machine,
        json!({"error": {"Error": "Boom", "Cause": "it broke"}}),
    )
    .await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("Boom"));
    assert_eq!(done.cause(), Some("it broke"));
    assert!(done.output().is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn history_has_aws_event_types_and_paginates() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "history",
        json!({"StartAt": "One", "States": {
            "One": {"Type": "Pass", "Next": "Two"},
            "Two": {"Type": "Wait", "Seconds": 1, "Next": "Three"},
            "Three": {"Type": "Choice", "Choices": [{"Variable": "$.go", "IsPresent": true, "Next": "End"}]},
            "End": {"Type": "Succeed"}}}),
    )
    .await;
    let done = execute(&client, &machine, json!({"go": 1})).await;
    let arn = done.execution_arn;
    let all = client
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let types: Vec<HistoryEventType> = all.events.iter().map(|e| e.r#type.clone()).collect();
    use HistoryEventType as T;
    assert_eq!(
        types,
        [
            T::ExecutionStarted,
            T::PassStateEntered,
            T::PassStateExited,
            T::WaitStateEntered,
            T::WaitStateExited,
            T::ChoiceStateEntered,
            T::ChoiceStateExited,
            T::SucceedStateEntered,
            T::SucceedStateExited,
            T::ExecutionSucceeded
        ]
    );
    let path: Vec<&str> = all
        .events
        .iter()
        .filter_map(|e| e.state_entered_event_details())
        .map(|d| d.name())
        .collect();
    assert_eq!(path, ["One", "Two", "Three", "End"]);
    let started = all.events[0].execution_started_event_details().unwrap();
    assert_eq!(started.role_arn(), Some(ROLE));
    assert_eq!(started.input(), Some(r#"{"go":1}"#));
    for (i, event) in all.events.iter().enumerate() {
        assert_eq!(event.id, i as i64 + 1);
    }

    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(&arn)
            .max_results(3)
            .reverse_order(true)
            .include_execution_data(false)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.events.len() <= 3);
        for event in &page.events {
            if let Some(details) = event.state_entered_event_details() {
                assert!(details.input().is_none(), "execution data left in");
            }
        }
        ids.extend(page.events.iter().map(|e| e.id));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(ids, (1..=10).rev().collect::<Vec<i64>>());
    emulator.shutdown().await;
}

#[tokio::test]
async fn api_errors_match_aws() {
    let (emulator, client) = start().await;
    let missing_machine = "arn:aws:states:us-east-1:000000000000:stateMachine:nope";
    let err = client
        .start_execution()
        .state_machine_arn(missing_machine)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineDoesNotExist"));
    assert_eq!(
        err.message(),
        Some(format!("State Machine Does Not Exist: '{missing_machine}'").as_str())
    );

    let missing_execution = "arn:aws:states:us-east-1:000000000000:execution:nope:x";
    let err = client
        .describe_execution()
        .execution_arn(missing_execution)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExecutionDoesNotExist"));
    assert_eq!(
        err.message(),
        Some(format!("Execution Does Not Exist: '{missing_execution}'").as_str())
    );

    let err = client
        .describe_execution()
        .execution_arn("nonsense")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArn"));

    let err = client
        .create_state_machine()
        .name("bad")
        .definition(
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}).to_string(),
        )
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDefinition"));
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("Missing 'Next' target: B")
    );

    let machine = create(
        &client,
        "dup",
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let err = client
        .create_state_machine()
        .name("dup")
        .definition(
            json!({"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}).to_string(),
        )
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineAlreadyExists"));

    execute_named(&client, &machine, "once").await;
    let err = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("once")
        .input("{\"other\":1}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExecutionAlreadyExists"));
    emulator.shutdown().await;
}

async fn execute_named(client: &Client, machine: &str, name: &str) {
    client
        .start_execution()
        .state_machine_arn(machine)
        .name(name)
        .send()
        .await
        .expect("started");
}

#[tokio::test]
async fn described_machines_and_default_execution_names() {
    let (emulator, client) = start().await;
    let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let machine = create(&client, "described", definition.clone()).await;
    let described = client
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(described.name, "described");
    assert_eq!(described.role_arn, ROLE);
    assert_eq!(
        serde_json::from_str::<Value>(&described.definition).unwrap(),
        definition
    );
    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    let name = started.execution_arn.rsplit(':').next().unwrap_or_default();
    assert!(uuid_like(name), "{name}");
    let listed = client.list_state_machines().send().await.unwrap();
    assert_eq!(listed.state_machines.len(), 1);
    client
        .delete_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    let err = client
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineDoesNotExist"));
    emulator.shutdown().await;
}

fn uuid_like(name: &str) -> bool {
    name.len() == 36 && name.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn machine_timeout_seconds_times_the_execution_out_on_the_virtual_clock() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "timeout",
        json!({"StartAt": "W", "TimeoutSeconds": 5, "States": {
            "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
            "P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let done = execute(&client, &machine, json!({})).await;
    assert_eq!(done.status, ExecutionStatus::TimedOut);
    let stopped = done.stop_date.expect("stopped").secs();
    assert!((5..60).contains(&(stopped - done.start_date.secs())));
    let history = client
        .get_execution_history()
        .execution_arn(&done.execution_arn)
        .send()
        .await
        .expect("history");
    let types: Vec<HistoryEventType> = history.events.iter().map(|e| e.r#type.clone()).collect();
    use HistoryEventType as T;
    assert_eq!(
        types,
        [
            T::ExecutionStarted,
            T::WaitStateEntered,
            T::ExecutionTimedOut
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn jsonata_and_variables_shape_the_output() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "jsonata",
        json!({"QueryLanguage": "JSONata", "StartAt": "Sum", "States": {
            "Sum": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.xs) %}"}, "Next": "Pick"},
            "Pick": {"Type": "Choice", "Choices": [
                {"Condition": "{% $total > 5 %}", "Next": "Big", "Output": {"size": "big", "total": "{% $total %}"}}],
                "Default": "Small"},
            "Big": {"Type": "Succeed"},
            "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "{% 'total ' & $string($total) %}"}}}),
    )
    .await;
    let big = execute(&client, &machine, json!({"xs": [1, 2, 3]})).await;
    assert_eq!(output(&big), json!({"size": "big", "total": 6}));
    let small = execute(&client, &machine, json!({"xs": [1, 2]})).await;
    assert_eq!(small.status, ExecutionStatus::Failed);
    assert_eq!(small.error(), Some("TooSmall"));
    assert_eq!(small.cause(), Some("total 3"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_state_machine_validates_and_replaces_the_definition() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "updatable",
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}}),
    )
    .await;
    let invalid = client
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Nope"}}}).to_string(),
        )
        .send()
        .await
        .expect_err("invalid definition refused");
    assert_eq!(invalid.code(), Some("InvalidDefinition"));
    assert_eq!(
        invalid.message(),
        Some(
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/P/Next'"
        )
    );
    let nothing = client
        .update_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect_err("an update must change something");
    assert_eq!(nothing.code(), Some("MissingRequiredParameter"));
    client
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": true}}})
                .to_string(),
        )
        .send()
        .await
        .expect("updated");
    let done = execute(&client, &machine, json!({})).await;
    assert_eq!(output(&done), json!(2));
    emulator.shutdown().await;
}

#[tokio::test]
async fn validate_state_machine_definition_reports_diagnostics() {
    use aws_sdk_sfn::types::ValidateStateMachineDefinitionResultCode as Code;
    let (emulator, client) = start().await;
    let ok = client
        .validate_state_machine_definition()
        .definition(
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string(),
        )
        .send()
        .await
        .expect("validated");
    assert_eq!(ok.result, Code::Ok);
    assert!(ok.diagnostics.is_empty());
    let bad = client
        .validate_state_machine_definition()
        .definition(
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Nope"}}}).to_string(),
        )
        .send()
        .await
        .expect("validated");
    assert_eq!(bad.result, Code::Fail);
    let first = &bad.diagnostics[0];
    assert_eq!(first.code, "MISSING_TRANSITION_TARGET");
    assert_eq!(first.message, "Missing 'Next' target: Nope");
    assert_eq!(first.location(), Some("/States/P/Next"));
    emulator.shutdown().await;
}
