//! TestState through `aws-sdk-sfn`: one test per status (SUCCEEDED, FAILED, RETRIABLE,
//! CAUGHT_ERROR), per inspection level, per `fieldValidationMode`; Map, Parallel, Choice,
//! Retry and Catch with mocks; a real (unmocked) DynamoDB Task; AWS's validation errors.
//!
//! AWS serves TestState on the `sync-` host prefix (`sync-states.<region>.amazonaws.com`);
//! against a local endpoint the client must not add it: [`support::NoHostPrefix`] unsets the SDK's
//! `EndpointPrefix` before the endpoint is applied.
#![allow(clippy::disallowed_methods)] // the Wait test bounds a real-clock run in real time

use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::test_state::TestStateOutput;
use aws_sdk_sfn::operation::test_state::builders::TestStateFluentBuilder;
use aws_sdk_sfn::types::{
    InspectionLevel, MockErrorOutput, MockInput, MockResponseValidationMode, TestExecutionStatus,
    TestStateConfiguration,
};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start_with(clock: ClockMode) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = support::sfn_client_without_host_prefix(&emulator).await;
    (emulator, client)
}

async fn start() -> (Emulator, Client) {
    start_with(ClockMode::Virtual).await
}

fn request(client: &Client, definition: Value, input: Value) -> TestStateFluentBuilder {
    client
        .test_state()
        .definition(definition.to_string())
        .input(input.to_string())
}

fn result_mock(result: Value) -> MockInput {
    MockInput::builder().result(result.to_string()).build()
}

fn error_mock(error: &str, cause: &str) -> MockInput {
    MockInput::builder()
        .error_output(MockErrorOutput::builder().error(error).cause(cause).build())
        .build()
}

async fn ok(builder: TestStateFluentBuilder) -> TestStateOutput {
    builder.send().await.expect("TestState answers")
}

async fn refused(builder: TestStateFluentBuilder) -> (String, String) {
    let err = builder.send().await.expect_err("TestState refuses");
    (
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

fn json_of(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("a JSON text")).expect("valid JSON")
}

fn lambda_task() -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "charge", "Payload.$": "$.order"},
        "ResultSelector": {"charged.$": "$.Payload.charged"},
        "ResultPath": "$.payment",
        "Retry": [
            {"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}
        ],
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "Next": "Later"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}
        ],
        "Next": "Ship"
    })
}

#[tokio::test]
async fn a_pass_state_succeeds_with_its_output_and_next_state() {
    let (_emulator, client) = start().await;
    let definition = json!({"Type": "Pass", "Parameters": {"id.$": "$.order.id"}, "ResultPath": "$.picked", "Next": "Ship"});
    let answer = ok(request(&client, definition, json!({"order": {"id": 7}}))).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(answer.next_state(), Some("Ship"));
    assert_eq!(
        json_of(answer.output()),
        json!({"order": {"id": 7}, "picked": {"id": 7}})
    );
    assert!(
        answer.inspection_data().is_none(),
        "INFO shows no inspection data"
    );
    assert!(answer.error().is_none());
}

#[tokio::test]
async fn a_fail_state_fails_with_its_error_and_cause() {
    let (_emulator, client) = start().await;
    let definition = json!({"Type": "Fail", "ErrorPath": "$.code", "Cause": "out of stock"});
    let answer = ok(request(&client, definition, json!({"code": "Stock.Out"}))).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(answer.error(), Some("Stock.Out"));
    assert_eq!(answer.cause(), Some("out of stock"));
    assert!(answer.output().is_none() && answer.next_state().is_none());
}

#[tokio::test]
async fn a_mocked_error_a_retrier_handles_is_retriable_until_its_attempts_run_out() {
    let (_emulator, client) = start().await;
    let mock = || error_mock("Lambda.TooManyRequestsException", "slow down");
    let answer = ok(request(&client, lambda_task(), json!({"order": {}}))
        .mock(mock())
        .state_configuration(
            TestStateConfiguration::builder()
                .retrier_retry_count(1)
                .build(),
        )
        .inspection_level(InspectionLevel::Debug))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Retriable));
    assert_eq!(answer.error(), Some("Lambda.TooManyRequestsException"));
    let details = answer
        .inspection_data()
        .and_then(|data| data.error_details())
        .expect("errorDetails");
    assert_eq!(details.retry_index(), Some(0));
    assert_eq!(
        details.retry_backoff_interval_seconds(),
        Some(4),
        "2 × 2.0^1"
    );
    // The third retry was the last: the error goes on to the catchers.
    let answer = ok(request(&client, lambda_task(), json!({"order": {}}))
        .mock(mock())
        .state_configuration(
            TestStateConfiguration::builder()
                .retrier_retry_count(3)
                .build(),
        ))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(answer.next_state(), Some("Refund"));
}

