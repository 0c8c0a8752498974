//! STS (query protocol, XML): `GetCallerIdentity`. Whoever signs is the account's root user
//! (the emulator checks no credentials), so the answer names the emulator's account — what
//! Terraform's AWS provider and `aws sts get-caller-identity` read the account id from.

use std::sync::Arc;

use axum::response::Response;

use crate::Context;
use crate::protocol::members::{Dialect, Members};
use crate::protocol::query::{self, QueryParams, escape};
use crate::protocol::{AwsError, AwsRequest};

pub const XML_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The API version every query-protocol STS request names.
const VERSION: &str = "2011-06-15";

pub struct Sts {
    ctx: Arc<Context>,
}

impl Sts {
    pub fn new(ctx: Arc<Context>) -> Arc<Sts> {
        Arc::new(Sts { ctx })
    }

    pub async fn handle_http(&self, request: &AwsRequest) -> Response {
        let params = QueryParams::parse(request).to_json();
        let members = Members::with(&params, Dialect::Query);
        let action = members.str("Action").ok().flatten().unwrap_or_default();
        match self.dispatch(action) {
            Ok(result) => query::ok(XML_NAMESPACE, action, &result),
            Err(err) => query::error(XML_NAMESPACE, &err),
        }
    }

    fn dispatch(&self, action: &str) -> Result<String, AwsError> {
        match action {
            "GetCallerIdentity" => Ok(self.caller_identity()),
            _ => Err(query::invalid_action(action, VERSION)),
        }
    }

    /// The root user of the emulator's account: `UserId` is the account id, `Arn` is
    /// `arn:aws:iam::<account>:root`, as AWS answers for root credentials.
    fn caller_identity(&self) -> String {
        let account = escape(&self.ctx.account_id);
        format!(
            "<Arn>arn:aws:iam::{account}:root</Arn><UserId>{account}</UserId>\
             <Account>{account}</Account>"
        )
    }
}
