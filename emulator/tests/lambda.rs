//! Lambda through aws-sdk-lambda: functions run as real processes of the test-support
//! bootstrap (`orderlab-test-lambda`), with AWS's shapes and errors.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::{Value, json};

async fn invoke(client: &Client, name: &str, event: Value) -> (Value, Option<String>) {
    let output = client
        .invoke()
        .function_name(name)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .expect("Invoke");
    assert_eq!(output.executed_version(), Some("$LATEST"));
    let payload = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let value = serde_json::from_slice(&payload).expect("payload is JSON");
    (value, output.function_error().map(str::to_owned))
}

#[tokio::test]
async fn create_function_reports_the_configuration() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let created = support::create_test_function(&client, "echo", 3, &[("A", "1")]).await;
    assert_eq!(created.function_name(), Some("echo"));
    assert_eq!(
        created.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:echo")
    );
    assert_eq!(created.timeout(), Some(3));
    assert_eq!(created.memory_size(), Some(128));
    assert_eq!(created.version(), Some("$LATEST"));
    assert_eq!(created.state().map(|s| s.as_str()), Some("Active"));
    let zip = support::test_lambda_zip();
    assert_eq!(created.code_size(), zip.len() as i64);
    assert_eq!(created.code_sha256(), Some(sha256_base64(&zip).as_str()));
    let last_modified = created.last_modified().unwrap();
    assert_eq!(last_modified.len(), 28, "{last_modified}");
    assert!(last_modified.ends_with("+0000"));

    let got = client
        .get_function()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    assert_eq!(got.code().and_then(|c| c.repository_type()), Some("S3"));
    let env = got
        .configuration()
        .and_then(|c| c.environment())
        .and_then(|e| e.variables());
    assert_eq!(env.and_then(|v| v.get("A")).map(String::as_str), Some("1"));

    let listed = client.list_functions().send().await.unwrap();
    assert_eq!(listed.functions().len(), 1);

    let duplicate = support::create_test_function_result(&client, "echo").await;
    let err = duplicate.unwrap_err().into_service_error();
    assert!(err.is_resource_conflict_exception());
    assert_eq!(err.meta().message(), Some("Function already exist: echo"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn unknown_functions_are_not_found() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let err = client
        .get_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception());
    assert_eq!(
        err.meta().message(),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
    );
    let err = client
        .invoke()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_zip_without_bootstrap_is_rejected() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let err = client
        .create_function()
        .function_name("bad")
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("x")
        .role("arn:aws:iam::000000000000:role/r")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(support::zip_with("main", b"#!/bin/sh\n")))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception());
    emulator.shutdown().await;
}

#[tokio::test]
async fn invoke_echoes_fails_and_uses_names_and_arns() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "echo", 3, &[]).await;

    let (answer, error) = invoke(&client, "echo", json!({"hello": "world"})).await;
    assert_eq!(answer, json!({"hello": "world"}));
    assert_eq!(error, None);

    let arn = "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST";
    let (answer, _) = invoke(&client, arn, json!({"n": 1})).await;
    assert_eq!(answer, json!({"n": 1}));

    let (answer, error) = invoke(&client, "echo", json!({"fail": "boom"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(
        answer,
        json!({"errorMessage": "boom", "errorType": "TestError", "stackTrace": []})
    );

    let event = client
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    let dry = client
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_environment_is_clean_and_complete() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "env", 3, &[("ORDERS_TABLE", "alex-orders")]).await;
    // SAFETY-free check that the emulator's own environment does not leak in.
    let (answer, _) = invoke(&client, "env", json!({"whoami": true})).await;
    let env = answer["env"].as_object().expect("env object");
    assert_eq!(env["ORDERS_TABLE"], "alex-orders");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "env");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_ENDPOINT_URL"], emulator.endpoint().as_str());
    assert_eq!(env["TZ"], ":UTC");
    assert_eq!(env["_HANDLER"], "bootstrap");
    assert!(
        env["AWS_LAMBDA_RUNTIME_API"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert!(!env.contains_key("HOME"), "HOME leaked: {env:?}");
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"), "cargo env leaked");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_slow_invocation_times_out_and_the_instance_is_replaced() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "slow", 1, &[]).await;
    let (answer, error) = invoke(&client, "slow", json!({"sleep_ms": 5000})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    let message = answer["errorMessage"].as_str().unwrap();
    assert!(
        message.ends_with("Task timed out after 1.00 seconds"),
        "{message}"
    );
    let (answer, error) = invoke(&client, "slow", json!({"ok": 1})).await;
    assert_eq!((answer, error), (json!({"ok": 1}), None));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_process_that_exits_mid_invocation_reports_runtime_exit_error() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "dies", 3, &[]).await;
    let (answer, error) = invoke(&client, "dies", json!({"exit": 1})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(answer["errorType"], "Runtime.ExitError");
    let message = answer["errorMessage"].as_str().unwrap();
    assert!(message.starts_with("RequestId: "), "{message}");
    assert!(
        message.ends_with("Error: Runtime exited with error: exit status 1"),
        "{message}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn concurrent_invocations_run_on_separate_instances() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "par", 10, &[]).await;
    let started = std::time::Instant::now();
    let calls = (0..4).map(|_| {
        let client = client.clone();
        async move { invoke(&client, "par", json!({"sleep_ms": 700})).await }
    });
    let answers = futures_join(calls).await;
    let mut pids: Vec<u64> = answers
        .iter()
        .map(|(a, _)| a["pid"].as_u64().unwrap())
        .collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 4, "each concurrent call had its own process");
    assert!(started.elapsed() < std::time::Duration::from_millis(2500));
    emulator.shutdown().await;
}

async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut handles = Vec::new();
    for future in futures {
        handles.push(tokio::spawn(future));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn shutdown_reaps_every_process() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "a", 3, &[]).await;
    support::create_test_function(&client, "b", 3, &[]).await;
    invoke(&client, "a", json!({})).await;
    invoke(&client, "b", json!({})).await;
    let pids = emulator.lambda_process_ids();
    assert_eq!(pids.len(), 2);
    for pid in &pids {
        assert!(process_exists(*pid), "pid {pid} runs before shutdown");
    }
    emulator.shutdown().await;
    for pid in pids {
        assert!(
            !process_exists(pid),
            "pid {pid} still exists (zombie or orphan)"
        );
    }
}

fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn permissions_and_configuration_updates() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "p", 3, &[]).await;
    let added = client
        .add_permission()
        .function_name("p")
        .statement_id("apigw")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn("arn:aws:execute-api:us-east-1:000000000000:abc/*")
        .send()
        .await
        .unwrap();
    let statement: Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(
        statement["Principal"],
        json!({"Service": "apigateway.amazonaws.com"})
    );
    let policy = client.get_policy().function_name("p").send().await.unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "apigw");

    let updated = client
        .update_function_configuration()
        .function_name("p")
        .timeout(30)
        .memory_size(256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (updated.timeout(), updated.memory_size()),
        (Some(30), Some(256))
    );
    let (answer, _) = invoke(&client, "p", json!({"whoami": true})).await;
    assert_eq!(answer["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");

    client
        .delete_function()
        .function_name("p")
        .send()
        .await
        .unwrap();
    let err = client
        .get_function()
        .function_name("p")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    emulator.shutdown().await;
}