#[tokio::test]
async fn a_mocked_error_a_catcher_handles_is_caught_with_its_output_and_next_state() {
    let (_emulator, client) = start().await;
    let answer = ok(request(&client, lambda_task(), json!({"order": {"id": 1}}))
        .mock(error_mock("Lambda.ServiceException", "boom"))
        .inspection_level(InspectionLevel::Debug))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(answer.next_state(), Some("Refund"));
    assert_eq!(
        (answer.error(), answer.cause()),
        (Some("Lambda.ServiceException"), Some("boom"))
    );
    assert_eq!(
        json_of(answer.output()),
        json!({"order": {"id": 1}, "error": {"Error": "Lambda.ServiceException", "Cause": "boom"}})
    );
    let details = answer
        .inspection_data()
        .and_then(|d| d.error_details())
        .expect("errorDetails");
    assert_eq!(details.catch_index(), Some(1));
    // A state without handlers just fails.
    let bare = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true});
    let answer = ok(request(&client, bare, json!({})).mock(error_mock("Oops", "c"))).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(answer.error(), Some("Oops"));
}

#[tokio::test]
async fn debug_and_trace_show_each_processing_step_and_info_none() {
    let (_emulator, client) = start().await;
    let mocked = json!({"StatusCode": 200, "Payload": {"charged": 42, "noise": true}});
    for level in [InspectionLevel::Debug, InspectionLevel::Trace] {
        let answer = ok(
            request(&client, lambda_task(), json!({"order": {"id": 3}, "x": 1}))
                .mock(result_mock(mocked.clone()))
                .inspection_level(level.clone()),
        )
        .await;
        assert_eq!(
            answer.status(),
            Some(&TestExecutionStatus::Succeeded),
            "{level:?}"
        );
        let data = answer.inspection_data().expect("inspection data");
        assert_eq!(json_of(data.input()), json!({"order": {"id": 3}, "x": 1}));
        assert_eq!(
            json_of(data.after_input_path()),
            json!({"order": {"id": 3}, "x": 1})
        );
        assert_eq!(
            json_of(data.after_parameters()),
            json!({"FunctionName": "charge", "Payload": {"id": 3}})
        );
        assert_eq!(json_of(data.result()), mocked);
        assert_eq!(
            json_of(data.after_result_selector()),
            json!({"charged": 42})
        );
        assert_eq!(
            json_of(data.after_result_path()),
            json!({"order": {"id": 3}, "x": 1, "payment": {"charged": 42}})
        );
        assert!(
            data.request().is_none(),
            "no HTTP Task: no HTTP request to show"
        );
        assert_eq!(answer.next_state(), Some("Ship"));
    }
    let info = ok(request(&client, lambda_task(), json!({"order": {}}))
        .mock(result_mock(mocked))
        .inspection_level(InspectionLevel::Info))
    .await;
    assert!(info.inspection_data().is_none());
    assert_eq!(
        json_of(info.output()),
        json!({"order": {}, "payment": {"charged": 42}})
    );
}

#[tokio::test]
async fn strict_validation_checks_types_and_required_fields() {
    let (_emulator, client) = start().await;
    let (code, message) = refused(
        request(&client, lambda_task(), json!({"order": {}}))
            .mock(result_mock(json!({"StatusCode": "200"}))),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Mock result schema validation error: Field 'StatusCode' must be a number"
    );
    let start = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution", "End": true});
    let (code, message) = refused(
        request(&client, start, json!({})).mock(result_mock(json!({"ExecutionArn": "arn:x"}))),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Mock result schema validation error: Required field 'StartDate' is missing"
    );
    // Members the API does not know are accepted.
    let answer = ok(
        request(&client, lambda_task(), json!({"order": {}})).mock(result_mock(
            json!({"Payload": {"charged": 1}, "Extra": [1]}),
        )),
    )
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
}

