//! Lambda reserved concurrency through aws-sdk-lambda: Put/Get/DeleteFunctionConcurrency and
//! GetAccountSettings with AWS's shapes and limits, and what invocations beyond a reservation
//! get — synchronous ones 429 `TooManyRequestsException`, asynchronous ones queued until there
//! is room, Step Functions' Lambda tasks `Lambda.TooManyRequestsException` (retried by Retry).
//! Functions that block until released (`{"hold": DIR}`) make "in use" exact, not timed.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, ThrottleReason};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

/// A client that does not retry throttles (the SDK's standard mode would retry a 429).
async fn client(emulator: &Emulator) -> Client {
    let config = support::sdk_config(emulator).await;
    let config = aws_sdk_lambda::config::Builder::from(&config)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

async fn reserve(client: &Client, name: &str, n: i32) {
    let answer = client
        .put_function_concurrency()
        .function_name(name)
        .reserved_concurrent_executions(n)
        .send()
        .await
        .expect("PutFunctionConcurrency");
    assert_eq!(answer.reserved_concurrent_executions(), Some(n));
}

async fn reserved(client: &Client, name: &str) -> Option<i32> {
    client
        .get_function_concurrency()
        .function_name(name)
        .send()
        .await
        .expect("GetFunctionConcurrency")
        .reserved_concurrent_executions()
}

async fn invoke(
    client: &Client,
    name: &str,
    event: Value,
) -> Result<Value, aws_sdk_lambda::operation::invoke::InvokeError> {
    let output = client
        .invoke()
        .function_name(name)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .map_err(|e| e.into_service_error())?;
    let payload = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    Ok(serde_json::from_slice(&payload).expect("payload is JSON"))
}

/// Waits (bounded) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn started(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("started."))
                .count()
        })
        .unwrap_or(0)
}

fn assert_throttled(err: &aws_sdk_lambda::operation::invoke::InvokeError) {
    let aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(throttle) = err
    else {
        panic!("expected TooManyRequestsException, got {err:?}");
    };
    assert_eq!(
        throttle.reason(),
        Some(&ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
    );
    assert_eq!(throttle.message(), Some("Rate Exceeded."));
    assert_eq!(throttle.r#type(), Some("User"));
}

#[tokio::test]
async fn a_reservation_is_put_read_described_and_deleted() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    support::create_test_function(&client, "f", 3, &[]).await;
    assert_eq!(reserved(&client, "f").await, None);
    let got = client
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap();
    assert!(got.concurrency().is_none());

    reserve(&client, "f", 5).await;
    assert_eq!(reserved(&client, "f").await, Some(5));
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    assert_eq!(reserved(&client, arn).await, Some(5), "by ARN too");
    let got = client
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        Some(5)
    );
    let settings = client.get_account_settings().send().await.unwrap();
    let limit = settings.account_limit().expect("AccountLimit");
    assert_eq!(limit.concurrent_executions(), 1000);
    assert_eq!(limit.unreserved_concurrent_executions(), Some(995));
    assert_eq!(
        settings.account_usage().map(|u| u.function_count()),
        Some(1)
    );

    client
        .delete_function_concurrency()
        .function_name("f")
        .send()
        .await
        .expect("DeleteFunctionConcurrency");
    assert_eq!(reserved(&client, "f").await, None);
    let got = client
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap();
    assert!(got.concurrency().is_none());
    let settings = client.get_account_settings().send().await.unwrap();
    let unreserved = settings
        .account_limit()
        .and_then(|l| l.unreserved_concurrent_executions());
    assert_eq!(unreserved, Some(1000));
    emulator.shutdown().await;
}