#[tokio::test]
async fn event_source_mappings_are_recorded() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "consumer", 3, &[]).await;
    let stream = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000";
    let created = client
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(stream)
        .starting_position(aws_sdk_lambda::types::EventSourcePosition::TrimHorizon)
        .send()
        .await
        .unwrap();
    assert_eq!(created.batch_size(), Some(100));
    let uuid = created.uuid().unwrap().to_owned();
    let got = client
        .get_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .unwrap();
    assert_eq!(got.state(), Some("Enabled"));
    assert_eq!(
        got.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:consumer")
    );
    let listed = client
        .list_event_source_mappings()
        .function_name("consumer")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.event_source_mappings().len(), 1);
    client
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .unwrap();
    let err = client
        .get_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    emulator.shutdown().await;
}

/// CodeSha256 as AWS reports it: the zip's SHA-256, base64.
/// Every member CreateEventSourceMapping takes for a stream is answered back as honoured, or
/// refused with InvalidParameterValueException: none is dropped.
#[tokio::test]
async fn event_source_mapping_options_are_honoured_or_refused() {
    use aws_sdk_lambda::types::{
        DestinationConfig, EventSourcePosition, Filter, FilterCriteria, FunctionResponseType,
        OnFailure,
    };
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "consumer", 3, &[]).await;
    let stream = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000";
    let pattern = r#"{"eventName": ["INSERT"]}"#;
    let create = || {
        client
            .create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(stream)
            .starting_position(EventSourcePosition::TrimHorizon)
    };
    let created = create()
        .batch_size(2500)
        .parallelization_factor(4)
        .maximum_batching_window_in_seconds(5)
        .maximum_record_age_in_seconds(3600)
        .bisect_batch_on_function_error(true)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .filter_criteria(
            FilterCriteria::builder()
                .filters(Filter::builder().pattern(pattern).build())
                .build(),
        )
        .send()
        .await
        .expect("CreateEventSourceMapping");
    let got = client
        .get_event_source_mapping()
        .uuid(created.uuid().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.batch_size(), Some(2500));
    assert_eq!(got.parallelization_factor(), Some(4));
    assert_eq!(got.maximum_batching_window_in_seconds(), Some(5));
    assert_eq!(got.maximum_record_age_in_seconds(), Some(3600));
    assert_eq!(got.bisect_batch_on_function_error(), Some(true));
    assert_eq!(
        got.function_response_types(),
        [FunctionResponseType::ReportBatchItemFailures]
    );
    let filters = got.filter_criteria().unwrap().filters();
    assert_eq!(filters[0].pattern(), Some(pattern));

    let refused = [
        create().parallelization_factor(11),
        create().maximum_record_age_in_seconds(30),
        create().tumbling_window_in_seconds(60),
        create().destination_config(
            DestinationConfig::builder()
                .on_failure(
                    OnFailure::builder()
                        .destination("arn:aws:sqs:us-east-1:000000000000:dlq")
                        .build(),
                )
                .build(),
        ),
        create().filter_criteria(
            FilterCriteria::builder()
                .filters(
                    Filter::builder()
                        .pattern(r#"{"eventName": "INSERT"}"#)
                        .build(),
                )
                .build(),
        ),
        create().queues("q"),
    ];
    let mut codes = Vec::new();
    for request in refused {
        let error = request.send().await.unwrap_err().into_service_error();
        codes.push(error.meta().code().unwrap_or_default().to_owned());
    }
    assert_eq!(
        codes,
        [
            "ValidationException",
            "InvalidParameterValueException",
            "InvalidParameterValueException",
            "InvalidParameterValueException",
            "InvalidParameterValueException",
            "InvalidParameterValueException",
        ]
    );
    emulator.shutdown().await;
}

fn sha256_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}
