//! DynamoDB Streams: each stream-enabled table feeds one change log (one shard), appended
//! while the write still holds its table (so records keep commit order); the Streams API (ListStreams, DescribeStream,
//! GetShardIterator, GetRecords) reads it through opaque shard iterators.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::input;
use super::model::{Item, item_size, item_to_json};
use super::store::{self, SharedLog, Store};
use super::table::KeySchema;
use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

/// One stream: its identity and every record it has received.
pub struct StreamLog {
    pub arn: String,
    pub label: String,
    pub table_name: String,
    pub key: KeySchema,
    pub view_type: String,
    pub shard_id: String,
    pub created: f64,
    pub enabled: bool,
    /// The sequence number the shard starts at (its first record's, once it has one).
    pub first_sequence: u64,
    /// (sequence number, record as GetRecords returns it), in order.
    pub records: Vec<(u64, Value)>,
}

impl StreamLog {
    /// A new log for `table_name`, labelled with the clock's current time.
    pub fn new(
        ctx: &Context,
        table_name: &str,
        key: KeySchema,
        view_type: &str,
        first_sequence: u64,
    ) -> StreamLog {
        let now = time::OffsetDateTime::from(ctx.clock.now());
        let label = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond()
        );
        let arn = ctx.arn("dynamodb", &format!("table/{table_name}/stream/{label}"));
        let suffix = ctx.ids.uuid().simple().to_string();
        StreamLog {
            arn,
            label,
            table_name: table_name.to_owned(),
            key,
            view_type: view_type.to_owned(),
            shard_id: format!(
                "shardId-{:020}-{}",
                ctx.clock.now_epoch_millis(),
                suffix.get(..8).unwrap_or(&suffix)
            ),
            created: ctx.clock.now_epoch_seconds(),
            enabled: true,
            first_sequence,
            records: Vec::new(),
        }
    }

    /// Appends the record of one change (`old` → `new`, at least one present).
    pub fn append(
        &mut self,
        ctx: &Context,
        sequence: u64,
        keys: &Item,
        old: Option<&Item>,
        new: Option<&Item>,
    ) {
        let event_name = match (old, new) {
            (None, _) => "INSERT",
            (Some(_), Some(_)) => "MODIFY",
            (Some(_), None) => "REMOVE",
        };
        let mut change = json!({
            "ApproximateCreationDateTime": ctx.clock.now_epoch_seconds().floor() as i64,
            "Keys": item_to_json(keys),
        });
        let mut size = item_size(keys);
        let with_new = matches!(self.view_type.as_str(), "NEW_IMAGE" | "NEW_AND_OLD_IMAGES");
        let with_old = matches!(self.view_type.as_str(), "OLD_IMAGE" | "NEW_AND_OLD_IMAGES");
        if let (true, Some(image)) = (with_new, new) {
            input::set_member(&mut change, "NewImage", item_to_json(image));
            size += item_size(image);
        }
        if let (true, Some(image)) = (with_old, old) {
            input::set_member(&mut change, "OldImage", item_to_json(image));
            size += item_size(image);
        }
        input::set_member(
            &mut change,
            "SequenceNumber",
            json!(sequence_string(sequence)),
        );
        input::set_member(&mut change, "SizeBytes", json!(size));
        input::set_member(&mut change, "StreamViewType", json!(self.view_type));
        let record = json!({
            "eventID": ctx.ids.uuid().simple().to_string(),
            "eventName": event_name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": ctx.region,
            "dynamodb": change,
        });
        self.records.push((sequence, record));
    }

    fn status(&self) -> &'static str {
        if self.enabled { "ENABLED" } else { "DISABLED" }
    }
}

/// Sequence numbers as AWS shows them: decimal strings of equal width, so they also sort.
pub fn sequence_string(sequence: u64) -> String {
    format!("{:021}", sequence)
}

pub struct StreamsApi {
    pub(super) ctx: Arc<Context>,
    pub(super) store: Arc<Store>,
}

#[async_trait]
impl JsonService for StreamsApi {
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        let _ = &self.ctx;
        let store = self.store.clone();
        let operation = operation.to_owned();
        super::run_blocking(move || {
            let store = &*store;
            match operation.as_str() {
                "ListStreams" => list_streams(store, &input),
                "DescribeStream" => describe_stream(store, &input),
                "GetShardIterator" => get_shard_iterator(store, &input),
                "GetRecords" => get_records(store, &input),
                _ => Err(AwsError::unknown_operation()),
            }
        })
        .await
    }
}

fn stream_not_found(arn: &str) -> AwsError {
    AwsError::new(
        400,
        "ResourceNotFoundException",
        format!("Requested resource not found: Stream: {arn} not found"),
    )
}

/// Runs `read` on the stream log at `arn`, locked.
fn find<T>(
    store: &Store,
    arn: &str,
    read: impl FnOnce(&StreamLog) -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    let log: SharedLog = store.stream(arn).ok_or_else(|| stream_not_found(arn))?;
    store::read_log(&log, read)
}

/// What ListStreams shows of one stream.
struct Listed {
    arn: String,
    table_name: String,
    label: String,
}

