//! EventBridge: buses, rules, event patterns and targets. (STUB)

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

pub struct EventBridge {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl EventBridge {
    pub fn new(ctx: Arc<Context>) -> Arc<EventBridge> {
        Arc::new(EventBridge { ctx })
    }
}

#[async_trait]
impl JsonService for EventBridge {
    async fn call(&self, _operation: &str, _input: Value) -> Result<Value, AwsError> {
        Err(AwsError::unknown_operation())
    }
}
