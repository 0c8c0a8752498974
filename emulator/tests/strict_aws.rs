//! The AWS-strict mode (`Config::strict_aws`): roles must exist and trust the service before
//! CreateFunction and CreateStateMachine use them (AWS's errors otherwise), a Step Functions
//! target needs an existing RoleArn, and created names must start with the prefix; the same
//! requests pass in the default mode.

mod support;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_eventbridge::types::Target;
use orderlab_emulator::{Config, Emulator, StrictAws};

const PREFIX: &str = "run1-";

async fn strict() -> Emulator {
    Emulator::start(Config {
        strict_aws: Some(StrictAws {
            prefix: PREFIX.to_owned(),
        }),
        ..Config::default()
    })
    .await
    .expect("emulator starts")
}

/// Sends an IAM query-protocol request; the status and body.
async fn iam(endpoint: &str, params: &[(&str, &str)]) -> (u16, String) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/iam/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn trust(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

async fn create_role(endpoint: &str, name: &str, service: &str) -> (u16, String) {
    let policy = trust(service);
    iam(
        endpoint,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &policy),
        ],
    )
    .await
}

async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), aws_sdk_dynamodb::error::SdkError<impl ProvideErrorMetadata + std::fmt::Debug>> {
    client
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
        .await
        .map(drop)
}

async fn create_function(
    client: &aws_sdk_lambda::Client,
    name: &str,
    role: &str,
) -> Result<(), String> {
    client
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(
                    support::test_lambda_zip(),
                ))
                .build(),
        )
        .send()
        .await
        .map(drop)
        .map_err(|err| {
            format!(
                "{}: {}",
                err.code().unwrap_or("?"),
                err.message().unwrap_or("?")
            )
        })
}

#[tokio::test]
async fn names_outside_the_prefix_are_refused_and_allowed_by_default() {
    let emulator = strict().await;
    let config = support::sdk_config(&emulator).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let err = create_table(&dynamodb, "alex-orders").await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    let message = err.message().unwrap_or_default();
    assert!(
        message.contains("\"alex-orders\" does not start with the prefix \"run1-\""),
        "{message}"
    );
    create_table(&dynamodb, "run1-orders").await.unwrap();

    let url = emulator.endpoint();
    let (status, body) = create_role(&url, "alex-role", "lambda.amazonaws.com").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>ValidationError</Code>"), "{body}");

    let events = aws_sdk_eventbridge::Client::new(&config);
    let err = events
        .put_rule()
        .name("alex-rule")
        .event_pattern(r#"{"source":["x"]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    let gateway = aws_sdk_apigateway::Client::new(&config);
    let err = gateway
        .create_rest_api()
        .name("alex-api")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("BadRequestException"));
    gateway
        .create_rest_api()
        .name("run1-api")
        .send()
        .await
        .unwrap();

    let relaxed = support::start().await;
    let config = support::sdk_config(&relaxed).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    create_table(&dynamodb, "alex-orders").await.unwrap();
}

#[tokio::test]
async fn create_function_needs_a_role_lambda_can_assume() {
    let emulator = strict().await;
    let url = emulator.endpoint();
    let lambda = aws_sdk_lambda::Client::new(&support::sdk_config(&emulator).await);
    let refused = "InvalidParameterValueException: \
                   The role defined for the function cannot be assumed by Lambda.";
    let role = "arn:aws:iam::000000000000:role/run1-lambda-role";
    assert_eq!(
        create_function(&lambda, "run1-f", role).await.unwrap_err(),
        refused
    );
    // A role that exists but trusts another service is refused the same way.
    let (status, body) = create_role(&url, "run1-lambda-role", "states.amazonaws.com").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        create_function(&lambda, "run1-f", role).await.unwrap_err(),
        refused
    );
    create_role(&url, "run1-fn-role", "lambda.amazonaws.com").await;
    let good = "arn:aws:iam::000000000000:role/run1-fn-role";
    let err = create_function(&lambda, "other-f", good).await.unwrap_err();
    assert!(
        err.starts_with("InvalidParameterValueException: strict-aws mode"),
        "{err}"
    );
    create_function(&lambda, "run1-f", good).await.unwrap();
}

#[tokio::test]
async fn state_machines_and_their_rule_targets_need_existing_roles() {
    let emulator = strict().await;
    let url = emulator.endpoint();
    let config = support::sdk_config(&emulator).await;
    let sfn = aws_sdk_sfn::Client::new(&config);
    let definition = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;
    let role = "arn:aws:iam::000000000000:role/run1-states-role";
    let create = || {
        sfn.create_state_machine()
            .name("run1-machine")
            .definition(definition)
            .role_arn(role)
            .send()
    };
    let err = create().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.message(),
        Some(
            "Neither the global service principal states.amazonaws.com, nor the regional one \
             is authorized to assume the provided role."
        )
    );
    create_role(&url, "run1-states-role", "states.amazonaws.com").await;
    let machine = create().await.unwrap().state_machine_arn().to_owned();

    let events = aws_sdk_eventbridge::Client::new(&config);
    events
        .put_rule()
        .name("run1-rule")
        .event_pattern(r#"{"source":["x"]}"#)
        .send()
        .await
        .unwrap();
    let put = |role: Option<&str>| {
        events
            .put_targets()
            .rule("run1-rule")
            .targets(
                Target::builder()
                    .id("t")
                    .arn(&machine)
                    .set_role_arn(role.map(str::to_owned))
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let err = put(None).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(format!("RoleArn is required for target {machine}.").as_str())
    );
    let events_role = "arn:aws:iam::000000000000:role/run1-events-role";
    let err = put(Some(events_role)).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    create_role(&url, "run1-events-role", "events.amazonaws.com").await;
    let answer = put(Some(events_role)).await.unwrap();
    assert_eq!(answer.failed_entry_count(), 0);
}
