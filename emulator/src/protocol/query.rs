//! The query protocol (SES v1, IAM, STS): a form-encoded body with `Action=…`, answered in
//! XML. Which service a request is for is read from its signature's credential scope
//! ([`QueryService::of`]).

use std::collections::HashMap;

use axum::body::Body;
use axum::response::Response;
use serde_json::{Map, Value};

use super::{AwsError, AwsRequest, request_id};

/// The form parameters of a query-protocol request, in order, with an index of each name's
/// first position (the first value of a name wins).
pub struct QueryParams(pub Vec<(String, String)>, HashMap<String, usize>);

impl QueryParams {
    pub fn parse(request: &AwsRequest) -> QueryParams {
        let params: Vec<(String, String)> =
            form_urlencoded::parse(&request.body).into_owned().collect();
        let mut index = HashMap::with_capacity(params.len());
        for (position, (name, _)) in params.iter().enumerate() {
            index.entry(name.clone()).or_insert(position);
        }
        QueryParams(params, index)
    }

    /// The parameters as the operation's input document, for [`super::members::Members`] to
    /// read: `A.B=x` nests (`{"A": {"B": "x"}}`), `A.member.N` is a list read from 1 up to
    /// the first gap; the first value of a name wins. A name of
    /// more than [`MAX_NAME_DEPTH`] segments is no member of any operation served here and is
    /// left out like any other unknown name (so the document's depth is bounded).
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for (position, (name, value)) in self.0.iter().enumerate() {
            if self.1.get(name) != Some(&position) {
                continue;
            }
            let segments: Vec<&str> = name.split('.').collect();
            if segments.len() <= MAX_NAME_DEPTH {
                insert(&mut root, &segments, value);
            }
        }
        let mut document = Value::Object(root);
        lists(&mut document);
        document
    }
}

/// The deepest parameter name [`QueryParams::to_json`] reads (`Message.Body.Text.Data` is 4,
/// `Destination.ToAddresses.member.N` is 4).
pub const MAX_NAME_DEPTH: usize = 8;

/// Sets `segments` (a path of at most [`MAX_NAME_DEPTH`]) to `value`, creating structures on
/// the way; a path through a name already holding a string is left out (the first wins).
fn insert(root: &mut Map<String, Value>, segments: &[&str], value: &str) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut node = root;
    for segment in parents {
        let child = node
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(child) = child else {
            return;
        };
        node = child;
    }
    node.entry((*last).to_owned())
        .or_insert_with(|| Value::String(value.to_owned()));
}

/// Turns every `{"member": {"1": …, "2": …}}` into a list, from 1 up to the first gap.
/// Recursion is bounded by [`MAX_NAME_DEPTH`], the document's depth.
fn lists(value: &mut Value) {
    let Value::Object(object) = value else {
        return;
    };
    for child in object.values_mut() {
        lists(child);
    }
    let only_members = object.len() == 1 && object.contains_key("member");
    if let (true, Some(Value::Object(members))) = (only_members, object.get_mut("member")) {
        let items: Vec<Value> = (1..)
            .map_while(|i: usize| members.remove(&i.to_string()))
            .collect();
        *value = Value::Array(items);
    }
}

/// The services that speak the query protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryService {
    Ses,
    Iam,
    Sts,
}

impl QueryService {
    /// The service a signed request names in its credential scope
    /// (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`, in the `Authorization` header or a
    /// presigned URL's `X-Amz-Credential`); SES when the scope names none of the others.
    pub fn of(request: &AwsRequest) -> QueryService {
        let scope = request
            .header("authorization")
            .and_then(|auth| auth.split_once("Credential="))
            .map(|(_, rest)| rest.split([',', ' ']).next().unwrap_or_default().to_owned())
            .or_else(|| request.query_param("X-Amz-Credential"));
        match scope.as_deref().and_then(|scope| scope.split('/').nth(3)) {
            Some("iam") => QueryService::Iam,
            Some("sts") => QueryService::Sts,
            _ => QueryService::Ses,
        }
    }
}

