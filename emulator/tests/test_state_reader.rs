//! A distributed Map's `ItemReader` through `aws-sdk-sfn`: CreateStateMachine's checks of
//! the reader, an execution failing as S3 is unreachable (the emulator runs no S3), and
//! TestState's `stateConfiguration.mapItemReaderData` supplying the object's text (CSV with
//! first-row or given headers, JSON, JSONL, MaxItems, ItemSelector, data that does not
//! match the InputType).
#![allow(clippy::disallowed_methods)] // the execution is polled, bounded in real time

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::test_state::TestStateOutput;
use aws_sdk_sfn::types::{
    ExecutionStatus, InspectionLevel, MockInput, TestExecutionStatus, TestStateConfiguration,
};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = support::sfn_client_without_host_prefix(&emulator).await;
    (emulator, client)
}

/// A distributed Map reading `reader_config` from S3, its items reshaped by ItemSelector.
fn reader_map(reader_config: Value) -> Value {
    json!({
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": reader_config,
            "Parameters": {"Bucket": "orders", "Key": "batch.csv"}
        },
        "ItemSelector": {"order.$": "$$.Map.Item.Value", "batch.$": "$.batch"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Pass", "End": true}}
        },
        "ToleratedFailureCount": 1,
        "ResultPath": "$.results",
        "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Unreadable"}],
        "Next": "Done"
    })
}

async fn test_with_data(client: &Client, map: Value, data: &str) -> TestStateOutput {
    client
        .test_state()
        .definition(map.to_string())
        .input(json!({"batch": 7}).to_string())
        .mock(MockInput::builder().result("[]").build())
        .inspection_level(InspectionLevel::Debug)
        .state_configuration(
            TestStateConfiguration::builder()
                .map_item_reader_data(data)
                .build(),
        )
        .send()
        .await
        .expect("TestState answers")
}

fn after_item_selector(answer: &TestStateOutput) -> Value {
    let data = answer.inspection_data().expect("inspection data");
    serde_json::from_str(data.after_item_selector().expect("afterItemSelector"))
        .expect("valid JSON")
}

#[tokio::test]
async fn csv_data_becomes_the_items_with_the_header_handling_and_max_items() {
    let (_emulator, client) = start().await;
    let first_row = reader_map(json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}));
    let answer = test_with_data(&client, first_row, "id,sku\n1,\"A,1\"\n2,B\n").await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(answer.next_state(), Some("Done"));
    assert_eq!(
        after_item_selector(&answer),
        json!([
            {"order": {"id": "1", "sku": "A,1"}, "batch": 7},
            {"order": {"id": "2", "sku": "B"}, "batch": 7}
        ])
    );
    let given = reader_map(json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN",
        "CSVHeaders": ["id", "sku"], "CSVDelimiter": "SEMICOLON", "MaxItems": 1}));
    let answer = test_with_data(&client, given, "1;A\n2;B\n").await;
    assert_eq!(
        after_item_selector(&answer),
        json!([{"order": {"id": "1", "sku": "A"}, "batch": 7}])
    );
}

