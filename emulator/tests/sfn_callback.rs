//! The callback pattern (`.waitForTaskToken`) through the AWS SDK: a Task that starts a worker
//! execution with `aws-sdk:sfn:startExecution.waitForTaskToken` and waits for its token. On
//! the virtual clock the workers answer from inside the emulator (`aws-sdk:sfn:sendTask…`),
//! so heartbeats and timeouts of a minute pass in virtual time without any real wait; on the
//! real clock the test itself is the worker (SendTaskSuccess, StopExecution). Also the
//! SendTask* errors (InvalidToken, TaskTimedOut, InvalidOutput, member bounds) and
//! CreateStateMachine refusing a HeartbeatSeconds not below TimeoutSeconds.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType as E};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start(clock: ClockMode) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock,
        seed: 5,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

async fn create(client: &Client, name: &str, definition: Value) -> String {
    client
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("machine created")
        .state_machine_arn
}

/// A machine whose Task starts `worker` with the task token as input and waits for it.
fn waiter(worker: &str, limits: Value) -> Value {
    let mut task = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn": worker, "Input.$": "States.JsonToString($$.Task)"},
        "End": true
    });
    if let (Some(task), Some(limits)) = (task.as_object_mut(), limits.as_object()) {
        task.extend(limits.clone());
    }
    json!({"StartAt": "Call", "States": {"Call": task}})
}

/// A worker machine running `states` (a list of `(name, state)` chained in order) on the
/// input `{"Token": …}`.
fn worker(states: &[(&str, Value)]) -> Value {
    let mut object = serde_json::Map::new();
    for (i, (name, state)) in states.iter().enumerate() {
        let mut state = state.clone();
        if let Some(fields) = state.as_object_mut() {
            match states.get(i + 1) {
                Some((next, _)) => fields.insert("Next".into(), json!(next)),
                None => fields.insert("End".into(), json!(true)),
            };
        }
        object.insert((*name).to_owned(), state);
    }
    json!({"StartAt": states.first().map_or("", |(name, _)| *name), "States": object})
}

fn send(action: &str, parameters: Value) -> Value {
    let mut parameters = parameters;
    if let Some(fields) = parameters.as_object_mut() {
        fields.insert("TaskToken.$".into(), json!("$.Token"));
    }
    json!({
        "Type": "Task",
        "Resource": format!("arn:aws:states:::aws-sdk:sfn:{action}"),
        "Parameters": parameters,
        "ResultPath": null
    })
}

fn wait(seconds: u64) -> Value {
    json!({"Type": "Wait", "Seconds": seconds})
}

async fn start_execution(client: &Client, machine: &str) -> String {
    client
        .start_execution()
        .state_machine_arn(machine)
        .input("{}")
        .send()
        .await
        .expect("started")
        .execution_arn
}