fn with_mode(result: Value, mode: MockResponseValidationMode) -> MockInput {
    MockInput::builder()
        .result(result.to_string())
        .field_validation_mode(mode)
        .build()
}

#[tokio::test]
async fn present_validation_checks_types_but_not_required_fields() {
    let (_emulator, client) = start().await;
    let get = json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "t", "Key": {"id": {"S": "1"}}}, "End": true});
    let (code, message) = refused(request(&client, get.clone(), json!({})).mock(with_mode(
        json!({"Item": {"id": {"S": 1}}}),
        MockResponseValidationMode::Present,
    )))
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Mock result schema validation error: Field 'S' must be a string"
    );
    let answer = ok(request(&client, get, json!({})).mock(with_mode(
        json!({"Item": {"id": {"S": "1"}}}),
        MockResponseValidationMode::Present,
    )))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(
        json_of(answer.output()),
        json!({"Item": {"id": {"S": "1"}}})
    );
    // A required member left out passes PRESENT (and is refused by STRICT, above).
    let start = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution", "End": true});
    let answer = client
        .test_state()
        .definition(start.to_string())
        .mock(with_mode(
            json!({"ExecutionArn": "arn:x"}),
            MockResponseValidationMode::Present,
        ))
        .send()
        .await;
    assert!(
        answer.is_ok(),
        "PRESENT does not require members: {answer:?}"
    );
}

#[tokio::test]
async fn no_validation_accepts_any_result() {
    let (_emulator, client) = start().await;
    let answer = ok(
        request(&client, lambda_task(), json!({"order": {}})).mock(with_mode(
            json!({"StatusCode": "not a number", "Payload": {"charged": 5}}),
            MockResponseValidationMode::None,
        )),
    )
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(
        json_of(answer.output()),
        json!({"order": {}, "payment": {"charged": 5}})
    );
}

fn map_state(tolerated: Option<u32>) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Square",
            "States": {"Square": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "sq"}, "End": true}}
        },
        "ResultPath": "$.squares",
        "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "TooMany"}],
        "Next": "Sum"
    });
    if let Some(count) = tolerated {
        map["ItemProcessor"]["ProcessorConfig"] =
            json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
        map["ToleratedFailureCount"] = json!(count);
    }
    map
}

#[tokio::test]
async fn a_mocked_map_state_processes_the_mocked_iteration_results() {
    let (_emulator, client) = start().await;
    let input = json!({"items": [1, 2, 3]});
    let answer = ok(request(&client, map_state(None), input.clone())
        .mock(result_mock(json!([1, 4, 9])))
        .inspection_level(InspectionLevel::Debug))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(answer.next_state(), Some("Sum"));
    assert_eq!(
        json_of(answer.output()),
        json!({"items": [1, 2, 3], "squares": [1, 4, 9]})
    );
    let data = answer.inspection_data().expect("inspection data");
    assert_eq!(json_of(data.after_items_path()), json!([1, 2, 3]));
    assert_eq!(data.max_concurrency(), Some(0));
    // Without a mock, or with a result that is not an array: AWS's refusals.
    let (code, message) = refused(request(&client, map_state(None), input.clone())).await;
    assert_eq!(code, "InvalidDefinition");
    assert!(
        message.starts_with("TestState API does not support Map or Parallel states."),
        "{message}"
    );
    let (code, message) =
        refused(request(&client, map_state(None), input).mock(result_mock(json!({"a": 1})))).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ValidationException", "Mocked result must be an array.")
    );
}

