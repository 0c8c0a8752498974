//! The query protocol (SES v1): a form-encoded body with `Action=…`, answered in XML.

use std::collections::HashMap;

use axum::body::Body;
use axum::response::Response;

use super::{AwsError, AwsRequest, request_id};

/// The form parameters of a query-protocol request, in order, with an index by name so
/// that reading members (`list`) stays linear in the number of parameters.
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

    /// The first parameter named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let position = *self.1.get(name)?;
        self.0.get(position).map(|(_, v)| v.as_str())
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
        assert_eq!(p.action(), Some("A"));
        assert_eq!(p.list("L"), vec!["x", "y"]);
    }

    #[test]
    fn long_member_lists_are_read_in_linear_time() {
        let body: String = (1..=200_000)
            .map(|i| format!("D.member.{i}=a@b&"))
            .collect();
        assert_eq!(params(&body).list("D").len(), 200_000);
    }
}
