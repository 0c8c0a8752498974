//! The listener: reads each request, recognises its protocol and hands it to the service that
//! owns the operation.
//!
//! Every request first passes two layers: [`contain_panics`] (a panicking handler answers a
//! 500 `InternalFailure` in the request's protocol shape; the server keeps serving) and
//! [`guard`] (loopback `Host`, no web-page `Origin`; see [`crate::protocol::access`]).
//!
//! Routing order: control routes (`/_aws/…`, `/_orderlab/…`) → API Gateway invocations
//! (`/restapis/{id}/{stage}/_user_request_/…`) → `X-Amz-Target` (JSON protocols) → REST paths
//! (Lambda, API Gateway control plane) → form bodies (query protocol: SES, IAM, STS, told apart
//! by the signature's credential scope). The AWS APIs (all
//! but the first two) demand a signed request; the JSON protocols also their content type.
//! In the AWS-strict mode, `strict::gate` sees the AWS APIs' requests first.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Services;
use crate::bus::JsonService;
use crate::clock::Clock;
use crate::heavy;
use crate::protocol::access::{self, Access};
use crate::protocol::json::{self, JsonVersion};
use crate::protocol::{AwsError, AwsRequest, FRAMEWORK_NAMESPACE, Shape, query, rest};

/// The largest request body accepted (Lambda's 50 MB zip upload limit, rounded up).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// AWS's wording for `InternalFailure` (the common errors of every AWS API).
const INTERNAL_FAILURE: &str =
    "The request processing has failed because of an unknown error, exception or failure.";

/// The running server task and the switch that stops it.
pub struct ServerHandle {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Stops accepting connections; in-flight requests go on.
    pub fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops accepting connections and waits for in-flight requests at most `grace` (real
    /// time), then drops whatever is still running.
    pub async fn stop(&mut self, clock: &Clock, grace: Duration) {
        self.signal_stop();
        if let Some(mut task) = self.task.take()
            && clock.real_timeout(grace, &mut task).await.is_err()
        {
            tracing::warn!("in-flight requests still running at shutdown; dropping them");
            task.abort();
        }
    }

    /// Stops the server at once.
    pub fn abort(&mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves `services` on `listener` until stopped.
pub fn serve(
    listener: tokio::net::TcpListener,
    services: Arc<Services>,
    access: Arc<Access>,
) -> ServerHandle {
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(services)
        .layer(middleware::from_fn_with_state(access, guard))
        .layer(middleware::from_fn(contain_panics));
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
    ServerHandle {
        stop: Some(stop),
        task: Some(task),
    }
}

/// Middleware: refuses requests from non-loopback hosts and from web pages (403 in the
/// request's protocol shape). Used by every listener the emulator opens.
pub(crate) async fn guard(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if let Some(reason) = access.refusal(request.headers(), authority.as_deref()) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), %reason, "request refused");
        let err = AwsError::new(
            403,
            "AccessDeniedException",
            format!("orderlab refused this request: {reason}"),
        );
        return Shape::of(request.headers()).error(&err);
    }
    next.run(request).await
}

/// Middleware: a panic while handling a request becomes a 500 `InternalFailure` in the
/// request's protocol shape instead of a dropped connection.
pub(crate) async fn contain_panics(request: Request, next: Next) -> Response {
    let shape = Shape::of(request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match Contained::new(next.run(request)).await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(%method, %path, panic = %panic_message(&*panic), "request handler panicked");
            shape.error(&AwsError::internal(INTERNAL_FAILURE))
        }
    }
}

