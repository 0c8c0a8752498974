//! Delivery between services.
//!
//! Services never hold each other. When one needs another — a stream's event source mapping
//! invoking a Lambda, an EventBridge rule starting an execution, a Task state calling a Lambda
//! or DynamoDB — it goes through the bus, which speaks the receiving service's own operation
//! names and JSON shapes (exactly what an SDK would send), or, for Lambda, an invocation.
//!
//! The bus holds weak references, so services and the bus form no reference cycle and an
//! emulator's state is freed when the emulator is dropped.

use std::sync::{Arc, OnceLock, Weak};

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;

use crate::Services;
use crate::protocol::AwsError;

/// A service whose operations take and return JSON (the `X-Amz-Target` protocols).
#[async_trait]
pub trait JsonService: Send + Sync {
    /// Runs `operation` (e.g. `"PutItem"`) on `input`, as if an SDK had sent it.
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError>;
}

/// How a Lambda function is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue it and return at once.
    Event,
}

/// The result of a synchronous invocation, as Lambda's Invoke API reports it.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The HTTP status Invoke answers with (200, or 202 for `Event`).
    pub status_code: u16,
    /// The function's response, or its error document when `function_error` is set.
    pub payload: Bytes,
    /// `Some("Unhandled")` when the function failed (X-Amz-Function-Error).
    pub function_error: Option<String>,
    pub executed_version: String,
}

/// The Lambda service, seen from other services.
#[async_trait]
pub trait FunctionInvoker: Send + Sync {
    /// Invokes `function` (name, partial or full ARN, optionally qualified).
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        invocation_type: InvocationType,
    ) -> Result<Invocation, AwsError>;
}

/// The services reachable through the bus by an HTTP request (REST-JSON and query protocol):
/// the request is exactly what an SDK sends, the answer what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpService {
    Lambda,
    ApiGateway,
    Iam,
    Ses,
}

/// An HTTP answer: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// The largest answer body [`Bus::http`] reads (Lambda's 6 MB and then some).
const MAX_HTTP_ANSWER: usize = 16 << 20;

/// The services reachable through the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    DynamoDb,
    DynamoDbStreams,
    StepFunctions,
    EventBridge,
}

#[derive(Default)]
pub struct Bus {
    services: OnceLock<Weak<Services>>,
}

impl Bus {
    /// Called once, when the emulator's services exist.
    pub(crate) fn connect(&self, services: &Arc<Services>) {
        let _ = self.services.set(Arc::downgrade(services));
    }

    fn services(&self) -> Result<Arc<Services>, AwsError> {
        self.services
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(|| AwsError::service_unavailable("The emulator is shutting down"))
    }

    /// Runs a JSON operation on another service.
    pub async fn call(
        &self,
        service: Service,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        let services = self.services()?;
        let target: Arc<dyn JsonService> = match service {
            Service::DynamoDb => services.dynamodb.clone(),
            Service::DynamoDbStreams => services.dynamodb_streams.clone(),
            Service::StepFunctions => services.sfn.clone(),
            Service::EventBridge => services.events.clone(),
        };
        drop(services);
        target.call(operation, input).await
    }

    /// Sends `request` to a REST-JSON or query-protocol service, as its HTTP front door would.
    pub async fn http(
        &self,
        service: HttpService,
        request: &crate::protocol::AwsRequest,
    ) -> Result<HttpAnswer, AwsError> {
        let services = self.services()?;
        let response = match service {
            HttpService::Lambda => services.lambda.handle_http(request).await,
            HttpService::ApiGateway => services.apigateway.handle_http(request).await,
            HttpService::Iam => services.iam.handle_http(request).await,
            HttpService::Ses => services.ses.handle_http(request).await,
        };
        drop(services);
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, MAX_HTTP_ANSWER)
            .await
            .map_err(|e| AwsError::internal(format!("Reading an answer failed: {e}")))?;
        Ok(HttpAnswer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// Invokes a Lambda function.
    pub async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        invocation_type: InvocationType,
    ) -> Result<Invocation, AwsError> {
        let lambda = self.services()?.lambda.clone();
        lambda.invoke(function, payload, invocation_type).await
    }
}
