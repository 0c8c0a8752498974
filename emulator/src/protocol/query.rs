//! The query protocol (SES v1): a form-encoded body with `Action=…`, answered in XML.

use axum::body::Body;
use axum::response::Response;

use super::{AwsError, AwsRequest, request_id};

/// The form parameters of a query-protocol request, in order.
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn parse(request: &AwsRequest) -> QueryParams {
        QueryParams(form_urlencoded::parse(&request.body).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Members of a list: `Prefix.member.1`, `Prefix.member.2`, …
    pub fn list(&self, prefix: &str) -> Vec<&str> {
        (1..)
            .map_while(|i| self.get(&format!("{prefix}.member.{i}")))
            .collect()
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
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
