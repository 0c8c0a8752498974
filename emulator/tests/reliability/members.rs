//! Reliability: request members (issue #10, "one decoder for request members"). For each
//! service, over the raw wire: a required member missing, a string member given a number, a
//! structure member given an array — each answered with the protocol's error code, status and
//! message (`protocol::members`' dialects, sources in `docs/members.md`), and the emulator
//! still serving afterwards. The query protocol (SES) carries only strings, so its cases are a
//! missing member, a nested one, and an enum.

use std::collections::HashMap;

use orderlab_emulator::Emulator;
use serde_json::{Value, json};

use crate::support;

const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/svc/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=00";
const ROLE: &str = "arn:aws:iam::000000000000:role/r";

/// One answer: status, the `x-amzn-ErrorType` header (if any) and the body.
struct Answer {
    status: u16,
    error_type: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// Asserts a JSON error: status, code (header, and `__type` when there is one) and message.
    fn assert_json_error(&self, status: u16, code: &str, message: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.error_type.as_deref(), Some(code), "{}", self.body);
        let body = self.json();
        if let Some(type_name) = body["__type"].as_str() {
            assert!(
                type_name == code || type_name.ends_with(&format!("#{code}")),
                "{}",
                self.body
            );
        }
        assert_eq!(body["message"], message, "{}", self.body);
    }
}

async fn send(
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", emulator.endpoint()))
        .header("authorization", SIGNED)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned());
    let body = response.text().await.expect("a body");
    Answer {
        status,
        error_type,
        body,
    }
}

/// An AWS JSON call: `X-Amz-Target: {target}`.
async fn json_call(emulator: &Emulator, target: &str, input: Value) -> Answer {
    let content_type = if target.starts_with("AWSEvents.") {
        "application/x-amz-json-1.1"
    } else {
        "application/x-amz-json-1.0"
    };
    let headers = [("x-amz-target", target), ("content-type", content_type)];
    send(
        emulator,
        reqwest::Method::POST,
        "/",
        &headers,
        input.to_string(),
    )
    .await
}

/// A REST-JSON call.
async fn rest_call(
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    input: Value,
) -> Answer {
    let headers = [("content-type", "application/json")];
    send(emulator, method, path, &headers, input.to_string()).await
}

/// A query-protocol call (SES): form parameters.
async fn query_call(emulator: &Emulator, params: &[(&str, &str)]) -> Answer {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    send(emulator, reqwest::Method::POST, "/", &headers, body).await
}

fn query_error(answer: &Answer) -> HashMap<&'static str, String> {
    let field = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        answer
            .body
            .split_once(&open)
            .and_then(|(_, rest)| rest.split_once(&close))
            .map(|(value, _)| value.replace("&apos;", "'"))
            .unwrap_or_default()
    };
    HashMap::from([("Code", field("Code")), ("Message", field("Message"))])
}

fn null_message(member: &str) -> String {
    format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    )
}

#[tokio::test]
async fn step_functions_members_are_decoded_with_aws_json_errors() {
    let emulator = support::start().await;
    let definition = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#;
    let missing = json!({"definition": definition, "roleArn": ROLE});
    json_call(&emulator, "AWSStepFunctions.CreateStateMachine", missing)
        .await
        .assert_json_error(400, "ValidationException", &null_message("name"));
    json_call(
        &emulator,
        "AWSStepFunctions.StartExecution",
        json!({"stateMachineArn": 5}),
    )
    .await
    .assert_json_error(
        400,
        "SerializationException",
        "NUMBER_VALUE can not be converted to a String",
    );
    let arn = "arn:aws:states:us-east-1:000000000000:stateMachine:m";
    json_call(
        &emulator,
        "AWSStepFunctions.UpdateStateMachine",
        json!({"stateMachineArn": arn, "loggingConfiguration": []}),
    )
    .await
    .assert_json_error(
        400,
        "SerializationException",
        "Start of structure or map found where not expected.",
    );
    let created = json!({"name": "m", "definition": definition, "roleArn": ROLE});
    let created = json_call(&emulator, "AWSStepFunctions.CreateStateMachine", created).await;
    assert_eq!(created.status, 200, "{}", created.body);
    json_call(
        &emulator,
        "AWSStepFunctions.ListExecutions",
        json!({"stateMachineArn": arn, "maxResults": -1}),
    )
    .await
    .assert_json_error(
        400,
        "ValidationException",
        "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: \
         Member must have value greater than or equal to 0",
    );
    let described = json!({"stateMachineArn": arn});
    let alive = json_call(
        &emulator,
        "AWSStepFunctions.DescribeStateMachine",
        described,
    )
    .await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert_eq!(alive.json()["name"], "m");
    emulator.shutdown().await;
}

