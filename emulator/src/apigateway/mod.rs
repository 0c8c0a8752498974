//! API Gateway (REST APIs): the control plane and invocation of deployed stages. (STUB)

use std::sync::Arc;

use axum::response::Response;

use crate::Context;
use crate::protocol::{AwsError, AwsRequest, rest};

/// Whether `path` is a control-plane path (`/restapis…`).
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/restapis")
}

/// Whether `path` invokes a deployed stage: `/restapis/{id}/{stage}/_user_request_/{path}`.
pub fn is_invocation(path: &str) -> bool {
    path.starts_with("/restapis/") && path.contains("/_user_request_")
}

pub struct ApiGateway {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl ApiGateway {
    pub fn new(ctx: Arc<Context>) -> Arc<ApiGateway> {
        Arc::new(ApiGateway { ctx })
    }

    pub async fn handle_http(&self, _request: &AwsRequest) -> Response {
        rest::error(&AwsError::unknown_operation())
    }

    pub async fn invoke_http(&self, _request: &AwsRequest) -> Response {
        rest::error(&AwsError::unknown_operation())
    }
}
