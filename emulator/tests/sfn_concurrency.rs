//! Map iterations and Parallel branches run concurrently, through the SDK on the virtual clock
//! (issue #15): waits overlap up to `MaxConcurrency` (history timestamps), the interleaving is
//! a function of the seed, the bound is never exceeded, and a failure stops the siblings.
#![allow(clippy::disallowed_methods)] // the polling loop is bounded in real time

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};
use orderlab_emulator::{ClockMode, Config, Emulator};
use serde_json::{Value, json};

mod support;

const ROLE: &str = "arn:aws:iam::000000000000:role/states-role";

async fn start(seed: u64) -> (Emulator, Client) {
    let emulator = Emulator::start(Config {
        clock: ClockMode::Virtual,
        seed,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    (emulator, client)
}

/// Runs `definition` once on `input`; returns the final status and the whole history.
async fn execute(
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
        .name("run")
        .input(input.to_string())
        .send()
        .await
        .expect("started")
        .execution_arn;
    let deadline = Instant::now() + Duration::from_secs(60);
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
        assert!(Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(10)).await;
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

/// Runs `definition` on a fresh emulator with `seed`.
async fn execute_with(
    seed: u64,
    definition: &Value,
    input: &Value,
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let (emulator, client) = start(seed).await;
    let outcome = execute(&client, definition, input).await;
    emulator.shutdown().await;
    outcome
}

/// An event's time in milliseconds since the epoch (histories give milliseconds).
fn millis(event: &HistoryEvent) -> i64 {
    event.timestamp.secs() * 1000 + i64::from(event.timestamp.subsec_nanos() / 1_000_000)
}

/// Virtual seconds from the first event to the last.
fn seconds(events: &[HistoryEvent]) -> f64 {
    let first = millis(events.first().expect("events"));
    let last = millis(events.last().expect("events"));
    (last - first) as f64 / 1000.0
}

/// A Map over `$.items` whose iterations each wait `$.seconds` (default 10), between two Pass
/// states.
fn waiting_map(max_concurrency: u64) -> Value {
    json!({
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": max_concurrency,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Before",
                "States": {
                    "Before": {"Type": "Pass", "Next": "Pause"},
                    "Pause": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "After"},
                    "After": {"Type": "Pass", "End": true}
                }
            },
            "End": true
        }}
    })
}

fn items(seconds: &[u64]) -> Value {
    let items: Vec<Value> = seconds.iter().map(|s| json!({"seconds": s})).collect();
    json!({ "items": items })
}

/// As AWS records a Map (the corpus' test_map_state): MapStateSucceeded and MapStateExited
/// both point at the last MapIterationSucceeded; each MapIterationStarted after the first
/// points at an inner event, never at a MapIterationSucceeded.
fn assert_map_end_chained_as_aws(events: &[HistoryEvent]) {
    use HistoryEventType as E;
    let of = |wanted: E| events.iter().filter(move |e| e.r#type == wanted);
    let last_success = of(E::MapIterationSucceeded)
        .next_back()
        .expect("an iteration")
        .id;
    for end in [E::MapStateSucceeded, E::MapStateExited] {
        let event = of(end.clone()).next().expect("the Map's end");
        assert_eq!(event.previous_event_id, last_success, "{end:?}");
    }
    for started in of(E::MapIterationStarted) {
        let previous = events.iter().find(|e| e.id == started.previous_event_id);
        let kind = previous.map(|e| e.r#type.clone());
        assert_ne!(kind, Some(E::MapIterationSucceeded));
    }
}

fn count(events: &[HistoryEvent], wanted: &HistoryEventType) -> usize {
    events.iter().filter(|e| &e.r#type == wanted).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_overlap_up_to_max_concurrency() {
    let eight = items(&[10; 8]);
    let (emulator, client) = start(1).await;
    let (status, events) = execute(&client, &waiting_map(2), &eight).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(seconds(&events), 40.0, "8 waits of 10 s, 2 at a time");
    emulator.shutdown().await;

    let (status, events) = execute_with(1, &waiting_map(0), &eight).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(seconds(&events), 10.0, "8 waits of 10 s, all at once");
    assert_eq!(count(&events, &HistoryEventType::MapIterationSucceeded), 8);

    assert_map_end_chained_as_aws(&events);

    let (_, events) = execute_with(1, &waiting_map(1), &eight).await;
    assert_eq!(
        seconds(&events),
        80.0,
        "MaxConcurrency 1: one after another"
    );
    assert_map_end_chained_as_aws(&events);

    let branch = |name: &str| json!({"StartAt": name, "States": {name: {"Type": "Wait", "Seconds": 10, "End": true}}});
    let parallel = json!({
        "StartAt": "All",
        "States": {"All": {"Type": "Parallel", "End": true,
            "Branches": [branch("A"), branch("B"), branch("C")]}}
    });
    let (status, events) = execute_with(1, &parallel, &json!({})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(
        seconds(&events),
        10.0,
        "3 branches waiting 10 s each, at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_path_and_jsonata_are_honoured() {
    let mut by_path = waiting_map(0);
    let each = &mut by_path["States"]["Each"];
    each.as_object_mut().unwrap().remove("MaxConcurrency");
    each["MaxConcurrencyPath"] = json!("$.limit");
    let mut input = items(&[10; 6]);
    input["limit"] = json!(3);
    let (status, events) = execute_with(2, &by_path, &input).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(seconds(&events), 20.0, "6 waits of 10 s, 3 at a time");

    let jsonata = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "MaxConcurrency": "{% $states.input.limit %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Pause",
                "States": {"Pause": {"Type": "Wait", "Seconds": "{% $states.input.seconds %}", "End": true}}
            },
            "End": true
        }}
    });
    let (status, events) = execute_with(2, &jsonata, &input).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(seconds(&events), 20.0, "JSONata MaxConcurrency 3");
}

