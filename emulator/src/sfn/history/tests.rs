//! The compact history against the reference encoder (the old JSON-text history): every
//! page — both orders, every page size, with and without execution data — serialises to the
//! same bytes; machines that emit every event type the engine records; and the bytes a
//! finished three-state execution keeps.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{Value, json};

use super::*;
use crate::bus::{Invocation, Service};
use crate::protocol::AwsError;
use crate::sfn::asl::parse_definition;
use crate::sfn::engine::Engine;
use crate::sfn::engine::context::ExecutionInfo;
use crate::sfn::integrations::Integrations;

/// Every page of `history` (every size from 1 to all, both orders, with and without data),
/// serialised, equals the reference's.
pub(super) fn assert_pages_match_reference(history: &History) {
    let count = history.count();
    let reference = history.reference();
    assert_eq!(reference.len(), count);
    for size in 1..=count.max(1) {
        for start in (0..count.max(1)).step_by(size) {
            let range = start..(start + size).min(count);
            for reverse in [false, true] {
                let got = history.page(range.clone(), reverse);
                let want = super::reference::page(&reference, range.clone(), reverse);
                let text = |page: &Vec<Value>| serde_json::to_string(&json!({ "events": page }));
                assert_eq!(
                    text(&got).unwrap(),
                    text(&want).unwrap(),
                    "{range:?} {reverse}"
                );
                let strip = |page: Vec<Value>| -> Vec<Value> {
                    page.into_iter().map(without_execution_data).collect()
                };
                assert_eq!(
                    text(&strip(got)).unwrap(),
                    text(&strip(want)).unwrap(),
                    "{range:?} {reverse} without data"
                );
            }
        }
    }
}

/// A Lambda that answers from a script: `{"fail": "<Error>"}` in the payload makes it fail
/// with that error type while `attempts` of that payload remain.
#[derive(Default)]
struct Scripted {
    failures_left: std::sync::Mutex<u32>,
}

#[async_trait]
impl Integrations for Scripted {
    async fn invoke(&self, _function: &str, payload: Bytes) -> Result<Invocation, AwsError> {
        let payload: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
        let mut left = self.failures_left.lock().unwrap();
        let (body, function_error) = match payload.get("fail") {
            Some(error) if *left > 0 => {
                *left -= 1;
                let body = json!({"errorType": error, "errorMessage": "scripted ✓ \"quoted\""});
                (body, Some("Unhandled".to_owned()))
            }
            _ => (
                json!({"ok": true, "n": 1.50, "big": 12345678901234567890u64}),
                None,
            ),
        };
        Ok(Invocation {
            status_code: 200,
            payload: Bytes::from(body.to_string()),
            function_error,
            executed_version: "$LATEST".into(),
        })
    }

    async fn call(&self, _: Service, _: &str, input: Value) -> Result<Value, AwsError> {
        Ok(json!({ "echo": input }))
    }
}

fn engine(input: Value, failures: u32, timeout: Option<u64>) -> Engine {
    let ctx = Arc::new(crate::Context::for_tests());
    let start_time = ctx.clock.now();
    Engine {
        history: Arc::new(History::with_reference(ctx.clone())),
        integrations: Arc::new(Scripted {
            failures_left: std::sync::Mutex::new(failures),
        }),
        info: Arc::new(ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:000000000000:execution:m:e".into(),
            execution_name: "e".into(),
            input,
            role_arn: "arn:aws:iam::000000000000:role/r".into(),
            start_time,
            state_machine_arn: "arn:aws:states:us-east-1:000000000000:stateMachine:m".into(),
            state_machine_name: "m".into(),
            deadline: timeout.map(|s| start_time + std::time::Duration::from_secs(s)),
            test_case: None,
        }),
        ctx,
    }
}

async fn run(definition: Value, input: Value, failures: u32, timeout: Option<u64>) -> Engine {
    let definition = parse_definition(&definition.to_string()).expect("valid definition");
    let engine = engine(input, failures, timeout);
    let _ = engine.run_execution(&definition).await;
    engine
}

fn types(engine: &Engine) -> Vec<String> {
    let count = engine.history.count();
    (engine.history.page(0..count, false).iter())
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const LAMBDA: &str = "arn:aws:lambda:us-east-1:000000000000:function:f";

fn machines() -> Vec<(Value, Value, u32, Option<u64>)> {
    let pass_choice_succeed = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.p", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.p.x", "NumericEquals": 1, "Next": "W"}], "Default": "F"},
        "W": {"Type": "Wait", "Seconds": 5, "Next": "S"},
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail", "Error": "E", "Cause": "c"}}});
    let fail = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "ünïcode \"cause\""}}});
    let task = |extra: Value| {
        let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": LAMBDA, "Payload.$": "$"}, "End": true});
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"StartAt": "T", "States": {"T": t, "Caught": {"Type": "Pass", "End": true}}})
    };
    let retry =
        json!({"Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3}]});
    let catch = json!({"Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Caught"}]});
    let plain =
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": true}}});
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
        "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}});
    let parallel = json!({"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": true}}}]}}});
    let assign = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass",
        "Assign": {"v": "{% $states.input.n %}", "w": [1, null, true]}, "Output": {"o": "{% $v %}"}, "End": true}}});
    let long_wait =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}});
    let input = json!({"items": [1, 2, {"k": "v"}], "n": 1e3, "s": "é\u{0}\n"});
    // Nobody sends the token: the heartbeat runs out (TaskSubmitted, then TaskTimedOut).
    let callback = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "HeartbeatSeconds": 5,
        "TimeoutSeconds": 60, "Parameters": {"FunctionName": LAMBDA, "Payload": {"token.$": "$$.Task.Token"}},
        "End": true}}});
    vec![
        (pass_choice_succeed, json!({}), 0, None),
        (fail, json!({}), 0, None),
        (task(json!({})), input.clone(), 0, None),
        (task(retry.clone()), json!({"fail": "Flaky"}), 2, None),
        (task(retry), json!({"fail": "Flaky"}), 9, None),
        (task(catch), json!({"fail": "Other"}), 1, None),
        (plain, json!({"a": 1}), 0, None),
        (map, input.clone(), 0, None),
        (parallel, input.clone(), 0, None),
        (assign, input, 0, None),
        (long_wait, json!({}), 0, Some(10)),
        (callback, json!({}), 0, None),
    ]
}

