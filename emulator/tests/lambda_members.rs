//! Lambda's function members through aws-sdk-lambda: each is honoured (round-trips through
//! GetFunctionConfiguration or changes behaviour) or refused with a 400
//! `InvalidParameterValueException` naming it; the default values infrastructure tools send
//! are accepted. The policy lives in `emulator/src/lambda/members.rs`.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    ApplicationLogLevel, DeadLetterConfig, EphemeralStorage, FileSystemConfig, FunctionCode,
    ImageConfig, LogFormat, LogType, LoggingConfig, PackageType, Runtime, SnapStart,
    SnapStartApplyOn, TracingConfig, TracingMode, VpcConfig,
};
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

fn create(client: &Client, name: &str) -> CreateFunctionFluentBuilder {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(ROLE)
        .code(zip_code(support::test_lambda_zip()))
}

fn zip_code(zip: Vec<u8>) -> FunctionCode {
    FunctionCode::builder().zip_file(Blob::new(zip)).build()
}

/// The answer is a 400 `InvalidParameterValueException` whose message names `member`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>>,
    member: &str,
) {
    let error = result.expect_err(member);
    let status = error.raw_response().map(|r| r.status().as_u16());
    let service = &error;
    assert_eq!(status, Some(400), "{member}: {service:?}");
    assert_eq!(
        service.code(),
        Some("InvalidParameterValueException"),
        "{member}"
    );
    let message = service.message().unwrap_or_default();
    assert!(
        message.starts_with(&format!("{member}: "))
            && message.ends_with("not supported by this emulator"),
        "{member}: {message}"
    );
}

#[track_caller]
fn assert_precondition_failed<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>>,
) {
    let error = result.expect_err("stale RevisionId");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(412));
    let service = &error;
    assert_eq!(service.code(), Some("PreconditionFailedException"));
    assert!(
        service
            .message()
            .unwrap_or_default()
            .starts_with("The Revision Id provided does not match the latest Revision Id.")
    );
}

#[tokio::test]
async fn members_the_emulator_cannot_honour_are_refused_by_name() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let vpc = VpcConfig::builder().subnet_ids("subnet-1").build();
    assert_refused(
        create(&client, "r").vpc_config(vpc).send().await,
        "VpcConfig",
    );
    let layer = "arn:aws:lambda:us-east-1:000000000000:layer:l:1";
    assert_refused(create(&client, "r").layers(layer).send().await, "Layers");
    let efs = FileSystemConfig::builder()
        .arn("arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0")
        .local_mount_path("/mnt/efs")
        .build()
        .unwrap();
    let result = create(&client, "r").file_system_configs(efs).send().await;
    assert_refused(result, "FileSystemConfigs");
    let dlq = DeadLetterConfig::builder()
        .target_arn("arn:aws:sqs:us-east-1:000000000000:dlq")
        .build();
    let result = create(&client, "r").dead_letter_config(dlq).send().await;
    assert_refused(result, "DeadLetterConfig");
    let result = create(&client, "r")
        .package_type(PackageType::Image)
        .send()
        .await;
    assert_refused(result, "PackageType");
    let image = ImageConfig::builder().command("serve").build();
    let result = create(&client, "r").image_config(image).send().await;
    assert_refused(result, "ImageConfig");
    let snap = SnapStart::builder()
        .apply_on(SnapStartApplyOn::PublishedVersions)
        .build();
    assert_refused(
        create(&client, "r").snap_start(snap).send().await,
        "SnapStart",
    );
    assert_refused(create(&client, "r").publish(true).send().await, "Publish");
    let csc = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefg";
    let result = create(&client, "r")
        .code_signing_config_arn(csc)
        .send()
        .await;
    assert_refused(result, "CodeSigningConfigArn");
    let s3 = FunctionCode::builder()
        .s3_bucket("code-bucket")
        .s3_key("f.zip")
        .build();
    assert_refused(create(&client, "r").code(s3).send().await, "S3Bucket");
    let missing = client.get_function().function_name("r").send().await;
    assert!(
        missing
            .unwrap_err()
            .into_service_error()
            .is_resource_not_found_exception()
    );

    support::create_test_function(&client, "f", 3, &[]).await;
    let vpc = VpcConfig::builder().security_group_ids("sg-1").build();
    let result = client
        .update_function_configuration()
        .function_name("f")
        .vpc_config(vpc)
        .send()
        .await;
    assert_refused(result, "VpcConfig");
    let result = client
        .update_function_code()
        .function_name("f")
        .image_uri("000000000000.dkr.ecr.us-east-1.amazonaws.com/r:1")
        .send()
        .await;
    assert_refused(result, "ImageUri");
    let result = client
        .update_function_code()
        .function_name("f")
        .zip_file(Blob::new(support::test_lambda_zip()))
        .publish(true)
        .send()
        .await;
    assert_refused(result, "Publish");
    let invoke = || client.invoke().function_name("f").payload(Blob::new("{}"));
    let result = invoke().log_type(LogType::Tail).send().await;
    assert_refused(result, "LogType");
    let result = invoke().client_context("e30=").send().await;
    assert_refused(result, "ClientContext");
    let fine = invoke().log_type(LogType::None).send().await.unwrap();
    assert_eq!(fine.status_code(), 200);
    emulator.shutdown().await;
}

