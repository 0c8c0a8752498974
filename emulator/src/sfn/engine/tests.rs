//! Engine tests against a fake integration layer: Task shapes, Retry, Catch, Map with the
//! DynamoDB integration, Fail paths.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{Value, json};

use super::context::ExecutionInfo;
use super::{Engine, Failure, Origin};
use crate::Context;
use crate::bus::{Invocation, Service};
use crate::protocol::AwsError;
use crate::sfn::asl::parse_definition;
use crate::sfn::history::History;
use crate::sfn::integrations::Integrations;

/// What a fake Lambda answers, in order.
enum Answer {
    Ok(Value),
    FunctionError(Value),
    BusError(AwsError),
}

#[derive(Default)]
struct Fake {
    answers: Mutex<VecDeque<Answer>>,
    invocations: Mutex<Vec<(String, Value)>>,
    calls: Mutex<Vec<(Service, String, Value)>>,
    call_error: Mutex<Option<AwsError>>,
}

#[async_trait]
impl Integrations for Fake {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Invocation, AwsError> {
        let payload_json = serde_json::from_slice(&payload).unwrap_or(Value::Null);
        self.invocations
            .lock()
            .unwrap()
            .push((function.to_owned(), payload_json));
        let answer = self.answers.lock().unwrap().pop_front();
        let (body, function_error) = match answer {
            Some(Answer::Ok(v)) => (v, None),
            Some(Answer::FunctionError(v)) => (v, Some("Unhandled".to_owned())),
            Some(Answer::BusError(err)) => return Err(err),
            None => (json!({}), None),
        };
        Ok(Invocation {
            status_code: 200,
            payload: Bytes::from(body.to_string()),
            function_error,
            executed_version: "$LATEST".into(),
        })
    }

    async fn call(
        &self,
        service: Service,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        self.calls
            .lock()
            .unwrap()
            .push((service, operation.to_owned(), input));
        match self.call_error.lock().unwrap().clone() {
            Some(err) => Err(err),
            None => Ok(json!({})),
        }
    }
}

fn engine(fake: Arc<Fake>, input: Value) -> Engine {
    let ctx = Arc::new(Context::for_tests());
    Engine {
        history: Arc::new(History::new(ctx.clone())),
        integrations: fake,
        info: Arc::new(ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:000000000000:execution:m:e".into(),
            execution_name: "e".into(),
            input,
            role_arn: "arn:aws:iam::000000000000:role/r".into(),
            start_time: ctx.clock.now(),
            state_machine_arn: "arn:aws:states:us-east-1:000000000000:stateMachine:m".into(),
            state_machine_name: "m".into(),
            deadline: None,
            test_case: None,
        }),
        ctx,
    }
}

async fn run(fake: Arc<Fake>, definition: Value, input: Value) -> (Result<Value, Failure>, Engine) {
    let definition = parse_definition(&definition.to_string()).expect("valid definition");
    let engine = engine(fake, input);
    let result = engine.run_execution(&definition).await;
    (result, engine)
}

