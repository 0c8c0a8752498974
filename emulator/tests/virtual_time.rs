//! The discrete virtual clock and the seeded scheduler, through the SDK: two executions at
//! once — one waits an hour, the other runs a Task with `TimeoutSeconds: 5` around a Lambda
//! that takes a real second — each history shows only the time that execution spent, and the
//! Task does not time out (issue #15).
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::json;

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start(seed: u64) -> (Emulator, Client, aws_sdk_lambda::Client) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        seed,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let config = support::sdk_config(&emulator).await;
    (
        emulator,
        Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
    )
}

fn machine(function_arn: &str) -> serde_json::Value {
    json!({
        "StartAt": "Which",
        "States": {
            "Which": {"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "wait", "Next": "Hour"}
            ], "Default": "Slow"},
            "Hour": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
            "Slow": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_arn, "Payload": {"sleep_ms": 1000}},
                "TimeoutSeconds": 5,
                "Next": "Done"
            },
            "Done": {"Type": "Succeed"}
        }
    })
}

async fn until_ended(client: &Client, arn: &str) -> ExecutionStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let described = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .expect("described");
        if described.status != ExecutionStatus::Running {
            return described.status;
        }
        assert!(Instant::now() < deadline, "execution {arn} still running");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Seconds between the first event of `event_type` and the first of `until`.
async fn span(client: &Client, arn: &str, from: HistoryEventType, until: HistoryEventType) -> f64 {
    let history = client
        .get_execution_history()
        .execution_arn(arn)
        .send()
        .await
        .expect("history");
    let at = |wanted: &HistoryEventType| {
        history
            .events
            .iter()
            .find(|event| &event.r#type == wanted)
            .map(|event| event.timestamp.as_secs_f64())
            .unwrap_or_else(|| panic!("no {wanted:?} in {arn}'s history"))
    };
    at(&until) - at(&from)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_execution_spends_its_own_virtual_time() {
    let (emulator, sfn, lambda) = start(3).await;
    let function = support::create_test_function(&lambda, "slow", 30, &[]).await;
    let machine = sfn
        .create_state_machine()
        .name("two-timelines")
        .definition(machine(function.function_arn().unwrap()).to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("machine created")
        .state_machine_arn;
    let mut arns = Vec::new();
    for kind in ["wait", "task"] {
        let started = sfn
            .start_execution()
            .state_machine_arn(&machine)
            .input(json!({"kind": kind}).to_string())
            .send()
            .await
            .expect("started");
        arns.push(started.execution_arn);
    }
    let (waiter, tasker) = (&arns[0], &arns[1]);
    assert_eq!(until_ended(&sfn, waiter).await, ExecutionStatus::Succeeded);
    assert_eq!(
        until_ended(&sfn, tasker).await,
        ExecutionStatus::Succeeded,
        "a Lambda answering in 1 s of real time does not time out a 5 s Task"
    );
    use HistoryEventType as E;
    let waited = span(&sfn, waiter, E::WaitStateEntered, E::WaitStateExited).await;
    assert_eq!(waited, 3600.0, "the Wait spent exactly its hour");
    let whole = span(&sfn, tasker, E::ExecutionStarted, E::ExecutionSucceeded).await;
    assert!(
        whole < 5.0,
        "the Task execution spent {whole} s of virtual time: another execution's hour leaked into it"
    );
    let task = span(&sfn, tasker, E::TaskStateEntered, E::TaskStateExited).await;
    assert!(task < 5.0, "the Task took {task} s of virtual time");
    emulator.shutdown().await;
}
