//! A distributed Map's `ItemBatcher` through the AWS SDK: batches by count, by serialized
//! size, with BatchInput, with `…Path` and JSONata limits, ItemSelector applied per item before
//! batching, failed batches counted in items against the tolerated failures, the runtime
//! errors of bad path values, and the definitions CreateStateMachine refuses.
#![allow(clippy::disallowed_methods)] // tests wait on the execution and bound it in real time

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

/// A machine whose only state is a distributed Map with `fields` (an echoing processor
/// unless `fields` names its own).
fn machine(fields: Value) -> Value {
    let mut map = json!({"Type": "Map", "End": true, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}});
    for (key, value) in fields.as_object().expect("fields").clone() {
        map[key] = value;
    }
    json!({"StartAt": "Batch", "States": {"Batch": map}})
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

/// Runs `definition` on `input`; the output of a succeeded execution.
async fn run_ok(client: &Client, name: &str, definition: Value, input: Value) -> Value {
    let machine = create(client, name, definition).await;
    let done = execute(client, &machine, input).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    serde_json::from_str(done.output().expect("output")).expect("JSON output")
}

/// Runs `definition` on `input`; the error and cause of a failed execution.
async fn run_failed(
    client: &Client,
    name: &str,
    definition: Value,
    input: Value,
) -> (String, String) {
    let machine = create(client, name, definition).await;
    let done = execute(client, &machine, input).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{:?}", done.output());
    (
        done.error().unwrap_or_default().to_owned(),
        done.cause().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn batches_by_count_one_child_each_with_the_history_of_one_map_run() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "by-count",
        machine(json!({"ItemBatcher": {"MaxItemsPerBatch": 2}})),
    )
    .await;
    let done = execute(&client, &machine, json!([1, 2, 3, 4, 5])).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        done.cause()
    );
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output,
        json!([{"Items": [1, 2]}, {"Items": [3, 4]}, {"Items": [5]}])
    );
    let history = client
        .get_execution_history()
        .execution_arn(&done.execution_arn)
        .send()
        .await
        .unwrap();
    use HistoryEventType as T;
    let types: Vec<T> = history.events.iter().map(|e| e.r#type.clone()).collect();
    assert_eq!(
        types,
        [
            T::ExecutionStarted,
            T::MapStateEntered,
            T::MapStateStarted,
            T::MapRunStarted,
            T::MapRunSucceeded,
            T::MapStateSucceeded,
            T::MapStateExited,
            T::ExecutionSucceeded
        ]
    );
    let started = history.events[2].map_state_started_event_details().unwrap();
    assert_eq!(started.length(), 5, "MapStateStarted counts the items");
    emulator.shutdown().await;
}

