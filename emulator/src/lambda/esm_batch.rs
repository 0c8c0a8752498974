//! Delivering what an event source mapping read from a shard, as Lambda does for DynamoDB
//! streams: records the mapping's filters reject are dropped, records older than
//! `MaximumRecordAgeInSeconds` are discarded, the rest are split by item key into
//! `ParallelizationFactor` lanes (one item's records always in one lane, in stream order) and
//! each lane is handed to the function in batches of at most `BatchSize`.
//!
//! A failed batch is retried up to `MaximumRetryAttempts` times; with
//! `BisectBatchOnFunctionError` a failing batch is split in two and each half delivered on its
//! own (halves do not count against the retries); with `ReportBatchItemFailures` the function
//! names the first record that failed (`batchItemFailures`) and only the records from that one
//! on are retried. A throttled delivery (reserved concurrency in use) is not an attempt: the
//! target backs off and it is delivered again. Lanes run at once in real time; on the virtual clock one after another, in
//! lane order, so the seeded scheduler alone decides interleavings.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use serde_json::{Value, json};

use super::concurrency;
use super::esm_poller::{BatchTarget, Delivery, PollerSettings};

/// Everything a lane needs to deliver on its own.
#[derive(Clone)]
pub struct Lane {
    pub settings: PollerSettings,
    pub target: Arc<dyn BatchTarget>,
    /// The clock's time when the records were read, in epoch seconds.
    pub now: f64,
}

/// Delivers `records` (one shard's, in order) and returns when every lane is done.
pub async fn deliver_all(lane: Lane, records: Vec<Value>) {
    let records = admitted(&lane.settings, records);
    let lanes = split_lanes(records, lane.settings.parallelization.max(1));
    if lane.settings.concurrent && lanes.len() > 1 {
        let mut tasks = tokio::task::JoinSet::new();
        for records in lanes {
            let lane = lane.clone();
            tasks.spawn(async move { lane.deliver_lane(records).await });
        }
        while tasks.join_next().await.is_some() {}
    } else {
        for records in lanes {
            lane.deliver_lane(records).await;
        }
    }
}

/// The records the filters admit (all of them without filters), each naming its source.
fn admitted(settings: &PollerSettings, records: Vec<Value>) -> Vec<Value> {
    records
        .into_iter()
        .map(|mut record| {
            if let Some(object) = record.as_object_mut() {
                object.insert(
                    "eventSourceARN".to_owned(),
                    Value::String(settings.event_source_arn.clone()),
                );
            }
            record
        })
        .filter(|record| {
            settings.filters.is_empty() || settings.filters.iter().any(|f| f.admits(record))
        })
        .collect()
}

/// Splits records into `lanes` by their item's key, keeping each lane in stream order; empty
/// lanes are left out.
fn split_lanes(records: Vec<Value>, lanes: usize) -> Vec<Vec<Value>> {
    if lanes == 1 {
        return if records.is_empty() {
            Vec::new()
        } else {
            vec![records]
        };
    }
    let mut split: Vec<Vec<Value>> = vec![Vec::new(); lanes];
    for record in records {
        let mut hasher = DefaultHasher::new();
        stream_field(&record, "Keys")
            .map(Value::to_string)
            .hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % lanes as u64).unwrap_or(0);
        if let Some(lane) = split.get_mut(index) {
            lane.push(record);
        }
    }
    split.retain(|lane| !lane.is_empty());
    split
}

/// A member of a record's `dynamodb` structure.
fn stream_field<'a>(record: &'a Value, name: &str) -> Option<&'a Value> {
    record.get("dynamodb")?.get(name)
}

impl Lane {
    async fn deliver_lane(&self, records: Vec<Value>) {
        for batch in records.chunks(self.settings.batch_size.max(1)) {
            self.deliver_batch(batch.to_vec()).await;
        }
    }

    /// One batch with its retries, bisections and partial failures. Boxed: a bisected batch
    /// delivers its halves through this same function (at most log2(BatchSize) deep).
    fn deliver_batch(
        &self,
        records: Vec<Value>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let mut records = records;
            let mut throttles = 0;
            let mut attempt = 0;
            while attempt <= self.settings.max_retries {
                records = self.unexpired(records);
                if records.is_empty() {
                    return;
                }
                let outcome = self.target.deliver(json!({ "Records": records })).await;
                if let Err(error) = &outcome
                    && concurrency::is_throttle(error)
                    && self.target.back_off(throttles).await
                {
                    throttles += 1;
                    continue;
                }
                attempt += 1;
                match outcome {
                    Ok(Delivery {
                        failed: false,
                        response,
                    }) => match self.retry_from(&records, &response) {
                        None => return,
                        Some(first_failed) => records = records.split_off(first_failed),
                    },
                    Ok(Delivery { failed: true, .. }) if self.bisects(&records) => {
                        let second = records.split_off(records.len() / 2);
                        self.deliver_batch(records).await;
                        self.deliver_batch(second).await;
                        return;
                    }
                    Ok(_) => self.warn(attempt, None),
                    Err(error) => self.warn(attempt, Some(&error.message)),
                }
            }
            tracing::error!(
                source = %self.settings.event_source_arn,
                records = records.len(),
                "batch dropped after its retries"
            );
        })
    }

    fn bisects(&self, records: &[Value]) -> bool {
        self.settings.bisect_on_error && records.len() > 1
    }

    fn warn(&self, attempt: u32, error: Option<&str>) {
        tracing::warn!(
            source = %self.settings.event_source_arn,
            attempt,
            error,
            "batch failed"
        );
    }

    /// Records still young enough to deliver.
    fn unexpired(&self, records: Vec<Value>) -> Vec<Value> {
        let Some(age) = self.settings.maximum_record_age else {
            return records;
        };
        let kept: Vec<Value> = records
            .into_iter()
            .filter(|record| {
                stream_field(record, "ApproximateCreationDateTime")
                    .and_then(Value::as_f64)
                    .is_none_or(|created| self.now - created <= age as f64)
            })
            .collect();
        kept
    }

    /// With `ReportBatchItemFailures`, where a successful invocation says to retry from: the
    /// index of the earliest record it names, or 0 (the whole batch) when the answer names a
    /// record that is not in the batch or is not shaped as AWS documents. `None`: done.
    fn retry_from(&self, records: &[Value], response: &Value) -> Option<usize> {
        if !self.settings.report_item_failures {
            return None;
        }
        let failures = match response.get("batchItemFailures") {
            None | Some(Value::Null) => return None,
            Some(Value::Array(failures)) if failures.is_empty() => return None,
            Some(Value::Array(failures)) => failures,
            Some(_) => return Some(0),
        };
        let named: Option<HashSet<&str>> = failures
            .iter()
            .map(|f| f.get("itemIdentifier").and_then(Value::as_str))
            .map(|id| id.filter(|id| !id.is_empty()))
            .collect();
        let Some(named) = named else {
            return Some(0);
        };
        let position = |id: &&str| {
            records.iter().position(|r| {
                stream_field(r, "SequenceNumber").and_then(Value::as_str) == Some(*id)
            })
        };
        let positions: Option<Vec<usize>> = named.iter().map(position).collect();
        Some(positions.and_then(|p| p.into_iter().min()).unwrap_or(0))
    }
}

#[cfg(test)]
pub(crate) mod tests;
