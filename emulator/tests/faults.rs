//! Fault injection through the control route `POST /_orderlab/faults`: a Lambda invocation
//! fault seen through aws-sdk-lambda's Invoke (throw on the chosen indexes only, a timeout
//! shaped like Lambda's), a refused document, and `DELETE` removing the faults.

mod support;

use aws_sdk_lambda::primitives::Blob;
use serde_json::{Value, json};

async fn post_faults(endpoint: &str, document: &Value) -> u16 {
    reqwest::Client::new()
        .post(format!("{endpoint}/_orderlab/faults"))
        .json(document)
        .send()
        .await
        .expect("POST /_orderlab/faults")
        .status()
        .as_u16()
}

async fn invoke(client: &aws_sdk_lambda::Client) -> (Value, Option<String>) {
    let output = client
        .invoke()
        .function_name("f")
        .payload(Blob::new(json!({"echo": 1}).to_string()))
        .send()
        .await
        .expect("Invoke");
    let payload = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    (value, output.function_error().map(str::to_owned))
}

#[tokio::test]
async fn invocation_faults_apply_by_index_and_can_be_removed() {
    let emulator = support::start().await;
    let endpoint = emulator.endpoint();
    let client = aws_sdk_lambda::Client::new(&support::sdk_config(&emulator).await);
    support::create_test_function(&client, "f", 3, &[]).await;
    let document = json!({"Functions": {"f": {
        "1": {"Throw": {"Error": "Injected", "Cause": "on purpose"}},
        "2": {"Timeout": true},
        "3": {"Return": {"mocked": true}}
    }}});
    assert_eq!(post_faults(&endpoint, &document).await, 204);

    let (_, error) = invoke(&client).await;
    assert_eq!(error, None, "invocation 0 runs the function");
    let (payload, error) = invoke(&client).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(
        payload,
        json!({"errorType": "Injected", "errorMessage": "on purpose"})
    );
    let (payload, error) = invoke(&client).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(payload["errorType"], "Sandbox.Timedout");
    let (payload, error) = invoke(&client).await;
    assert_eq!((payload, error), (json!({"mocked": true}), None));

    assert_eq!(post_faults(&endpoint, &document).await, 204);
    let status = reqwest::Client::new()
        .delete(format!("{endpoint}/_orderlab/faults"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 204);
    let (_, error) = invoke(&client).await;
    let (_, error_after) = invoke(&client).await;
    assert_eq!((error, error_after), (None, None), "no faults after DELETE");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_malformed_fault_document_is_refused_whole() {
    let emulator = support::start().await;
    let endpoint = emulator.endpoint();
    let bad = json!({"Functions": {"f": {"one": {"Return": 1}}}});
    assert_eq!(post_faults(&endpoint, &bad).await, 400);
    let missing = json!({"StateMachines": {"m": {"TestCases": {"t": {"S": "Nope"}}}}});
    assert_eq!(post_faults(&endpoint, &missing).await, 400);
    emulator.shutdown().await;
}
