//! PutEvents: validating entries, building each event, matching it against the enabled rules of
//! its bus, and delivering it to every target asynchronously (state machines through the bus's
//! Step Functions, functions through Lambda's asynchronous invoke).
//!
//! Deliveries run on the background thread and are bounded: at most [`MAX_PENDING`] wait or
//! run at once; an event matched beyond that is dropped with a warning, as AWS drops an event
//! whose delivery its retry policy gave up on. Without the bound a rule whose target puts an
//! event the rule matches again — a loop that fans out — grows without end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::{Value, json};

use super::input::target_input;
use super::rules::{Registry, bus_name};
use crate::Context;
use crate::bus::{InvocationType, Service};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// Deliveries started and not yet finished, across every bus. A pending delivery costs ~120 KB
/// in the debug build (measured by the 10-minute soak), so 1,000 stay within ~120 MB.
pub const MAX_PENDING: usize = 1_000;

/// A dropped delivery is logged once per this many (the first one included).
const LOG_EVERY_DROPPED: usize = 10_000;

/// How many deliveries are pending, and how many were dropped.
#[derive(Debug, Default)]
pub struct Backlog {
    pending: AtomicUsize,
    dropped: AtomicUsize,
}

/// One pending delivery's place in the [`Backlog`], given back when it is dropped.
struct Slot(Arc<Backlog>);

impl Backlog {
    fn take(self: &Arc<Backlog>) -> Option<Slot> {
        let before = self.pending.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(self.clone());
        (before < MAX_PENDING).then_some(slot)
    }

    /// What `GET /_orderlab/usage` reports for EventBridge.
    pub fn usage(&self) -> Value {
        json!({
            "pendingDeliveries": self.pending.load(Ordering::SeqCst),
            "droppedDeliveries": self.dropped.load(Ordering::Relaxed),
        })
    }

    /// Counts a dropped delivery; logs the first and every [`LOG_EVERY_DROPPED`]th, so a loop
    /// that drops millions does not bury the log.
    fn dropped(&self, rule: &str) {
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        if dropped % LOG_EVERY_DROPPED == 1 {
            tracing::warn!(
                %rule,
                dropped,
                "event delivery dropped: {MAX_PENDING} deliveries already pending \
                 (does a rule's target put events the rule matches again?)"
            );
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One delivery to do: the target entry, the event and the rule's name.
struct Delivery {
    target: Value,
    event: Value,
    rule: String,
}

/// One PutEvents entry's members, type-checked before any entry is processed (a member of
/// the wrong type fails the whole request, as AWS's deserializer does).
struct Entry<'a> {
    source: Option<&'a str>,
    detail_type: Option<&'a str>,
    detail: Option<&'a str>,
    bus: String,
    time: Option<&'a Value>,
    resources: Vec<&'a str>,
}

impl<'a> Entry<'a> {
    fn read(members: &Members<'a>) -> Result<Entry<'a>, AwsError> {
        Ok(Entry {
            source: members.str("Source")?,
            detail_type: members.str("DetailType")?,
            detail: members.str("Detail")?,
            bus: bus_name(members, "EventBusName")?,
            time: members.timestamp("Time")?,
            resources: members.str_list("Resources")?.unwrap_or_default(),
        })
    }
}

pub fn put_events(
    ctx: &Arc<Context>,
    registry: &Mutex<Registry>,
    backlog: &Arc<Backlog>,
    input: &Value,
) -> Result<Value, AwsError> {
    let members = Members::of(input);
    let entries = members.require("Entries", members.structures("Entries")?)?;
    if entries.is_empty() || entries.len() > 10 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: \
             Member must have length {}",
            if entries.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 10"
            }
        )));
    }
    let entries = entries
        .iter()
        .map(Entry::read)
        .collect::<Result<Vec<_>, _>>()?;
    let mut results = Vec::new();
    let mut failed = 0;
    let mut deliveries = Vec::new();
    {
        let registry = registry.lock().unwrap_or_else(|p| p.into_inner());
        for entry in &entries {
            match build_event(ctx, &registry, entry) {
                Ok(event) => {
                    let id = event.get("id").cloned().unwrap_or_default();
                    deliveries.extend(matching_targets(&registry, &entry.bus, event));
                    results.push(json!({ "EventId": id }));
                }
                Err((code, message)) => {
                    failed += 1;
                    results.push(json!({ "ErrorCode": code, "ErrorMessage": message }));
                }
            }
        }
    }
    for delivery in deliveries {
        let Some(slot) = backlog.take() else {
            backlog.dropped(&delivery.rule);
            continue;
        };
        let task_ctx = ctx.clone();
        ctx.background.spawn(ctx.sched.activity(async move {
            let _slot = slot;
            deliver(task_ctx, delivery).await;
        }));
    }
    Ok(json!({ "FailedEntryCount": failed, "Entries": results }))
}

