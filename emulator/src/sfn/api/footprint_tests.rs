//! What a finished execution keeps, by the store's own accounting (the retention budget's
//! `footprint`, whose history part is the compact form's real heap bytes), for the three-state
//! machine Pass → Choice → Succeed; and (ignored, run by hand) the process's RSS after 100,000
//! such executions, the figure in docs/performance.md.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::bus::JsonService;
use crate::sfn::StepFunctions;

fn three_states() -> String {
    json!({"StartAt": "Pass", "States": {
        "Pass": {"Type": "Pass", "Next": "Choice"},
        "Choice": {"Type": "Choice", "Choices": [
            {"Variable": "$.go", "IsPresent": true, "Next": "Done"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
    .to_string()
}

async fn machine(sfn: &StepFunctions) -> Value {
    let created = sfn
        .call(
            "CreateStateMachine",
            json!({"name": "bench", "definition": three_states(),
                   "roleArn": "arn:aws:iam::000000000000:role/bench-role"}),
        )
        .await
        .unwrap();
    created["stateMachineArn"].clone()
}

/// Starts `n` executions (inputs alternating `{}` and a small object) and waits until none runs.
async fn run(sfn: &Arc<StepFunctions>, machine: &Value, n: usize) {
    for batch in (0..n).collect::<Vec<_>>().chunks(1000) {
        for i in batch {
            let input = if i % 2 == 0 {
                "{}".to_owned()
            } else {
                json!({"order": i, "go": true}).to_string()
            };
            sfn.call(
                "StartExecution",
                json!({"stateMachineArn": machine, "input": input}),
            )
            .await
            .unwrap();
        }
        let idle = async {
            while sfn.lock().running.count() > 0 {
                tokio::task::yield_now().await;
            }
        };
        (sfn.ctx.clock)
            .real_timeout(std::time::Duration::from_secs(60), idle)
            .await
            .expect("a batch of executions ends within 60 s");
    }
}

#[tokio::test]
async fn a_finished_three_state_execution_keeps_at_most_2_kib() {
    let ctx = Arc::new(crate::Context::for_tests());
    let sfn = StepFunctions::new(ctx);
    let machine = machine(&sfn).await;
    run(&sfn, &machine, 200).await;
    let store = sfn.lock();
    assert_eq!(store.executions.len(), 200);
    assert_eq!(
        store.running.bytes(),
        0,
        "closing took every history byte back"
    );
    for execution in store.executions.values() {
        assert_eq!(execution.status, "SUCCEEDED");
        assert_eq!(execution.history.count(), 8);
        let history = execution.history.stored_bytes();
        assert!(history > 0 && history <= 1024, "history {history} B");
        assert!(execution.footprint() <= 2048, "{} B", execution.footprint());
    }
    let per_execution = store.retention_bytes() / store.executions.len();
    assert!(per_execution <= 2048, "{per_execution} B per execution");
    let history = store
        .executions
        .values()
        .map(|e| e.history.stored_bytes())
        .max();
    println!("kept per finished execution: {per_execution} B (history at most {history:?} B)");
}

/// VmRSS of this process, in KiB.
fn rss_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    (status.lines())
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "a measurement (docs/performance.md): cargo test -p orderlab-emulator --lib --release memory_after_100k -- --ignored --nocapture"]
async fn memory_after_100k_executions() {
    let ctx = Arc::new(crate::Context::for_tests());
    let sfn = StepFunctions::new(ctx);
    let machine = machine(&sfn).await;
    let before = rss_kib();
    run(&sfn, &machine, 100_000).await;
    let after = rss_kib();
    let store = sfn.lock();
    assert_eq!(store.executions.len(), 100_000);
    println!(
        "RSS before {before} KiB, after 100,000 executions {after} KiB: {} B per execution; \
         store accounting {} B per execution",
        (after - before) * 1024 / 100_000,
        store.retention_bytes() / 100_000
    );
}
