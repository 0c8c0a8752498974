//! Lambda: functions from zips run as local processes speaking the Runtime API. (STUB)

use std::sync::Arc;

use async_trait::async_trait;
use axum::response::Response;
use bytes::Bytes;

use crate::Context;
use crate::bus::{FunctionInvoker, Invocation, InvocationType};
use crate::protocol::{AwsError, AwsRequest, rest};

/// Whether `path` is a Lambda control-plane path.
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/2015-03-31/")
}

pub struct Lambda {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl Lambda {
    pub fn new(ctx: Arc<Context>) -> Arc<Lambda> {
        Arc::new(Lambda { ctx })
    }

    pub async fn handle_http(&self, _request: &AwsRequest) -> Response {
        rest::error(&AwsError::unknown_operation())
    }

    /// Kills every function process and waits until each is reaped.
    pub async fn shutdown(&self) {}
}

#[async_trait]
impl FunctionInvoker for Lambda {
    async fn invoke(
        &self,
        _function: &str,
        _payload: Bytes,
        _invocation_type: InvocationType,
    ) -> Result<Invocation, AwsError> {
        Err(AwsError::unknown_operation())
    }
}
