//! Reliability: Step Functions (issue #10, findings 2, 3, 7, 8 and 9). Every test drives the
//! emulator through aws-sdk-sfn on the virtual clock and ends by checking it still answers.

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

use crate::support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";
/// AWS's cause when an execution reaches 25,000 history events.
const LIMIT_CAUSE: &str = "The execution reached the maximum number of history events (25000).";
/// How many DescribeExecution polls a test waits for an execution to end.
const POLLS: usize = 200_000;

async fn start() -> (Emulator, Client) {
    start_on(ClockMode::Virtual).await
}

async fn start_on(clock: ClockMode) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

/// CreateStateMachine's answer: the ARN, or `(code, message)`.
async fn try_create(
    client: &Client,
    name: &str,
    definition: &str,
) -> Result<String, (String, String)> {
    client
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(ROLE)
        .send()
        .await
        .map(|out| out.state_machine_arn)
        .map_err(|err| {
            let err = err.into_service_error();
            (
                err.code().unwrap_or_default().to_owned(),
                err.message().unwrap_or_default().to_owned(),
            )
        })
}

async fn create(client: &Client, name: &str, definition: Value) -> String {
    try_create(client, name, &definition.to_string())
        .await
        .expect("machine created")
}

/// The InvalidDefinition message CreateStateMachine answers for `definition`.
async fn refused(client: &Client, definition: &str) -> String {
    let (code, message) = try_create(client, "refused", definition)
        .await
        .expect_err("definition refused");
    assert_eq!(code, "InvalidDefinition", "{message}");
    message
}

async fn start_execution(client: &Client, machine: &str, input: &str) -> String {
    client
        .start_execution()
        .state_machine_arn(machine)
        .input(input)
        .send()
        .await
        .expect("execution started")
        .execution_arn
}

async fn describe(client: &Client, arn: &str) -> DescribeExecutionOutput {
    client
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .expect("described")
}

/// Polls (bounded) until the execution has ended.
async fn ended(client: &Client, arn: &str) -> DescribeExecutionOutput {
    for _ in 0..POLLS {
        let described = describe(client, arn).await;
        if described.status != ExecutionStatus::Running {
            return described;
        }
        tokio::task::yield_now().await;
    }
    panic!("execution {arn} still running after {POLLS} polls");
}

/// The emulator still answers an unrelated request.
async fn assert_alive(client: &Client) {
    client
        .list_state_machines()
        .send()
        .await
        .expect("ListStateMachines answers");
}

/// The last `n` events, newest first.
async fn last_events(client: &Client, arn: &str, n: i32) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    client
        .get_execution_history()
        .execution_arn(arn)
        .reverse_order(true)
        .max_results(n)
        .send()
        .await
        .expect("history")
        .events
}

fn spin_loop() -> Value {
    json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Choice",
              "Choices": [{"Variable": "$.spin", "BooleanEquals": true, "Next": "P"}],
              "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
}

// Finding 2: parsers with a depth bound, refused at CreateStateMachine.

#[tokio::test]
async fn deeply_nested_intrinsics_paths_and_jsonata_are_refused_at_create() {
    let (emulator, client) = start().await;
    let intrinsic = format!("{}1{}", "States.Array(".repeat(50_000), ")".repeat(50_000));
    let message = refused(
        &client,
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"deep.$": intrinsic}, "End": true}}})
            .to_string(),
    )
    .await;
    assert_eq!(
        message,
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field 'deep.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters'"
    );
    let filter = format!(
        "$[?({}@ == 1{})]",
        "$[?(".repeat(50_000),
        ")]".repeat(50_000)
    );
    let message = refused(
        &client,
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": filter, "End": true}}})
            .to_string(),
    )
    .await;
    assert!(
        message.contains(
            "The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath"
        ),
        "{message}"
    );
    let jsonata = format!("{{% {}1{} %}}", "(".repeat(50_000), ")".repeat(50_000));
    let message = refused(
        &client,
        &json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": jsonata, "End": true}}})
            .to_string(),
    )
    .await;
    assert!(message.contains("INVALID_JSONATA_EXPRESSION"), "{message}");
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn runaway_jsonata_recursion_fails_the_execution() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "recursion",
        json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass",
            "Output": "{% ($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000)) %}",
            "End": true}}}),
    )
    .await;
    let arn = start_execution(&client, &machine, "{}").await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.QueryEvaluationError"));
    assert_alive(&client).await;
    emulator.shutdown().await;
}

