//! EventBridge (AWS JSON 1.1, `X-Amz-Target: AWSEvents.*`): buses, rules, the event-pattern
//! language, targets (state machines, Lambda functions) with Input / InputPath /
//! InputTransformer, and PutEvents delivery.
//!
//! - [`rules`]: buses, rules and targets. [`pattern`]: parsing and matching patterns.
//! - [`tags`]: tags on rules and buses.
//! - [`input`]: what a target receives. [`delivery`]: PutEvents and sending to targets.

pub mod delivery;
pub mod input;
pub mod pattern;
pub mod rules;
pub mod tags;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use rules::Registry;

pub struct EventBridge {
    ctx: Arc<Context>,
    registry: Mutex<Registry>,
    deliveries: Arc<delivery::Backlog>,
}

impl EventBridge {
    pub fn new(ctx: Arc<Context>) -> Arc<EventBridge> {
        let registry = Mutex::new(Registry::new(&ctx));
        Arc::new(EventBridge {
            ctx,
            registry,
            deliveries: Default::default(),
        })
    }

    /// What `GET /_orderlab/usage` reports for EventBridge.
    pub fn usage(&self) -> serde_json::Value {
        self.deliveries.usage()
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl JsonService for EventBridge {
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        match operation {
            "PutEvents" => {
                delivery::put_events(&self.ctx, &self.registry, &self.deliveries, &input)
            }
            "TestEventPattern" => test_event_pattern(&input),
            _ => self.manage(operation, &input),
        }
    }
}

impl EventBridge {
    fn manage(&self, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let mut registry = self.registry();
        match operation {
            "PutRule" => registry.put_rule(&self.ctx, input),
            "DescribeRule" => registry.describe_rule(input),
            "ListRules" => registry.list_rules(input),
            "DeleteRule" => registry.delete_rule(input),
            "EnableRule" => registry.set_enabled(input, true),
            "DisableRule" => registry.set_enabled(input, false),
            "PutTargets" => registry.put_targets(input),
            "ListTargetsByRule" => registry.list_targets(input),
            "RemoveTargets" => registry.remove_targets(input),
            "CreateEventBus" => registry.create_event_bus(&self.ctx, input),
            "DescribeEventBus" => registry.describe_event_bus(input),
            "ListEventBuses" => registry.list_event_buses(input),
            "DeleteEventBus" => registry.delete_event_bus(input),
            "TagResource" => registry.tag_resource(input),
            "UntagResource" => registry.untag_resource(input),
            "ListTagsForResource" => registry.list_tags(input),
            _ => Err(AwsError::unknown_operation()),
        }
    }
}

/// TestEventPattern: `{"Result": bool}`.
fn test_event_pattern(input: &Value) -> Result<Value, AwsError> {
    let members = Members::of(input);
    let pattern_text = members.required_str("EventPattern")?;
    let event_text = members.required_str("Event")?;
    let pattern = pattern::parse::parse(pattern_text)?;
    let event: Value = serde_json::from_str(event_text)
        .map_err(|_| AwsError::validation("Parameter Event is not valid."))?;
    let required = ["id", "account", "source", "time", "region", "detail-type"];
    if !event.is_object() || required.iter().any(|f| event.get(*f).is_none()) {
        return Err(AwsError::validation("Parameter Event is not valid."));
    }
    Ok(json!({ "Result": pattern.matches(&event) }))
}
