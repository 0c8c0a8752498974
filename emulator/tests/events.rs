//! EventBridge through aws-sdk-eventbridge: rules, targets, PutEvents delivery to a Lambda
//! target, AWS error shapes, and the AWS-recorded pattern corpus (when present).
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

use std::time::Duration;

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, RuleState, Target};
use serde_json::{Value, json};

const PATTERN: &str = r#"{"source": ["alex.orders"], "detail-type": ["OrderCreated"]}"#;

fn entry(source: &str) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .source(source)
        .detail_type("OrderCreated")
        .detail(r#"{"order_id": "o1"}"#)
        .build()
}

#[tokio::test]
async fn rules_and_targets_are_managed() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let rule = client
        .put_rule()
        .name("order-created")
        .event_pattern(PATTERN)
        .state(RuleState::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rule.rule_arn(),
        Some("arn:aws:events:us-east-1:000000000000:rule/order-created")
    );
    let described = client
        .describe_rule()
        .name("order-created")
        .send()
        .await
        .unwrap();
    assert_eq!(described.event_pattern(), Some(PATTERN));
    assert_eq!(described.event_bus_name(), Some("default"));
    let target = Target::builder()
        .id("sfn")
        .arn("arn:aws:states:us-east-1:000000000000:stateMachine:m")
        .input_path("$.detail")
        .build()
        .unwrap();
    let put = client
        .put_targets()
        .rule("order-created")
        .targets(target)
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);
    let listed = client
        .list_targets_by_rule()
        .rule("order-created")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.targets()[0].input_path(), Some("$.detail"));
    client
        .disable_rule()
        .name("order-created")
        .send()
        .await
        .unwrap();
    let described = client
        .describe_rule()
        .name("order-created")
        .send()
        .await
        .unwrap();
    assert_eq!(described.state(), Some(&RuleState::Disabled));
    let buses = client.list_event_buses().send().await.unwrap();
    assert_eq!(buses.event_buses()[0].name(), Some("default"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn errors_have_aws_shapes() {
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let err = client
        .describe_rule()
        .name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception());
    assert_eq!(
        err.meta().message(),
        Some("Rule nope does not exist on EventBus default.")
    );
    let err = client
        .put_rule()
        .name("bad")
        .event_pattern(r#"{"a": 1}"#)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_event_pattern_exception());
    assert_eq!(
        err.meta().message(),
        Some(r#"Event pattern is not valid. Reason: "a" must be an object or an array"#)
    );
    let answer = client
        .put_events()
        .entries(entry("alex.orders"))
        .entries(
            PutEventsRequestEntry::builder()
                .source("x")
                .detail_type("y")
                .detail("not json")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.failed_entry_count(), 1);
    assert!(answer.entries()[0].event_id().is_some());
    assert_eq!(answer.entries()[1].error_code(), Some("MalformedDetail"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn matching_events_reach_a_lambda_target() {
    let emulator = support::start().await;
    let config = support::sdk_config(&emulator).await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let function = support::create_test_function(&lambda, "target", 3, &[]).await;
    let client = Client::new(&config);
    client
        .put_rule()
        .name("r")
        .event_pattern(PATTERN)
        .send()
        .await
        .unwrap();
    let target = Target::builder()
        .id("fn")
        .arn(function.function_arn().unwrap())
        .build()
        .unwrap();
    client
        .put_targets()
        .rule("r")
        .targets(target)
        .send()
        .await
        .unwrap();

    client
        .put_events()
        .entries(entry("someone.else"))
        .send()
        .await
        .unwrap();
    client
        .put_events()
        .entries(entry("alex.orders"))
        .send()
        .await
        .unwrap();
    let started = tokio::time::timeout(Duration::from_secs(10), async {
        while emulator.lambda_process_ids().is_empty() {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        started.is_ok(),
        "the matching event started the target function"
    );
    emulator.shutdown().await;
}

/// The AWS-recorded TestEventPattern corpus (see /work/shared/conformance/SOURCE.txt).
#[tokio::test]
async fn the_recorded_pattern_corpus_matches() {
    let path = std::env::var("ORDERLAB_EVENTS_CORPUS")
        .unwrap_or_else(|_| "/work/shared/conformance/events/manifest.jsonl".to_owned());
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: the events conformance corpus is not at {path}");
        return;
    };
    let emulator = support::start().await;
    let client = Client::new(&support::sdk_config(&emulator).await);
    let (mut passed, mut failures) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("manifest line");
        let (Some(pattern), Some(event)) =
            (case["pattern_text"].as_str(), case["event_text"].as_str())
        else {
            continue;
        };
        let answer = client
            .test_event_pattern()
            .event_pattern(pattern)
            .event(event)
            .send()
            .await;
        let actual = match answer {
            Ok(answer) => json!(answer.result()),
            Err(err) => json!(format!(
                "{}: {}",
                err.code().unwrap_or_default(),
                err.message().unwrap_or_default()
            )),
        };
        let expected = if let Some(matched) = case["expected_match"].as_bool() {
            json!(matched)
        } else {
            json!(format!(
                "{}: {}",
                case["expected_error_detail"]["code"]
                    .as_str()
                    .unwrap_or_default(),
                case["expected_error_detail"]["message"]
                    .as_str()
                    .unwrap_or_default()
            ))
        };
        if actual == expected {
            passed += 1;
        } else {
            failures.push(format!("{}: expected {expected}, got {actual}", case["id"]));
        }
    }
    eprintln!("pattern corpus: {passed} passed, {} differ", failures.len());
    for failure in &failures {
        eprintln!("  {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus cases differ",
        failures.len()
    );
    assert!(passed > 100, "the corpus was read ({passed} cases)");
    emulator.shutdown().await;
}
