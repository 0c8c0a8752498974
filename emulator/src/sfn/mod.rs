//! Step Functions: state machines, executions and their history. (STUB)

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

/// The `__type` namespace of Step Functions errors.
pub const ERROR_NAMESPACE: &str = "com.amazonaws.swf.service.v2.model";

pub struct StepFunctions {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl StepFunctions {
    pub fn new(ctx: Arc<Context>) -> Arc<StepFunctions> {
        Arc::new(StepFunctions { ctx })
    }
}

#[async_trait]
impl JsonService for StepFunctions {
    async fn call(&self, _operation: &str, _input: Value) -> Result<Value, AwsError> {
        Err(AwsError::unknown_operation())
    }
}
