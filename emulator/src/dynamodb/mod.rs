//! DynamoDB: tables, items, the expression languages, and the change stream each table feeds.
//! (STUB — to be implemented.)

pub mod streams;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;

/// The `__type` namespace of DynamoDB (and DynamoDB Streams) errors.
pub const ERROR_NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

pub struct DynamoDb {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl DynamoDb {
    /// The DynamoDB service and the Streams API over the same tables.
    pub fn new(ctx: Arc<Context>) -> (Arc<DynamoDb>, Arc<streams::StreamsApi>) {
        (
            Arc::new(DynamoDb { ctx: ctx.clone() }),
            Arc::new(streams::StreamsApi { ctx }),
        )
    }
}

#[async_trait]
impl JsonService for DynamoDb {
    async fn call(&self, _operation: &str, _input: Value) -> Result<Value, AwsError> {
        Err(AwsError::unknown_operation())
    }
}
