//! `orderlab emulate` as a drop-in for Step Functions Local: started the way Step Functions
//! Local is (`SFN_MOCK_CONFIG` naming a MockConfigFile, the account 123456789012), driven
//! through aws-sdk-sfn like AWS's published mock-config example (`tests/sfn_local/`: the
//! LambdaSQSIntegration machine, here with `aws-sdk` tasks). Several test cases run at once,
//! each execution with its own mocks, and each history is checked per case. Also: the
//! command line's errors for a bad MockConfigFile or account id (exit 2, naming the file).
//!
//! The emulator runs on the wall clock (as `emulate` does): the RetryPath case waits its
//! three one-second retry intervals, polled with a bound.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeDefinition, KeySchemaElement, KeyType};
use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, ScalarAttributeType};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};
use tokio::io::{AsyncBufReadExt, BufReader};

const ORDERLAB: &str = env!("CARGO_BIN_EXE_orderlab");
const ACCOUNT: &str = "123456789012";
const MACHINE: &str = "LambdaSQSIntegration";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sfn_local")
        .join(name)
}

/// `orderlab emulate --port 0` with `env`; the child (killed on drop) and its endpoint.
async fn emulate(env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(ORDERLAB)
        .args(["emulate", "--port", "0"])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), stdout.next_line())
        .await
        .expect("emulate prints its address")
        .unwrap()
        .unwrap_or_default();
    let endpoint = first
        .split_once("listening on ")
        .map(|(_, url)| url.trim().to_owned())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    // Keep reading so the banner's writer never blocks.
    tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
    (child, endpoint)
}

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    orderlab::stack::sdk_config(endpoint, "us-east-1").await
}

