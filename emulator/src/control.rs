//! HTTP control routes for what AWS has no API for.
//!
//! - `GET /_aws/ses` — the SES outbox, in LocalStack's shape (`{"messages": [...]}`), optionally
//!   filtered by `?email=SOURCE`; `DELETE /_aws/ses` empties it.
//! - `GET /_orderlab/health` — `{"status": "running", "services": [...]}`.
//! - `GET /_orderlab/usage` — what the bounded queues hold now: `{"lambda": {"queuedEvents",
//!   "queuedBytes", "queuedBytesLimit", "discardedEvents"}, "states": {executions, running and
//!   closed ones and their history bytes}, "events": {pending and dropped deliveries}}`.
//! - `POST /_orderlab/faults` — replaces the injected faults with a MockConfigFile-shaped
//!   document (`StateMachines`/`MockedResponses` for states, `Functions` for Lambda
//!   invocations; see `sfn::mock` and `lambda::faults`); `DELETE` removes them. The POST must
//!   say `Content-Type: application/json`, which a browser cannot send cross-origin without a
//!   preflight (that the emulator never grants).
//! - `POST /_orderlab/scheduler` — `{"hold": true}` stops the scheduler from starting any
//!   scheduled work until a matching `{"hold": false}` (virtual clock only; see `sched`): the
//!   harness holds it while it submits a scenario's orders, so everything they start begins
//!   from the same state whatever the timing of the submissions. JSON only, like the faults.

use axum::response::Response;
use http::Method;
use serde_json::json;

use crate::Services;
use crate::protocol::{AwsError, AwsRequest, rest};

pub async fn handle(services: &Services, request: &AwsRequest) -> Response {
    match (&request.method, request.path.trim_end_matches('/')) {
        (&Method::GET, "/_aws/ses") => {
            let source = request.query_param("email");
            rest::json(
                200,
                &json!({ "messages": services.ses.outbox_json(source.as_deref()) }),
            )
        }
        (&Method::DELETE, "/_aws/ses") => {
            services.ses.clear_outbox();
            rest::empty(204)
        }
        (&Method::POST, "/_orderlab/faults") => set_faults(services, request),
        (&Method::DELETE, "/_orderlab/faults") => {
            services.lambda.context().function_faults.clear();
            services.lambda.context().state_mocks.clear();
            rest::empty(204)
        }
        (&Method::POST, "/_orderlab/scheduler") => hold(services, request),
        (&Method::GET, "/_orderlab/usage") => {
            let usage = json!({
                "lambda": services.lambda.usage(),
                "states": services.sfn.usage(),
                "events": services.events.usage(),
            });
            rest::json(200, &usage)
        }
        (&Method::GET, "/_orderlab/health") => rest::json(
            200,
            &json!({
                "status": "running",
                "services": ["apigateway", "dynamodb", "dynamodbstreams", "events", "lambda", "ses", "states"],
            }),
        ),
        _ => rest::error(&AwsError::new(
            404,
            "NotFound",
            format!("No control route {}", request.path),
        )),
    }
}

/// `{"hold": true|false}`: holds or releases the scheduler.
fn hold(services: &Services, request: &AwsRequest) -> Response {
    let sched = &services.lambda.context().sched;
    let hold = if is_json(request) {
        serde_json::from_slice::<serde_json::Value>(&request.body)
            .ok()
            .and_then(|body| body.get("hold").and_then(serde_json::Value::as_bool))
    } else {
        None
    };
    match hold {
        Some(true) => sched.hold(),
        Some(false) => sched.release(),
        None => {
            return rest::error(&AwsError::validation(
                "POST /_orderlab/scheduler takes {\"hold\": true} or {\"hold\": false} with Content-Type: application/json",
            ));
        }
    }
    rest::json(200, &json!({ "enabled": sched.enabled(), "hold": hold }))
}

/// Whether the request says its body is JSON (`application/json`, parameters allowed).
fn is_json(request: &AwsRequest) -> bool {
    request
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"))
}

fn set_faults(services: &Services, request: &AwsRequest) -> Response {
    if !is_json(request) {
        return rest::error(&AwsError::new(
            415,
            "UnsupportedMediaTypeException",
            "POST /_orderlab/faults takes a JSON document with Content-Type: application/json",
        ));
    }
    let invalid =
        |message: String| rest::error(&AwsError::new(400, "InvalidFaultDocument", message));
    let document: serde_json::Value = match serde_json::from_slice(&request.body) {
        Ok(document) => document,
        Err(err) => return invalid(format!("The body is not JSON: {err}")),
    };
    let ctx = services.lambda.context();
    let checked = crate::sfn::mock::Mocks::default()
        .load(&document)
        .and_then(|()| crate::lambda::faults::FunctionFaults::default().load(&document));
    if let Err(message) = checked {
        return invalid(message);
    }
    let loaded = ctx
        .state_mocks
        .load(&document)
        .and_then(|()| ctx.function_faults.load(&document));
    match loaded {
        Ok(()) => rest::empty(204),
        Err(message) => invalid(message),
    }
}
