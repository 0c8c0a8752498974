//! AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`) of the REST-JSON and
//! query-protocol services, through aws-sdk-sfn: IAM, SES, API Gateway and Lambda actions
//! other than invoke take PascalCase Parameters and answer in the SDK's PascalCase shape
//! (typed numbers, booleans, lists and maps), their errors named `<Service>.<Error>`.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::ExecutionStatus;
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

/// A Task state calling `resource` with `parameters`, its result (or caught error) at
/// `$.<key>`.
fn task(resource: &str, parameters: Value, key: &str, next: &str) -> Value {
    json!({"Type": "Task", "Resource": format!("arn:aws:states:::aws-sdk:{resource}"),
           "Parameters": parameters, "ResultPath": format!("$.{key}"),
           "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": format!("$.{key}"), "Next": next}],
           "Next": next})
}

/// Runs the states in order (each a `(name, resource, parameters)`), every result kept under
/// the state's name; returns the final output.
async fn run(client: &Client, name: &str, steps: &[(&str, &str, Value)]) -> Value {
    let described = execute(client, name, steps).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{:?}: {:?}",
        described.error(),
        described.cause()
    );
    serde_json::from_str(described.output().unwrap()).unwrap()
}

/// [`run`], returning how the execution ended.
async fn execute(
    client: &Client,
    name: &str,
    steps: &[(&str, &str, Value)],
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let mut states = serde_json::Map::new();
    for (index, (state, resource, parameters)) in steps.iter().enumerate() {
        let next = steps.get(index + 1).map_or("Done", |(n, _, _)| *n);
        states.insert(
            (*state).to_owned(),
            task(resource, parameters.clone(), state, next),
        );
    }
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    let definition = json!({"StartAt": steps[0].0, "States": states});
    let machine = client
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::000000000000:role/states-role")
        .send()
        .await
        .expect("machine created")
        .state_machine_arn;
    let execution = client
        .start_execution()
        .state_machine_arn(machine)
        .input("{}")
        .send()
        .await
        .expect("started")
        .execution_arn;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let described = client
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if described.status != ExecutionStatus::Running {
            return described;
        }
        assert!(Instant::now() < deadline, "execution still running");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test]
