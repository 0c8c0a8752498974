//! HTTP control routes for what AWS has no API for.
//!
//! - `GET /_aws/ses` — the SES outbox, in LocalStack's shape (`{"messages": [...]}`), optionally
//!   filtered by `?email=SOURCE`; `DELETE /_aws/ses` empties it.
//! - `GET /_orderlab/health` — `{"status": "running", "services": [...]}`.

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
