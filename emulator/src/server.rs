//! The listener: reads each request, recognises its protocol and hands it to the service that
//! owns the operation.
//!
//! Routing order: control routes (`/_aws/…`, `/_orderlab/…`) → API Gateway invocations
//! (`/restapis/{id}/{stage}/_user_request_/…`) → `X-Amz-Target` (JSON protocols) → REST paths
//! (Lambda, API Gateway control plane) → form bodies (query protocol: SES).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Services;
use crate::bus::JsonService;
use crate::protocol::json::{self, JsonVersion};
use crate::protocol::{AwsError, AwsRequest, rest};

/// The largest request body accepted (Lambda's 50 MB zip upload limit, rounded up).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub struct ServerHandle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// Stops accepting connections and waits for the server task to end.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Serves `services` on `listener` until stopped.
pub fn serve(listener: tokio::net::TcpListener, services: Arc<Services>) -> ServerHandle {
    let app = axum::Router::new().fallback(handle).with_state(services);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "emulator server stopped with an error");
        }
    });
    ServerHandle { stop, task }
}

async fn handle(State(services): State<Arc<Services>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return rest::error(&AwsError::new(
                413,
                "RequestEntityTooLargeException",
                "Request must be smaller than 67108864 bytes",
            ));
        }
    };
    let request = AwsRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body,
    };
    tracing::debug!(method = %request.method, path = %request.path, target = ?request.target(), "request");
    route(&services, &request).await
}

async fn route(services: &Services, request: &AwsRequest) -> Response {
    if request.path.starts_with("/_aws/") || request.path.starts_with("/_orderlab/") {
        return crate::control::handle(services, request).await;
    }
    if crate::apigateway::is_invocation(&request.path) {
        return services.apigateway.invoke_http(request).await;
    }
    if let Some((prefix, operation)) = request.target() {
        return match prefix {
            "DynamoDB_20120810" => {
                json_call(
                    &*services.dynamodb,
                    JsonVersion::V1_0,
                    crate::dynamodb::ERROR_NAMESPACE,
                    operation,
                    request,
                )
                .await
            }
            "DynamoDBStreams_20120810" => {
                json_call(
                    &*services.dynamodb_streams,
                    JsonVersion::V1_0,
                    crate::dynamodb::ERROR_NAMESPACE,
                    operation,
                    request,
                )
                .await
            }
            "AWSStepFunctions" => {
                json_call(
                    &*services.sfn,
                    JsonVersion::V1_0,
                    crate::sfn::ERROR_NAMESPACE,
                    operation,
                    request,
                )
                .await
            }
            "AWSEvents" => {
                json_call(&*services.events, JsonVersion::V1_1, "", operation, request).await
            }
            _ => json::error(JsonVersion::V1_0, "", &AwsError::unknown_operation()),
        };
    }
    if crate::lambda::owns_path(&request.path) {
        return services.lambda.handle_http(request).await;
    }
    if crate::apigateway::owns_path(&request.path) {
        return services.apigateway.handle_http(request).await;
    }
    if request.is_form() {
        return services.ses.handle_http(request).await;
    }
    not_found(request)
}

async fn json_call(
    service: &dyn JsonService,
    version: JsonVersion,
    namespace: &str,
    operation: &str,
    request: &AwsRequest,
) -> Response {
    let result = match json::parse_body(request) {
        Ok(input) => service.call(operation, input).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(output) => json::ok(version, &output),
        Err(err) => {
            if err.status >= 500 {
                tracing::warn!(%operation, %err, "operation failed");
            }
            json::error(version, namespace, &err)
        }
    }
}

fn not_found(request: &AwsRequest) -> Response {
    tracing::debug!(method = %request.method, path = %request.path, "no service owns this request");
    Response::builder()
        .status(404)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", "UnknownOperationException")
        .body(Body::from(r#"{"message":"No service owns this request"}"#))
        .unwrap_or_default()
}