// Finding 3: a machine that loops forever yields, stops, and ends at the history limit.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_is_stopped_by_stop_execution() {
    let (emulator, client) = start().await;
    let machine = create(&client, "spin-stop", spin_loop()).await;
    let arn = start_execution(&client, &machine, r#"{"spin": true}"#).await;
    for _ in 0..POLLS {
        if last_events(&client, &arn, 1).await[0].id >= 40 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_alive(&client).await;
    assert_eq!(
        describe(&client, &arn).await.status,
        ExecutionStatus::Running
    );
    client
        .stop_execution()
        .execution_arn(&arn)
        .error("Spin")
        .cause("stopped by the test")
        .send()
        .await
        .expect("StopExecution answers");
    let stopped = describe(&client, &arn).await;
    assert_eq!(stopped.status, ExecutionStatus::Aborted);
    assert_eq!(stopped.error(), Some("Spin"));
    let last = last_events(&client, &arn, 1).await.remove(0);
    assert_eq!(last.r#type, HistoryEventType::ExecutionAborted);
    for _ in 0..1000 {
        tokio::task::yield_now().await;
    }
    let still_last = last_events(&client, &arn, 1).await.remove(0);
    assert_eq!(
        still_last.id, last.id,
        "nothing recorded after ExecutionAborted"
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_fails_at_the_history_limit() {
    let (emulator, client) = start().await;
    let machine = create(&client, "spin", spin_loop()).await;
    let arn = start_execution(&client, &machine, r#"{"spin": true}"#).await;
    assert_alive(&client).await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.Runtime"));
    assert_eq!(done.cause(), Some(LIMIT_CAUSE));
    let events = last_events(&client, &arn, 2).await;
    assert_eq!(events[0].r#type, HistoryEventType::ExecutionFailed);
    assert_eq!(
        (events[0].id, events[0].previous_event_id),
        (25_000, 24_999)
    );
    let details = events[0].execution_failed_event_details().expect("details");
    assert_eq!(details.error(), Some("States.Runtime"));
    assert_eq!(details.cause(), Some(LIMIT_CAUSE));
    assert_eq!(events[1].id, 24_999);
    assert_alive(&client).await;
    emulator.shutdown().await;
}

// Finding 7: a big inline Map yields between iterations and is bounded by the history limit.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_item_inline_map_ends_at_the_history_limit() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "big-map",
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                "States": {"I": {"Type": "Pass", "End": true}}}}}}),
    )
    .await;
    let items = vec![0; 100_000];
    let arn = start_execution(&client, &machine, &json!(items).to_string()).await;
    assert_alive(&client).await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.cause(), Some(LIMIT_CAUSE));
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_jsonata_runs_off_the_async_workers() {
    // On the real clock, where the two evaluations run at once (the virtual clock's scheduler
    // would run them one after the other).
    let (emulator, client) = start_on(ClockMode::Real).await;
    // Runs until jsonata's 10 s evaluation limit stops it.
    let machine = create(
        &client,
        "slow",
        json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass",
            "Output": "{% $sum([1..100000].($sum([1..100000]))) %}", "End": true}}}),
    )
    .await;
    // As many slow evaluations as the runtime has workers.
    let first = start_execution(&client, &machine, "{}").await;
    let second = start_execution(&client, &machine, "{}").await;
    for arn in [&first, &second] {
        for _ in 0..POLLS {
            let events = last_events(&client, arn, 1).await;
            if events[0].r#type == HistoryEventType::PassStateEntered {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    assert_alive(&client).await;
    for arn in [&first, &second] {
        assert_eq!(
            describe(&client, arn).await.status,
            ExecutionStatus::Running,
            "answered while both evaluations were still running"
        );
    }
    for arn in [&first, &second] {
        let done = ended(&client, arn).await;
        assert_eq!(done.error(), Some("States.QueryEvaluationError"));
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_number_with_a_million_digits_is_refused_and_a_long_one_is_handled() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "numbers",
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Add"}],
                  "Default": "Done"},
            "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.n, 1)"}, "Next": "Done"},
            "Done": {"Type": "Succeed"}}}),
    )
    .await;
    let huge = format!(r#"{{"n": 1{}}}"#, "0".repeat(1_000_000));
    let err = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(huge)
        .send()
        .await
        .expect_err("refused")
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    // 200,000 digits (within the input limit): no comparison or parse is worse than linear in
    // them. A number beyond what a double holds compares as no number at all, so the
    // Choice takes its Default.
    let long = format!(r#"{{"n":1{}}}"#, "0".repeat(200_000));
    let arn = start_execution(&client, &machine, &long).await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert!(
        done.output() == Some(long.as_str()),
        "the number comes out whole"
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

// Finding 8: AWS's size limits and the definitions AWS refuses.

#[tokio::test]
async fn oversized_input_and_definitions_get_aws_validation_errors() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "sized",
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let input = format!(r#"{{"s": "{}"}}"#, "x".repeat(262_144));
    let err = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(input)
        .send()
        .await
        .expect_err("refused")
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"
        )
    );
    let fits = format!(r#"{{"s": "{}"}}"#, "x".repeat(262_144 - 10));
    let arn = start_execution(&client, &machine, &fits).await;
    assert_eq!(
        ended(&client, &arn).await.status,
        ExecutionStatus::Succeeded
    );
    let padding = "x".repeat(1_048_576);
    let big =
        json!({"Comment": padding, "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let (code, message) = try_create(&client, "big", &big.to_string())
        .await
        .expect_err("refused");
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576"
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_state_output_over_256_kib_fails_with_data_limit_exceeded() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "double",
        json!({"StartAt": "Double", "States": {"Double": {"Type": "Pass",
            "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}}),
    )
    .await;
    let input = json!({"s": "x".repeat(150_000)}).to_string();
    let arn = start_execution(&client, &machine, &input).await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.DataLimitExceeded"));
    assert_eq!(
        done.cause(),
        Some(
            "The state/task 'Double' returned a result with a size exceeding the maximum number of bytes service limit."
        )
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn definitions_aws_refuses_are_refused() {
    let (emulator, client) = start().await;
    let state = |state: Value| json!({"StartAt": "A", "States": {"A": state}}).to_string();
    let cases = [
        (
            state(json!({"Type": "Pass", "Next": "A", "End": true})),
            "Only one of 'Next' or 'End' can be present at /States/A",
        ),
        (
            state(json!({"Type": "Wait", "Seconds": -1, "End": true})),
            "The value for the field 'Seconds' must be an integer between 0 and 99999999 at /States/A/Seconds",
        ),
        (
            state(json!({"Type": "Pass", "End": true, "InputPath": "$.a["})),
            "The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath",
        ),
        (
            state(json!({"Type": "Parallel", "End": true, "Branches": [],
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1_000_000_000_000u64}]})),
            "The value for the field 'MaxAttempts' must be an integer between 0 and 99999999 at /States/A/Retry[0]/MaxAttempts",
        ),
    ];
    for (definition, expected) in cases {
        let message = refused(&client, &definition).await;
        assert!(message.contains(expected), "{message}");
    }
    assert_alive(&client).await;
    emulator.shutdown().await;
}

// Finding 9: durations beyond what `Duration` holds.

#[tokio::test]
async fn a_timeout_near_u64_max_or_a_wait_beyond_duration_is_refused() {
    let (emulator, client) = start().await;
    let message = refused(
        &client,
        r#"{"StartAt": "A", "TimeoutSeconds": 18446744073709551615, "States": {"A": {"Type": "Pass", "End": true}}}"#,
    )
    .await;
    assert!(
        message.contains("The value for the field 'TimeoutSeconds' must be an integer between 1 and 99999999 at /TimeoutSeconds"),
        "{message}"
    );
    let message = refused(
        &client,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1e20, "End": true}}}"#,
    )
    .await;
    assert!(
        message.contains("'Seconds' must be an integer"),
        "{message}"
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn endless_long_waits_end_at_the_one_year_maximum() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "long-waits",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 99_999_999, "Next": "W2"},
            "W2": {"Type": "Wait", "Seconds": 99_999_999, "Next": "W"}}}),
    )
    .await;
    let arn = start_execution(&client, &machine, "{}").await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::TimedOut);
    let last = last_events(&client, &arn, 1).await.remove(0);
    assert_eq!(last.r#type, HistoryEventType::ExecutionTimedOut);
    let far = create(
        &client,
        "far-future",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "9999-12-31T23:59:59Z", "End": true}}}),
    )
    .await;
    let arn = start_execution(&client, &far, "{}").await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert!(
        done.cause()
            .unwrap_or_default()
            .contains("Wait state delay is too long.")
    );
    assert_alive(&client).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_retry_backoff_beyond_duration_times_out_instead_of_panicking() {
    let (emulator, client) = start().await;
    let machine = create(
        &client,
        "backoff",
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}],
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 1e300, "MaxAttempts": 3}]}}}),
    )
    .await;
    let arn = start_execution(&client, &machine, "{}").await;
    let done = ended(&client, &arn).await;
    assert_eq!(done.status, ExecutionStatus::TimedOut);
    assert_alive(&client).await;
    emulator.shutdown().await;
}

