//! Coverage from real histories of concurrent Map iterations and Parallel branches: each
//! definition runs on the embedded emulator (virtual clock) under several scheduler seeds, so
//! the children's events interleave differently; what [`observe`] reads must not depend on
//! the interleaving, and must equal what a sequential run (`MaxConcurrency: 1`) gives.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

use super::chains::Chains;
use super::history::{EventKind, Observed, from_sdk, observe};
use super::model::Model;
use crate::stack::Poll;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";
const SEEDS: [u64; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/// Runs `definition` once on `input` on a fresh emulator with `seed`: its final status and
/// its history.
async fn execute(
    seed: u64,
    definition: &Value,
    input: &Value,
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        seed,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let config = crate::stack::sdk_config(&emulator.endpoint(), "us-east-1").await;
    let client = Client::new(&config);
    let outcome = run(&client, definition, input).await;
    emulator.shutdown().await;
    outcome
}

async fn run(
    client: &Client,
    definition: &Value,
    input: &Value,
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let machine = client
        .create_state_machine()
        .name("fan-out")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("machine created")
        .state_machine_arn;
    let arn = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(input.to_string())
        .send()
        .await
        .expect("started")
        .execution_arn;
    let mut poll = Poll::new(Duration::from_secs(60));
    let status = loop {
        let described = client
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .expect("described");
        if described.status != ExecutionStatus::Running {
            break described.status;
        }
        assert!(poll.again().await, "{arn} still running");
    };
    let events = client
        .get_execution_history()
        .execution_arn(&arn)
        .max_results(1000)
        .send()
        .await
        .expect("history")
        .events;
    (status, events)
}

/// What `definition` covers run on `input` with `seed`, and its history's order of events
/// (type and state name each).
async fn covered(
    seed: u64,
    definition: &Value,
    input: &Value,
) -> (ExecutionStatus, Observed, Vec<String>) {
    let model = Model::from_definition(definition).expect("model");
    let (status, history) = execute(seed, definition, input).await;
    let events: Vec<_> = history.iter().map(from_sdk).collect();
    let order = history
        .iter()
        .map(|e| {
            let name = e.state_entered_event_details().map(|d| d.name());
            format!("{} {}", e.r#type().as_str(), name.unwrap_or_default())
        })
        .collect();
    (status, observe(&model, &events), order)
}

/// A Task that waits for a task token nobody sends: it times out (`States.Timeout`) after
/// `seconds` of virtual time, other children going on meanwhile. `fields` are added.
fn waiting_task(seconds: u64, fields: Value) -> Value {
    let mut task = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
        "Parameters": {"Entries": [{
            "Source": "orderlab.test", "DetailType": "wait",
            "Detail": {"token.$": "$$.Task.Token"}
        }]},
        "TimeoutSeconds": seconds
    });
    if let (Some(task), Value::Object(fields)) = (task.as_object_mut(), fields) {
        task.extend(fields);
    }
    task
}

/// A child's body: a Choice on `$.kind` to a Pass ("a"), a Task that times out, is retried
/// once, times out again and is caught ("b"), or a Wait (default); then `Done`. Names get
/// `prefix`.
fn body(prefix: &str) -> Value {
    let n = |name: &str| format!("{prefix}{name}");
    json!({
        "StartAt": n("Route"),
        "States": {
            n("Route"): {"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "a", "Next": n("Quick")},
                {"Variable": "$.kind", "StringEquals": "b", "Next": n("Lookup")}
            ], "Default": n("Pause")},
            n("Quick"): {"Type": "Pass", "Next": n("Done")},
            n("Lookup"): waiting_task(1, json!({
                "Retry": [{"ErrorEquals": ["States.Timeout"],
                           "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": n("Done")}],
                "Next": n("Done")
            })),
            n("Pause"): {"Type": "Wait", "Seconds": 2, "Next": n("Done")},
            n("Done"): {"Type": "Pass", "End": true}
        }
    })
}