#[tokio::test]
async fn lambda_members_are_decoded_with_lambdas_errors() {
    let emulator = support::start().await;
    let post = reqwest::Method::POST;
    let path = "/2015-03-31/functions";
    let zip = base64_zip();
    let function = |name: Value, environment: Value| {
        json!({"FunctionName": name, "Role": ROLE, "Runtime": "provided.al2023",
               "Handler": "bootstrap", "Code": {"ZipFile": zip}, "Environment": environment})
    };
    let mut no_role = function(json!("f"), Value::Null);
    no_role.as_object_mut().unwrap().remove("Role");
    rest_call(&emulator, post.clone(), path, no_role)
        .await
        .assert_json_error(400, "ValidationException", &null_message("role"));
    let answer = rest_call(
        &emulator,
        post.clone(),
        path,
        function(json!(5), Value::Null),
    )
    .await;
    answer.assert_json_error(
        400,
        "InvalidRequestContentException",
        "Could not parse request body into json: Cannot deserialize value of type \
         `java.lang.String` from Integer value (token `JsonToken.VALUE_NUMBER_INT`)",
    );
    assert_eq!(
        answer.json()["Type"],
        "User",
        "Lambda's error shape: {}",
        answer.body
    );
    rest_call(
        &emulator,
        post.clone(),
        path,
        function(json!("f"), json!([])),
    )
    .await
    .assert_json_error(
        400,
        "InvalidRequestContentException",
        "Could not parse request body into json: Cannot deserialize value of type \
             `java.util.LinkedHashMap<java.lang.Object,java.lang.Object>` from Array value \
             (token `JsonToken.START_ARRAY`)",
    );
    let alive = rest_call(&emulator, reqwest::Method::GET, path, json!({})).await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert!(
        alive.json()["Functions"].as_array().unwrap().is_empty(),
        "nothing was created: {}",
        alive.body
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn eventbridge_members_are_decoded_with_aws_json_errors() {
    let emulator = support::start().await;
    let pattern = r#"{"source":["a"]}"#;
    json_call(
        &emulator,
        "AWSEvents.PutRule",
        json!({"EventPattern": pattern}),
    )
    .await
    .assert_json_error(400, "ValidationException", &null_message("name"));
    json_call(
        &emulator,
        "AWSEvents.PutRule",
        json!({"Name": 5, "EventPattern": pattern}),
    )
    .await
    .assert_json_error(
        400,
        "SerializationException",
        "NUMBER_VALUE can not be converted to a String",
    );
    json_call(&emulator, "AWSEvents.PutEvents", json!({"Entries": [[]]}))
        .await
        .assert_json_error(
            400,
            "SerializationException",
            "Start of structure or map found where not expected.",
        );
    let rule = json!({"Name": "r", "EventPattern": pattern});
    assert_eq!(
        json_call(&emulator, "AWSEvents.PutRule", rule).await.status,
        200
    );
    json_call(
        &emulator,
        "AWSEvents.PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "t", "Arn": "arn:x", "InputTransformer": []}]}),
    )
    .await
    .assert_json_error(
        400,
        "SerializationException",
        "Start of structure or map found where not expected.",
    );
    json_call(
        &emulator,
        "AWSEvents.PutTargets",
        json!({"Rule": "r", "Targets": [{"Id": "t", "Arn": "arn:x"}, {"Arn": "arn:y"}]}),
    )
    .await
    .assert_json_error(
        400,
        "ValidationException",
        &null_message("targets.2.member.id"),
    );
    let alive = json_call(
        &emulator,
        "AWSEvents.ListTargetsByRule",
        json!({"Rule": "r"}),
    )
    .await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert_eq!(alive.json()["Targets"], json!([]), "nothing was stored");
    emulator.shutdown().await;
}

#[tokio::test]
async fn api_gateway_members_are_decoded_with_bad_request_errors() {
    let emulator = support::start().await;
    let post = reqwest::Method::POST;
    rest_call(&emulator, post.clone(), "/restapis", json!({}))
        .await
        .assert_json_error(
            400,
            "BadRequestException",
            "Invalid REST API name specified",
        );
    rest_call(&emulator, post.clone(), "/restapis", json!({"name": 5}))
        .await
        .assert_json_error(400, "BadRequestException", "Invalid request input");
    let created = rest_call(&emulator, post.clone(), "/restapis", json!({"name": "a"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let deployments = format!("/restapis/{id}/deployments");
    let deployment = json!({"stageName": "s", "variables": []});
    rest_call(&emulator, post.clone(), &deployments, deployment)
        .await
        .assert_json_error(400, "BadRequestException", "Invalid request input");
    let stages = format!("/restapis/{id}/stages");
    let alive = rest_call(&emulator, reqwest::Method::GET, &stages, json!({})).await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert_eq!(alive.json()["item"], json!([]), "no stage was created");
    emulator.shutdown().await;
}

#[tokio::test]
async fn ses_members_are_decoded_with_query_errors() {
    let emulator = support::start().await;
    let answer = query_call(
        &emulator,
        &[("Action", "SendEmail"), ("Message.Subject.Data", "s")],
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let error = query_error(&answer);
    assert_eq!(error["Code"], "ValidationError", "{}", answer.body);
    assert_eq!(error["Message"], null_message("source"));
    let answer = query_call(
        &emulator,
        &[
            ("Action", "SendEmail"),
            ("Source", "a@example.com"),
            ("Destination.ToAddresses.member.1", "b@example.com"),
            ("Message.Body.Text.Data", "hi"),
        ],
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(
        query_error(&answer)["Message"],
        null_message("message.subject")
    );
    let answer = query_call(
        &emulator,
        &[("Action", "ListIdentities"), ("IdentityType", "Bogus")],
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(
        query_error(&answer)["Message"],
        "1 validation error detected: Value 'Bogus' at 'identityType' failed to satisfy \
         constraint: Member must satisfy enum value set: [EmailAddress, Domain]"
    );
    let alive = query_call(&emulator, &[("Action", "ListIdentities")]).await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert!(
        alive.body.contains("<Identities></Identities>"),
        "{}",
        alive.body
    );
    emulator.shutdown().await;
}

fn base64_zip() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(support::test_lambda_zip())
}