/// Polls until the execution has ended (bounded in wall time).
async fn ended(
    client: &Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let described = (client.describe_execution().execution_arn(arn).send())
            .await
            .expect("described");
        if described.status != ExecutionStatus::Running {
            return described;
        }
        assert!(Instant::now() < deadline, "execution {arn} still running");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn history(client: &Client, arn: &str) -> Vec<HistoryEvent> {
    (client.get_execution_history().execution_arn(arn).send())
        .await
        .expect("history")
        .events
}

fn types(events: &[HistoryEvent]) -> Vec<E> {
    events.iter().map(|event| event.r#type.clone()).collect()
}

fn at(events: &[HistoryEvent], wanted: E) -> f64 {
    events
        .iter()
        .find(|event| event.r#type == wanted)
        .map(|event| event.timestamp.as_secs_f64())
        .unwrap_or_else(|| panic!("no {wanted:?}"))
}

/// The task token the waiter passed to its worker (from TaskScheduled's parameters).
fn token_of(events: &[HistoryEvent]) -> String {
    let scheduled = events
        .iter()
        .find_map(|event| event.task_scheduled_event_details())
        .expect("TaskScheduled");
    let parameters: Value = serde_json::from_str(&scheduled.parameters).expect("JSON");
    let input: Value = serde_json::from_str(parameters["Input"].as_str().expect("Input")).unwrap();
    input["Token"].as_str().expect("token").to_owned()
}

const SUBMITTED: [E; 5] = [
    E::ExecutionStarted,
    E::TaskStateEntered,
    E::TaskScheduled,
    E::TaskStarted,
    E::TaskSubmitted,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_settles_the_token_with_success_or_failure() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let succeeds = worker(&[(
        "Answer",
        send("sendTaskSuccess", json!({"Output": "{\"done\":true}"})),
    )]);
    let succeeds = create(&client, "succeeds", succeeds).await;
    let fails = worker(&[(
        "Answer",
        send(
            "sendTaskFailure",
            json!({"Error": "Worker.Broke", "Cause": "it broke"}),
        ),
    )]);
    let fails = create(&client, "fails", fails).await;

    let machine = create(&client, "waits-ok", waiter(&succeeds, json!({}))).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(described.output(), Some("{\"done\":true}"));
    let events = history(&client, &arn).await;
    let mut expected = SUBMITTED.to_vec();
    expected.extend([E::TaskSucceeded, E::TaskStateExited, E::ExecutionSucceeded]);
    assert_eq!(types(&events), expected);
    let submitted = events
        .iter()
        .find_map(|event| event.task_submitted_event_details())
        .expect("TaskSubmitted");
    assert_eq!(submitted.resource_type, "aws-sdk:sfn");
    assert_eq!(submitted.resource, "startExecution.waitForTaskToken");
    let answer: Value = serde_json::from_str(submitted.output().unwrap()).unwrap();
    assert!(
        answer["ExecutionArn"]
            .as_str()
            .unwrap()
            .contains(":execution:succeeds:")
    );
    // The task is closed: its token answers TaskTimedOut from now on.
    let token = token_of(&events);
    let err = (client
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send())
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("TaskTimedOut"));
    assert!(err.into_service_error().is_task_timed_out());

    let machine = create(&client, "waits-fail", waiter(&fails, json!({}))).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("Worker.Broke"));
    assert_eq!(described.cause(), Some("it broke"));
    let events = history(&client, &arn).await;
    let mut expected = SUBMITTED.to_vec();
    expected.extend([E::TaskFailed, E::ExecutionFailed]);
    assert_eq!(types(&events), expected);
    let failed = events
        .iter()
        .find_map(|event| event.task_failed_event_details())
        .expect("TaskFailed");
    assert_eq!(failed.error(), Some("Worker.Broke"));
    assert_eq!(failed.resource, "startExecution.waitForTaskToken");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_heartbeat_within_heartbeat_seconds_times_the_task_out_in_virtual_time() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let silent = create(
        &client,
        "silent",
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let limits = json!({"HeartbeatSeconds": 60, "TimeoutSeconds": 300});
    let machine = create(&client, "heartbeat", waiter(&silent, limits)).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await; // bounded in wall time: no real minute passes
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("States.Timeout"));
    let events = history(&client, &arn).await;
    let mut expected = SUBMITTED.to_vec();
    expected.extend([E::TaskTimedOut, E::ExecutionFailed]);
    assert_eq!(types(&events), expected);
    let scheduled = events
        .iter()
        .find_map(|event| event.task_scheduled_event_details())
        .unwrap();
    assert_eq!(scheduled.heartbeat_in_seconds(), Some(60));
    assert_eq!(scheduled.timeout_in_seconds(), Some(300));
    let timed_out = events
        .iter()
        .find_map(|event| event.task_timed_out_event_details())
        .unwrap();
    assert_eq!(timed_out.error(), Some("States.Timeout"));
    assert_eq!(timed_out.resource_type, "aws-sdk:sfn");
    assert_eq!(
        at(&events, E::TaskTimedOut) - at(&events, E::TaskSubmitted),
        60.0,
        "the heartbeat ran out after exactly 60 s of virtual time"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_the_task_alive_and_a_heartbeat_timeout_is_catchable() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let beats = worker(&[
        ("W1", wait(50)),
        ("Beat1", send("sendTaskHeartbeat", json!({}))),
        ("W2", wait(50)),
        ("Beat2", send("sendTaskHeartbeat", json!({}))),
        ("W3", wait(50)),
        (
            "Done",
            send("sendTaskSuccess", json!({"Output": "\"alive\""})),
        ),
    ]);
    let beats = create(&client, "beats", beats).await;
    let limits = json!({"HeartbeatSeconds": 60, "TimeoutSeconds": 300});
    let machine = create(&client, "kept-alive", waiter(&beats, limits)).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    assert_eq!(described.output(), Some("\"alive\""));
    let events = history(&client, &arn).await;
    assert_eq!(
        at(&events, E::TaskSucceeded) - at(&events, E::TaskSubmitted),
        150.0,
        "150 s with a heartbeat every 50 s outlives a 60 s heartbeat"
    );

    // The same silence, caught by States.HeartbeatTimeout.
    let silent = create(
        &client,
        "quiet",
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let mut caught = waiter(&silent, json!({"HeartbeatSeconds": 10}));
    caught["States"]["Call"]["Catch"] =
        json!([{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Caught"}]);
    caught["States"]["Caught"] = json!({"Type": "Pass", "End": true});
    let machine = create(&client, "caught", caught).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output, json!({"Error": "States.Timeout", "Cause": ""}));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_seconds_bounds_the_wait() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let silent = create(
        &client,
        "silent",
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let machine = create(
        &client,
        "timeout",
        waiter(&silent, json!({"TimeoutSeconds": 30})),
    )
    .await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("States.Timeout"));
    let events = history(&client, &arn).await;
    assert_eq!(
        at(&events, E::TaskTimedOut) - at(&events, E::TaskScheduled),
        30.0
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_wait_for_task_token_reaches_a_worker_through_a_rule() {
    use aws_sdk_eventbridge::types::{RuleState, Target};
    let (emulator, client) = start(ClockMode::Virtual).await;
    let events = aws_sdk_eventbridge::Client::new(&support::sdk_config(&emulator).await);
    let answer = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken.$": "$.Token", "Output.$": "States.JsonToString($.Order)"}, "End": true});
    let worker = create(
        &client,
        "event-worker",
        json!({"StartAt": "Answer", "States": {"Answer": answer}}),
    )
    .await;
    (events
        .put_rule()
        .name("callbacks")
        .event_pattern(r#"{"source": ["orderlab.callback"]}"#))
    .state(RuleState::Enabled)
    .send()
    .await
    .expect("rule");
    let target = Target::builder()
        .id("worker")
        .arn(&worker)
        .input_path("$.detail")
        .build()
        .unwrap();
    (events
        .put_targets()
        .rule("callbacks")
        .targets(target)
        .send())
    .await
    .expect("target");
    let emit = json!({"StartAt": "Emit", "States": {"Emit": {
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
        "Parameters": {"Entries": [{"Source": "orderlab.callback", "DetailType": "needs-answer",
            "Detail": {"Token.$": "$$.Task.Token", "Order": {"id": "o-1"}}}]},
        "HeartbeatSeconds": 60,
        "End": true}}});
    let machine = create(&client, "emitter", emit).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    assert_eq!(described.output(), Some("{\"id\":\"o-1\"}"));
    let events = history(&client, &arn).await;
    let mut expected = SUBMITTED.to_vec();
    expected.extend([E::TaskSucceeded, E::TaskStateExited, E::ExecutionSucceeded]);
    assert_eq!(types(&events), expected);
    let submitted = events
        .iter()
        .find_map(|event| event.task_submitted_event_details())
        .unwrap();
    assert_eq!(
        (
            submitted.resource_type.as_str(),
            submitted.resource.as_str()
        ),
        ("events", "putEvents.waitForTaskToken")
    );
    let answer: Value = serde_json::from_str(submitted.output().unwrap()).unwrap();
    assert_eq!(answer["FailedEntryCount"], 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_machine_timeout_ends_a_waiting_execution() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let silent = create(
        &client,
        "silent",
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let mut definition = waiter(&silent, json!({"HeartbeatSeconds": 600}));
    definition["TimeoutSeconds"] = json!(20);
    let machine = create(&client, "machine-timeout", definition).await;
    let arn = start_execution(&client, &machine).await;
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::TimedOut);
    let events = history(&client, &arn).await;
    let mut expected = SUBMITTED.to_vec();
    expected.push(E::ExecutionTimedOut);
    assert_eq!(
        types(&events),
        expected,
        "no Task event: the execution itself timed out"
    );
    assert_eq!(
        at(&events, E::ExecutionTimedOut) - at(&events, E::ExecutionStarted),
        20.0
    );
    emulator.shutdown().await;
}

/// On the real clock the test is the worker: it reads the token from the history.
async fn submitted_token(client: &Client, arn: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = history(client, arn).await;
        if types(&events).contains(&E::TaskSubmitted) {
            return token_of(&events);
        }
        assert!(Instant::now() < deadline, "{arn} never submitted its task");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_worker_answers_and_a_stopped_execution_closes_its_token() {
    let (emulator, client) = start(ClockMode::Real).await;
    let silent = create(
        &client,
        "silent",
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let machine = create(
        &client,
        "external",
        waiter(&silent, json!({"TimeoutSeconds": 3600})),
    )
    .await;

    let arn = start_execution(&client, &machine).await;
    let token = submitted_token(&client, &arn).await;
    client
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .expect("heartbeat");
    let err = (client
        .send_task_success()
        .task_token(&token)
        .output("not json")
        .send())
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("InvalidOutput"));
    (client
        .send_task_success()
        .task_token(&token)
        .output("{\"by\":\"test\"}")
        .send())
    .await
    .expect("success sent");
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(described.output(), Some("{\"by\":\"test\"}"));

    let arn = start_execution(&client, &machine).await;
    let token = submitted_token(&client, &arn).await;
    client
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("stopped");
    let err = (client
        .send_task_failure()
        .task_token(&token)
        .error("E")
        .send())
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("TaskTimedOut"));
    assert_eq!(
        err.message(),
        Some("Task Timed Out: 'Provided task does not exist anymore'")
    );
    let err = client
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_task_timed_out());
    assert_eq!(ended(&client, &arn).await.status, ExecutionStatus::Aborted);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_invoke_wait_for_task_token_hands_the_token_to_the_function() {
    let (emulator, client) = start(ClockMode::Real).await;
    let lambda = aws_sdk_lambda::Client::new(&support::sdk_config(&emulator).await);
    let function = support::create_test_function(&lambda, "echo", 30, &[]).await;
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": function.function_arn().unwrap(),
            "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 3600, "End": true});
    let machine = create(
        &client,
        "lambda-callback",
        json!({"StartAt": "Call", "States": {"Call": task}}),
    )
    .await;
    let arn = start_execution(&client, &machine).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let submitted = loop {
        let events = history(&client, &arn).await;
        if let Some(details) = events
            .iter()
            .find_map(|event| event.task_submitted_event_details())
        {
            break details.clone();
        }
        assert!(Instant::now() < deadline, "never submitted");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(submitted.resource, "invoke.waitForTaskToken");
    // The echo function answered its event: the token it was given.
    let answer: Value = serde_json::from_str(submitted.output().unwrap()).unwrap();
    let token = answer["Payload"]["token"]
        .as_str()
        .expect("the function got the token");
    (client
        .send_task_failure()
        .task_token(token)
        .error("Human.Rejected")
        .cause("no")
        .send())
    .await
    .expect("failure sent");
    let described = ended(&client, &arn).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("Human.Rejected"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn send_task_errors_have_aws_shapes() {
    let (emulator, client) = start(ClockMode::Virtual).await;
    let err = (client
        .send_task_success()
        .task_token("not-a-token")
        .output("{}")
        .send())
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("InvalidToken"));
    assert_eq!(err.message(), Some("Invalid token"));
    assert!(err.into_service_error().is_invalid_token());
    let err = client
        .send_task_heartbeat()
        .task_token("")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(
            "1 validation error detected: Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )
    );
    let long = "x".repeat(2049);
    let err = client
        .send_task_heartbeat()
        .task_token(&long)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("Member must have length less than or equal to 2048")
    );
    let err = (client
        .send_task_failure()
        .task_token("t")
        .error("e".repeat(257))
        .send())
    .await
    .unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            "1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256"
        )
    );

    let err = client
        .create_state_machine()
        .name("bad-heartbeat")
        .definition(
            waiter(
                "arn:aws:states:us-east-1:000000000000:stateMachine:w",
                json!({"HeartbeatSeconds": 60, "TimeoutSeconds": 60}),
            )
            .to_string(),
        )
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDefinition"));
    assert!(
        err.message().unwrap_or_default().contains(
            "HeartbeatSeconds must be smaller than TimeoutSeconds at /States/Call/HeartbeatSeconds"
        ),
        "{err:?}"
    );
    emulator.shutdown().await;
}
