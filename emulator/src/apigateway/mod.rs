//! API Gateway (REST APIs): the control plane (`/restapis…`, camelCase REST-JSON; the
//! deletes, stages, deployments and tags in [`lifecycle`]) and
//! invocation of deployed stages ([`invoke`], LocalStack's
//! `/restapis/{id}/{stage}/_user_request_/{path}` URL form) through Lambda proxy integrations.

mod control;
pub mod invoke;
mod lifecycle;

use std::sync::{Arc, Mutex};

use axum::response::Response;
use indexmap::IndexMap;
use serde_json::Value;

use crate::Context;
use crate::protocol::{AwsError, AwsRequest, rest};

/// Whether `path` is a control-plane path (`/restapis…`).
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/restapis") || lifecycle::owns_path(path)
}

/// Whether `path` invokes a deployed stage: `/restapis/{id}/{stage}/_user_request_/{path}`.
pub fn is_invocation(path: &str) -> bool {
    path.starts_with("/restapis/") && path.contains("/_user_request_")
}

#[derive(Debug, Clone)]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    pub integration: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: String,
    pub parent_id: Option<String>,
    pub path_part: String,
    pub path: String,
    pub methods: IndexMap<String, Method>,
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub created_date: f64,
    pub description: String,
    /// The resources as they were when deployed.
    pub resources: IndexMap<String, Resource>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub deployment_id: String,
    pub created_date: f64,
    pub updated_date: f64,
    pub description: Option<String>,
    pub variables: IndexMap<String, String>,
    pub tags: IndexMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_date: f64,
    pub root_resource_id: String,
    pub resources: IndexMap<String, Resource>,
    pub deployments: IndexMap<String, Deployment>,
    pub stages: IndexMap<String, Stage>,
    pub tags: IndexMap<String, String>,
}

pub struct ApiGateway {
    ctx: Arc<Context>,
    apis: Mutex<IndexMap<String, RestApi>>,
}

impl ApiGateway {
    pub fn new(ctx: Arc<Context>) -> Arc<ApiGateway> {
        Arc::new(ApiGateway {
            ctx,
            apis: Mutex::default(),
        })
    }

    fn apis(&self) -> std::sync::MutexGuard<'_, IndexMap<String, RestApi>> {
        self.apis.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub async fn handle_http(&self, request: &AwsRequest) -> Response {
        let answer =
            lifecycle::route(self, request).unwrap_or_else(|| control::route(self, request));
        match answer {
            Ok((204, _)) => rest::empty(204),
            Ok((status, body)) => rest::json(status, &body),
            Err(err) => rest::error(&err),
        }
    }

    pub async fn invoke_http(&self, request: &AwsRequest) -> Response {
        invoke::handle(self, request).await
    }
}

/// A new 10-character lowercase alphanumeric id.
pub fn new_id(ids: &crate::ids::Ids) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    ids.uuid()
        .into_bytes()
        .iter()
        .take(10)
        .filter_map(|b| ALPHABET.get(usize::from(*b) % ALPHABET.len()))
        .map(|b| char::from(*b))
        .collect()
}

pub fn not_found(what: &str, id: &str) -> AwsError {
    AwsError::new(
        404,
        "NotFoundException",
        format!("Invalid {what} identifier specified {id}"),
    )
}