/// Waits (bounded) until the execution has ended and returns its status.
async fn wait_for(sfn: &aws_sdk_sfn::Client, arn: &str) -> ExecutionStatus {
    for _ in 0..600 {
        let described = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if described.status != ExecutionStatus::Running {
            return described.status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{arn} still RUNNING after 60 s");
}

async fn history(sfn: &aws_sdk_sfn::Client, arn: &str) -> Vec<HistoryEvent> {
    sfn.get_execution_history()
        .execution_arn(arn)
        .max_results(1000)
        .send()
        .await
        .unwrap()
        .events
}

fn count(events: &[HistoryEvent], kind: HistoryEventType) -> usize {
    events.iter().filter(|e| e.r#type == kind).count()
}

fn exited(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.state_exited_event_details.as_ref())
        .map(|d| d.name.clone())
        .collect()
}

fn task_errors(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.task_failed_event_details.as_ref())
        .filter_map(|d| d.error.clone())
        .collect()
}

async fn create_results_table(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    dynamodb
        .create_table()
        .table_name("Results")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    dynamodb
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_functions_local_mock_config_example() {
    let mock_config = fixture("MockConfigFile.json");
    let (_child, endpoint) = emulate(&[
        ("SFN_MOCK_CONFIG", mock_config.to_str().unwrap()),
        ("ORDERLAB_ACCOUNT_ID", ACCOUNT),
    ])
    .await;
    let config = sdk_config(&endpoint).await;
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dynamodb = create_results_table(&config).await;
    // An item already saved under the name DuplicatePath's execution will use.
    dynamodb
        .put_item()
        .table_name("Results")
        .item("id", AttributeValue::S("duplicateExecution".into()))
        .send()
        .await
        .unwrap();

    let definition = std::fs::read_to_string(fixture("state_machine.asl.json")).unwrap();
    let created = sfn
        .create_state_machine()
        .name(MACHINE)
        .definition(definition)
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/DummyRole"))
        .send()
        .await
        .unwrap();
    let machine_arn = created.state_machine_arn;
    assert_eq!(
        machine_arn,
        format!("arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{MACHINE}")
    );

    // Every test case at once, each execution with its own mocks and attempt counts.
    let cases = [
        ("happyPathExecution", "HappyPath"),
        ("retryPathExecution", "RetryPath"),
        ("hybridPathExecution", "HybridPath"),
        ("duplicateExecution", "HybridPath"),
        ("unmockedQueueExecution", "UnmockedQueue"),
    ];
    for (name, case) in cases {
        let started = sfn
            .start_execution()
            .name(name)
            .state_machine_arn(format!("{machine_arn}#{case}"))
            .input(r#"{"data": "test input"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(
            started.execution_arn,
            format!("arn:aws:states:us-east-1:{ACCOUNT}:execution:{MACHINE}:{name}")
        );
    }
    let arn = |name: &str| format!("arn:aws:states:us-east-1:{ACCOUNT}:execution:{MACHINE}:{name}");

    // HappyPath: every task mocked, succeeding first time.
    assert_eq!(
        wait_for(&sfn, &arn("happyPathExecution")).await,
        ExecutionStatus::Succeeded
    );
    let described = sfn
        .describe_execution()
        .execution_arn(arn("happyPathExecution"))
        .send()
        .await
        .unwrap();
    assert_eq!(described.state_machine_arn, machine_arn);
    let events = history(&sfn, &arn("happyPathExecution")).await;
    assert_eq!(exited(&events), ["LambdaState", "SQSState", "SaveState"]);
    assert_eq!(count(&events, HistoryEventType::TaskSucceeded), 3);
    assert_eq!(count(&events, HistoryEventType::TaskFailed), 0);
    let scheduled: Vec<_> = events
        .iter()
        .filter_map(|e| e.task_scheduled_event_details.as_ref())
        .map(|d| (d.resource_type.as_str(), d.resource.as_str()))
        .collect();
    assert_eq!(
        scheduled,
        [
            ("lambda", "invoke"),
            ("aws-sdk:sqs", "sendMessage"),
            ("aws-sdk:dynamodb", "putItem")
        ]
    );
    let output: serde_json::Value =
        serde_json::from_str(described.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["lambda"]["body"], "Hello from Lambda!");
    assert_eq!(
        output["sqs"]["MessageId"],
        "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
    );

    // RetryPath: one ResourceNotReady and two timeouts, then success on the fourth attempt.
    assert_eq!(
        wait_for(&sfn, &arn("retryPathExecution")).await,
        ExecutionStatus::Succeeded
    );
    let events = history(&sfn, &arn("retryPathExecution")).await;
    assert_eq!(
        task_errors(&events),
        [
            "Lambda.ResourceNotReadyException",
            "Lambda.TimeoutException",
            "Lambda.TimeoutException"
        ]
    );
    assert_eq!(count(&events, HistoryEventType::TaskSucceeded), 3);
    assert_eq!(exited(&events), ["LambdaState", "SQSState", "SaveState"]);

    // HybridPath: SaveState is not mocked, so the emulated DynamoDB table is written.
    assert_eq!(
        wait_for(&sfn, &arn("hybridPathExecution")).await,
        ExecutionStatus::Succeeded
    );
    let saved = dynamodb
        .get_item()
        .table_name("Results")
        .key("id", AttributeValue::S("hybridPathExecution".into()))
        .send()
        .await
        .unwrap();
    let item = saved.item.expect("the unmocked putItem wrote the item");
    assert_eq!(
        item["message"],
        AttributeValue::S("3bcb6e8e-8b51-4375-b0bc-1a59812c6e51".into())
    );
    // The same case where the item exists: DynamoDB's error, named as AWS SDK integrations
    // name it, is caught.
    assert_eq!(
        wait_for(&sfn, &arn("duplicateExecution")).await,
        ExecutionStatus::Succeeded
    );
    let events = history(&sfn, &arn("duplicateExecution")).await;
    assert_eq!(
        task_errors(&events),
        ["DynamoDb.ConditionalCheckFailedException"]
    );
    assert_eq!(
        exited(&events),
        ["LambdaState", "SQSState", "SaveState", "AlreadySaved"]
    );

    // UnmockedQueue: SQS is not emulated, so the unmocked call cannot reach it.
    assert_eq!(
        wait_for(&sfn, &arn("unmockedQueueExecution")).await,
        ExecutionStatus::Failed
    );
    let described = sfn
        .describe_execution()
        .execution_arn(arn("unmockedQueueExecution"))
        .send()
        .await
        .unwrap();
    assert_eq!(described.error.as_deref(), Some("Sqs.SdkClientException"));

    // Without `#TestCase` nothing is mocked: the real (missing) function is called.
    let plain = sfn
        .start_execution()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wait_for(&sfn, &plain.execution_arn).await,
        ExecutionStatus::Failed
    );
    let events = history(&sfn, &plain.execution_arn).await;
    assert_eq!(task_errors(&events), ["Lambda.ResourceNotFoundException"]);

    // A test case the file does not define.
    let err = sfn
        .start_execution()
        .state_machine_arn(format!("{machine_arn}#NoSuchCase"))
        .send()
        .await
        .unwrap_err();
    let service = err.into_service_error();
    assert!(service.is_invalid_name(), "{service:?}");
}

/// Runs `orderlab emulate` expecting it to refuse to start; its stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(ORDERLAB)
        .args(["emulate", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_mock_config_files_and_account_ids_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let syntax = dir.path().join("syntax.json");
    std::fs::write(&syntax, "{\n  \"StateMachines\": {,\n}").unwrap();
    let stderr = refused(&["--mock-config", syntax.to_str().unwrap()], &[]);
    assert!(
        stderr.contains(&format!("{}:2:", syntax.display())),
        "{stderr}"
    );

    let missing = dir.path().join("missing.json");
    std::fs::write(
        &missing,
        r#"{"StateMachines": {"m": {"TestCases": {"t": {"S": "Nope"}}}}}"#,
    )
    .unwrap();
    let stderr = refused(&[], &[("SFN_MOCK_CONFIG", missing.to_str().unwrap())]);
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
    assert!(
        stderr.contains("MockedResponses has no Nope (used by S)"),
        "{stderr}"
    );

    let absent = dir.path().join("absent.json");
    let stderr = refused(&["--mock-config", absent.to_str().unwrap()], &[]);
    assert!(stderr.contains("cannot read"), "{stderr}");

    let stderr = refused(&["--account-id", "12345"], &[]);
    assert!(stderr.contains("not an account id"), "{stderr}");
}