fn event_types(engine: &Engine) -> Vec<String> {
    engine
        .history
        .events()
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn invoke_machine(extra: Value) -> Value {
    let mut task = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "alex-stock-verify", "Payload.$": "$"},
        "ResultSelector": {"valid.$": "$.Payload.valid"},
        "ResultPath": "$.verification",
        "End": true
    });
    if let (Some(task), Some(extra)) = (task.as_object_mut(), extra.as_object()) {
        task.extend(extra.clone());
    }
    json!({"StartAt": "Verify", "States": {"Verify": task, "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}}})
}

#[tokio::test]
async fn lambda_invoke_places_the_selected_payload_and_records_task_events() {
    let fake = Arc::new(Fake::default());
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::Ok(json!({"valid": true})));
    let (result, engine) = run(
        fake.clone(),
        invoke_machine(json!({})),
        json!({"order_id": "o1"}),
    )
    .await;
    assert_eq!(
        result.unwrap(),
        json!({"order_id": "o1", "verification": {"valid": true}})
    );
    assert_eq!(
        fake.invocations.lock().unwrap().clone(),
        vec![("alex-stock-verify".to_owned(), json!({"order_id": "o1"}))]
    );
    assert_eq!(
        event_types(&engine),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = engine.history.events();
    let scheduled = &events[2]["taskScheduledEventDetails"];
    assert_eq!(scheduled["resourceType"], "lambda");
    assert_eq!(scheduled["resource"], "invoke");
    let succeeded: Value = serde_json::from_str(
        events[4]["taskSucceededEventDetails"]["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(succeeded["Payload"], json!({"valid": true}));
    assert_eq!(succeeded["StatusCode"], 200);
    assert_eq!(succeeded["ExecutedVersion"], "$LATEST");
    assert_eq!(succeeded["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(succeeded["SdkResponseMetadata"]["RequestId"].is_string());
    assert_eq!(events[1]["previousEventId"], 0);
    assert_eq!(events[2]["previousEventId"], 2);
}

#[tokio::test]
async fn function_errors_are_caught_with_their_error_type() {
    let fake = Arc::new(Fake::default());
    let doc = json!({"errorType": "OutOfStock", "errorMessage": "item a"});
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::FunctionError(doc.clone()));
    let machine = invoke_machine(json!({
        "End": null,
        "Next": "Failed",
        "Catch": [{"ErrorEquals": ["OutOfStock"], "ResultPath": "$.error", "Next": "Failed"}]
    }));
    let mut machine = machine;
    machine["States"]["Verify"]
        .as_object_mut()
        .unwrap()
        .remove("End");
    let (result, engine) = run(fake, machine, json!({})).await;
    assert_eq!(
        result.unwrap_err(),
        Failure::of_state("Failed", "OutOfStock", doc.to_string()),
        "the Fail state re-raises what the Catch caught"
    );
    assert_eq!(
        event_types(&engine),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "FailStateEntered",
            "ExecutionFailed"
        ]
    );
}

#[tokio::test]
#[allow(clippy::disallowed_methods)] // asserts that virtual back-off costs no wall time
async fn transient_errors_are_retried_with_backoff_on_the_virtual_clock() {
    let fake = Arc::new(Fake::default());
    for _ in 0..2 {
        fake.answers
            .lock()
            .unwrap()
            .push_back(Answer::FunctionError(
                json!({"errorType": "Lambda.ServiceException", "errorMessage": "boom"}),
            ));
    }
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::Ok(json!({"valid": false})));
    let retry = json!({"Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 100, "MaxAttempts": 3, "BackoffRate": 2}]});
    let wall = Instant::now();
    let fake_for_run = fake.clone();
    let definition = parse_definition(&invoke_machine(retry).to_string()).unwrap();
    let engine = engine(fake_for_run, json!({}));
    let before = engine.ctx.clock.now();
    let result = engine.run_execution(&definition).await;
    assert_eq!(result.unwrap()["verification"], json!({"valid": false}));
    assert_eq!(fake.invocations.lock().unwrap().len(), 3);
    let waited = engine.ctx.clock.now().duration_since(before).unwrap();
    assert!(
        waited >= Duration::from_secs(300),
        "virtual time advanced {waited:?}"
    );
    assert!(wall.elapsed() < Duration::from_secs(5));
    let failures = event_types(&engine)
        .iter()
        .filter(|t| *t == "TaskFailed")
        .count();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn exhausted_retries_fail_the_execution_after_max_attempts() {
    let fake = Arc::new(Fake::default());
    for _ in 0..5 {
        fake.answers.lock().unwrap().push_back(Answer::FunctionError(
            json!({"errorType": "Lambda.TooManyRequestsException", "errorMessage": "slow down"}),
        ));
    }
    let retry = json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]});
    let (result, _) = run(fake.clone(), invoke_machine(retry), json!({})).await;
    assert_eq!(result.unwrap_err().error, "Lambda.TooManyRequestsException");
    assert_eq!(fake.invocations.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn bus_errors_become_lambda_prefixed_errors() {
    let fake = Arc::new(Fake::default());
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::BusError(AwsError::new(
            404,
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:alex-stock-verify",
        )));
    let (result, _) = run(fake, invoke_machine(json!({})), json!({})).await;
    let failure = result.unwrap_err();
    assert_eq!(failure.error, "Lambda.ResourceNotFoundException");
    assert!(failure.cause.starts_with("Function not found"));
}

#[tokio::test]
async fn map_runs_dynamodb_update_item_per_item_with_states_format() {
    let fake = Arc::new(Fake::default());
    let machine = json!({
        "StartAt": "ReleaseStock",
        "States": {"ReleaseStock": {
            "Type": "Map", "ItemsPath": "$.items", "ResultPath": null, "End": true,
            "Iterator": {"StartAt": "Give", "States": {"Give": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": "alex-inventory",
                    "Key": {"item_id": {"S.$": "$.item_id"}},
                    "UpdateExpression": "ADD stock :q",
                    "ExpressionAttributeValues": {":q": {"N.$": "States.Format('{}', $.quantity)"}}
                },
                "ResultPath": null, "End": true}}}
        }}
    });
    let input =
        json!({"items": [{"item_id": "a", "quantity": 2}, {"item_id": "b", "quantity": 5}]});
    let (result, engine) = run(fake.clone(), machine, input.clone()).await;
    assert_eq!(result.unwrap(), input);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, Service::DynamoDb);
    assert_eq!(calls[0].1, "UpdateItem");
    // The iterations run concurrently: find item b's call wherever it came.
    let b = calls
        .iter()
        .find(|call| call.2["Key"] == json!({"item_id": {"S": "b"}}))
        .expect("item b updated");
    assert_eq!(b.2["ExpressionAttributeValues"][":q"], json!({"N": "5"}));
    let types = event_types(&engine);
    assert_eq!(
        &types[1..4],
        ["MapStateEntered", "MapStateStarted", "MapIterationStarted"]
    );
    assert!(types.contains(&"MapStateSucceeded".to_owned()));
}

#[tokio::test]
async fn dynamodb_errors_are_prefixed_and_catchable() {
    let fake = Arc::new(Fake::default());
    *fake.call_error.lock().unwrap() = Some(AwsError::new(
        400,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    ));
    let machine = json!({"StartAt": "Mark", "States": {
        "Mark": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                 "Parameters": {"TableName": "t"}, "Next": "Done",
                 "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.error", "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}});
    let (result, _) = run(fake, machine, json!({"a": 1})).await;
    assert_eq!(
        result.unwrap(),
        json!({"a": 1, "error": {"Error": "DynamoDB.ConditionalCheckFailedException", "Cause": "The conditional request failed"}})
    );
}

#[tokio::test]
async fn plain_lambda_arns_record_lambda_function_events_and_output_the_payload() {
    let fake = Arc::new(Fake::default());
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::Ok(json!({"n": 1})));
    let machine = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f", "End": true}}});
    let (result, engine) = run(fake, machine, json!({})).await;
    assert_eq!(result.unwrap(), json!({"n": 1}));
    assert_eq!(
        &event_types(&engine)[2..5],
        [
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded"
        ]
    );
}

#[tokio::test]
async fn bad_input_path_is_a_runtime_error_naming_the_state() {
    let machine =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.x", "End": true}}});
    let (result, _) = run(Arc::new(Fake::default()), machine, json!({"a": 1})).await;
    assert_eq!(
        result.unwrap_err(),
        Failure::new(
            "States.Runtime",
            "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.x' : No results for path: $['x']",
            Origin::Processing {
                state: "P".into(),
                entered_id: 2
            }
        )
    );
}

#[tokio::test]
async fn bad_parameters_path_names_the_field_and_input() {
    let machine = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "End": true}}});
    let (result, _) = run(Arc::new(Fake::default()), machine, json!({"a": 1})).await;
    assert_eq!(
        result.unwrap_err().cause,
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONPath '$.x' specified for the field 'v.$' could not be found in the input '{\"a\":1}'"
    );
}

