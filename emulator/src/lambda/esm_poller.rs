//! The loop behind one event source mapping: read a DynamoDB stream's shards in order —
//! `BatchSize` × `ParallelizationFactor` records at a time, in GetRecords pages of at most
//! 1,000, gathering for up to `MaximumBatchingWindowInSeconds` while a batch is not full — and
//! hand them to `esm_batch`, which filters, splits and delivers them with their retries. A
//! batch the function throttles (its reserved concurrency is in use) is not a failed attempt:
//! it is delivered again after a back-off, as Lambda's pollers do, until the mapping stops or
//! the records would have expired.
//!
//! It talks to the stream and the function through two small traits, so it can be tested with
//! a fake stream; [`BusStream`] and [`BusFunction`] are the real ones (through the bus).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{Value, json};

use super::esm_batch::{self, Lane};
use super::esm_config::Filter;
use crate::Context;
use crate::bus::{InvocationType, Service};
use crate::protocol::AwsError;

/// The most records one GetRecords call may ask for.
const MAX_GET_RECORDS: usize = 1000;

/// How often an idle mapping polls its stream.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A DynamoDB stream as the poller sees it.
#[async_trait]
pub trait StreamSource: Send + Sync {
    /// The ids of the stream's shards.
    async fn shards(&self) -> Result<Vec<String>, AwsError>;
    /// An iterator for `shard` at `position` (`TRIM_HORIZON` or `LATEST`).
    async fn iterator(&self, shard: &str, position: &str) -> Result<String, AwsError>;
    /// Up to `limit` records and the next iterator (`None` once a closed shard is drained).
    async fn records(
        &self,
        iterator: &str,
        limit: usize,
    ) -> Result<(Vec<Value>, Option<String>), AwsError>;
    /// The clock's time in epoch seconds (records' ages are measured against it).
    fn now_epoch_seconds(&self) -> f64;
    /// Waits while a batch gathers, at most `remaining`; returns how long it waited.
    async fn gather(&self, remaining: Duration) -> Duration;
}

/// What one synchronous invocation of the function gave.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The function failed (X-Amz-Function-Error).
    pub failed: bool,
    /// Its response document (`Null` when it is not JSON).
    pub response: Value,
}

/// The function a mapping feeds.
#[async_trait]
pub trait BatchTarget: Send + Sync {
    /// Invokes synchronously with `payload`.
    async fn deliver(&self, payload: Value) -> Result<Delivery, AwsError>;

    /// Waits before delivering a throttled batch again (`throttles` so far); `false` to stop
    /// retrying and count the throttle as a failed attempt.
    async fn back_off(&self, _throttles: u32) -> bool {
        false
    }
}

/// The first wait after a throttled batch; it doubles up to [`MAX_THROTTLE_BACKOFF`].
const FIRST_THROTTLE_BACKOFF: Duration = Duration::from_millis(500);

/// The longest wait between two deliveries of a throttled batch.
const MAX_THROTTLE_BACKOFF: Duration = Duration::from_secs(60);

/// How many times one batch is delivered again after throttles: ~24 hours at the longest
/// wait, a DynamoDB stream record's lifetime.
const MAX_THROTTLES: u32 = 1_450;

/// The wait before the delivery after `throttles` throttles.
fn throttle_backoff(throttles: u32) -> Duration {
    FIRST_THROTTLE_BACKOFF
        .saturating_mul(2u32.saturating_pow(throttles.min(16)))
        .min(MAX_THROTTLE_BACKOFF)
}

/// What a mapping reads and how it delivers.
#[derive(Debug, Clone)]
pub struct PollerSettings {
    pub event_source_arn: String,
    pub batch_size: usize,
    pub starting_position: String,
    /// Retries after the first failed attempt of a batch.
    pub max_retries: u32,
    pub batching_window: Duration,
    pub parallelization: usize,
    /// Seconds after which a record is discarded instead of delivered; `None`: never.
    pub maximum_record_age: Option<u64>,
    pub bisect_on_error: bool,
    pub report_item_failures: bool,
    pub filters: Arc<Vec<Filter>>,
    /// Lanes run at once (real time) or one after another (the virtual clock's scheduler).
    pub concurrent: bool,
}

