//! The Lambda Runtime API one function instance talks to: `GET …/invocation/next` long-polls
//! for the next job, `POST …/{id}/response|error` and `POST …/init/error` report back.
//!
//! Each instance gets its own listener on `127.0.0.1:0`, so every outcome is known to come from
//! the one process that instance runs (the pool kills exactly that process on a timeout). The
//! listener refuses what the main one refuses (non-loopback `Host`, any web-page `Origin`).
//!
//! A response or error document may be up to [`MAX_RESPONSE_BYTES`] (AWS's 6 MB plus 100
//! bytes); a bigger one is answered 413 `RequestEntityTooLarge` and fails the invocation with
//! `Function.ResponseSizeTooLarge`, as the Lambda runtime interface does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use crate::protocol::access::Access;

/// The largest response (or error) document a function may post: 6 MB + 100 bytes, the
/// runtime interface's `MaxPayloadSize`.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024 + 100;

/// One invocation handed to an instance.
#[derive(Debug)]
pub struct Job {
    pub request_id: String,
    /// `Lambda-Runtime-Trace-Id` (X-Ray's `Root=1-…` form).
    pub trace_id: String,
    pub payload: Bytes,
    pub timeout: Duration,
}

/// What an instance reported (or what happened to its process).
#[derive(Debug, Clone)]
pub enum Outcome {
    Response {
        request_id: String,
        body: Bytes,
    },
    Error {
        request_id: String,
        body: Bytes,
    },
    InitError {
        body: Bytes,
    },
    /// The process ended; the text is Go's wording (`exit status 1`, `signal: killed`).
    Exited {
        status: String,
    },
}

struct ApiState {
    jobs: Mutex<mpsc::Receiver<Job>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    function_arn: String,
}

/// A running Runtime API listener; dropping it stops the listener.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// Binds a loopback listener serving `jobs` and reporting to `outcomes`.
    pub(crate) async fn start(
        function_arn: String,
        access: Arc<Access>,
        jobs: mpsc::Receiver<Job>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> std::io::Result<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ApiState {
            jobs: Mutex::new(jobs),
            outcomes,
            function_arn,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(state)
            .layer(DefaultBodyLimit::disable())
            .layer(middleware::from_fn_with_state(access, crate::server::guard))
            .layer(middleware::from_fn(crate::server::contain_panics));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::warn!(%error, "runtime API listener stopped");
            }
        });
        Ok(RuntimeApi { addr, task })
    }
}

async fn next(State(state): State<Arc<ApiState>>) -> Response {
    let job = state.jobs.lock().await.recv().await;
    let Some(job) = job else {
        // The instance is being stopped. AWS never answers `next` then (the sandbox is frozen
        // or killed), and runtimes such as lambda_runtime panic on an answer without a
        // request id, so neither do we: the process is killed while it waits.
        return std::future::pending().await;
    };
    // The deadline is wall-clock time on purpose: it bounds a real process.
    let deadline = crate::clock::Clock::wall_now()
        .checked_add(job.timeout)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default()
        .as_millis();
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &job.request_id)
        .header("lambda-runtime-deadline-ms", deadline.to_string())
        .header("lambda-runtime-invoked-function-arn", &state.function_arn)
        .header("lambda-runtime-trace-id", &job.trace_id)
        .body(Body::from(job.payload))
        .unwrap_or_default()
}