fn map(max_concurrency: u64) -> Value {
    json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": max_concurrency,
                "ItemProcessor": body(""), "Next": "After"
            },
            "After": {"Type": "Pass", "End": true}
        }
    })
}

/// A Parallel whose three branches each set `$.kind` ("a", "b", "c") and run [`body`].
fn parallel() -> Value {
    let branch = |i: usize, kind: &str| {
        let mut branch = body(&format!("B{i}"));
        branch["States"][format!("B{i}Set")] =
            json!({"Type": "Pass", "Result": {"kind": kind}, "Next": format!("B{i}Route")});
        branch["StartAt"] = json!(format!("B{i}Set"));
        branch
    };
    json!({
        "StartAt": "All",
        "States": {
            "All": {"Type": "Parallel", "Next": "After",
                    "Branches": [branch(0, "a"), branch(1, "b"), branch(2, "c")]},
            "After": {"Type": "Pass", "End": true}
        }
    })
}

/// Asserts that every seed gives `expected` with no unmatched message, and that the seeds gave
/// more than one interleaving.
async fn assert_every_seed(
    definition: &Value,
    input: &Value,
    expected: &Observed,
    status: ExecutionStatus,
) {
    let mut orders = BTreeSet::new();
    for seed in SEEDS {
        let (got, seen, order) = covered(seed, definition, input).await;
        assert_eq!(got, status, "seed {seed}");
        assert!(
            seen.unmatched.is_empty(),
            "seed {seed}: {:?}",
            seen.unmatched
        );
        assert_eq!(&seen, expected, "seed {seed}");
        orders.insert(order);
    }
    assert!(orders.len() > 1, "every seed gave the same interleaving");
}

fn items() -> Value {
    json!({"items": [{"kind": "a"}, {"kind": "b"}, {"kind": "c"}]})
}

