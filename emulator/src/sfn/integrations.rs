//! What Task states reach: Lambda invocations and other services' JSON operations. The engine
//! sees only the [`Integrations`] trait; [`BusIntegrations`] sends through the emulator's bus,
//! and engine tests inject fakes.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;

use crate::Context;
use crate::bus::{HttpAnswer, HttpService, Invocation, InvocationType, Service};
use crate::protocol::{AwsError, AwsRequest};

#[async_trait]
pub trait Integrations: Send + Sync {
    /// Invokes a Lambda function synchronously.
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Invocation, AwsError>;
    /// Runs a JSON operation (e.g. DynamoDB `UpdateItem`).
    async fn call(
        &self,
        service: Service,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError>;
    /// Sends an HTTP request to a REST-JSON or query-protocol service (AWS SDK integrations).
    async fn http(
        &self,
        _service: HttpService,
        _request: &AwsRequest,
    ) -> Result<HttpAnswer, AwsError> {
        Err(AwsError::service_unavailable("No HTTP services here"))
    }
}

/// The real thing: everything through `ctx.bus`.
pub struct BusIntegrations {
    pub ctx: Arc<Context>,
}

#[async_trait]
impl Integrations for BusIntegrations {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Invocation, AwsError> {
        self.ctx
            .bus
            .invoke(function, payload, InvocationType::RequestResponse)
            .await
    }

    async fn call(
        &self,
        service: Service,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        self.ctx.bus.call(service, operation, input).await
    }

    async fn http(
        &self,
        service: HttpService,
        request: &AwsRequest,
    ) -> Result<HttpAnswer, AwsError> {
        self.ctx.bus.http(service, request).await
    }
}