/// `InvalidAction`, as IAM and STS word an action they do not have.
pub fn invalid_action(action: &str, version: &str) -> AwsError {
    AwsError::new(
        400,
        "InvalidAction",
        format!("Could not find operation {action} for version {version}"),
    )
}

/// Escapes text for an XML element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<ActionResponse xmlns=NS><ActionResult>RESULT</ActionResult><ResponseMetadata>…`
pub fn ok(namespace: &str, action: &str, result_xml: &str) -> Response {
    let request_id = request_id();
    let body = format!(
        "<{action}Response xmlns=\"{namespace}\"><{action}Result>{result_xml}</{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    );
    xml(200, body, &request_id)
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
pub fn error(namespace: &str, err: &AwsError) -> Response {
    let request_id = request_id();
    let fault = if err.sender_fault {
        "Sender"
    } else {
        "Receiver"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{fault}</Type><Code>{}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        escape(&err.code),
        escape(&err.message)
    );
    xml(err.status, body, &request_id)
}

fn xml(status: u16, body: String, request_id: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/xml")
        .header("x-amzn-requestid", request_id)
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: &str) -> QueryParams {
        QueryParams::parse(&AwsRequest {
            method: http::Method::POST,
            path: "/".into(),
            query: String::new(),
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_owned()),
        })
    }

    #[test]
    fn the_first_value_wins_and_lists_stop_at_a_gap() {
        let p = params("Action=A&Action=B&L.member.1=x&L.member.2=y&L.member.4=z");
        assert_eq!(
            p.to_json(),
            serde_json::json!({"Action": "A", "L": ["x", "y"]})
        );
    }

    #[test]
    fn parameters_become_the_input_document() {
        let p = params(
            "Action=SendEmail&Source=a%40b&Message.Subject.Data=hi&Source=x\
             &Destination.ToAddresses.member.1=c&Destination.ToAddresses.member.2=d\
             &Destination.ToAddresses.member.4=e&A.B.C.D.E.F.G.H.I=deep",
        );
        assert_eq!(
            p.to_json(),
            serde_json::json!({
                "Action": "SendEmail",
                "Source": "a@b",
                "Message": {"Subject": {"Data": "hi"}},
                "Destination": {"ToAddresses": ["c", "d"]},
            })
        );
    }

    fn signed_for(service: &str) -> AwsRequest {
        let mut headers = http::HeaderMap::new();
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/{service}/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        headers.insert("authorization", auth.parse().unwrap());
        AwsRequest {
            method: http::Method::POST,
            path: "/".into(),
            query: String::new(),
            headers,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn the_credential_scope_names_the_service() {
        assert_eq!(QueryService::of(&signed_for("iam")), QueryService::Iam);
        assert_eq!(QueryService::of(&signed_for("sts")), QueryService::Sts);
        assert_eq!(QueryService::of(&signed_for("ses")), QueryService::Ses);
        assert_eq!(QueryService::of(&signed_for("email")), QueryService::Ses);
        let mut presigned = signed_for("x");
        presigned.headers.clear();
        presigned.query = "X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Fsts%2Faws4_request".into();
        assert_eq!(QueryService::of(&presigned), QueryService::Sts);
    }

    #[test]
    fn query_integers_and_booleans_are_read_from_their_text() {
        use crate::protocol::members::{Dialect, Members};
        let document = params("MaxItems=5&OnlyAttached=true&Bad=x").to_json();
        let members = Members::with(&document, Dialect::Query);
        assert_eq!(members.int("MaxItems").unwrap(), Some(5));
        assert_eq!(members.bool("OnlyAttached").unwrap(), Some(true));
        assert!(members.int("Bad").is_err());
        assert!(members.bool("Bad").is_err());
        let json = serde_json::json!({"MaxItems": "5"});
        assert!(Members::of(&json).int("MaxItems").is_err());
    }

    #[test]
    fn long_member_lists_are_read_in_linear_time() {
        let body: String = (1..=200_000)
            .map(|i| format!("D.member.{i}=a@b&"))
            .collect();
        let document = params(&body).to_json();
        assert_eq!(document["D"].as_array().map(Vec::len), Some(200_000));
    }
}