fn names(seen: &Observed) -> BTreeSet<String> {
    seen.transitions.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_map_iterations_cover_what_a_sequential_run_covers() {
    let (status, sequential, _) = covered(1, &map(1), &items()).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert!(
        sequential.unmatched.is_empty(),
        "{:?}",
        sequential.unmatched
    );
    let transitions = names(&sequential);
    for expected in [
        "Each iteration",
        "Each/Route rule 1 → Each/Quick",
        "Each/Route rule 2 → Each/Lookup",
        "Each/Route default → Each/Pause",
        "Each/Lookup retry 1 [States.Timeout] attempt 1",
        "Each/Lookup catch 1 [States.ALL] → Each/Done",
        "Each/Pause → Each/Done",
        "Each → After",
    ] {
        assert!(
            transitions.contains(expected),
            "{expected} in {transitions:#?}"
        );
    }
    assert_every_seed(&map(0), &items(), &sequential, ExecutionStatus::Succeeded).await;
    // The state of each failure, read along its chain, is Lookup's whatever the interleaving.
    for seed in SEEDS {
        let (_, history) = execute(seed, &map(0), &items()).await;
        let events: Vec<_> = history.iter().map(from_sdk).collect();
        let states = Chains::new(&events).states();
        let failed: Vec<&str> = events
            .iter()
            .zip(&states)
            .filter(|(e, _)| matches!(e.kind, EventKind::Failed { .. }))
            .map(|(_, state)| state.as_str())
            .collect();
        assert_eq!(failed, ["Lookup", "Lookup"], "seed {seed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_parallel_branches_cover_what_a_sequential_run_covers() {
    // A Parallel has no MaxConcurrency (its branches always run together): what one branch
    // after another covers is what the sequential Map run covers for the same three kinds,
    // each branch's path under its own ids.
    let (_, sequential, _) = covered(1, &map(1), &items()).await;
    let mut expected: BTreeSet<String> = ["All → After", "After end"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut states: BTreeSet<String> = ["All".to_owned(), "After".to_owned()].into();
    for (i, path) in ["Quick", "Lookup", "Pause"].into_iter().enumerate() {
        let id = |name: &str| format!("All[{i}]/B{i}{name}");
        expected.insert(format!("All branch {}", i + 1));
        expected.insert(format!("{} → {}", id("Set"), id("Route")));
        let in_map = format!("Each/{path}");
        for transition in names(&sequential) {
            let from_path = transition.starts_with(&format!("{in_map} "))
                || transition.ends_with(&format!("→ {in_map}"));
            if from_path || transition == "Each/Done end" {
                expected.insert(
                    transition
                        .replace("Each/", &format!("All[{i}]/B{i}"))
                        .replace(&format!("All[{i}]/B{i}Route"), &id("Route")),
                );
            }
        }
        for name in ["Set", "Route", path, "Done"] {
            states.insert(id(name));
        }
    }
    assert_eq!(expected.len(), 18, "{expected:#?}");
    let mut orders = BTreeSet::new();
    for seed in SEEDS {
        let (got, seen, order) = covered(seed, &parallel(), &items()).await;
        assert_eq!(got, ExecutionStatus::Succeeded, "seed {seed}");
        assert!(
            seen.unmatched.is_empty(),
            "seed {seed}: {:?}",
            seen.unmatched
        );
        assert_eq!(names(&seen), expected, "seed {seed}");
        assert_eq!(seen.states, states, "seed {seed}");
        orders.insert(order);
    }
    assert!(orders.len() > 1, "every seed gave the same interleaving");
}

/// A Map whose first iteration fails after 5 s (`failing`: the states it goes through from
/// `Route`, the first named `Fails`) while the others wait out a Retry of a failure of their
/// own (`Sqs.SdkClientException`): they are aborted, which is neither their failure nor a
/// catch; the Map's error is the failing iteration's, caught by the second clause.
fn failing_map(failing: Value) -> Value {
    let mut processor = json!({"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.kind", "StringEquals": "fail", "Next": "Fails"}
        ], "Default": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 1, "Next": "Slow"},
        "Slow": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:sendMessage",
            "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "MaxAttempts": 1}],
            "End": true
        }
    }});
    if let (Some(states), Value::Object(failing)) = (processor["States"].as_object_mut(), failing) {
        states.extend(failing);
    }
    json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
                "ItemProcessor": processor,
                "Catch": [
                    {"ErrorEquals": ["Sqs.SdkClientException"], "Next": "Wrong"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Recovered"}
                ],
                "Next": "Wrong"
            },
            "Wrong": {"Type": "Fail", "Error": "Wrong"},
            "Recovered": {"Type": "Pass", "End": true}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_iteration_aborts_its_siblings_without_failing_or_catching_them() {
    let input = json!({"items": [{"kind": "fail"}, {"kind": "slow"}, {"kind": "slow"}]});
    // A Task that times out; a Wait then a Fail state (whose error no Failed event names).
    let timing_out = json!({"Fails": waiting_task(5, json!({"End": true}))});
    let failing_state = json!({
        "Fails": {"Type": "Wait", "Seconds": 5, "Next": "Boom"},
        "Boom": {"Type": "Fail", "Error": "Boom"}
    });
    let paths = [
        (timing_out, vec![]),
        (
            failing_state,
            vec!["Each/Fails → Each/Boom", "Each/Boom end"],
        ),
    ];
    for (failing, own) in paths {
        let definition = failing_map(failing);
        let (status, first, _) = covered(SEEDS[0], &definition, &input).await;
        assert_eq!(status, ExecutionStatus::Succeeded);
        let expected: BTreeSet<String> = [
            "Each iteration",
            "Each/Route rule 1 → Each/Fails",
            "Each/Route default → Each/Hold",
            "Each/Hold → Each/Slow",
            "Each catch 2 [States.ALL] → Recovered",
            "Recovered end",
        ]
        .into_iter()
        .chain(own)
        .map(str::to_owned)
        .collect();
        assert_eq!(names(&first), expected);
        assert!(first.unmatched.is_empty(), "{:?}", first.unmatched);
        assert_every_seed(&definition, &input, &first, ExecutionStatus::Succeeded).await;
    }
}
