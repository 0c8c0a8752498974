//! Unit tests of batch delivery: filters, lanes, record age, bisection and partial failures.

use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::lambda::esm_config::MappingConfig;
use crate::protocol::AwsError;
use crate::protocol::members::{Dialect, Members};

/// Settings as a default mapping has them, with `batch_size`.
pub(crate) fn settings(batch_size: usize) -> PollerSettings {
    PollerSettings {
        event_source_arn: "arn:stream".into(),
        batch_size,
        starting_position: "TRIM_HORIZON".into(),
        max_retries: 2,
        batching_window: std::time::Duration::ZERO,
        parallelization: 1,
        maximum_record_age: None,
        bisect_on_error: false,
        report_item_failures: false,
        filters: Arc::new(Vec::new()),
        concurrent: false,
    }
}

/// A stream record of item `key`, sequence number `seq`, created at `created`.
fn record(key: &str, seq: u32, created: f64) -> Value {
    json!({
        "eventID": seq.to_string(),
        "eventName": if seq.is_multiple_of(2) { "INSERT" } else { "MODIFY" },
        "dynamodb": {
            "Keys": {"pk": {"S": key}},
            "SequenceNumber": format!("{seq:021}"),
            "ApproximateCreationDateTime": created,
        }
    })
}

fn seqs(payload: &Value) -> Vec<u32> {
    payload["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["eventID"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Records every batch; fails batches holding `poison`; answers `responses` in turn.
#[derive(Default)]
struct Function {
    batches: Mutex<Vec<Vec<u32>>>,
    poison: Option<u32>,
    responses: Mutex<Vec<Value>>,
}

#[async_trait]
impl BatchTarget for Function {
    async fn deliver(&self, payload: Value) -> Result<Delivery, AwsError> {
        let batch = seqs(&payload);
        self.batches.lock().unwrap().push(batch.clone());
        let failed = self.poison.is_some_and(|p| batch.contains(&p));
        let mut responses = self.responses.lock().unwrap();
        let response = if responses.is_empty() {
            Value::Null
        } else {
            responses.remove(0)
        };
        Ok(Delivery { failed, response })
    }
}

fn lane(settings: PollerSettings, function: &Arc<Function>, now: f64) -> Lane {
    Lane {
        settings,
        target: function.clone(),
        now,
    }
}

fn all_in_delivery_order(batches: &[Vec<u32>]) -> impl Iterator<Item = u32> + '_ {
    batches.iter().flatten().copied()
}

fn delivered(function: &Function) -> Vec<Vec<u32>> {
    function.batches.lock().unwrap().clone()
}

#[tokio::test]
async fn filters_drop_what_no_pattern_admits() {
    let config = MappingConfig::read(&Members::with(
        &json!({"FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]}}),
        Dialect::Lambda,
    ))
    .unwrap();
    let settings = PollerSettings {
        filters: config.filters,
        ..settings(10)
    };
    let function = Arc::new(Function::default());
    let records = (0..6).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings, &function, 0.0), records).await;
    assert_eq!(delivered(&function), vec![vec![0, 2, 4]]);
}

#[tokio::test]
async fn lanes_keep_each_item_in_one_lane_in_order() {
    let settings = PollerSettings {
        parallelization: 4,
        concurrent: true,
        ..settings(3)
    };
    let function = Arc::new(Function::default());
    let keys = ["a", "b", "c", "d", "e", "f"];
    let records = (0..30)
        .map(|i| record(keys[i as usize % 6], i, 0.0))
        .collect();
    deliver_all(lane(settings, &function, 0.0), records).await;
    let batches = delivered(&function);
    assert!(batches.iter().all(|b| b.len() <= 3));
    let mut all: Vec<u32> = batches.concat();
    all.sort_unstable();
    assert_eq!(all, (0..30).collect::<Vec<_>>(), "every record once");
    for key in 0..6 {
        let of_key: Vec<u32> = all_in_delivery_order(&batches)
            .filter(|seq| *seq as usize % 6 == key)
            .collect();
        assert!(of_key.is_sorted(), "key {key} in stream order: {of_key:?}");
    }
    assert!(
        batches.len() >= 10,
        "six keys over up to four lanes: {batches:?}"
    );
}

#[tokio::test]
async fn records_older_than_the_maximum_age_are_discarded() {
    let settings = PollerSettings {
        maximum_record_age: Some(60),
        ..settings(10)
    };
    let function = Arc::new(Function::default());
    let records = vec![
        record("a", 1, 900.0),
        record("a", 2, 950.0),
        record("a", 3, 990.0),
    ];
    deliver_all(lane(settings, &function, 1000.0), records).await;
    assert_eq!(delivered(&function), vec![vec![2, 3]]);
}

#[tokio::test]
async fn bisection_isolates_the_failing_record() {
    let settings = PollerSettings {
        bisect_on_error: true,
        max_retries: 0,
        ..settings(8)
    };
    let function = Arc::new(Function {
        poison: Some(5),
        ..Default::default()
    });
    let records = (0..8).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings, &function, 0.0), records).await;
    let batches = delivered(&function);
    assert_eq!(batches[0], (0..8).collect::<Vec<_>>());
    let succeeded: Vec<u32> = batches
        .iter()
        .filter(|b| !b.contains(&5))
        .flatten()
        .copied()
        .collect();
    assert_eq!(succeeded, vec![0, 1, 2, 3, 4, 6, 7]);
    assert!(
        batches.contains(&vec![5]),
        "the poison record alone: {batches:?}"
    );
}

#[tokio::test]
async fn without_bisection_a_failing_batch_is_retried_whole() {
    let function = Arc::new(Function {
        poison: Some(1),
        ..Default::default()
    });
    let records = (0..4).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings(8), &function, 0.0), records).await;
    assert_eq!(delivered(&function), vec![vec![0, 1, 2, 3]; 3]);
}

#[tokio::test]
async fn reported_item_failures_retry_from_the_earliest_named_record() {
    let settings = PollerSettings {
        report_item_failures: true,
        ..settings(10)
    };
    let function = Arc::new(Function {
        responses: Mutex::new(vec![
            json!({"batchItemFailures": [
                {"itemIdentifier": format!("{:021}", 4)},
                {"itemIdentifier": format!("{:021}", 2)}
            ]}),
            json!({"batchItemFailures": []}),
        ]),
        ..Default::default()
    });
    let records = (0..5).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings, &function, 0.0), records).await;
    assert_eq!(
        delivered(&function),
        vec![vec![0, 1, 2, 3, 4], vec![2, 3, 4]]
    );
}

#[tokio::test]
async fn an_unknown_item_identifier_retries_the_whole_batch() {
    let settings = PollerSettings {
        report_item_failures: true,
        ..settings(10)
    };
    let function = Arc::new(Function {
        responses: Mutex::new(vec![
            json!({"batchItemFailures": [{"itemIdentifier": "nope"}]}),
        ]),
        ..Default::default()
    });
    let records = (0..2).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings, &function, 0.0), records).await;
    assert_eq!(delivered(&function), vec![vec![0, 1], vec![0, 1]]);
}

#[tokio::test]
async fn without_the_response_type_a_reported_failure_is_ignored() {
    let function = Arc::new(Function {
        responses: Mutex::new(vec![
            json!({"batchItemFailures": [{"itemIdentifier": "x"}]}),
        ]),
        ..Default::default()
    });
    let records = (0..2).map(|i| record("a", i, 0.0)).collect();
    deliver_all(lane(settings(10), &function, 0.0), records).await;
    assert_eq!(delivered(&function), vec![vec![0, 1]]);
}