#[tokio::test]
async fn every_state_type_runs_the_same_tail() {
    // Pass places its result; Choice, Wait and Succeed pass their InputPath selection through
    // Assign and OutputPath; a variable assigned in one is read by the next.
    let machine = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.r", "OutputPath": "$.r",
              "Assign": {"seen.$": "$.n"}, "Next": "C"},
        "C": {"Type": "Choice", "InputPath": "$", "OutputPath": "$.n",
              "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "W",
                           "Assign": {"chosen.$": "$seen"}}]},
        "W": {"Type": "Wait", "Seconds": 0, "Assign": {"waited.$": "$chosen"}, "Next": "S"},
        "S": {"Type": "Succeed", "OutputPath": "$"}}});
    let (result, engine) = run(Arc::new(Fake::default()), machine, json!({"a": 1})).await;
    assert_eq!(result.unwrap(), json!(1));
    let exits: Vec<Value> = engine
        .history
        .events()
        .iter()
        .filter_map(|e| e["stateExitedEventDetails"].as_object().cloned())
        .map(|d| json!([d["name"], d["output"], d.get("assignedVariables")]))
        .collect();
    assert_eq!(
        exits,
        [
            json!(["P", "{\"n\":1}", {"seen": "1"}]),
            json!(["C", "1", {"chosen": "1"}]),
            json!(["W", "1", {"waited": "1"}]),
            json!(["S", "1", null]),
        ]
    );
}