/// A future whose panics are caught and returned as an error.
struct Contained<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> Contained<F> {
    fn new(inner: F) -> Contained<F> {
        Contained {
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for Contained<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let inner = self.inner.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        return (*text).to_owned();
    }
    panic
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

async fn handle(State(services): State<Arc<Services>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return Shape::of(&parts.headers).error(&AwsError::new(
                413,
                "RequestEntityTooLargeException",
                format!("Request must be smaller than {MAX_BODY_BYTES} bytes"),
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
    // Virtual time does not move while a request is being answered.
    let _in_flight = services.lambda.context().sched.request();
    route(&services, &request).await
}

async fn route(services: &Services, request: &AwsRequest) -> Response {
    if request.path.starts_with("/_aws/") || request.path.starts_with("/_orderlab/") {
        return crate::control::handle(services, request).await;
    }
    if crate::apigateway::is_invocation(&request.path) {
        return services.apigateway.invoke_http(request).await;
    }
    if let Some(refusal) = crate::strict::gate(services, request) {
        return refusal;
    }
    if let Some((prefix, operation)) = request.target() {
        return json_route(services, request, prefix, operation).await;
    }
    let rest_owner =
        crate::lambda::owns_path(&request.path) || crate::apigateway::owns_path(&request.path);
    if (rest_owner || request.is_form()) && !access::is_signed(&request.headers, &request.query) {
        return missing_authentication(request);
    }
    if crate::lambda::owns_path(&request.path) {
        return services.lambda.handle_http(request).await;
    }
    if crate::apigateway::owns_path(&request.path) {
        return services.apigateway.handle_http(request).await;
    }
    if request.is_form() {
        return match query::QueryService::of(request) {
            query::QueryService::Ses => services.ses.handle_http(request).await,
            query::QueryService::Iam => services.iam.handle_http(request).await,
            query::QueryService::Sts => services.sts.handle_http(request).await,
        };
    }
    not_found(request)
}

/// The JSON service a target prefix names, its protocol version and error namespace.
fn json_service<'a>(
    services: &'a Services,
    prefix: &str,
) -> Option<(&'a dyn JsonService, JsonVersion, &'static str)> {
    Some(match prefix {
        "DynamoDB_20120810" => (
            &*services.dynamodb as &dyn JsonService,
            JsonVersion::V1_0,
            crate::dynamodb::ERROR_NAMESPACE,
        ),
        "DynamoDBStreams_20120810" => (
            &*services.dynamodb_streams as &dyn JsonService,
            JsonVersion::V1_0,
            crate::dynamodb::ERROR_NAMESPACE,
        ),
        "AWSStepFunctions" => (
            &*services.sfn as &dyn JsonService,
            JsonVersion::V1_0,
            crate::sfn::ERROR_NAMESPACE,
        ),
        "AWSEvents" => (&*services.events as &dyn JsonService, JsonVersion::V1_1, ""),
        _ => return None,
    })
}

/// An `X-Amz-Target` request, checked in DynamoDB's order (as dynalite records it): a POST of
/// a JSON content type, a JSON body, then a signature.
async fn json_route(
    services: &Services,
    request: &AwsRequest,
    prefix: &str,
    operation: &str,
) -> Response {
    let Some((service, version, namespace)) = json_service(services, prefix) else {
        return json::error(JsonVersion::V1_0, "", &AwsError::unknown_operation());
    };
    if !json::is_json_post(version, request) {
        return json::not_a_json_post();
    }
    let input = match parse_body(request).await {
        Ok(input) => input,
        Err(err) => return json::error(version, namespace, &err),
    };
    if !access::is_signed(&request.headers, &request.query) {
        let err = AwsError::new(
            400,
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        );
        return json::error(version, FRAMEWORK_NAMESPACE, &err);
    }
    match service.call(operation, input).await {
        Ok(output) => answer(version, output).await,
        Err(err) => {
            if err.status >= 500 {
                tracing::warn!(%operation, %err, "operation failed");
            }
            json::error(version, namespace, &err)
        }
    }
}

/// An unsigned request to a REST or query API: 403 `MissingAuthenticationToken`, worded as
/// API Gateway's front door (Lambda, API Gateway) or the query services (SES) answer it.
fn missing_authentication(request: &AwsRequest) -> Response {
    tracing::debug!(method = %request.method, path = %request.path, "unsigned request refused");
    if request.is_form() {
        return query::error(
            crate::ses::XML_NAMESPACE,
            &AwsError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
        );
    }
    rest::message_error(&AwsError::new(
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    ))
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

/// The request's JSON body; a large one (a 16 MB BatchWriteItem) is parsed on the heavy pool,
/// so the parse holds up no other request.
async fn parse_body(request: &AwsRequest) -> Result<Value, AwsError> {
    if request.body.len() <= heavy::LARGE_BODY_BYTES {
        return json::parse_body(request);
    }
    let request = request.clone();
    heavy::run(move || json::parse_body(&request))
        .await
        .unwrap_or_else(|_| Err(AwsError::internal("parse")))
}

/// A 200 answer carrying `output`; a large one (a 1 MB Scan page, a page of history) is
/// serialized on the heavy pool.
async fn answer(version: JsonVersion, output: Value) -> Response {
    if heavy::text_within(&output, &mut heavy::LARGE_BODY_BYTES.clone()) {
        return json::ok(version, &output);
    }
    match heavy::run(move || json::ok(version, &output)).await {
        Ok(response) => response,
        Err(_) => json::error(version, "", &AwsError::internal("serialize")),
    }
}

#[cfg(test)]
mod tests {
    use axum::routing::post;
    use serde_json::Value;

    use super::*;

    async fn panicking() -> Response {
        panic!("a deliberate panic")
    }

    /// A server whose every route panics, behind the same layer the emulator uses.
    async fn panicking_server() -> String {
        let app = axum::Router::new()
            .route("/", post(panicking))
            .fallback(panicking)
            .layer(middleware::from_fn(contain_panics));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn a_panic_is_an_internal_failure_in_each_protocol_shape() {
        let url = panicking_server().await;
        let http = reqwest::Client::new();
        for _ in 0..2 {
            let json = http
                .post(&url)
                .header("x-amz-target", "DynamoDB_20120810.ListTables")
                .send()
                .await
                .unwrap();
            assert_eq!(json.status(), 500);
            assert_eq!(json.headers()["x-amzn-errortype"], "InternalFailure");
            assert_eq!(json.headers()["content-type"], "application/x-amz-json-1.0");
            let body: Value = json.json().await.unwrap();
            assert_eq!(body["__type"], "com.amazon.coral.service#InternalFailure");
            assert_eq!(body["message"], INTERNAL_FAILURE);

            let events = http
                .post(&url)
                .header("x-amz-target", "AWSEvents.PutEvents")
                .send()
                .await
                .unwrap();
            assert_eq!(events.status(), 500);
            assert_eq!(
                events.headers()["content-type"],
                "application/x-amz-json-1.1"
            );

            let rest = http
                .get(format!("{url}/2015-03-31/functions"))
                .send()
                .await
                .unwrap();
            assert_eq!(rest.status(), 500);
            assert_eq!(rest.headers()["x-amzn-errortype"], "InternalFailure");
            let body: Value = rest.json().await.unwrap();
            assert_eq!(body["message"], INTERNAL_FAILURE);

            let query = http
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("Action=ListIdentities")
                .send()
                .await
                .unwrap();
            assert_eq!(query.status(), 500);
            let text = query.text().await.unwrap();
            assert!(
                text.contains("<Type>Receiver</Type><Code>InternalFailure</Code>"),
                "{text}"
            );
        }
    }

    #[test]
    fn panic_messages_are_read_from_both_payload_kinds() {
        let text: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(&*text), "static");
        let owned: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(&*owned), "owned");
        let other: Box<dyn Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(&*other), "a panic without a message");
    }
}