/// Found by fuzzing: serde_json_path's parse time doubles with every filter nested in a filter
/// (14 levels: 0.16 s; 20 unclosed `$[?(` would take minutes, in the request). Such a path is
/// refused without being parsed — at CreateStateMachine, and in an EventBridge target.
#[tokio::test]
async fn filters_nested_in_filters_are_refused_without_parsing() {
    let (emulator, client) = start().await;
    for path in [
        "$[?(@".repeat(20),
        format!("${}{}", "[?(@".repeat(20), ")]".repeat(20)),
    ] {
        let definition = json!({
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "InputPath": path, "End": true}}
        });
        let message = refused(&client, &definition.to_string()).await;
        assert!(
            message.contains("The value for the field 'InputPath' must be a valid JSONPath"),
            "{message}"
        );
    }
    let sequential = format!("${}", "[?(@.a)]".repeat(100));
    let definition = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": sequential, "End": true}}
    });
    create(&client, "sequential-filters", definition).await;

    let events = aws_sdk_eventbridge::Client::new(&support::sdk_config(&emulator).await);
    events
        .put_rule()
        .name("r")
        .event_pattern(r#"{"source": ["x"]}"#)
        .send()
        .await
        .expect("rule created");
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("t")
        .arn("arn:aws:lambda:us-east-1:000000000000:function:f")
        .input_path("$[?(@".repeat(20))
        .build()
        .expect("target");
    let answer = events.put_targets().rule("r").targets(target).send().await;
    let answered = match answer {
        Ok(out) => out
            .failed_entries()
            .first()
            .and_then(|e| e.error_message())
            .unwrap_or_default()
            .to_owned(),
        Err(err) => err
            .into_service_error()
            .message()
            .unwrap_or_default()
            .to_owned(),
    };
    assert!(answered.contains("is not a valid JSONPath"), "{answered}");
    assert_alive(&client).await;
    emulator.shutdown().await;
}