#[tokio::test]
async fn map_iteration_failures_beyond_the_tolerance_fail_the_map() {
    let (_emulator, client) = start().await;
    let failures = |count| {
        TestStateConfiguration::builder()
            .map_iteration_failure_count(count)
            .build()
    };
    let input = json!({"items": [1, 2, 3]});
    let within = ok(request(&client, map_state(Some(1)), input.clone())
        .mock(result_mock(json!([1, 4, 9])))
        .state_configuration(failures(1))
        .inspection_level(InspectionLevel::Debug))
    .await;
    assert_eq!(within.status(), Some(&TestExecutionStatus::Succeeded));
    let data = within.inspection_data().expect("inspection data");
    assert_eq!(data.tolerated_failure_count(), Some(1));
    let beyond = ok(request(&client, map_state(Some(1)), input.clone())
        .mock(result_mock(json!([1, 4, 9])))
        .state_configuration(failures(2)))
    .await;
    assert_eq!(beyond.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(
        beyond.error(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(beyond.next_state(), Some("TooMany"));
    // An inline Map tolerates no failed iteration.
    let inline = ok(request(&client, map_state(None), input)
        .mock(result_mock(json!([1, 4, 9])))
        .state_configuration(failures(1)))
    .await;
    assert_eq!(inline.status(), Some(&TestExecutionStatus::CaughtError));
}

fn parallel_state() -> Value {
    let branch =
        |name: &str| json!({"StartAt": name, "States": {name: {"Type": "Pass", "End": true}}});
    json!({
        "Type": "Parallel",
        "Branches": [branch("Left"), branch("Right")],
        "ResultSelector": {"left.$": "$[0]", "right.$": "$[1]"},
        "Retry": [{"ErrorEquals": ["Branch.Flaky"], "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
        "End": true
    })
}

#[tokio::test]
async fn a_mocked_parallel_state_uses_one_result_per_branch() {
    let (_emulator, client) = start().await;
    let answer =
        ok(request(&client, parallel_state(), json!({})).mock(result_mock(json!(["l", "r"]))))
            .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(json_of(answer.output()), json!({"left": "l", "right": "r"}));
    assert!(answer.next_state().is_none(), "End: true");
    let (code, message) =
        refused(request(&client, parallel_state(), json!({})).mock(result_mock(json!(["only"]))))
            .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "Mocked result must contain the same number of items as number of Parallel branches."
    );
    // An error raised by a branch's state: retried first, then caught.
    let caused_by = |retries| {
        TestStateConfiguration::builder()
            .error_caused_by_state("Right")
            .retrier_retry_count(retries)
            .build()
    };
    let retriable = ok(request(&client, parallel_state(), json!({}))
        .mock(error_mock("Branch.Flaky", "c"))
        .state_configuration(caused_by(0)))
    .await;
    assert_eq!(retriable.status(), Some(&TestExecutionStatus::Retriable));
    let caught = ok(request(&client, parallel_state(), json!({}))
        .mock(error_mock("Branch.Flaky", "c"))
        .state_configuration(caused_by(2)))
    .await;
    assert_eq!(caught.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(caught.next_state(), Some("Recover"));
    let (code, _) = refused(
        request(&client, parallel_state(), json!({}))
            .mock(error_mock("E", "c"))
            .state_configuration(
                TestStateConfiguration::builder()
                    .error_caused_by_state("Nowhere")
                    .build(),
            ),
    )
    .await;
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn a_choice_state_of_a_whole_machine_names_the_chosen_state() {
    let (_emulator, client) = start().await;
    let machine = json!({
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Review"}], "Default": "Ship"},
            "Review": {"Type": "Succeed"},
            "Ship": {"Type": "Succeed"}
        }
    });
    for (total, next) in [(500, "Review"), (5, "Ship")] {
        let answer =
            ok(request(&client, machine.clone(), json!({"total": total})).state_name("Route"))
                .await;
        assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
        assert_eq!(answer.next_state(), Some(next));
    }
    let (code, _) = refused(request(&client, machine, json!({})).state_name("Missing")).await;
    assert_eq!(code, "InvalidDefinition");
}

#[tokio::test]
async fn a_wait_state_does_not_wait() {
    // A real clock: the day-long wait must be skipped, not merely fast-forwarded.
    let (_emulator, client) = start_with(ClockMode::Real).await;
    let wait = json!({"Type": "Wait", "Seconds": 86_400, "Next": "Go"});
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        ok(request(&client, wait, json!({"a": 1}))),
    )
    .await
    .expect("TestState does not wait");
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(answer.next_state(), Some("Go"));
    assert_eq!(json_of(answer.output()), json!({"a": 1}));
}

#[tokio::test]
async fn an_unmocked_task_calls_the_emulated_service() {
    let (emulator, client) = start().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&support::sdk_config(&emulator).await);
    dynamodb
        .create_table()
        .table_name("orders")
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .expect("key"),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("table");
    let put = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
        "ResultPath": null,
        "End": true
    });
    let answer = ok(request(&client, put.clone(), json!({"id": "o-1"})).role_arn(ROLE)).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    let item = dynamodb
        .get_item()
        .table_name("orders")
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("o-1".into()),
        )
        .send()
        .await
        .expect("GetItem");
    assert!(item.item().is_some(), "the Task wrote the item");
    // A service error surfaces as the Task's error.
    let missing = json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "nope", "Key": {"id": {"S": "x"}}}, "End": true});
    let answer = ok(request(&client, missing, json!({})).role_arn(ROLE)).await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(answer.error(), Some("DynamoDB.ResourceNotFoundException"));
    // Without a mock a Task needs a role.
    let (code, message) = refused(request(&client, put, json!({"id": "o-2"}))).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "RoleArn must be specified when testing a Task state"
        )
    );
}