struct ShardCursor {
    shard: String,
    iterator: Option<String>,
}

/// The polling state of one mapping.
pub struct Poller {
    settings: PollerSettings,
    source: Arc<dyn StreamSource>,
    target: Arc<dyn BatchTarget>,
    cursors: Vec<ShardCursor>,
}

impl Poller {
    pub fn new(
        settings: PollerSettings,
        source: Arc<dyn StreamSource>,
        target: Arc<dyn BatchTarget>,
    ) -> Poller {
        Poller {
            settings,
            source,
            target,
            cursors: Vec::new(),
        }
    }

    /// Finds shards not yet followed; the first discovery uses the mapping's starting
    /// position, shards that appear later are read from their beginning.
    pub async fn discover(&mut self) -> Result<(), AwsError> {
        let first = self.cursors.is_empty();
        for shard in self.source.shards().await? {
            if self.cursors.iter().any(|c| c.shard == shard) {
                continue;
            }
            let position = if first {
                self.settings.starting_position.as_str()
            } else {
                "TRIM_HORIZON"
            };
            let iterator = self.source.iterator(&shard, position).await?;
            self.cursors.push(ShardCursor {
                shard,
                iterator: Some(iterator),
            });
        }
        Ok(())
    }

    /// Reads every shard once and delivers what it found; returns how many records it read.
    pub async fn poll_once(&mut self) -> Result<usize, AwsError> {
        let mut total = 0;
        for index in 0..self.cursors.len() {
            let records = self.gather_batch(index).await?;
            total += records.len();
            if !records.is_empty() {
                let lane = Lane {
                    settings: self.settings.clone(),
                    target: self.target.clone(),
                    now: self.source.now_epoch_seconds(),
                };
                esm_batch::deliver_all(lane, records).await;
            }
        }
        Ok(total)
    }

    /// What one round delivers from shard `index`: up to BatchSize × ParallelizationFactor
    /// records, gathered for up to the batching window once the first one arrived.
    async fn gather_batch(&mut self, index: usize) -> Result<Vec<Value>, AwsError> {
        let wanted = self.settings.batch_size * self.settings.parallelization.max(1);
        let mut records = self.read(index, wanted).await?;
        let mut waited = Duration::ZERO;
        while !records.is_empty()
            && records.len() < wanted
            && waited < self.settings.batching_window
        {
            waited += self
                .source
                .gather(self.settings.batching_window - waited)
                .await;
            let more = self.read(index, wanted - records.len()).await?;
            records.extend(more);
        }
        Ok(records)
    }

    /// Up to `wanted` records of shard `index`, in pages GetRecords accepts.
    async fn read(&mut self, index: usize, wanted: usize) -> Result<Vec<Value>, AwsError> {
        let mut records = Vec::new();
        while records.len() < wanted {
            let Some(iterator) = self.cursors.get(index).and_then(|c| c.iterator.clone()) else {
                break;
            };
            let limit = (wanted - records.len()).min(MAX_GET_RECORDS);
            let (page, next) = self.source.records(&iterator, limit).await?;
            if let Some(cursor) = self.cursors.get_mut(index) {
                cursor.iterator = next;
            }
            let short = page.len() < limit;
            records.extend(page);
            if short {
                break;
            }
        }
        Ok(records)
    }
}