fn build_event(
    ctx: &Context,
    registry: &Registry,
    entry: &Entry,
) -> Result<Value, (&'static str, String)> {
    let missing = |field: &str| {
        (
            "InvalidArgument",
            format!("Parameter {field} is not valid. Reason: {field} is a required argument."),
        )
    };
    let source = entry.source.ok_or_else(|| missing("Source"))?;
    let detail_type = entry.detail_type.ok_or_else(|| missing("DetailType"))?;
    let detail_text = entry.detail.ok_or_else(|| missing("Detail"))?;
    let detail: Value = serde_json::from_str(detail_text)
        .ok()
        .filter(Value::is_object)
        .ok_or(("MalformedDetail", "Detail is malformed.".to_owned()))?;
    registry
        .bus(&entry.bus)
        .map_err(|e| ("ResourceNotFoundException", e.message))?;
    let time = entry_time(ctx, entry.time);
    Ok(json!({
        "version": "0",
        "id": ctx.ids.uuid().to_string(),
        "detail-type": detail_type,
        "source": source,
        "account": ctx.account_id,
        "time": time,
        "region": ctx.region,
        "resources": entry.resources,
        "detail": detail,
    }))
}

/// The entry's `Time` (epoch seconds or RFC 3339) or now, as `2026-01-01T00:00:00Z`.
fn entry_time(ctx: &Context, time: Option<&Value>) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let at = match time {
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s as i64).ok()),
        Some(Value::String(s)) => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        }
        _ => None,
    };
    at.unwrap_or_else(|| time::OffsetDateTime::from(ctx.clock.now()))
        .format(format)
        .unwrap_or_default()
}

fn matching_targets(registry: &Registry, bus: &str, event: Value) -> Vec<Delivery> {
    let Ok(bus) = registry.bus(bus) else {
        return Vec::new();
    };
    let (expanded, _) = super::pattern::expand_dotted_keys(event.clone());
    bus.rules
        .values()
        .filter(|rule| rule.enabled && rule.pattern.matches_expanded(&expanded))
        .flat_map(|rule| {
            rule.targets.values().map(|target| Delivery {
                target: target.clone(),
                event: event.clone(),
                rule: rule.name.clone(),
            })
        })
        .collect()
}

async fn deliver(ctx: Arc<Context>, delivery: Delivery) {
    let arn = delivery
        .target
        .get("Arn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let result = match target_input(&delivery.target, &delivery.event, &delivery.rule) {
        Ok(input) => send(&ctx, &arn, input).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::warn!(rule = %delivery.rule, target = %arn, %error, "event delivery failed");
    }
}

async fn send(ctx: &Context, arn: &str, input: String) -> Result<(), AwsError> {
    if arn.contains(":states:") && arn.contains(":stateMachine:") {
        ctx.bus
            .call(
                Service::StepFunctions,
                "StartExecution",
                json!({ "stateMachineArn": arn, "input": input }),
            )
            .await
            .map(drop)
    } else if arn.contains(":lambda:") {
        ctx.bus
            .invoke(arn, Bytes::from(input), InvocationType::Event)
            .await
            .map(drop)
    } else {
        Err(AwsError::validation(format!(
            "Targets of type {arn} are not supported by this emulator"
        )))
    }
}