/// What the hashicorp/aws provider sends for an unset block: empty or default values.
#[tokio::test]
async fn default_values_of_refused_members_are_accepted() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let created = create(&client, "d")
        .vpc_config(VpcConfig::builder().set_subnet_ids(Some(vec![])).build())
        .set_layers(Some(vec![]))
        .package_type(PackageType::Zip)
        .publish(false)
        .dead_letter_config(DeadLetterConfig::builder().target_arn("").build())
        .kms_key_arn("")
        .tracing_config(
            TracingConfig::builder()
                .mode(TracingMode::PassThrough)
                .build(),
        )
        .snap_start(
            SnapStart::builder()
                .apply_on(SnapStartApplyOn::None)
                .build(),
        )
        .ephemeral_storage(EphemeralStorage::builder().size(512).build().unwrap())
        .send()
        .await
        .expect("defaults are accepted");
    assert_eq!(created.ephemeral_storage().map(|e| e.size()), Some(512));
    assert_eq!(created.kms_key_arn(), None);
    let updated = client
        .update_function_configuration()
        .function_name("d")
        .vpc_config(
            VpcConfig::builder()
                .set_subnet_ids(Some(vec![]))
                .set_security_group_ids(Some(vec![]))
                .build(),
        )
        .dead_letter_config(DeadLetterConfig::builder().target_arn("").build())
        .set_layers(Some(vec![]))
        .send()
        .await
        .expect("empty blocks are accepted");
    assert_eq!(updated.package_type(), Some(&PackageType::Zip));
    emulator.shutdown().await;
}

