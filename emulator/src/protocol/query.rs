//! The query protocol (SES v1): a form-encoded body with `Action=…`, answered in XML.

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

    #[test]
    fn long_member_lists_are_read_in_linear_time() {
        let body: String = (1..=200_000)
            .map(|i| format!("D.member.{i}=a@b&"))
            .collect();
        let document = params(&body).to_json();
        assert_eq!(document["D"].as_array().map(Vec::len), Some(200_000));
    }
}