/// Runs `poller` until `stop` fires: discovery first (reported on `ready`), then polling.
pub async fn run(
    ctx: Arc<Context>,
    mut poller: Poller,
    ready: tokio::sync::oneshot::Sender<Result<(), AwsError>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let discovered = poller.discover().await;
    if ctx.sched.enabled() {
        // Registered before the mapping is answered, so it is in place before any write.
        let scheduled = ctx.sched.activity(run_scheduled(ctx.clone(), poller, stop));
        let _ = ready.send(discovered);
        return scheduled.await;
    }
    let _ = ready.send(discovered);
    let mut rounds: u64 = 0;
    while !*stop.borrow() {
        rounds += 1;
        if rounds.is_multiple_of(50)
            && let Err(error) = poller.discover().await
        {
            tracing::debug!(%error, "stream discovery failed");
        }
        match poller.poll_once().await {
            // More may be waiting: read again at once instead of after the idle interval.
            Ok(read) if read > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "stream poll failed"),
        }
        tokio::select! {
            _ = ctx.clock.real_timeout(POLL_INTERVAL, std::future::pending::<()>()) => {}
            _ = stop.changed() => {}
        }
    }
}

/// On the virtual clock: one activity that reads the stream whenever a write gives its
/// signal (the stream's ARN), a batch per turn, until the mapping stops — no polling interval,
/// so which records make a batch depends on the seed's order of events, not on timing.
async fn run_scheduled(
    ctx: Arc<Context>,
    mut poller: Poller,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let signal = poller.settings.event_source_arn.clone();
    while !*stop.borrow() {
        match poller.poll_once().await {
            Ok(read) if read > 0 => {
                ctx.sched.yield_now().await;
                continue;
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "stream poll failed"),
        }
        tokio::select! {
            _ = ctx.sched.wait(&signal) => {}
            _ = stop.changed() => {}
        }
    }
}

/// A DynamoDB stream reached through the bus.
pub struct BusStream {
    pub ctx: Arc<Context>,
    pub stream_arn: String,
}