#[tokio::test]
async fn honoured_members_round_trip_and_reach_the_runtime() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let kms = "arn:aws:kms:us-east-1:000000000000:key/0000-1111";
    create(&client, "h")
        .description("honoured")
        .ephemeral_storage(EphemeralStorage::builder().size(1024).build().unwrap())
        .tracing_config(TracingConfig::builder().mode(TracingMode::Active).build())
        .kms_key_arn(kms)
        .logging_config(
            LoggingConfig::builder()
                .log_format(LogFormat::Json)
                .application_log_level(ApplicationLogLevel::Debug)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let config = client
        .get_function_configuration()
        .function_name("h")
        .send()
        .await
        .unwrap();
    assert_eq!(config.description(), Some("honoured"));
    assert_eq!(config.ephemeral_storage().map(|e| e.size()), Some(1024));
    assert_eq!(
        config.tracing_config().and_then(|t| t.mode()),
        Some(&TracingMode::Active)
    );
    assert_eq!(config.kms_key_arn(), Some(kms));
    let logging = config.logging_config().unwrap();
    assert_eq!(logging.log_format(), Some(&LogFormat::Json));
    assert_eq!(
        logging.application_log_level(),
        Some(&ApplicationLogLevel::Debug)
    );
    assert_eq!(logging.log_group(), Some("/aws/lambda/h"));
    let output = client
        .invoke()
        .function_name("h")
        .payload(Blob::new(json!({"whoami": true}).to_string()))
        .send()
        .await
        .unwrap();
    let answer: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(answer["env"]["AWS_LAMBDA_LOG_FORMAT"], "JSON");
    assert_eq!(answer["env"]["AWS_LAMBDA_LOG_LEVEL"], "DEBUG");

    let updated = client
        .update_function_configuration()
        .function_name("h")
        .ephemeral_storage(EphemeralStorage::builder().size(10240).build().unwrap())
        .kms_key_arn("")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.ephemeral_storage().map(|e| e.size()), Some(10240));
    assert_eq!(updated.kms_key_arn(), None);
    let mut tagged = create(&client, "t");
    for n in 0..51 {
        tagged = tagged.tags(format!("k{n}"), "v");
    }
    let error = tagged.send().await.unwrap_err();
    assert_eq!(
        (error.code(), error.message()),
        (
            Some("InvalidParameterValueException"),
            Some("Number of tags exceeds resource tag limit.")
        )
    );
    let too_big = client
        .update_function_configuration()
        .function_name("h")
        .ephemeral_storage(EphemeralStorage::builder().size(10241).build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        too_big.into_service_error().code(),
        Some("ValidationException")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn revision_ids_guard_updates_and_dry_runs_change_nothing() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let created = support::create_test_function(&client, "v", 3, &[]).await;
    let first = created.revision_id().unwrap().to_owned();
    let updated = client
        .update_function_configuration()
        .function_name("v")
        .timeout(5)
        .revision_id(&first)
        .send()
        .await
        .unwrap();
    let second = updated.revision_id().unwrap().to_owned();
    assert_ne!(first, second);
    let stale = client
        .update_function_configuration()
        .function_name("v")
        .timeout(9)
        .revision_id(&first)
        .send()
        .await;
    assert_precondition_failed(stale);
    let zip = support::zip_with("bootstrap", b"#!/bin/sh\nexit 1\n");
    let stale = client
        .update_function_code()
        .function_name("v")
        .zip_file(Blob::new(zip.clone()))
        .revision_id(&first)
        .send()
        .await;
    assert_precondition_failed(stale);
    let stale = client
        .add_permission()
        .function_name("v")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .revision_id(&first)
        .send()
        .await;
    assert_precondition_failed(stale);

    let dry = client
        .update_function_code()
        .function_name("v")
        .zip_file(Blob::new(zip))
        .architectures(aws_sdk_lambda::types::Architecture::Arm64)
        .dry_run(true)
        .revision_id(&second)
        .send()
        .await
        .unwrap();
    let now = client
        .get_function_configuration()
        .function_name("v")
        .send()
        .await
        .unwrap();
    assert_ne!(dry.code_sha256(), now.code_sha256());
    assert_eq!(dry.revision_id(), Some(second.as_str()));
    assert_eq!(now.revision_id(), Some(second.as_str()));
    assert_eq!(now.timeout(), Some(5));
    assert_eq!(
        now.architectures(),
        &[aws_sdk_lambda::types::Architecture::X8664]
    );
    let output = client
        .invoke()
        .function_name("v")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(output.function_error(), None, "the old code still runs");
    emulator.shutdown().await;
}

#[tokio::test]
async fn list_members_page_and_qualified_deletes_name_a_version() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    for name in ["a", "b", "c"] {
        support::create_test_function(&client, name, 3, &[]).await;
    }
    let first = client.list_functions().max_items(2).send().await.unwrap();
    let names: Vec<&str> = first
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let marker = first.next_marker().expect("a second page").to_owned();
    let second = client
        .list_functions()
        .max_items(2)
        .marker(marker)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = second
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!((names, second.next_marker()), (vec!["c"], None));
    let all = client
        .list_functions()
        .function_version(aws_sdk_lambda::types::FunctionVersion::All)
        .send()
        .await
        .unwrap();
    assert_eq!(all.functions().len(), 3);
    let bogus = client
        .list_functions()
        .marker("zz")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bogus.code(), Some("InvalidParameterValueException"));
    assert_eq!(
        bogus.message(),
        Some("Marker: 'zz' is not a marker this emulator answered")
    );
    let edge = client
        .list_functions()
        .master_region("us-east-1")
        .send()
        .await;
    assert_refused(edge, "MasterRegion");

    let version = client
        .delete_function()
        .function_name("a")
        .qualifier("1")
        .send()
        .await
        .unwrap_err();
    assert!(
        version
            .into_service_error()
            .is_resource_not_found_exception()
    );
    let still = client.get_function().function_name("a").send().await;
    assert!(still.is_ok(), "deleting version 1 left the function");
    emulator.shutdown().await;
}