/// The history as text: each event (id, previous id, type, details) with its time as
/// milliseconds since the first event.
fn transcript(events: &[HistoryEvent]) -> String {
    let first = events.first().map_or(0, millis);
    events
        .iter()
        .map(|e| {
            let mut event = e.clone();
            event.timestamp = aws_sdk_sfn::primitives::DateTime::from_secs(0);
            format!("{} {event:?}\n", millis(e) - first)
        })
        .collect()
}

fn sorted_types(events: &[HistoryEvent]) -> Vec<String> {
    let mut types: Vec<String> = events
        .iter()
        .map(|e| e.r#type.as_str().to_owned())
        .collect();
    types.sort();
    types
}

/// A Parallel of three Pass chains beside a Map of four, no waits: only the seed decides the
/// interleaving.
fn busy() -> Value {
    let chain = |prefix: &str| {
        json!({"StartAt": format!("{prefix}1"), "States": {
            format!("{prefix}1"): {"Type": "Pass", "Next": format!("{prefix}2")},
            format!("{prefix}2"): {"Type": "Pass", "Next": format!("{prefix}3")},
            format!("{prefix}3"): {"Type": "Pass", "End": true}
        }})
    };
    json!({
        "StartAt": "Both",
        "States": {
            "Both": {"Type": "Parallel", "Next": "Each", "ResultPath": null,
                "Branches": [chain("A"), chain("B"), chain("C")]},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                "ItemProcessor": chain("M")}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_decides_the_interleaving() {
    let input = json!({"items": [1, 2, 3, 4]});
    let (status, events) = execute_with(11, &busy(), &input).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let first = transcript(&events);
    let first_types = sorted_types(&events);
    for _ in 0..4 {
        let (_, again) = execute_with(11, &busy(), &input).await;
        assert_eq!(transcript(&again), first, "same seed, another history");
    }
    // Another seed, another interleaving: find one among the next few.
    let mut other = None;
    for seed in 12..20 {
        let (_, events) = execute_with(seed, &busy(), &input).await;
        if transcript(&events) != first {
            other = Some((seed, events));
            break;
        }
    }
    let (seed, events) = other.expect("seeds 12..20 all gave seed 11's interleaving");
    assert_ne!(transcript(&events), first, "seed {seed}");
    // Both are interleavings of the same work: the same events, in another order.
    assert_eq!(sorted_types(&events), first_types);
    assert_chains_are_their_own(&events);
}

/// Every Pass chain `X1 → X2 → X3` inside a branch or iteration is linked by its own
/// previousEventId, whatever was recorded in between.
fn assert_chains_are_their_own(events: &[HistoryEvent]) {
    let by_id = |id: i64| events.iter().find(|e| e.id == id).expect("event");
    for event in events {
        let Some(details) = event.state_entered_event_details() else {
            continue;
        };
        let name = details.name();
        if name.ends_with('2') || name.ends_with('3') {
            let previous = by_id(event.previous_event_id);
            let exited = previous
                .state_exited_event_details()
                .expect("previous is an exit");
            assert_eq!(
                &exited.name()[..1],
                &name[..1],
                "{name} follows another chain's {}",
                exited.name()
            );
        }
    }
}

/// Walks the history: MapIterationStarted minus MapIterationSucceeded stays within `bound`
/// at every event, and reaches it.
fn assert_within(events: &[HistoryEvent], bound: i32, what: &str) {
    let (mut in_flight, mut most) = (0i32, 0i32);
    for event in events {
        match event.r#type {
            HistoryEventType::MapIterationStarted => in_flight += 1,
            HistoryEventType::MapIterationSucceeded => in_flight -= 1,
            _ => {}
        }
        most = most.max(in_flight);
        assert!(
            in_flight <= bound,
            "{what}: {in_flight} iterations in flight"
        );
    }
    assert_eq!(most, bound, "{what}: the bound was never reached");
    assert_eq!(in_flight, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bound_is_never_exceeded() {
    let input = items(&[3, 1, 2, 5, 1, 1, 4, 2, 3, 1]);
    for seed in [1, 2, 3] {
        let (status, events) = execute_with(seed, &waiting_map(3), &input).await;
        assert_eq!(status, ExecutionStatus::Succeeded);
        assert_within(&events, 3, &format!("seed {seed}"));
    }
    // In real time (scheduler off) the iterations are polled together in the execution's
    // task: the same bound holds.
    let emulator = Emulator::start(Config::default())
        .await
        .expect("emulator starts");
    let client = Client::new(&support::sdk_config(&emulator).await);
    let (status, events) = execute(&client, &waiting_map(3), &items(&[0; 10])).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_within(&events, 3, "real time");
    let entered = events
        .iter()
        .filter_map(|e| e.state_entered_event_details());
    let first: Vec<&str> = entered.take(4).map(|d| d.name()).collect();
    assert_eq!(
        first,
        ["Each", "Before", "Before", "Before"],
        "three iterations start before any goes on"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_branch_fails_the_parallel_and_stops_the_others() {
    let parallel = json!({
        "StartAt": "All",
        "States": {"All": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Soon", "States": {
                "Soon": {"Type": "Wait", "Seconds": 5, "Next": "Boom"},
                "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "branch 0"}}},
            {"StartAt": "Long", "States": {
                "Long": {"Type": "Wait", "Seconds": 100, "Next": "Late"},
                "Late": {"Type": "Pass", "End": true}}},
            {"StartAt": "Quick", "States": {"Quick": {"Type": "Pass", "End": true}}}
        ]}}
    });
    for seed in [1, 2, 3] {
        let (status, events) = execute_with(seed, &parallel, &json!({})).await;
        assert_eq!(status, ExecutionStatus::Failed);
        let entered: Vec<&str> = events
            .iter()
            .filter_map(|e| e.state_entered_event_details())
            .map(|d| d.name())
            .collect();
        assert!(entered.contains(&"Long") && entered.contains(&"Boom"));
        assert!(
            !entered.contains(&"Late"),
            "seed {seed}: a stopped branch went on"
        );
        assert_eq!(
            count(&events, &HistoryEventType::WaitStateExited),
            1,
            "only Soon's wait ended"
        );
        assert_eq!(
            seconds(&events),
            5.0,
            "seed {seed}: the failure did not wait for the others"
        );
        let last = events.last().expect("events");
        assert_eq!(last.r#type, HistoryEventType::ExecutionFailed);
        let failed = last.execution_failed_event_details().expect("details");
        assert_eq!(failed.error(), Some("Boom"));
        let kinds: Vec<_> = events.iter().map(|e| e.r#type.clone()).collect();
        assert_eq!(
            kinds[kinds.len() - 2],
            HistoryEventType::ParallelStateFailed,
            "seed {seed}: {kinds:?}"
        );
    }
}

/// AWS's record of a cut iteration (as measured by the floci emulator's tests): the iteration
/// and the state it was in aborted, chained to the failing iteration's last event, before
/// MapIterationFailed and MapStateFailed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_iteration_aborts_the_others() {
    let map = json!({
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.items", "End": true,
            "ItemProcessor": {"StartAt": "Route", "States": {
                "Route": {"Type": "Choice", "Default": "Long", "Choices": [
                    {"Variable": "$.kind", "StringEquals": "fail", "Next": "Pause"}]},
                "Long": {"Type": "Wait", "Seconds": 15, "End": true},
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
                "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "sibling failed"}
            }}
        }}
    });
    let input = json!({"items": [{"kind": "long"}, {"kind": "fail"}]});
    let (status, events) = execute_with(4, &map, &input).await;
    assert_eq!(status, ExecutionStatus::Failed);
    let kinds: Vec<_> = events.iter().map(|e| e.r#type.clone()).collect();
    let failure = kinds
        .iter()
        .position(|k| k == &HistoryEventType::FailStateEntered)
        .expect("Boom entered");
    use HistoryEventType as E;
    assert_eq!(
        kinds[failure + 1..],
        [
            E::MapIterationAborted,
            E::WaitStateAborted,
            E::MapIterationFailed,
            E::MapStateFailed,
            E::ExecutionFailed
        ],
        "{kinds:?}"
    );
    let failure_id = events[failure].id;
    for event in &events[failure + 1..failure + 5] {
        assert_eq!(event.previous_event_id, failure_id, "{:?}", event.r#type);
    }
    let aborted = events[failure + 1]
        .map_iteration_aborted_event_details()
        .expect("details");
    assert_eq!(aborted.index(), 0);
    assert_eq!(seconds(&events), 1.0, "the 15 s wait was cut");
    assert_eq!(count(&events, &E::WaitStateExited), 1);
}

/// The output of an execution that draws every kind of random value Step Functions offers
/// (JSONPath intrinsics, then JSONata built-ins), run on a fresh emulator with `seed`.
async fn random_values(seed: u64) -> Value {
    let definition = json!({
        "StartAt": "Intrinsics",
        "States": {
            "Intrinsics": {"Type": "Pass", "Parameters": {
                "uuid.$": "States.UUID()",
                "n.$": "States.MathRandom(1, 1000000000)",
                "seeded.$": "States.MathRandom(1, 1000000000, 42)"
            }, "Next": "Jsonata"},
            "Jsonata": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {
                "intrinsics": "{% $states.input %}",
                "random": "{% $random() %}",
                "shuffled": "{% $shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) %}",
                "uuid": "{% $uuid() %}",
                "now": "{% $now() %}",
                "millis": "{% $millis() %}",
                "entered": "{% $states.context.State.EnteredTime %}"
            }, "End": true}
        }
    });
    let (status, events) = execute_with(seed, &definition, &json!({})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let succeeded = events
        .last()
        .and_then(|e| e.execution_succeeded_event_details());
    let output = succeeded.and_then(|d| d.output()).expect("an output");
    serde_json::from_str(output).expect("JSON output")
}

#[tokio::test]
async fn random_values_and_now_are_functions_of_the_seed_and_the_virtual_clock() {
    let first = random_values(7).await;
    let again = random_values(7).await;
    let other = random_values(8).await;
    // The virtual clock starts at the wall clock, so the times differ between emulators; each
    // is the clock's time, the one the context object shows.
    let without_times = |v: &Value| {
        let mut v = v.clone();
        for key in ["now", "millis", "entered"] {
            v.as_object_mut().expect("an object").remove(key);
        }
        v
    };
    assert_eq!(
        without_times(&first),
        without_times(&again),
        "same seed, same values"
    );
    for path in [
        "/intrinsics/uuid",
        "/intrinsics/n",
        "/random",
        "/shuffled",
        "/uuid",
    ] {
        assert_ne!(
            first.pointer(path),
            other.pointer(path),
            "{path} under seeds 7 and 8"
        );
    }
    assert_eq!(
        first.pointer("/intrinsics/seeded"),
        other.pointer("/intrinsics/seeded"),
        "MathRandom with a seed argument gives the same number whatever the emulator's seed"
    );
    assert_eq!(
        first["now"], first["entered"],
        "$now() is the execution's clock"
    );
    let mut sorted = first["shuffled"].as_array().expect("an array").clone();
    sorted.sort_by_key(|n| n.as_u64());
    assert_eq!(sorted, (1..=10).map(|n| json!(n)).collect::<Vec<_>>());
    let random = first["random"].as_f64().expect("a number");
    assert!((0.0..1.0).contains(&random), "$random() = {random}");
}