#[async_trait]
impl StreamSource for BusStream {
    async fn shards(&self) -> Result<Vec<String>, AwsError> {
        let answer = self
            .ctx
            .bus
            .call(
                Service::DynamoDbStreams,
                "DescribeStream",
                json!({ "StreamArn": self.stream_arn }),
            )
            .await?;
        Ok(answer
            .get("StreamDescription")
            .and_then(|d| d.get("Shards"))
            .and_then(Value::as_array)
            .map(|shards| {
                shards
                    .iter()
                    .filter_map(|s| s["ShardId"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn iterator(&self, shard: &str, position: &str) -> Result<String, AwsError> {
        let answer = self
            .ctx
            .bus
            .call(
                Service::DynamoDbStreams,
                "GetShardIterator",
                json!({ "StreamArn": self.stream_arn, "ShardId": shard, "ShardIteratorType": position }),
            )
            .await?;
        answer
            .get("ShardIterator")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| AwsError::internal("GetShardIterator returned no iterator"))
    }

    async fn records(
        &self,
        iterator: &str,
        limit: usize,
    ) -> Result<(Vec<Value>, Option<String>), AwsError> {
        let answer = self
            .ctx
            .bus
            .call(
                Service::DynamoDbStreams,
                "GetRecords",
                json!({ "ShardIterator": iterator, "Limit": limit }),
            )
            .await?;
        let records = answer
            .get("Records")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let next = answer
            .get("NextShardIterator")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok((records, next))
    }

    fn now_epoch_seconds(&self) -> f64 {
        self.ctx.clock.now_epoch_seconds()
    }

    /// On the virtual clock the whole window passes at once (time jumps when the system is
    /// quiescent); in real time it is polled in steps of the idle interval.
    async fn gather(&self, remaining: Duration) -> Duration {
        if self.ctx.sched.sleep(remaining).await {
            return remaining;
        }
        let step = remaining.min(POLL_INTERVAL);
        self.ctx
            .clock
            .real_timeout(step, std::future::pending::<()>())
            .await
            .ok();
        step
    }
}

/// A function invoked synchronously through the bus.
pub struct BusFunction {
    pub ctx: Arc<Context>,
    pub function_arn: String,
    /// The mapping's stop signal: a throttled batch is not waited for past it.
    pub stopped: tokio::sync::watch::Receiver<bool>,
}

#[async_trait]
impl BatchTarget for BusFunction {
    async fn deliver(&self, payload: Value) -> Result<Delivery, AwsError> {
        let invocation = self
            .ctx
            .bus
            .invoke(
                &self.function_arn,
                Bytes::from(payload.to_string()),
                InvocationType::RequestResponse,
            )
            .await?;
        Ok(Delivery {
            failed: invocation.function_error.is_some(),
            response: serde_json::from_slice(&invocation.payload).unwrap_or(Value::Null),
        })
    }

    /// On the virtual clock a scheduler sleep (the turn is given up); in real time a wait the
    /// mapping's stop cuts short.
    async fn back_off(&self, throttles: u32) -> bool {
        if throttles >= MAX_THROTTLES || *self.stopped.borrow() {
            return false;
        }
        let delay = throttle_backoff(throttles);
        if self.ctx.sched.sleep(delay).await {
            return !*self.stopped.borrow();
        }
        let mut stopped = self.stopped.clone();
        let _ = self.ctx.clock.real_timeout(delay, stopped.changed()).await;
        !*self.stopped.borrow()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// One shard holding `records`; an iterator is the index of the next record.
    struct FakeStream {
        records: Vec<Value>,
    }

    #[async_trait]
    impl StreamSource for FakeStream {
        async fn shards(&self) -> Result<Vec<String>, AwsError> {
            Ok(vec!["shard-1".into()])
        }
        async fn iterator(&self, _shard: &str, position: &str) -> Result<String, AwsError> {
            Ok(if position == "LATEST" {
                self.records.len().to_string()
            } else {
                "0".into()
            })
        }
        async fn records(
            &self,
            iterator: &str,
            limit: usize,
        ) -> Result<(Vec<Value>, Option<String>), AwsError> {
            let start: usize = iterator.parse().unwrap_or_default();
            let end = (start + limit).min(self.records.len());
            Ok((self.records[start..end].to_vec(), Some(end.to_string())))
        }
        fn now_epoch_seconds(&self) -> f64 {
            0.0
        }
        async fn gather(&self, remaining: Duration) -> Duration {
            remaining
        }
    }

    /// Records every payload; fails the first `failures` deliveries.
    #[derive(Default)]
    struct FakeFunction {
        payloads: Mutex<Vec<Value>>,
        failures: Mutex<u32>,
    }

    #[async_trait]
    impl BatchTarget for FakeFunction {
        async fn deliver(&self, payload: Value) -> Result<Delivery, AwsError> {
            self.payloads.lock().unwrap().push(payload);
            let mut failures = self.failures.lock().unwrap();
            let failed = *failures > 0;
            *failures = failures.saturating_sub(1);
            Ok(Delivery {
                failed,
                response: Value::Null,
            })
        }
    }

    fn settings(position: &str, batch_size: usize) -> PollerSettings {
        PollerSettings {
            starting_position: position.into(),
            ..esm_batch::tests::settings(batch_size)
        }
    }

    fn stream(n: usize) -> Arc<FakeStream> {
        Arc::new(FakeStream {
            records: (0..n)
                .map(|i| json!({ "eventID": i.to_string() }))
                .collect(),
        })
    }

    fn ids(payload: &Value) -> Vec<String> {
        payload["Records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["eventID"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn records_arrive_in_order_in_batches_with_the_source_arn() {
        let function = Arc::new(FakeFunction::default());
        let mut poller = Poller::new(settings("TRIM_HORIZON", 2), stream(5), function.clone());
        poller.discover().await.unwrap();
        while poller.poll_once().await.unwrap() > 0 {}
        let payloads = function.payloads.lock().unwrap().clone();
        let batches: Vec<Vec<String>> = payloads.iter().map(ids).collect();
        assert_eq!(batches, vec![vec!["0", "1"], vec!["2", "3"], vec!["4"]]);
        assert_eq!(payloads[0]["Records"][0]["eventSourceARN"], "arn:stream");
    }

    #[tokio::test]
    async fn latest_skips_what_was_already_there() {
        let function = Arc::new(FakeFunction::default());
        let mut poller = Poller::new(settings("LATEST", 10), stream(3), function.clone());
        poller.discover().await.unwrap();
        assert_eq!(poller.poll_once().await.unwrap(), 0);
        assert!(function.payloads.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_batch_is_retried_then_dropped() {
        let function = Arc::new(FakeFunction {
            failures: Mutex::new(10),
            ..Default::default()
        });
        let mut poller = Poller::new(settings("TRIM_HORIZON", 10), stream(1), function.clone());
        poller.discover().await.unwrap();
        poller.poll_once().await.unwrap();
        // first attempt + 2 retries, then the poller moves on
        assert_eq!(function.payloads.lock().unwrap().len(), 3);
        assert_eq!(poller.poll_once().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn reads_past_get_records_page_limit_for_big_batches() {
        let function = Arc::new(FakeFunction::default());
        let mut poller = Poller::new(
            settings("TRIM_HORIZON", 2500),
            stream(3000),
            function.clone(),
        );
        poller.discover().await.unwrap();
        assert_eq!(poller.poll_once().await.unwrap(), 2500);
        assert_eq!(poller.poll_once().await.unwrap(), 500);
        let sizes: Vec<usize> = function
            .payloads
            .lock()
            .unwrap()
            .iter()
            .map(|p| ids(p).len())
            .collect();
        assert_eq!(sizes, vec![2500, 500]);
    }

    /// Throttles the first `throttles` deliveries, then succeeds; backs off without waiting.
    #[derive(Default)]
    struct ThrottledFunction {
        deliveries: Mutex<u32>,
        throttles: u32,
        back_offs: Mutex<Vec<u32>>,
    }

    #[async_trait]
    impl BatchTarget for ThrottledFunction {
        async fn deliver(&self, _payload: Value) -> Result<Delivery, AwsError> {
            let mut deliveries = self.deliveries.lock().unwrap();
            *deliveries += 1;
            if *deliveries <= self.throttles {
                return Err(crate::lambda::concurrency::throttled());
            }
            Ok(Delivery {
                failed: false,
                response: Value::Null,
            })
        }
        async fn back_off(&self, throttles: u32) -> bool {
            self.back_offs.lock().unwrap().push(throttles);
            true
        }
    }

    #[tokio::test]
    async fn a_throttled_batch_backs_off_without_spending_its_retries() {
        let function = Arc::new(ThrottledFunction {
            throttles: 5,
            ..Default::default()
        });
        let mut poller = Poller::new(settings("TRIM_HORIZON", 10), stream(1), function.clone());
        poller.discover().await.unwrap();
        poller.poll_once().await.unwrap();
        // max_retries is 2, yet the batch arrives on its sixth delivery
        assert_eq!(*function.deliveries.lock().unwrap(), 6);
        assert_eq!(*function.back_offs.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn throttle_back_off_doubles_up_to_a_minute() {
        assert_eq!(throttle_backoff(0), Duration::from_millis(500));
        assert_eq!(throttle_backoff(1), Duration::from_secs(1));
        assert_eq!(throttle_backoff(3), Duration::from_secs(4));
        assert_eq!(throttle_backoff(7), Duration::from_secs(60));
        assert_eq!(throttle_backoff(u32::MAX), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn a_batch_that_succeeds_on_retry_is_delivered_once_more_only() {
        let function = Arc::new(FakeFunction {
            failures: Mutex::new(1),
            ..Default::default()
        });
        let mut poller = Poller::new(settings("TRIM_HORIZON", 10), stream(2), function.clone());
        poller.discover().await.unwrap();
        poller.poll_once().await.unwrap();
        assert_eq!(function.payloads.lock().unwrap().len(), 2);
    }
}