#[tokio::test]
async fn variables_and_context_are_used_and_shown() {
    let (_emulator, client) = start().await;
    let task = json!({
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "f", "Payload": {"who": "{% $customer %}", "run": "{% $states.context.Execution.Name %}"}},
        "Assign": {"charged": "{% $states.result.Payload.amount %}"},
        "Output": "{% $states.result.Payload %}",
        "End": true
    });
    let answer = ok(request(&client, task, json!({}))
        .variables(json!({"customer": "ada"}).to_string())
        .context(json!({"Execution": {"Name": "given-name"}}).to_string())
        .mock(result_mock(
            json!({"StatusCode": 200, "Payload": {"amount": 12}}),
        ))
        .inspection_level(InspectionLevel::Debug))
    .await;
    assert_eq!(answer.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(json_of(answer.output()), json!({"amount": 12}));
    let data = answer.inspection_data().expect("inspection data");
    assert_eq!(
        json_of(data.after_arguments()),
        json!({"FunctionName": "f", "Payload": {"who": "ada", "run": "given-name"}})
    );
    assert_eq!(
        json_of(data.variables()),
        json!({"customer": "ada", "charged": 12})
    );
}

#[tokio::test]
async fn requests_aws_refuses_are_refused_with_its_errors() {
    let (_emulator, client) = start().await;
    let pass = json!({"Type": "Pass", "End": true});
    let (code, message) =
        refused(request(&client, pass.clone(), json!({})).mock(result_mock(json!({})))).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationException",
            "State type 'Pass' is not supported when a mock is specified"
        )
    );
    let both = MockInput::builder()
        .result("{}")
        .error_output(MockErrorOutput::builder().error("E").build())
        .build();
    let (_, message) = refused(request(&client, lambda_task(), json!({})).mock(both)).await;
    assert_eq!(
        message,
        "A test mock should have only one of the following fields: [result, errorOutput]."
    );
    let (_, message) = refused(
        request(&client, lambda_task(), json!({}))
            .mock(result_mock(json!({})))
            .reveal_secrets(true),
    )
    .await;
    assert_eq!(
        message,
        "TestState does not support RevealSecrets when a mock is specified."
    );
    let (code, _) = refused(request(&client, pass.clone(), json!({})).context("{}")).await;
    assert_eq!(code, "ValidationException");
    let (code, _) = refused(client.test_state().definition("{not json")).await;
    assert_eq!(code, "InvalidDefinition");
    let (code, _) = refused(request(&client, pass.clone(), json!({})).role_arn("not-an-arn")).await;
    assert_eq!(code, "InvalidArn");
    let (code, _) = refused(client.test_state().definition(pass.to_string()).input("{")).await;
    assert_eq!(code, "InvalidExecutionInput");
    let (code, _) = refused(
        request(&client, pass, json!({})).state_configuration(
            TestStateConfiguration::builder()
                .map_item_reader_data("[]")
                .build(),
        ),
    )
    .await;
    assert_eq!(code, "ValidationException");
}