#[tokio::test]
async fn every_page_of_every_machine_matches_the_reference_encoder() {
    let mut seen = std::collections::BTreeSet::new();
    for (definition, input, failures, timeout) in machines() {
        let engine = run(definition, input, failures, timeout).await;
        assert!(engine.history.sealed());
        seen.extend(types(&engine));
        assert_pages_match_reference(&engine.history);
    }
    for event_type in [
        "ExecutionStarted",
        "ExecutionSucceeded",
        "ExecutionFailed",
        "ExecutionTimedOut",
        "PassStateEntered",
        "PassStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "FailStateEntered",
        "TaskStateEntered",
        "TaskStateExited",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskFailed",
        "TaskSubmitted",
        "TaskTimedOut",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateSucceeded",
        "ParallelStateExited",
    ] {
        assert!(
            seen.contains(event_type),
            "no machine emitted {event_type}: {seen:?}"
        );
    }
}

#[test]
fn aborted_and_exhausted_histories_match_the_reference_encoder() {
    let ctx = Arc::new(crate::Context::for_tests());
    let history = History::with_reference(ctx.clone());
    history.record(
        0,
        EventType::ExecutionStarted,
        Some((
            "executionStartedEventDetails",
            json!({"input": "{}", "inputDetails": not_truncated(), "roleArn": "arn:r"}),
        )),
    );
    history.record(
        0,
        EventType::PassStateEntered,
        Some((
            "stateEnteredEventDetails",
            json!({"name": "P", "input": "{}", "inputDetails": not_truncated()}),
        )),
    );
    let details = json!({"error": "States.Aborted", "cause": ""});
    assert_eq!(
        history.record_terminal(
            2,
            EventType::ExecutionAborted,
            Some(("executionAbortedEventDetails", details))
        ),
        Some(3)
    );
    assert_eq!(
        history.record(3, EventType::PassStateExited, None),
        3,
        "sealed"
    );
    assert_pages_match_reference(&history);

    let full = History::with_reference(ctx);
    for id in 0..MAX_EVENTS as u64 + 5 {
        full.record(
            id,
            EventType::PassStateEntered,
            Some((
                "stateEnteredEventDetails",
                json!({"name": format!("s{}", id % 7), "input": "{}"}),
            )),
        );
    }
    assert!(full.exhausted());
    full.record_terminal(
        full.last_id(),
        EventType::ExecutionFailed,
        Some((
            "executionFailedEventDetails",
            json!({"error": "States.Runtime", "cause": LIMIT_CAUSE}),
        )),
    );
    assert_eq!(full.count(), MAX_EVENTS);
    let reference = full.reference();
    for (range, reverse) in [
        (0..1000, false),
        (24_000..25_000, true),
        (24_999..25_000, false),
    ] {
        let got = serde_json::to_string(&full.page(range.clone(), reverse)).unwrap();
        let want =
            serde_json::to_string(&super::reference::page(&reference, range, reverse)).unwrap();
        assert_eq!(got, want);
    }
}

#[test]
fn unusual_details_round_trip_exactly() {
    let ctx = Arc::new(crate::Context::for_tests());
    let history = History::with_reference(ctx);
    let number = |text: &str| Value::Number(text.parse().unwrap());
    let details = json!({
        "": "", "input": "{}", "name": "input", "truncated": [null, true, false, [], {}],
        "n": [number("1e400"), number("-0"), number("0.10"), number("18446744073709551616")],
        "ü\u{1}\"": {"nested": {"deeper": ["TaskStateEntered", "x", "x", "{}"]}},
        "z": 1, "a": 2,
    });
    // An event type outside the compact form's well-known names: interned like any string.
    history.record(
        0,
        EventType::TaskSubmitted,
        Some(("customEventDetails", details.clone())),
    );
    history.record(1, EventType::PassStateEntered, None);
    history.record(
        u64::MAX,
        EventType::PassStateEntered,
        Some(("stateEnteredEventDetails", details)),
    );
    assert_pages_match_reference(&history);
    let page = history.page(0..3, false);
    assert_eq!(page[2]["previousEventId"], json!(u64::MAX));
    assert!(page[0]["customEventDetails"]["n"][0].is_number());
}