async fn iam_actions_answer_in_the_sdks_shape() {
    let (emulator, client) = start().await;
    let out = run(
        &client,
        "iam",
        &[
            (
                "Create",
                "iam:createRole",
                json!({"RoleName": "r1", "AssumeRolePolicyDocument": TRUST,
                       "MaxSessionDuration": 7200, "Tags": [{"Key": "team", "Value": "orders"}]}),
            ),
            ("Get", "iam:getRole", json!({"RoleName": "r1"})),
            ("Tags", "iam:listRoleTags", json!({"RoleName": "r1"})),
            ("List", "iam:listRoles", json!({})),
            ("Missing", "iam:getRole", json!({"RoleName": "nope"})),
            (
                "Unknown",
                "iam:getRole",
                json!({"RoleName": "r1", "Bogus": 1}),
            ),
        ],
    )
    .await;
    assert_eq!(out["Create"]["Role"]["RoleName"], "r1");
    assert_eq!(
        out["Get"]["Role"]["Arn"],
        "arn:aws:iam::000000000000:role/r1"
    );
    assert_eq!(out["Get"]["Role"]["MaxSessionDuration"], 7200, "a number");
    assert_eq!(
        out["Tags"],
        json!({"Tags": [{"Key": "team", "Value": "orders"}], "IsTruncated": false})
    );
    assert_eq!(out["List"]["Roles"].as_array().unwrap().len(), 1);
    assert_eq!(out["Missing"]["Error"], "Iam.NoSuchEntityException");
    let cause = out["Missing"]["Cause"].as_str().unwrap();
    assert!(cause.contains("(Service: Iam, Status Code: 404"), "{cause}");
    assert_eq!(out["Unknown"]["Error"], "Iam.SdkClientException");
    // an action the emulator does not serve fails (States.Runtime: no Catch applies)
    let steps = [("User", "iam:createUser", json!({"UserName": "u"}))];
    let described = execute(&client, "iam-user", &steps).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("States.Runtime"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn ses_actions_answer_in_the_sdks_shape() {
    let (emulator, client) = start().await;
    let out = run(
        &client,
        "ses",
        &[
            (
                "Verify",
                "ses:verifyEmailIdentity",
                json!({"EmailAddress": "shop@example.com"}),
            ),
            ("List", "ses:listIdentities", json!({})),
            (
                "Attributes",
                "ses:getIdentityVerificationAttributes",
                json!({"Identities": ["shop@example.com"]}),
            ),
            (
                "Send",
                "ses:sendEmail",
                json!({"Source": "shop@example.com",
                       "Destination": {"ToAddresses": ["a@example.com"]},
                       "Message": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}}),
            ),
            (
                "Rejected",
                "ses:sendEmail",
                json!({"Source": "stranger@example.org",
                       "Destination": {"ToAddresses": ["a@example.com"]},
                       "Message": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "x"}}}}),
            ),
        ],
    )
    .await;
    assert_eq!(out["Verify"], json!({}));
    assert_eq!(out["List"]["Identities"], json!(["shop@example.com"]));
    assert_eq!(
        out["Attributes"]["VerificationAttributes"]["shop@example.com"]["VerificationStatus"],
        "Success",
        "{out}"
    );
    assert!(
        out["Send"]["MessageId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(out["Rejected"]["Error"], "Ses.MessageRejectedException");
    let outbox: Value = reqwest::get(format!("{}/_aws/ses", emulator.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["messages"].as_array().unwrap().len(), 1, "{outbox}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn api_gateway_actions_take_and_answer_pascal_case() {
    let (emulator, client) = start().await;
    let created = run(
        &client,
        "apigw-create",
        &[(
            "Create",
            "apigateway:createRestApi",
            json!({"Name": "shop", "Description": "orders", "Tags": {"team": "orders"}}),
        )],
    )
    .await;
    let api = &created["Create"];
    assert_eq!(api["Name"], "shop");
    assert_eq!(api["Description"], "orders");
    assert_eq!(api["Tags"], json!({"team": "orders"}), "map keys are data");
    let id = api["Id"].as_str().expect("Id").to_owned();
    let out = run(
        &client,
        "apigw-read",
        &[
            (
                "Resources",
                "apigateway:getResources",
                json!({"RestApiId": id}),
            ),
            ("Apis", "apigateway:getRestApis", json!({"Limit": 10})),
            (
                "Missing",
                "apigateway:getRestApi",
                json!({"RestApiId": "nope"}),
            ),
            ("NoId", "apigateway:getRestApi", json!({})),
        ],
    )
    .await;
    let items = out["Resources"]["Items"].as_array().expect("Items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["Path"], "/");
    assert!(items[0]["Id"].is_string());
    assert_eq!(out["Apis"]["Items"][0]["Id"], id.as_str());
    assert_eq!(out["Missing"]["Error"], "ApiGateway.NotFoundException");
    assert_eq!(out["NoId"]["Error"], "ApiGateway.SdkClientException");
    assert_eq!(
        out["NoId"]["Cause"],
        "Parameter 'RestApiId' must not be null"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn lambda_actions_beyond_invoke_answer_in_the_sdks_shape() {
    let (emulator, client) = start().await;
    let lambda = aws_sdk_lambda::Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&lambda, "echo", 3, &[("A", "1")]).await;
    let out = run(
        &client,
        "lambda",
        &[
            ("Get", "lambda:getFunction", json!({"FunctionName": "echo"})),
            ("List", "lambda:listFunctions", json!({"MaxItems": 5})),
            (
                "Reserve",
                "lambda:putFunctionConcurrency",
                json!({"FunctionName": "echo", "ReservedConcurrentExecutions": 3}),
            ),
            (
                "Reserved",
                "lambda:getFunctionConcurrency",
                json!({"FunctionName": "echo"}),
            ),
            (
                "Tag",
                "lambda:tagResource",
                json!({"Resource": "arn:aws:lambda:us-east-1:000000000000:function:echo",
                       "Tags": {"team": "orders"}}),
            ),
            (
                "Tags",
                "lambda:listTags",
                json!({"Resource": "arn:aws:lambda:us-east-1:000000000000:function:echo"}),
            ),
            (
                "Missing",
                "lambda:getFunction",
                json!({"FunctionName": "nope"}),
            ),
        ],
    )
    .await;
    let configuration = &out["Get"]["Configuration"];
    assert_eq!(configuration["FunctionName"], "echo");
    assert_eq!(configuration["Timeout"], 3);
    assert_eq!(configuration["Environment"]["Variables"], json!({"A": "1"}));
    assert_eq!(out["List"]["Functions"][0]["FunctionName"], "echo");
    assert_eq!(out["Reserve"], json!({"ReservedConcurrentExecutions": 3}));
    assert_eq!(out["Reserved"], json!({"ReservedConcurrentExecutions": 3}));
    assert_eq!(out["Tags"], json!({"Tags": {"team": "orders"}}));
    assert_eq!(out["Missing"]["Error"], "Lambda.ResourceNotFoundException");
    let got = lambda
        .get_function_concurrency()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions(), Some(3));
    emulator.shutdown().await;
}
