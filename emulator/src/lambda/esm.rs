//! Event source mappings (DynamoDB Streams → function): their records, the
//! Create/Get/List/Delete operations, and the polling task each one runs.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use super::esm_config::MappingConfig;
use super::esm_poller::{self, BusFunction, BusStream, Poller, PollerSettings};
use crate::Context;
use crate::protocol::AwsError;
use crate::protocol::members::{Dialect, Members};

/// Retries of a failed batch when the mapping asks for infinite ones (-1): the emulator bounds
/// them so a poisoned record cannot block a shard forever.
const DEFAULT_MAX_RETRIES: u32 = 2;

pub struct Mapping {
    pub uuid: String,
    pub function_arn: String,
    pub event_source_arn: String,
    pub starting_position: String,
    pub config: MappingConfig,
    pub last_modified: f64,
    pub enabled: bool,
    stop: watch::Sender<bool>,
}

impl Mapping {
    pub fn to_json(&self, state: &str) -> Value {
        let mut answer = json!({
            "UUID": self.uuid,
            "StartingPosition": self.starting_position,
            "EventSourceArn": self.event_source_arn,
            "FunctionArn": self.function_arn,
            "LastModified": self.last_modified,
            "LastProcessingResult": "No records processed",
            "State": state,
            "StateTransitionReason": "User action",
            "DestinationConfig": {"OnFailure": {}},
            "TumblingWindowInSeconds": 0,
        });
        if let Some(object) = answer.as_object_mut() {
            self.config.write(object);
        }
        answer
    }

    /// The state GetEventSourceMapping reports.
    pub fn state(&self) -> &'static str {
        if self.enabled { "Enabled" } else { "Disabled" }
    }

    /// Stops the polling task.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "InvalidParameterValueException", message)
}

/// Validates CreateEventSourceMapping's input and starts the mapping's poller. Waits (briefly)
/// until the poller holds its shard iterators, so records written after this returns are seen
/// even with `LATEST`.
pub async fn create(
    ctx: &Arc<Context>,
    function_arn: String,
    input: &Value,
) -> Result<Mapping, AwsError> {
    let members = Members::with(input, Dialect::Lambda);
    let event_source_arn = members
        .str("EventSourceArn")?
        .ok_or_else(|| {
            invalid("Unrecognized event source, must be kinesis, dynamodb stream or sqs.")
        })?
        .to_owned();
    if !event_source_arn.contains(":dynamodb:") || !event_source_arn.contains("/stream/") {
        return Err(invalid(
            "Unrecognized event source, must be kinesis, dynamodb stream or sqs.",
        ));
    }
    let starting_position = members.str("StartingPosition")?.unwrap_or_default();
    if !matches!(starting_position, "TRIM_HORIZON" | "LATEST") {
        return Err(invalid(crate::protocol::null_member_message(
            "startingPosition",
        )));
    }
    let config = MappingConfig::read(&members)?;
    let enabled = members.bool("Enabled")?.unwrap_or(true);
    let (stop, stopped) = watch::channel(false);
    let mapping = Mapping {
        uuid: ctx.ids.uuid().to_string(),
        function_arn,
        event_source_arn,
        starting_position: starting_position.to_owned(),
        config,
        last_modified: ctx.clock.now_epoch_seconds(),
        enabled,
        stop,
    };
    if enabled {
        start_poller(ctx, &mapping, stopped).await;
    }
    Ok(mapping)
}

async fn start_poller(ctx: &Arc<Context>, mapping: &Mapping, stopped: watch::Receiver<bool>) {
    let config = &mapping.config;
    let settings = PollerSettings {
        event_source_arn: mapping.event_source_arn.clone(),
        batch_size: config.batch_size as usize,
        starting_position: mapping.starting_position.clone(),
        max_retries: u32::try_from(config.maximum_retry_attempts).unwrap_or(DEFAULT_MAX_RETRIES),
        batching_window: Duration::from_secs(config.batching_window_seconds),
        parallelization: config.parallelization as usize,
        maximum_record_age: u64::try_from(config.maximum_record_age_seconds).ok(),
        bisect_on_error: config.bisect_on_error,
        report_item_failures: config.report_item_failures,
        filters: config.filters.clone(),
        concurrent: !ctx.sched.enabled(),
    };
    let source = Arc::new(BusStream {
        ctx: ctx.clone(),
        stream_arn: mapping.event_source_arn.clone(),
    });
    let target = Arc::new(BusFunction {
        ctx: ctx.clone(),
        function_arn: mapping.function_arn.clone(),
        stopped: stopped.clone(),
    });
    let poller = Poller::new(settings, source, target);
    let (ready, is_ready) = oneshot::channel();
    tokio::spawn(esm_poller::run(ctx.clone(), poller, ready, stopped));
    match ctx
        .clock
        .real_timeout(Duration::from_secs(2), is_ready)
        .await
    {
        Ok(Ok(Err(error))) => {
            tracing::warn!(%error, source = %mapping.event_source_arn, "stream not readable yet")
        }
        Err(_) => tracing::warn!(source = %mapping.event_source_arn, "stream discovery is slow"),
        _ => {}
    }
}

/// AWS's answer for an unknown mapping UUID.
pub fn not_found() -> AwsError {
    AwsError::new(
        404,
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )
}