async fn response(
    State(state): State<Arc<ApiState>>,
    Path(request_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_limited(&headers, body).await {
        Ok(body) => {
            let _ = state.outcomes.send(Outcome::Response { request_id, body });
            accepted()
        }
        Err(too_large) => too_large.refuse(&state, request_id),
    }
}

async fn error(
    State(state): State<Arc<ApiState>>,
    Path(request_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_limited(&headers, body).await {
        Ok(body) => {
            let body = error_document(&headers, body);
            let _ = state.outcomes.send(Outcome::Error { request_id, body });
            accepted()
        }
        Err(too_large) => too_large.refuse(&state, request_id),
    }
}

async fn init_error(
    State(state): State<Arc<ApiState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = read_limited(&headers, body).await.unwrap_or_default();
    let body = error_document(&headers, body);
    let _ = state.outcomes.send(Outcome::InitError { body });
    accepted()
}

/// A posted document over [`MAX_RESPONSE_BYTES`]; its size when the runtime declared it.
struct TooLarge {
    declared: Option<u64>,
}

impl TooLarge {
    /// Fails the invocation as Lambda does and tells the runtime why (413).
    fn refuse(self, state: &ApiState, request_id: String) -> Response {
        let size = self
            .declared
            .map(|bytes| format!(" ({bytes} bytes)"))
            .unwrap_or_default();
        let document = serde_json::json!({
            "errorMessage": format!(
                "Response payload size{size} exceeded maximum allowed payload size \
                 ({MAX_RESPONSE_BYTES} bytes)."
            ),
            "errorType": "Function.ResponseSizeTooLarge",
        });
        let body = Bytes::from(document.to_string());
        let _ = state.outcomes.send(Outcome::Error { request_id, body });
        let answer = serde_json::json!({
            "errorMessage": format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            "errorType": "RequestEntityTooLarge",
        });
        Response::builder()
            .status(413)
            .header("content-type", "application/json")
            .body(Body::from(answer.to_string()))
            .unwrap_or_default()
    }
}

/// The body, read up to [`MAX_RESPONSE_BYTES`]; reading stops at the first byte beyond.
async fn read_limited(headers: &HeaderMap, body: Body) -> Result<Bytes, TooLarge> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|bytes| bytes > MAX_RESPONSE_BYTES as u64) {
        return Err(TooLarge { declared });
    }
    axum::body::to_bytes(body, MAX_RESPONSE_BYTES)
        .await
        .map_err(|_| TooLarge { declared })
}

/// The posted error document, or one built from `Lambda-Runtime-Function-Error-Type` when the
/// body is not JSON.
fn error_document(headers: &HeaderMap, body: Bytes) -> Bytes {
    if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        return body;
    }
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unhandled");
    let document = serde_json::json!({
        "errorMessage": String::from_utf8_lossy(&body),
        "errorType": error_type,
    });
    Bytes::from(document.to_string())
}

fn accepted() -> Response {
    plain(202, r#"{"status":"OK"}"#)
}

fn plain(status: u16, body: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener for function `f` and the sender of its jobs.
    async fn start_api() -> (RuntimeApi, mpsc::Sender<Job>) {
        let (jobs_tx, jobs) = mpsc::channel(1);
        let (outcomes, _outcomes_rx) = mpsc::unbounded_channel();
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f".to_owned();
        let api = RuntimeApi::start(arn, Arc::default(), jobs, outcomes)
            .await
            .unwrap();
        (api, jobs_tx)
    }

    /// A stopped instance's `next` poll is left unanswered, as in AWS: answering it without a
    /// request id makes lambda_runtime panic.
    #[tokio::test]
    #[allow(clippy::disallowed_methods)] // a real-time bound on a real HTTP poll
    async fn next_is_not_answered_once_the_instance_is_stopping() {
        let (api, jobs_tx) = start_api().await;
        drop(jobs_tx);
        let url = format!("http://{}/2018-06-01/runtime/invocation/next", api.addr);
        let poll = reqwest::get(url);
        let answered = tokio::time::timeout(Duration::from_millis(300), poll).await;
        assert!(answered.is_err(), "next was answered: {answered:?}");
    }

    #[tokio::test]
    async fn next_hands_out_the_job_with_its_request_id() {
        let (api, jobs_tx) = start_api().await;
        let job = Job {
            request_id: "req-1".into(),
            trace_id: "Root=1-00000001-000000000000000000000001;Sampled=0".into(),
            payload: Bytes::from_static(b"{}"),
            timeout: Duration::from_secs(3),
        };
        jobs_tx.send(job).await.unwrap();
        let url = format!("http://{}/2018-06-01/runtime/invocation/next", api.addr);
        let answer = reqwest::get(url).await.unwrap();
        assert_eq!(answer.headers()["lambda-runtime-aws-request-id"], "req-1");
        assert_eq!(
            answer.headers()["lambda-runtime-trace-id"],
            "Root=1-00000001-000000000000000000000001;Sampled=0"
        );
        assert_eq!(answer.text().await.unwrap(), "{}");
    }
}