#[tokio::test]
async fn runtime_errors_are_not_caught_by_states_all() {
    let machine = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.nope",
              "Parameters": {"FunctionName": "f"}, "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}]},
        "S": {"Type": "Succeed"}}});
    let (result, _) = run(Arc::new(Fake::default()), machine, json!({})).await;
    assert_eq!(result.unwrap_err().error, "States.Runtime");
}

/// The application's own definition, with its placeholders filled in.
fn app_machine() -> Value {
    let mut text = include_str!("../../../../app/state-machine.asl.json").to_owned();
    for (placeholder, value) in [
        ("${StockVerifyFunctionArn}", "alex-stock-verify"),
        ("${PriceCalcFunctionArn}", "alex-price-calc"),
        ("${PaymentFunctionArn}", "alex-payment"),
        ("${CompleteOrderFunctionArn}", "alex-complete-order"),
        ("${OrdersTable}", "alex-orders"),
        ("${InventoryTable}", "alex-inventory"),
    ] {
        text = text.replace(placeholder, value);
    }
    serde_json::from_str(&text).expect("app definition is JSON")
}

#[tokio::test]
async fn the_order_pipeline_happy_path_completes_the_order() {
    let fake = Arc::new(Fake::default());
    fake.answers.lock().unwrap().extend([
        Answer::Ok(json!({"valid": true, "reason": null})),
        Answer::Ok(json!({"subtotal": 10, "shipping": 5, "total": 15})),
        Answer::Ok(json!({"approved": true, "payment_id": "p-1", "reason": null})),
        Answer::Ok(json!({"orderId": "o-1", "status": "COMPLETED"})),
    ]);
    let (result, engine) = run(fake.clone(), app_machine(), json!({"orderId": "o-1"})).await;
    assert_eq!(
        result.expect("order completes"),
        json!({"orderId": "o-1", "status": "COMPLETED"})
    );
    let path: Vec<String> = engine
        .history
        .events()
        .iter()
        .filter_map(|e| {
            e["stateEnteredEventDetails"]["name"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        path,
        [
            "VerifyStock",
            "StockAvailable?",
            "CalculatePrice",
            "ProcessPayment",
            "PaymentApproved?",
            "CompleteOrder"
        ]
    );
    let invoked: Vec<String> = fake
        .invocations
        .lock()
        .unwrap()
        .iter()
        .map(|(f, _)| f.clone())
        .collect();
    assert_eq!(
        invoked,
        [
            "alex-stock-verify",
            "alex-price-calc",
            "alex-payment",
            "alex-complete-order"
        ]
    );
}

#[tokio::test]
async fn assigned_variables_are_read_later_and_shown_in_the_exit_event() {
    let definition = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Result": {"n": 2}, "Assign": {"n.$": "$.n", "label": "two"}, "Next": "Use"},
        "Use": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($n, $n)", "label.$": "$label"}, "End": true}}});
    let (result, engine) = run(Arc::new(Fake::default()), definition, json!({})).await;
    assert_eq!(
        result.expect("succeeds"),
        json!({"twice": 4, "label": "two"})
    );
    let events = engine.history.events();
    let exited = &events[2]["stateExitedEventDetails"];
    assert_eq!(
        exited["assignedVariables"],
        json!({"n": "2", "label": "\"two\""})
    );
    assert_eq!(
        exited["assignedVariablesDetails"],
        json!({"truncated": false})
    );
}

#[tokio::test]
async fn timeout_seconds_path_must_select_a_positive_integer() {
    let definition = invoke_machine(json!({"TimeoutSecondsPath": "$.timeout"}));
    let (result, _) = run(
        Arc::new(Fake::default()),
        definition,
        json!({"timeout": "abc"}),
    )
    .await;
    let failure = result.expect_err("a non-numeric timeout fails the state");
    assert_eq!(failure.error, "States.Runtime");
    assert!(
        failure
            .cause
            .ends_with("The TimeoutSeconds value must be a positive integer, but was: \"abc\""),
        "{}",
        failure.cause
    );
}

#[tokio::test]
async fn a_task_result_over_256_kib_is_data_limit_exceeded() {
    let fake = Arc::new(Fake::default());
    fake.answers
        .lock()
        .unwrap()
        .push_back(Answer::Ok(json!({"big": "x".repeat(300_000)})));
    let (result, engine) = run(fake, invoke_machine(json!({})), json!({})).await;
    let failure = result.unwrap_err();
    assert_eq!(failure.error, "States.DataLimitExceeded");
    assert_eq!(
        failure.cause,
        "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit."
    );
    assert_eq!(
        event_types(&engine),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "ExecutionFailed"
        ]
    );
}
