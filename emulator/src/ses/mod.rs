//! SES v1 (query protocol, XML): identities (verified at once) and SendEmail/SendRawEmail into
//! an outbox that `GET /_aws/ses` shows in LocalStack's shape (bounded: [`outbox`]).

mod outbox;

use std::sync::{Arc, Mutex};

use axum::response::Response;
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::Context;
use crate::protocol::members::{Dialect, Members};
use crate::protocol::query::{self, QueryParams, escape};
use crate::protocol::{AwsError, AwsRequest};

pub const XML_NAMESPACE: &str = "http://ses.amazonaws.com/doc/2010-12-01/";

pub struct Ses {
    ctx: Arc<Context>,
    /// Identity → "EmailAddress" or "Domain".
    identities: Mutex<IndexMap<String, &'static str>>,
    outbox: Mutex<outbox::Outbox>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `Message.Body.<name>.Data`, when the body has that part.
fn content<'a>(body: Option<&Members<'a>>, name: &str) -> Result<Option<&'a str>, AwsError> {
    match body.map(|body| body.structure(name)).transpose()?.flatten() {
        Some(content) => content.str("Data"),
        None => Ok(None),
    }
}

/// `Destination.<name>.member.N`, empty when there is no such list.
fn addresses<'a>(destination: Option<&Members<'a>>, name: &str) -> Result<Vec<&'a str>, AwsError> {
    match destination {
        Some(destination) => Ok(destination.str_list(name)?.unwrap_or_default()),
        None => Ok(Vec::new()),
    }
}

impl Ses {
    pub fn new(ctx: Arc<Context>) -> Arc<Ses> {
        Arc::new(Ses {
            ctx,
            identities: Mutex::default(),
            outbox: Mutex::default(),
        })
    }

    pub async fn handle_http(&self, request: &AwsRequest) -> Response {
        let params = QueryParams::parse(request).to_json();
        let members = Members::with(&params, Dialect::Query);
        let action = members.str("Action").ok().flatten().unwrap_or_default();
        match self.dispatch(action, &members) {
            Ok(result) => query::ok(XML_NAMESPACE, action, &result),
            Err(err) => query::error(XML_NAMESPACE, &err),
        }
    }

    fn dispatch(&self, action: &str, params: &Members) -> Result<String, AwsError> {
        match action {
            "VerifyEmailIdentity" | "VerifyEmailAddress" => {
                let email = params.required_str("EmailAddress")?;
                lock(&self.identities).insert(email.to_owned(), "EmailAddress");
                Ok(String::new())
            }
            "VerifyDomainIdentity" => {
                let domain = params.required_str("Domain")?;
                lock(&self.identities).insert(domain.to_owned(), "Domain");
                let token = self.ctx.ids.uuid().simple().to_string();
                Ok(format!("<VerificationToken>{token}</VerificationToken>"))
            }
            "ListIdentities" => self.list_identities(params),
            "DeleteIdentity" => {
                let identity = params.required_str("Identity")?;
                lock(&self.identities).shift_remove(identity);
                Ok(String::new())
            }
            "GetIdentityVerificationAttributes" => self.verification_attributes(params),
            "SendEmail" => self.send_email(params),
            "SendRawEmail" => self.send_raw_email(params),
            _ => Err(AwsError::new(
                400,
                "InvalidAction",
                format!("The action {action} is not valid for this web service."),
            )),
        }
    }

    fn list_identities(&self, params: &Members) -> Result<String, AwsError> {
        let kind = params.enumeration("IdentityType", &["EmailAddress", "Domain"])?;
        let members: String = lock(&self.identities)
            .iter()
            .filter(|(_, k)| kind.is_none_or(|wanted| wanted == **k))
            .map(|(identity, _)| format!("<member>{}</member>", escape(identity)))
            .collect();
        Ok(format!("<Identities>{members}</Identities>"))
    }

    fn verification_attributes(&self, params: &Members) -> Result<String, AwsError> {
        let wanted = params.require("Identities", params.str_list("Identities")?)?;
        let identities = lock(&self.identities);
        let entries: String = wanted
            .into_iter()
            .filter(|i| identities.contains_key(*i))
            .map(|identity| {
                format!(
                    "<entry><key>{}</key><value><VerificationStatus>Success</VerificationStatus>\
                     </value></entry>",
                    escape(identity)
                )
            })
            .collect();
        Ok(format!(
            "<VerificationAttributes>{entries}</VerificationAttributes>"
        ))
    }

