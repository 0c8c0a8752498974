//! SES v1 (query protocol): identities and SendEmail into an inspectable outbox. (STUB)

use std::sync::Arc;

use axum::response::Response;
use serde_json::Value;

use crate::Context;
use crate::protocol::{AwsError, AwsRequest, query};

pub const XML_NAMESPACE: &str = "http://ses.amazonaws.com/doc/2010-12-01/";

pub struct Ses {
    #[allow(dead_code)]
    ctx: Arc<Context>,
}

impl Ses {
    pub fn new(ctx: Arc<Context>) -> Arc<Ses> {
        Arc::new(Ses { ctx })
    }

    pub async fn handle_http(&self, _request: &AwsRequest) -> Response {
        query::error(
            XML_NAMESPACE,
            &AwsError::new(400, "InvalidAction", "not implemented"),
        )
    }

    /// The outbox in LocalStack's `/_aws/ses` shape, optionally only mail from `source`.
    pub fn outbox_json(&self, _source: Option<&str>) -> Vec<Value> {
        Vec::new()
    }

    pub fn clear_outbox(&self) {}
}