#[tokio::test]
async fn reservations_leave_100_of_1000_unreserved() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    support::create_test_function(&client, "big", 3, &[]).await;
    support::create_test_function(&client, "small", 3, &[]).await;
    reserve(&client, "big", 900).await;
    reserve(&client, "big", 900).await; // its own reservation is replaced, not added to
    let err = client
        .put_function_concurrency()
        .function_name("small")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            "Specified ReservedConcurrentExecutions for function decreases account's \
             UnreservedConcurrentExecution below its minimum value of [100]."
        )
    );
    assert_eq!(reserved(&client, "small").await, None, "nothing changed");
    reserve(&client, "big", 899).await;
    reserve(&client, "small", 1).await;

    let err = client
        .put_function_concurrency()
        .function_name("small")
        .reserved_concurrent_executions(-1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(
            "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed \
             to satisfy constraint: Member must have value greater than or equal to 0"
        )
    );
    let err = client
        .put_function_concurrency()
        .function_name("nope")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
    );
    // a deleted function's reservation is given back
    client
        .delete_function()
        .function_name("big")
        .send()
        .await
        .unwrap();
    reserve(&client, "small", 899).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_synchronous_invoke_beyond_the_reservation_is_throttled() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    support::create_test_function(&client, "one", 10, &[]).await;
    reserve(&client, "one", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let hold = json!({ "hold": dir.path() });
    let held = tokio::spawn({
        let (client, hold) = (client.clone(), hold.clone());
        async move { invoke(&client, "one", hold).await }
    });
    until("the first invocation to start", || started(dir.path()) == 1).await;

    let err = invoke(&client, "one", json!({"n": 2})).await.unwrap_err();
    assert_throttled(&err);
    // the raw answer is AWS's: 429 with the reason beside the message
    let raw = client
        .invoke()
        .function_name("one")
        .send()
        .await
        .unwrap_err();
    let response = raw.raw_response().expect("a response");
    assert_eq!(response.status().as_u16(), 429);
    let body: Value = serde_json::from_slice(response.body().bytes().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"Type": "User", "message": "Rate Exceeded.",
               "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})
    );

    std::fs::write(dir.path().join("release"), b"").unwrap();
    let answer = held.await.unwrap().expect("the held invocation succeeds");
    assert_eq!(answer["held"], true);
    let answer = invoke(&client, "one", json!({"n": 3}))
        .await
        .expect("room again");
    assert_eq!(answer, json!({"n": 3}));

    // raised to 2: two run at once, a third is throttled
    reserve(&client, "one", 2).await;
    let release = tempfile::tempdir().unwrap();
    let hold = json!({ "hold": release.path() });
    let held: Vec<_> = (0..2)
        .map(|_| {
            let (client, hold) = (client.clone(), hold.clone());
            tokio::spawn(async move { invoke(&client, "one", hold).await })
        })
        .collect();
    until("two invocations to start", || started(release.path()) == 2).await;
    assert_throttled(&invoke(&client, "one", json!({})).await.unwrap_err());
    std::fs::write(release.path().join("release"), b"").unwrap();
    for task in held {
        assert_eq!(task.await.unwrap().unwrap()["held"], true);
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn zero_throttles_every_invoke_and_queues_asynchronous_ones_until_there_is_room() {
    let emulator = support::start().await;
    let client = client(&emulator).await;
    support::create_test_function(&client, "off", 3, &[]).await;
    reserve(&client, "off", 0).await;
    assert_throttled(&invoke(&client, "off", json!({})).await.unwrap_err());

    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let accepted = client
        .invoke()
        .function_name("off")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(json!({ "touch": marker }).to_string()))
        .send()
        .await
        .expect("an asynchronous invoke is accepted while throttled");
    assert_eq!(accepted.status_code(), 202);
    let usage: Value = reqwest::get(format!("{}/_orderlab/usage", emulator.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(usage["lambda"]["queuedEvents"], 1, "{usage}");
    assert!(!marker.exists(), "a throttled event does not run");

    client
        .delete_function_concurrency()
        .function_name("off")
        .send()
        .await
        .unwrap();
    until("the queued event to run", || marker.exists()).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn step_functions_lambda_tasks_see_lambda_too_many_requests_and_retry_it() {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let lambda = client(&emulator).await;
    support::create_test_function(&lambda, "busy", 3, &[]).await;
    reserve(&lambda, "busy", 0).await;
    let sfn = aws_sdk_sfn::Client::new(&support::sdk_config(&emulator).await);
    let retry = json!([{"ErrorEquals": ["Lambda.TooManyRequestsException"],
                        "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 1}]);
    let definition = json!({"StartAt": "Invoke", "States": {
        "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "busy", "Payload": {}},
                   "Retry": retry,
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.invoke", "Next": "Sdk"}],
                   "End": true},
        "Sdk": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:invoke",
                "Parameters": {"FunctionName": "busy"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.sdk", "Next": "Done"}],
                "End": true},
        "Done": {"Type": "Succeed"}}});
    let machine = sfn
        .create_state_machine()
        .name("throttled")
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::000000000000:role/states-role")
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let execution = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input("{}")
        .send()
        .await
        .unwrap()
        .execution_arn;
    let deadline = Instant::now() + Duration::from_secs(20);
    let described = loop {
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if described.status != aws_sdk_sfn::types::ExecutionStatus::Running {
            break described;
        }
        assert!(Instant::now() < deadline, "execution still running");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(
        described.status,
        aws_sdk_sfn::types::ExecutionStatus::Succeeded
    );
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output["invoke"]["Error"], "Lambda.TooManyRequestsException");
    assert_eq!(output["sdk"]["Error"], "Lambda.TooManyRequestsException");
    assert!(
        output["sdk"]["Cause"]
            .as_str()
            .unwrap()
            .starts_with("Rate Exceeded. (Service: Lambda, Status Code: 429"),
        "{output}"
    );
    let history = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    let failures = history
        .events()
        .iter()
        .filter(|e| e.r#type == aws_sdk_sfn::types::HistoryEventType::TaskFailed)
        .count();
    assert_eq!(
        failures, 4,
        "the first attempt and two retries, then the SDK task"
    );
    emulator.shutdown().await;
}