    /// Whether `address` (or its domain) is a verified identity.
    fn is_verified(&self, address: &str) -> bool {
        let address = bare_address(address);
        let identities = lock(&self.identities);
        identities.contains_key(&address)
            || address
                .rsplit_once('@')
                .is_some_and(|(_, domain)| identities.get(domain) == Some(&"Domain"))
    }

    fn check_source(&self, source: &str) -> Result<(), AwsError> {
        if self.is_verified(source) {
            return Ok(());
        }
        Err(AwsError::new(
            400,
            "MessageRejected",
            format!(
                "Email address is not verified. The following identities failed the check in \
                 region {}: {}",
                self.ctx.region.to_uppercase(),
                source
            ),
        ))
    }

    fn send_email(&self, params: &Members) -> Result<String, AwsError> {
        let source = params.required_str("Source")?;
        let destination = params.structure("Destination")?;
        let message = params.require("Message", params.structure("Message")?)?;
        let subject = message.require("Subject", message.structure("Subject")?)?;
        let subject = subject.required_str("Data")?;
        let body = message.structure("Body")?;
        let text = content(body.as_ref(), "Text")?;
        let html = content(body.as_ref(), "Html")?;
        let to = addresses(destination.as_ref(), "ToAddresses")?;
        let cc = addresses(destination.as_ref(), "CcAddresses")?;
        let bcc = addresses(destination.as_ref(), "BccAddresses")?;
        if to.is_empty() && cc.is_empty() && bcc.is_empty() {
            return Err(AwsError::new(
                400,
                "InvalidParameterValue",
                "Missing final '@domain'",
            ));
        }
        self.check_source(source)?;
        let mut destination = serde_json::Map::new();
        destination.insert("ToAddresses".into(), json!(to));
        if !cc.is_empty() {
            destination.insert("CcAddresses".into(), json!(cc));
        }
        if !bcc.is_empty() {
            destination.insert("BccAddresses".into(), json!(bcc));
        }
        let body = json!({ "text_part": text, "html_part": html });
        let message_id = self.record(json!({
            "Source": source,
            "Destination": destination,
            "Subject": subject,
            "Body": body,
        }));
        Ok(format!("<MessageId>{message_id}</MessageId>"))
    }

    fn send_raw_email(&self, params: &Members) -> Result<String, AwsError> {
        use base64::Engine;
        let raw_message = params.require("RawMessage", params.structure("RawMessage")?)?;
        let data = raw_message.required_str("Data")?;
        let source = params.str("Source")?;
        let listed = params.str_list("Destinations")?.unwrap_or_default();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|_| data.to_owned());
        let source = source
            .map(str::to_owned)
            .or_else(|| header(&raw, "From"))
            .ok_or_else(|| params.missing("Source"))?;
        self.check_source(&source)?;
        let mut destinations: Vec<String> = listed.into_iter().map(str::to_owned).collect();
        if destinations.is_empty() {
            destinations = header(&raw, "To")
                .map(|to| to.split(',').map(|a| a.trim().to_owned()).collect())
                .unwrap_or_default();
        }
        let message_id = self.record(json!({
            "Source": source,
            "Destination": {"ToAddresses": destinations},
            "RawData": raw,
        }));
        Ok(format!("<MessageId>{message_id}</MessageId>"))
    }

    /// Stores a sent message with its id, region and timestamp; returns the id.
    fn record(&self, mut message: Value) -> String {
        let message_id = format!(
            "{:016x}-{}-000000",
            self.ctx.clock.now_epoch_millis(),
            self.ctx.ids.uuid()
        );
        let timestamp = time::OffsetDateTime::from(self.ctx.clock.now())
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        if let Some(object) = message.as_object_mut() {
            object.insert("Id".into(), json!(message_id));
            object.insert("Region".into(), json!(self.ctx.region));
            object.insert("Timestamp".into(), json!(timestamp));
        }
        lock(&self.outbox).push(message);
        message_id
    }

    /// The outbox in LocalStack's `/_aws/ses` shape, optionally only mail from `source`.
    pub fn outbox_json(&self, source: Option<&str>) -> Vec<Value> {
        lock(&self.outbox)
            .iter()
            .filter(|m| source.is_none_or(|s| m["Source"] == s))
            .cloned()
            .collect()
    }

    pub fn clear_outbox(&self) {
        lock(&self.outbox).clear();
    }
}

/// `Name <a@b>` → `a@b`.
fn bare_address(address: &str) -> String {
    address
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.rsplit_once('>'))
        .map_or(address, |(inner, _)| inner)
        .trim()
        .to_owned()
}

fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().take_while(|l| !l.is_empty()).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}
