//! DynamoDB Streams: shards, iterators and records over the tables' change logs. (STUB)

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

pub struct StreamsApi {
    #[allow(dead_code)]
    pub(super) ctx: Arc<Context>,
}

#[async_trait]
impl JsonService for StreamsApi {
    async fn call(&self, _operation: &str, _input: Value) -> Result<Value, AwsError> {
        Err(AwsError::unknown_operation())
    }
}
