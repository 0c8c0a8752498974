//! The AWS wire protocols: how a request names its operation, and how answers and errors are
//! shaped for each protocol.
//!
//! - [`json`]: AWS JSON 1.0/1.1, operation in `X-Amz-Target` (DynamoDB, Streams, Step
//!   Functions, EventBridge).
//! - [`rest`]: REST-JSON, operation in method + path (Lambda, API Gateway).
//! - [`query`]: the query protocol, form-encoded `Action=…`, XML answers (SES v1).
//! - [`access`]: who may send requests at all (loopback hosts, no web pages, signed requests).
//!
//! [`Shape`] answers errors raised before any service sees a request (a refused host, a
//! missing signature, a handler's panic) in the shape of the protocol the request speaks.

pub(crate) mod access;
pub mod error;
pub mod json;
pub mod members;
pub mod query;
pub mod rest;

use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method};

pub use error::{AwsError, null_member_message};

/// The `__type` namespace AWS's JSON services use for errors their request framework raises
/// (authentication, unknown operations, internal failures) rather than the service itself.
pub(crate) const FRAMEWORK_NAMESPACE: &str = "com.amazon.coral.service";

/// The protocol a request speaks, judged from its headers alone.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `X-Amz-Target` (DynamoDB, Streams, Step Functions: 1.0; EventBridge: 1.1).
    Json(json::JsonVersion),
    /// A form body (the query protocol: SES).
    Query,
    /// Anything else (REST-JSON: Lambda, API Gateway, the control routes).
    Rest,
}

impl Shape {
    pub(crate) fn of(headers: &HeaderMap) -> Shape {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(target) = header("x-amz-target") {
            return Shape::Json(json::JsonVersion::of_target(target));
        }
        if header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
        {
            return Shape::Query;
        }
        Shape::Rest
    }

    /// `err` in this protocol's error shape.
    pub(crate) fn error(self, err: &AwsError) -> Response {
        match self {
            Shape::Json(version) => json::error(version, FRAMEWORK_NAMESPACE, err),
            Shape::Query => query::error(crate::ses::XML_NAMESPACE, err),
            Shape::Rest => rest::error(err),
        }
    }
}

/// One HTTP request, fully read.
#[derive(Debug, Clone)]
pub struct AwsRequest {
    pub method: Method,
    /// The path, percent-decoding not applied.
    pub path: String,
    /// The raw query string (without `?`), empty when absent.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl AwsRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `X-Amz-Target: Prefix.Operation` split into its two halves.
    pub fn target(&self) -> Option<(&str, &str)> {
        self.header("x-amz-target")?.split_once('.')
    }

    /// The query string's parameters, decoded.
    pub fn query_params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The first query parameter named `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Whether the body is form-encoded (query protocol).
    pub fn is_form(&self) -> bool {
        self.header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
    }
}

/// A new AWS request id (`x-amzn-RequestId`). Response metadata only, drawn in the order
/// answers are made from one stream shared by the process (answers are built without the
/// emulator's context; no state or path depends on them).
pub fn request_id() -> String {
    static REQUEST_IDS: std::sync::LazyLock<crate::ids::Ids> =
        std::sync::LazyLock::new(|| crate::ids::Ids::new(0));
    REQUEST_IDS.uuid().to_string()
}
