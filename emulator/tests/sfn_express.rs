//! Express workflows through aws-sdk-sfn against an embedded emulator on a virtual clock:
//! StartSyncExecution's answer per status, StartExecution on an EXPRESS machine, the
//! operations Express executions do not support, and a MockConfigFile test case named with
//! `<arn>#<TestCase>`.
//!
//! AWS serves StartSyncExecution on the `sync-` host prefix, which the Rust SDK always adds
//! (it has no `disable_host_prefix` setting): [`support::NoHostPrefix`] unsets the
//! operation's `EndpointPrefix`, as the README shows.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{LogLevel, LoggingConfiguration, StateMachineType, SyncExecutionStatus};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start(config: Config) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        ..config
    })
    .await
    .expect("emulator starts");
    let client = support::sfn_client_without_host_prefix(&emulator).await;
    (emulator, client)
}

async fn create(client: &Client, name: &str, kind: StateMachineType, definition: Value) -> String {
    client
        .create_state_machine()
        .name(name)
        .r#type(kind)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .logging_configuration(
            LoggingConfiguration::builder()
                .level(LogLevel::Off)
                .include_execution_data(false)
                .build(),
        )
        .send()
        .await
        .expect("machine created")
        .state_machine_arn
}

fn pass(result: Value) -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}})
}

#[tokio::test]
async fn start_sync_execution_answers_each_status() {
    let (_emulator, sfn) = start(Config::default()).await;
    let ok = create(&sfn, "ok", StateMachineType::Express, pass(json!({"a": 1}))).await;
    let done = sfn
        .start_sync_execution()
        .state_machine_arn(&ok)
        .name("first")
        .input(r#"{"in": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status, SyncExecutionStatus::Succeeded);
    assert_eq!(done.output.as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(done.input.as_deref(), Some(r#"{"in": true}"#));
    assert_eq!(done.state_machine_arn.as_deref(), Some(ok.as_str()));
    assert_eq!(done.name.as_deref(), Some("first"));
    assert!(
        done.execution_arn
            .starts_with("arn:aws:states:us-east-1:000000000000:express:ok:first:"),
        "{}",
        done.execution_arn
    );
    assert!(done.stop_date >= done.start_date);
    let billing = done.billing_details.expect("billing details");
    assert_eq!(billing.billed_memory_used_in_mb, 64);
    assert!(billing.billed_duration_in_milliseconds >= 100);
    assert_eq!(billing.billed_duration_in_milliseconds % 100, 0);

    let failing = json!({"StartAt": "F", "States": {"F": {"Type": "Fail",
        "Error": "Custom.Error", "Cause": "it failed"}}});
    let failing = create(&sfn, "failing", StateMachineType::Express, failing).await;
    let failed = sfn
        .start_sync_execution()
        .state_machine_arn(&failing)
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status, SyncExecutionStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("Custom.Error"));
    assert_eq!(failed.cause.as_deref(), Some("it failed"));
    assert_eq!(failed.output, None);

    let slow = json!({"TimeoutSeconds": 1, "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}});
    let slow = create(&sfn, "slow", StateMachineType::Express, slow).await;
    let timed_out = sfn
        .start_sync_execution()
        .state_machine_arn(&slow)
        .send()
        .await
        .unwrap();
    assert_eq!(timed_out.status, SyncExecutionStatus::TimedOut);
}

#[tokio::test]
async fn express_executions_are_not_described_listed_or_in_history() {
    let (_emulator, sfn) = start(Config::default()).await;
    let express = create(&sfn, "express", StateMachineType::Express, pass(json!(1))).await;
    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&express)
        .send()
        .await
        .unwrap();
    assert_eq!(described.r#type, StateMachineType::Express);
    assert_eq!(
        described.logging_configuration.and_then(|l| l.level),
        Some(LogLevel::Off)
    );
    let started = sfn
        .start_execution()
        .state_machine_arn(&express)
        .name("async")
        .send()
        .await
        .unwrap();
    assert!(
        started.execution_arn.contains(":express:express:async:"),
        "{}",
        started.execution_arn
    );
    let err = sfn
        .describe_execution()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArn"));
    assert_eq!(
        err.message(),
        Some("Invalid Arn: 'Resource type not valid in this context: express'")
    );
    let err = sfn
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArn"));
    let err = sfn
        .list_executions()
        .state_machine_arn(&express)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineTypeNotSupported"));

    let standard = create(&sfn, "standard", StateMachineType::Standard, pass(json!(1))).await;
    let err = sfn
        .start_sync_execution()
        .state_machine_arn(&standard)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("StateMachineTypeNotSupported"));
}

#[tokio::test]
async fn sync_executions_run_their_own_test_case() {
    let mock_config = json!({
        "StateMachines": {"sender": {"TestCases": {
            "Sent": {"Send": "SendOk"},
            "Refused": {"Send": "SendRefused"}
        }}},
        "MockedResponses": {
            "SendOk": {"0": {"Return": {"MessageId": "m-1"}}},
            "SendRefused": {"0": {"Throw": {"Error": "Sqs.QueueDoesNotExistException",
                "Cause": "no queue"}}}
        }
    });
    let (_emulator, sfn) = start(Config {
        sfn_mock_config: Some(mock_config),
        ..Config::default()
    })
    .await;
    let definition = json!({"StartAt": "Send", "States": {"Send": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody": "hi"}, "End": true}}});
    let sender = create(&sfn, "sender", StateMachineType::Express, definition).await;
    let sent = sfn
        .start_sync_execution()
        .state_machine_arn(format!("{sender}#Sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status, SyncExecutionStatus::Succeeded);
    assert_eq!(sent.output.as_deref(), Some(r#"{"MessageId":"m-1"}"#));
    assert_eq!(sent.state_machine_arn.as_deref(), Some(sender.as_str()));
    let refused = sfn
        .start_sync_execution()
        .state_machine_arn(format!("{sender}#Refused"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status, SyncExecutionStatus::Failed);
    assert_eq!(
        refused.error.as_deref(),
        Some("Sqs.QueueDoesNotExistException")
    );
    // No test case: SQS is not emulated, and nothing mocks it.
    let unmocked = sfn
        .start_sync_execution()
        .state_machine_arn(&sender)
        .send()
        .await
        .unwrap();
    assert_eq!(unmocked.error.as_deref(), Some("Sqs.SdkClientException"));
    let err = sfn
        .start_sync_execution()
        .state_machine_arn(format!("{sender}#Missing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidName"));
}

#[tokio::test]
async fn a_bad_mock_config_fails_start_naming_the_problem() {
    let err = Emulator::start(Config {
        sfn_mock_config: Some(json!({"StateMachines": {"m": {}}})),
        ..Config::default()
    })
    .await
    .err()
    .expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "StateMachines.m needs TestCases");
}
