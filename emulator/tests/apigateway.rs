//! API Gateway through aws-sdk-apigateway: an API with a Lambda proxy integration, deployed and
//! invoked over HTTP (LocalStack's `_user_request_` URL form) through to the test Lambda.

mod support;

use aws_sdk_apigateway::Client;
use serde_json::Value;

struct Deployed {
    base_url: String,
}

async fn deploy(emulator: &orderlab_emulator::Emulator) -> Deployed {
    let config = support::sdk_config(emulator).await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let function = support::create_test_function(&lambda, "api-fn", 3, &[]).await;
    let function_arn = function.function_arn().unwrap().to_owned();
    let client = Client::new(&config);
    let api = client
        .create_rest_api()
        .name("orders-api")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap().to_owned();
    assert_eq!(api_id.len(), 10);
    assert!(
        api_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    let root = api.root_resource_id().unwrap().to_owned();
    let resources = client
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.items()[0].path(), Some("/"));
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    for part in ["orders", "{proxy+}"] {
        let parent = root.clone();
        let resource = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(parent)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let rid = resource.id().unwrap().to_owned();
        let method = if part == "orders" { "POST" } else { "ANY" };
        client
            .put_method()
            .rest_api_id(&api_id)
            .resource_id(&rid)
            .http_method(method)
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        client
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(&rid)
            .http_method(method)
            .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(&uri)
            .send()
            .await
            .unwrap();
    }
    let deployment = client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert!(deployment.id().is_some());
    let stages = client
        .get_stages()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(stages.item()[0].stage_name(), Some("prod"));
    Deployed {
        base_url: format!(
            "{}/restapis/{api_id}/prod/_user_request_",
            emulator.endpoint()
        ),
    }
}

#[tokio::test]
async fn a_deployed_api_invokes_the_lambda_with_a_proxy_event() {
    let emulator = support::start().await;
    let deployed = deploy(&emulator).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/orders?x=1", deployed.base_url))
        .body(r#"{"order_id":"o1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-test-lambda"], "yes");
    let event: Value = response.json().await.unwrap();
    assert_eq!(event["resource"], "/orders");
    assert_eq!(event["path"], "/orders");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["body"], r#"{"order_id":"o1"}"#);
    assert_eq!(event["queryStringParameters"]["x"], "1");
    assert_eq!(event["requestContext"]["stage"], "prod");
    assert_eq!(event["requestContext"]["identity"]["sourceIp"], "127.0.0.1");

    let greedy: Value = http
        .get(format!("{}/a/b", deployed.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(greedy["pathParameters"]["proxy"], "a/b");
    emulator.shutdown().await;
}

#[tokio::test]
async fn failures_and_unknown_routes_answer_like_api_gateway() {
    let emulator = support::start().await;
    let deployed = deploy(&emulator).await;
    let http = reqwest::Client::new();
    for path in ["/x/fail", "/x/malformed"] {
        let response = http
            .get(format!("{}{path}", deployed.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 502, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["message"], "Internal server error");
    }
    let response = http
        .get(format!("{}/orders", deployed.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Missing Authentication Token");
    emulator.shutdown().await;
}

#[tokio::test]
async fn unknown_apis_are_not_found() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let err = client
        .get_rest_api()
        .rest_api_id("abc")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(
        err.meta().message(),
        Some("Invalid API identifier specified 000000000000:abc")
    );
    emulator.shutdown().await;
}