fn list_streams(store: &Store, input: &Value) -> Result<Value, AwsError> {
    let table = input::opt_str(input, "TableName")?;
    let limit = input::opt_int(input, "Limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let start = input::opt_str(input, "ExclusiveStartStreamArn")?;
    let matching: Vec<Listed> = store
        .stream_logs()
        .iter()
        .map(|log| {
            store::read_log(log, |s| Listed {
                arn: s.arn.clone(),
                table_name: s.table_name.clone(),
                label: s.label.clone(),
            })
        })
        .filter(|s| table.is_none_or(|t| s.table_name == t))
        .filter(|s| start.is_none_or(|arn| s.arn.as_str() > arn))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .take(limit)
        .map(|s| json!({"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label}))
        .collect();
    let mut output = json!({ "Streams": page });
    if matching.len() > limit
        && let Some(last) = limit.checked_sub(1).and_then(|i| matching.get(i))
    {
        input::set_member(&mut output, "LastEvaluatedStreamArn", json!(last.arn));
    }
    Ok(output)
}

fn describe_stream(store: &Store, input: &Value) -> Result<Value, AwsError> {
    find(store, input::req_str(input, "StreamArn")?, describe_log)
}

fn describe_log(log: &StreamLog) -> Result<Value, AwsError> {
    let mut shard = json!({
        "ShardId": log.shard_id,
        "SequenceNumberRange": {
            "StartingSequenceNumber": sequence_string(log.records.first().map_or(log.first_sequence, |r| r.0)),
        },
    });
    if let (false, Some(last)) = (log.enabled, log.records.last())
        && let Some(range) = shard.get_mut("SequenceNumberRange")
    {
        input::set_member(
            range,
            "EndingSequenceNumber",
            json!(sequence_string(last.0)),
        );
    }
    Ok(json!({
        "StreamDescription": {
            "StreamArn": log.arn,
            "StreamLabel": log.label,
            "StreamStatus": log.status(),
            "StreamViewType": log.view_type,
            "CreationRequestDateTime": log.created,
            "TableName": log.table_name,
            "KeySchema": log.key.to_json(),
            "Shards": [shard],
        }
    }))
}

fn get_shard_iterator(store: &Store, input: &Value) -> Result<Value, AwsError> {
    let arn = input::req_str(input, "StreamArn")?;
    let shard_id = input::req_str(input, "ShardId")?;
    let kind = input::opt_enum(
        input,
        "ShardIteratorType",
        &[
            "TRIM_HORIZON",
            "LATEST",
            "AT_SEQUENCE_NUMBER",
            "AFTER_SEQUENCE_NUMBER",
        ],
    )?
    .ok_or_else(|| input::missing("ShardIteratorType"))?;
    find(store, arn, |log| shard_iterator(log, input, shard_id, kind))
}

fn shard_iterator(
    log: &StreamLog,
    input: &Value,
    shard_id: &str,
    kind: &str,
) -> Result<Value, AwsError> {
    if log.shard_id != shard_id {
        return Err(AwsError::new(
            400,
            "ResourceNotFoundException",
            "Requested resource not found: Shard does not exist",
        ));
    }
    let position = match kind {
        "TRIM_HORIZON" => 0,
        "LATEST" => log.records.len(),
        _ => {
            let text = input::opt_str(input, "SequenceNumber")?.ok_or_else(|| {
                AwsError::validation(
                    "A sequence number is required for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER shard iterator types",
                )
            })?;
            let sequence: u64 = text
                .parse()
                .map_err(|_| AwsError::validation(format!("Invalid SequenceNumber: {text}")))?;
            let at = log.records.partition_point(|r| r.0 < sequence);
            if kind == "AFTER_SEQUENCE_NUMBER"
                && log.records.get(at).is_some_and(|r| r.0 == sequence)
            {
                at + 1
            } else {
                at
            }
        }
    };
    Ok(json!({ "ShardIterator": iterator(log, position) }))
}

fn iterator(log: &StreamLog, position: usize) -> String {
    format!("{}|{}|{}", log.arn, log.shard_id, position)
}

fn get_records(store: &Store, input: &Value) -> Result<Value, AwsError> {
    let text = input::req_str(input, "ShardIterator")?;
    let invalid = || AwsError::validation("Invalid ShardIterator");
    let mut parts = text.rsplitn(3, '|');
    let position: usize = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    let shard_id = parts.next().ok_or_else(invalid)?;
    let arn = parts.next().ok_or_else(invalid)?;
    find(store, arn, |log| records(log, input, shard_id, position))
}

fn records(
    log: &StreamLog,
    input: &Value,
    shard_id: &str,
    position: usize,
) -> Result<Value, AwsError> {
    let invalid = || AwsError::validation("Invalid ShardIterator");
    if log.shard_id != shard_id || position > log.records.len() {
        return Err(invalid());
    }
    let limit = input::opt_int(input, "Limit")?.unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000"
        )));
    }
    let records: Vec<Value> = log
        .records
        .iter()
        .skip(position)
        .take(limit as usize)
        .map(|r| r.1.clone())
        .collect();
    let next = position + records.len();
    Ok(json!({ "Records": records, "NextShardIterator": iterator(log, next) }))
}