#[tokio::test]
async fn json_and_jsonl_data_become_the_items() {
    let (_emulator, client) = start().await;
    let json_map = reader_map(json!({"InputType": "JSON"}));
    let answer = test_with_data(&client, json_map, r#"[{"id": 1}, 2]"#).await;
    assert_eq!(
        after_item_selector(&answer),
        json!([{"order": {"id": 1}, "batch": 7}, {"order": 2, "batch": 7}])
    );
    let lines = reader_map(json!({"InputType": "JSONL", "MaxItemsPath": "$.batch"}));
    let answer = test_with_data(&client, lines, "{\"id\": 1}\n\n\"x\"\n").await;
    assert_eq!(
        after_item_selector(&answer),
        json!([{"order": {"id": 1}, "batch": 7}, {"order": "x", "batch": 7}])
    );
}

#[tokio::test]
async fn an_item_batcher_groups_the_read_items_as_after_item_batcher() {
    let (_emulator, client) = start().await;
    let mut map = reader_map(json!({"InputType": "JSON"}));
    map["ItemBatcher"] = json!({"MaxItemsPerBatch": 2, "BatchInput": {"b.$": "$.batch"}});
    let answer = test_with_data(&client, map.clone(), "[1, 2, 3]").await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    let data = answer.inspection_data().expect("inspection data");
    let batches: Value =
        serde_json::from_str(data.after_item_batcher().expect("afterItemBatcher")).unwrap();
    assert_eq!(
        batches,
        json!([
            {"BatchInput": {"b": 7}, "Items": [{"order": 1, "batch": 7}, {"order": 2, "batch": 7}]},
            {"BatchInput": {"b": 7}, "Items": [{"order": 3, "batch": 7}]}
        ])
    );
    map["ItemBatcher"] = json!({"MaxItemsPerBatchPath": "$.missing"});
    let answer = test_with_data(&client, map, "[1]").await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(answer.error(), Some("States.Runtime"));
}

#[tokio::test]
async fn data_that_does_not_match_the_input_type_fails_the_reader() {
    let (_emulator, client) = start().await;
    let json_map = reader_map(json!({"InputType": "JSON"}));
    let answer = test_with_data(&client, json_map, r#"{"not": "an array"}"#).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(answer.error(), Some("States.ItemReaderFailed"));
    assert_eq!(answer.next_state(), Some("Unreadable"));
    assert_eq!(
        answer.cause(),
        Some("Attempting to map over non-iterable node.")
    );
    let csv = reader_map(json!({"InputType": "CSV"}));
    let answer = test_with_data(&client, csv, "a,b\n1\n").await;
    assert_eq!(answer.error(), Some("States.ItemReaderFailed"));
    assert!(answer.cause().unwrap_or_default().contains("1 fields"));
}

#[tokio::test]
async fn reader_data_counts_the_iterations_a_failure_count_is_measured_against() {
    let (_emulator, client) = start().await;
    let mut map = reader_map(json!({"InputType": "JSON"}));
    map["ToleratedFailurePercentage"] = json!(50);
    map.as_object_mut()
        .map(|m| m.remove("ToleratedFailureCount"));
    map["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": "Unreadable"}]);
    let run = |failed: i32| {
        client
            .test_state()
            .definition(map.to_string())
            .input(r#"{"batch": 7}"#)
            .mock(MockInput::builder().result("[]").build())
            .state_configuration(
                TestStateConfiguration::builder()
                    .map_item_reader_data("[1, 2, 3, 4]")
                    .map_iteration_failure_count(failed)
                    .build(),
            )
            .send()
    };
    // 2 of the 4 items read is 50%: tolerated; 3 is not.
    let within = run(2).await.expect("answers");
    assert_eq!(
        within.status(),
        Some(&TestExecutionStatus::Succeeded),
        "{:?} {:?}",
        within.error(),
        within.cause()
    );
    let beyond = run(3).await.expect("answers");
    assert_eq!(
        beyond.error(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[tokio::test]
async fn reader_data_needs_a_map_with_a_reader() {
    let (_emulator, client) = start().await;
    let err = client
        .test_state()
        .definition(json!({"Type": "Pass", "End": true}).to_string())
        .state_configuration(
            TestStateConfiguration::builder()
                .map_item_reader_data("[]")
                .build(),
        )
        .send()
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.message().unwrap_or_default().contains("ItemReader"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_state_machine_checks_the_reader() {
    let (_emulator, client) = start().await;
    let machine = |reader_config: Value| {
        let mut map = reader_map(reader_config);
        map["Next"] = json!("Done");
        json!({"StartAt": "M", "States": {"M": map,
            "Done": {"Type": "Succeed"}, "Unreadable": {"Type": "Fail"}}})
    };
    for (config, expected) in [
        (json!({}), "'InputType' is required"),
        (json!({"InputType": "XML"}), "'InputType' must be one of"),
        (
            json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}),
            "'CSVHeaders' is required",
        ),
        (
            json!({"InputType": "JSON", "MaxItems": 100_000_001}),
            "'MaxItems' must be an integer",
        ),
    ] {
        let err = client
            .create_state_machine()
            .name("reader")
            .definition(machine(config).to_string())
            .role_arn(ROLE)
            .send()
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some("InvalidDefinition"));
        let message = err.message().unwrap_or_default();
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("/States/M/ItemReader"), "{message}");
    }
}

/// Starts `machine` (with `#TestCase` if any) on `{"batch": 7}` and polls until it has ended
/// (bounded).
async fn execute(
    client: &Client,
    machine: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    support::execute_to_end(client, machine, json!({"batch": 7})).await
}

#[tokio::test]
async fn an_execution_reads_a_mocked_reader_or_fails_as_s3_is_unreachable() {
    let mock_config = json!({
        "StateMachines": {"reads-s3": {"TestCases": {
            "Text": {"M": "CsvText"},
            "Items": {"M": "ItemArray"},
            "Bad": {"M": "DuplicateHeaders"}
        }}},
        "MockedResponses": {
            "CsvText": {"0": {"Return": "id\n1\n2\n3\n"}},
            "ItemArray": {"0": {"Return": [{"id": "9"}]}},
            "DuplicateHeaders": {"0": {"Return": "id,id\n1,2\n"}}
        }
    });
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        sfn_mock_config: Some(mock_config),
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    let mut map = reader_map(json!({"InputType": "CSV", "MaxItems": 2}));
    map["Catch"] = json!([]);
    map["ItemSelector"] = json!({"id.$": "$$.Map.Item.Value.id"});
    map["ResultPath"] = json!("$.results");
    let definition = json!({"StartAt": "M", "States": {"M": map, "Done": {"Type": "Succeed"}}});
    let machine = client
        .create_state_machine()
        .name("reads-s3")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("created")
        .state_machine_arn;
    let unmocked = execute(&client, &machine).await;
    assert_eq!(unmocked.status, ExecutionStatus::Failed);
    assert_eq!(unmocked.error(), Some("S3.SdkClientException"));
    let text = execute(&client, &format!("{machine}#Text")).await;
    assert_eq!(
        text.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        text.cause()
    );
    let output: Value = serde_json::from_str(text.output().expect("output")).expect("JSON");
    assert_eq!(output["results"], json!([{"id": "1"}, {"id": "2"}]));
    let items = execute(&client, &format!("{machine}#Items")).await;
    let output: Value = serde_json::from_str(items.output().expect("output")).expect("JSON");
    assert_eq!(output["results"], json!([{"id": "9"}]));
    // Bad data fails inside a map run of no items, as AWS records it.
    let bad = execute(&client, &format!("{machine}#Bad")).await;
    assert_eq!(bad.error(), Some("States.ItemReaderFailed"));
    assert_eq!(bad.cause(), Some("CSV headers cannot contain duplicates."));
    let history = client
        .get_execution_history()
        .execution_arn(&bad.execution_arn)
        .send()
        .await
        .expect("history");
    let types: Vec<&str> = history
        .events()
        .iter()
        .map(|e| e.r#type().as_str())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    let failed = history
        .events()
        .get(4)
        .and_then(|e| e.map_run_failed_event_details());
    assert_eq!(
        failed.and_then(|d| d.cause()),
        Some("CSV headers cannot contain duplicates.")
    );
}