#[tokio::test]
async fn batches_by_serialized_size_with_batch_input() {
    let (emulator, client) = start().await;
    let words: Vec<Value> = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
        .into_iter()
        .map(Value::from)
        .collect();
    // {"BatchInput":{"run":"r1","fixed":1},"Items":["alpha","beta"]} is 62 bytes.
    let limit = 62;
    let output = run_ok(
        &client,
        "by-bytes",
        machine(json!({"ItemsPath": "$.words", "ItemBatcher": {
            "MaxInputBytesPerBatch": limit,
            "BatchInput": {"run.$": "$.run", "fixed": 1}}})),
        json!({"words": words, "run": "r1"}),
    )
    .await;
    let batches = output.as_array().expect("array");
    assert!(batches.len() > 1, "{output}");
    let mut seen = Vec::new();
    for batch in batches {
        assert!(batch.to_string().len() <= limit, "{batch}");
        assert_eq!(batch["BatchInput"], json!({"run": "r1", "fixed": 1}));
        seen.extend(batch["Items"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(seen, words, "every item once, in order");
    assert_eq!(batches[0]["Items"], json!(["alpha", "beta"]));
    emulator.shutdown().await;
}

#[tokio::test]
async fn item_selector_shapes_each_item_before_batching() {
    let (emulator, client) = start().await;
    let output = run_ok(
        &client,
        "selector",
        machine(json!({
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "tag.$": "$.tag"},
            "ItemsPath": "$.items",
            "ItemBatcher": {"MaxItemsPerBatch": 2}})),
        json!({"items": ["a", "b", "c"], "tag": "t"}),
    )
    .await;
    assert_eq!(
        output,
        json!([
            {"Items": [{"v": "a", "i": 0, "tag": "t"}, {"v": "b", "i": 1, "tag": "t"}]},
            {"Items": [{"v": "c", "i": 2, "tag": "t"}]}
        ])
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn path_limits_are_read_from_the_input_and_bad_values_fail_the_state() {
    let (emulator, client) = start().await;
    let definition = machine(json!({"ItemsPath": "$.items",
        "ItemBatcher": {"MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatchPath": "$.bytes"}}));
    let output = run_ok(
        &client,
        "paths",
        definition.clone(),
        json!({"items": [1, 2, 3, 4], "n": 3, "bytes": 1000}),
    )
    .await;
    assert_eq!(output, json!([{"Items": [1, 2, 3]}, {"Items": [4]}]));
    let bad = [
        (
            json!({"items": [1], "n": "x", "bytes": 100}),
            "The MaxItemsPerBatchPath field refers to value \"x\" which is not a valid integer: $.n",
        ),
        (
            json!({"items": [1], "n": -1, "bytes": 100}),
            "Expected non-negative integer for MaxItemsPerBatch, got '-1' instead.",
        ),
        (
            json!({"items": [1], "n": 1, "bytes": 300000}),
            "Expected MaxInputBytesPerBatch to be at most 262144, got '300000' instead.",
        ),
    ];
    for (i, (input, cause)) in bad.into_iter().enumerate() {
        let (error, found) =
            run_failed(&client, &format!("bad-{i}"), definition.clone(), input).await;
        assert_eq!(error, "States.Runtime");
        assert_eq!(
            found,
            format!(
                "An error occurred while executing the state 'Batch' (entered at the event id #2). {cause}"
            )
        );
    }
    let (error, cause) = run_failed(
        &client,
        "too-big",
        definition,
        json!({"items": ["a long item that fits no batch"], "n": 1, "bytes": 20}),
    )
    .await;
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("index 0"), "{cause}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn jsonata_limits_and_batch_input() {
    let (emulator, client) = start().await;
    let mut definition = machine(json!({"Items": "{% $states.input.items %}",
        "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.n %}",
            "BatchInput": {"k": "{% $states.input.k %}"}}}));
    definition["QueryLanguage"] = json!("JSONata");
    let output = run_ok(
        &client,
        "jsonata",
        definition.clone(),
        json!({"items": [1, 2, 3], "n": 2, "k": "v"}),
    )
    .await;
    assert_eq!(
        output,
        json!([
            {"BatchInput": {"k": "v"}, "Items": [1, 2]},
            {"BatchInput": {"k": "v"}, "Items": [3]}
        ])
    );
    let (error, cause) = run_failed(
        &client,
        "jsonata-bad",
        definition,
        json!({"items": [1], "n": "two", "k": "v"}),
    )
    .await;
    assert_eq!(error, "States.QueryEvaluationError");
    assert!(
        cause.contains("specified for the field 'MaxItemsPerBatch' returned an unexpected result type. Expected 'integer'"),
        "{cause}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_failed_batch_counts_its_items_against_the_tolerated_failures() {
    let (emulator, client) = start().await;
    let definition = |tolerated: u64| {
        machine(json!({"ToleratedFailureCount": tolerated,
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "Check",
                "States": {
                    "Check": {"Type": "Choice", "Default": "Ok", "Choices": [
                        {"Variable": "$.Items[0]", "StringEquals": "bad", "Next": "Boom"}]},
                    "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "bad batch"},
                    "Ok": {"Type": "Succeed"}}}}))
    };
    let input = json!(["bad", "x", "y", "z"]);
    let (error, _) = run_failed(&client, "one-tolerated", definition(1), input.clone()).await;
    assert_eq!(error, "States.ExceedToleratedFailureThreshold");
    let output = run_ok(&client, "two-tolerated", definition(2), input).await;
    assert_eq!(output.as_array().map(Vec::len), Some(2));
    emulator.shutdown().await;
}

#[tokio::test]
async fn create_state_machine_refuses_malformed_batchers() {
    let (emulator, client) = start().await;
    let inline = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemBatcher": {"MaxItemsPerBatch": 2},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let cases = [
        (
            inline,
            "SCHEMA_VALIDATION_FAILED: The field 'ItemBatcher' is only supported in 'DISTRIBUTED' processing mode at /States/M/ItemBatcher",
        ),
        (
            machine(json!({"ItemBatcher": {"BatchInput": {"a": 1}}})),
            "SCHEMA_VALIDATION_FAILED: At least one of the following fields should be present: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath] at /States/Batch/ItemBatcher",
        ),
        (
            machine(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 262_145}})),
            "SCHEMA_VALIDATION_FAILED: Maximum value is 262144 at /States/Batch/ItemBatcher/MaxInputBytesPerBatch",
        ),
    ];
    for (i, (definition, expected)) in cases.into_iter().enumerate() {
        let err = client
            .create_state_machine()
            .name(format!("refused-{i}"))
            .definition(definition.to_string())
            .role_arn(ROLE)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("InvalidDefinition"));
        assert_eq!(
            err.message(),
            Some(format!("Invalid State Machine Definition: '{expected}'").as_str())
        );
    }
    emulator.shutdown().await;
}
