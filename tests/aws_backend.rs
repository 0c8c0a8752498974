//! `--backend aws` end to end against the embedded emulator in its AWS-strict mode (roles
//! must exist and trust the service before use, every name under the run prefix), through the
//! built `orderlab` binary with `--aws-endpoint-url` and static credentials in the default
//! chain's environment variables: happy-path passes and its teardown leaves every list empty;
//! a run that crashes after provisioning leaves resources that `orderlab teardown --prefix`
//! removes; a run interrupted after provisioning tears itself down.

use std::process::{Command, Output};

use orderlab_emulator::{Config, Emulator, StrictAws};

/// The emulator in strict mode, every name under `orderlab-`.
async fn strict_emulator() -> Emulator {
    Emulator::start(Config {
        strict_aws: Some(StrictAws {
            prefix: "orderlab-".to_owned(),
        }),
        ..Config::default()
    })
    .await
    .expect("the emulator starts")
}

/// `orderlab ARGS` in the project, the default credential chain given static test
/// credentials and a region through the environment only.
fn orderlab(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderlab"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/orderlab-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/orderlab-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("ORDERLAB_SENDER_EMAIL");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("orderlab runs")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scenario_on(endpoint: &str, run_id: &str) -> Vec<String> {
    [
        "scenario",
        "happy-path",
        "--backend",
        "aws",
        "--aws-endpoint-url",
        endpoint,
        "--aws-run-id",
        run_id,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Every name each list API of every service the stack uses answers, as `kind name`.
async fn everything(endpoint: &str) -> Vec<String> {
    let config = orderlab::stack::sdk_config(endpoint, "us-east-1").await;
    let c = orderlab::stack::Clients::from_config(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let mut all = Vec::new();
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    all.extend(tables.table_names().iter().map(|n| format!("table {n}")));
    let functions = c.lambda.list_functions().send().await.unwrap();
    all.extend(
        functions
            .functions()
            .iter()
            .map(|f| format!("function {}", f.function_name().unwrap_or_default())),
    );
    let mappings = c.lambda.list_event_source_mappings().send().await.unwrap();
    all.extend(
        mappings
            .event_source_mappings()
            .iter()
            .map(|m| format!("mapping {}", m.function_arn().unwrap_or_default())),
    );
    let machines = c.sfn.list_state_machines().send().await.unwrap();
    all.extend(
        machines
            .state_machines()
            .iter()
            .map(|m| format!("state-machine {}", m.name())),
    );
    let rules = c.events.list_rules().send().await.unwrap();
    all.extend(
        rules
            .rules()
            .iter()
            .map(|r| format!("rule {}", r.name().unwrap_or_default())),
    );
    let apis = c.apigateway.get_rest_apis().send().await.unwrap();
    all.extend(
        apis.items()
            .iter()
            .map(|a| format!("rest-api {}", a.name().unwrap_or_default())),
    );
    let identities = c.ses.list_identities().send().await.unwrap();
    all.extend(
        identities
            .identities()
            .iter()
            .map(|i| format!("ses-identity {i}")),
    );
    let roles = iam.list_roles().send().await.unwrap();
    all.extend(
        roles
            .roles()
            .iter()
            .map(|r| format!("role {}", r.role_name())),
    );
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_passes_through_the_aws_backend_and_leaves_nothing() {
    let emulator = strict_emulator().await;
    let endpoint = emulator.endpoint();
    let args = scenario_on(&endpoint, "happy");
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        orderlab(&args, &[])
    })
    .await
    .unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("PASS happy-path"), "{shown}");
    assert!(
        shown.contains("resource(s) deleted, nothing left under orderlab-happy-"),
        "{shown}"
    );
    assert_eq!(everything(&endpoint).await, Vec::<String>::new());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_removes_what_a_crashed_run_left() {
    let emulator = strict_emulator().await;
    let endpoint = emulator.endpoint();
    let args = scenario_on(&endpoint, "crash");
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        orderlab(&args, &[("ORDERLAB_TEST_AFTER_PROVISION", "abort")])
    })
    .await
    .unwrap();
    assert_ne!(output.status.code(), Some(0), "{}", text(&output));
    let left = everything(&endpoint).await;
    for expected in [
        "table orderlab-crash-orders",
        "function orderlab-crash-payment",
        "state-machine orderlab-crash-order-processing",
        "rule orderlab-crash-order-created",
        "rest-api orderlab-crash-orders-api",
        "role orderlab-crash-lambda-role",
        "role orderlab-crash-states-role",
        "role orderlab-crash-events-role",
        "ses-identity orderlab-crash-orders@alex.example",
    ] {
        assert!(
            left.iter().any(|l| l == expected),
            "{expected} not in {left:?}"
        );
    }
    assert!(left.iter().any(|l| l.starts_with("mapping ")), "{left:?}");

    let url = endpoint.clone();
    let output = tokio::task::spawn_blocking(move || {
        orderlab(
            &[
                "teardown",
                "--prefix",
                "orderlab-crash-",
                "--backend",
                "aws",
                "--aws-endpoint-url",
                &url,
            ],
            &[],
        )
    })
    .await
    .unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    for line in [
        "deleted rule orderlab-crash-order-created",
        "deleted table orderlab-crash-inventory",
        "deleted role orderlab-crash-events-role",
        "nothing left under orderlab-crash- (",
    ] {
        assert!(shown.contains(line), "{line:?} not in {shown}");
    }
    let deleted = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with("deleted "))
        .count();
    assert_eq!(deleted, left.len(), "{shown}\nleft before: {left:?}");
    assert_eq!(everything(&endpoint).await, Vec::<String>::new());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_tears_itself_down() {
    let emulator = strict_emulator().await;
    let endpoint = emulator.endpoint();
    let args = scenario_on(&endpoint, "sigint");
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        orderlab(&args, &[("ORDERLAB_TEST_AFTER_PROVISION", "interrupt")])
    })
    .await
    .unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(130), "{shown}");
    assert!(
        shown.contains("nothing left under orderlab-sigint-"),
        "{shown}"
    );
    assert_eq!(everything(&endpoint).await, Vec::<String>::new());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulate_strict_aws_refuses_names_outside_its_prefix() {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    use tokio::io::AsyncBufReadExt;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args([
            "emulate",
            "--port",
            "0",
            "--strict-aws",
            "--strict-prefix",
            "p1-",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("emulate prints its address")
        .unwrap()
        .unwrap_or_default();
    let endpoint = first
        .split_once("listening on ")
        .map(|(_, url)| url.trim().to_owned())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let config = orderlab::stack::sdk_config(&endpoint, "us-east-1").await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let create = |name: &str| {
        dynamodb
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let err = create("alex-orders").await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.message().unwrap_or_default().contains("prefix \"p1-\""),
        "{err:?}"
    );
    create("p1-orders").await.unwrap();
    child.kill().await.unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args(["emulate", "--port", "0", "--strict-prefix", "p1-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn aws_flags_and_teardown_prefixes_are_checked() {
    let output = orderlab(&["scenario", "happy-path", "--aws-run-id", "x1"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("need --backend aws"),
        "{}",
        text(&output)
    );
    let output = orderlab(&["teardown", "--prefix", "a-"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("is not a run prefix"),
        "{}",
        text(&output)
    );
    let output = orderlab(
        &[
            "teardown",
            "--prefix",
            "orderlab-x1-",
            "--backend",
            "embedded",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("nothing outlives a run"),
        "{}",
        text(&output)
    );
    let output = orderlab(
        &[
            "scenario",
            "happy-path",
            "--backend",
            "aws",
            "--aws-run-id",
            "Bad",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}
