//! Shared helpers for the emulator's integration tests: an SDK configuration pointed at a
//! running emulator, and the test-support Lambda zipped as a function's `bootstrap`.
#![allow(dead_code)]

use std::io::Write;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_lambda::config::Credentials;
use orderlab_emulator::{Config, Emulator};

pub async fn start() -> Emulator {
    Emulator::start(Config::default())
        .await
        .expect("emulator starts")
}

/// An SDK configuration for `emulator`: us-east-1, static test credentials.
pub async fn sdk_config(emulator: &Emulator) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emulator.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

/// A zip whose `bootstrap` is the `orderlab-test-lambda` binary.
pub fn test_lambda_zip() -> Vec<u8> {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_orderlab-test-lambda")).expect("test lambda");
    zip_with("bootstrap", &binary)
}

/// A zip holding one file.
pub fn zip_with(name: &str, contents: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    writer.start_file(name, options).expect("zip entry");
    writer.write_all(contents).expect("zip write");
    writer.finish().expect("zip finish").into_inner()
}

/// Creates a function from the test lambda.
pub async fn create_test_function(
    client: &aws_sdk_lambda::Client,
    name: &str,
    timeout: i32,
    env: &[(&str, &str)],
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    let mut environment = aws_sdk_lambda::types::Environment::builder();
    for (k, v) in env {
        environment = environment.variables(*k, *v);
    }
    client
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/lambda-role")
        .timeout(timeout)
        .environment(environment.build())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(test_lambda_zip()))
                .build(),
        )
        .send()
        .await
        .expect("CreateFunction")
}

/// CreateFunction of the test lambda, returning the SDK's result (for error tests).
pub async fn create_test_function_result(
    client: &aws_sdk_lambda::Client,
    name: &str,
) -> Result<
    aws_sdk_lambda::operation::create_function::CreateFunctionOutput,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::create_function::CreateFunctionError,
    >,
> {
    client
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/lambda-role")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(test_lambda_zip()))
                .build(),
        )
        .send()
        .await
}

/// Turns off the `sync-` host prefix the SDK puts on TestState's (and StartSyncExecution's)
/// requests: AWS serves them on `sync-states.<region>…`, a local endpoint has no such host.
#[derive(Debug)]
pub struct NoHostPrefix;

impl aws_sdk_sfn::config::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_retry_loop(
        &self,
        _context: &mut aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_sdk_sfn::config::RuntimeComponents,
        cfg: &mut aws_sdk_sfn::config::ConfigBag,
    ) -> Result<(), aws_sdk_sfn::error::BoxError> {
        cfg.interceptor_state()
            .unset::<aws_smithy_runtime_api::client::endpoint::EndpointPrefix>();
        Ok(())
    }
}

/// An SFN client for `emulator` without the `sync-` host prefix ([`NoHostPrefix`]).
pub async fn sfn_client_without_host_prefix(emulator: &Emulator) -> aws_sdk_sfn::Client {
    let shared = sdk_config(emulator).await;
    let config = aws_sdk_sfn::config::Builder::from(&shared)
        .interceptor(NoHostPrefix)
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

/// The role ARN the Step Functions tests give their state machines.
pub const STATES_ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

/// An emulator on the virtual clock and an SFN client for it.
pub async fn start_virtual_sfn() -> (Emulator, aws_sdk_sfn::Client) {
    let emulator = Emulator::start(Config {
        clock: orderlab_emulator::ClockMode::Virtual,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = aws_sdk_sfn::Client::new(&sdk_config(&emulator).await);
    (emulator, client)
}

/// Creates a STANDARD state machine; its ARN.
pub async fn create_state_machine(
    client: &aws_sdk_sfn::Client,
    name: &str,
    definition: serde_json::Value,
) -> String {
    client
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(STATES_ROLE)
        .send()
        .await
        .expect("machine created")
        .state_machine_arn
}

/// Starts an execution of `machine` (with `#TestCase` if any) and polls until it has ended
/// (bounded: 10 s of real time).
#[allow(clippy::disallowed_methods)] // polls a running execution, bounded in real time
pub async fn execute_to_end(
    client: &aws_sdk_sfn::Client,
    machine: &str,
    input: serde_json::Value,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let arn = client
        .start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .expect("execution started")
        .execution_arn;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let described = client
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .expect("described");
        if described.status != aws_sdk_sfn::types::ExecutionStatus::Running {
            return described;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "execution {arn} still running"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
