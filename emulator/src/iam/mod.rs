//! IAM (query protocol, XML): roles, inline role policies, customer managed policies with
//! versions, attachments, instance profiles and tags — stored and returned in AWS's shapes,
//! never enforced (every request is allowed whatever the policies say).
//!
//! Layout: this file holds the store, the dispatch and what every operation shares (ids,
//! dates, names, pagination); `roles.rs` (roles, their inline policies and tags),
//! `policies.rs` (managed policies, versions, attachments), `profiles.rs` (instance
//! profiles), `xml.rs` (rendering, policy documents URL-encoded as AWS returns them).
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/…`) are not listed (the emulator does not
//! know AWS's catalogue): any such ARN may be attached and detached, and is returned by
//! `ListAttachedRolePolicies`; `GetPolicy` on one is `NoSuchEntity`.

mod policies;
mod profiles;
mod roles;
mod xml;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::response::Response;
use indexmap::IndexMap;

use crate::Context;
use crate::protocol::members::{Dialect, Members};
use crate::protocol::query::{self, QueryParams};
use crate::protocol::{AwsError, AwsRequest};

pub const XML_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The API version every query-protocol IAM request names.
const VERSION: &str = "2010-05-08";

/// A tag's key and value.
type Tags = IndexMap<String, String>;

pub struct Iam {
    ctx: Arc<Context>,
    state: Mutex<State>,
}

/// Everything IAM stores.
#[derive(Default)]
struct State {
    /// Role name → role.
    roles: IndexMap<String, roles::Role>,
    /// Policy ARN → customer managed policy.
    policies: IndexMap<String, policies::Policy>,
    /// Instance profile name → profile.
    profiles: IndexMap<String, profiles::Profile>,
}

impl State {
    fn role(&self, name: &str) -> Result<&roles::Role, AwsError> {
        self.roles.get(name).ok_or_else(|| no_such_role(name))
    }

    fn role_mut(&mut self, name: &str) -> Result<&mut roles::Role, AwsError> {
        self.roles.get_mut(name).ok_or_else(|| no_such_role(name))
    }
}

fn no_such_role(name: &str) -> AwsError {
    no_such_entity(format!("The role with name {name} cannot be found."))
}

/// 404 `NoSuchEntity`.
fn no_such_entity(message: String) -> AwsError {
    AwsError::new(404, "NoSuchEntity", message)
}

/// 409 `EntityAlreadyExists`.
fn already_exists(message: String) -> AwsError {
    AwsError::new(409, "EntityAlreadyExists", message)
}

/// 409 `DeleteConflict`.
fn delete_conflict(message: &str) -> AwsError {
    AwsError::new(409, "DeleteConflict", message)
}

impl Iam {
    pub fn new(ctx: Arc<Context>) -> Arc<Iam> {
        Arc::new(Iam {
            ctx,
            state: Mutex::default(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        if let Some(answer) = self.role_action(action, params) {
            return answer;
        }
        if let Some(answer) = self.policy_action(action, params) {
            return answer;
        }
        if let Some(answer) = self.profile_action(action, params) {
            return answer;
        }
        Err(query::invalid_action(action, VERSION))
    }

    /// `arn:aws:iam::ACCOUNT:KIND{path}{name}`
    fn arn(&self, kind: &str, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:{kind}{path}{name}", self.ctx.account_id)
    }

    /// Now, as IAM's `dateTime` (ISO 8601 to the second, UTC).
    fn now(&self) -> String {
        let now = time::OffsetDateTime::from(self.ctx.clock.now());
        now.replace_nanosecond(0)
            .unwrap_or(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

/// A unique id in IAM's form: the kind's four-letter prefix (`AROA` role, `ANPA` policy,
/// `AIPA` instance profile) and 17 upper-case letters and digits.
fn unique_id(ids: &crate::ids::Ids, prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let random = ids.uuid();
    let tail: String = random
        .as_bytes()
        .iter()
        .cycle()
        .take(17)
        .filter_map(|byte| ALPHABET.get(usize::from(*byte) % ALPHABET.len()))
        .map(|byte| char::from(*byte))
        .collect();
    format!("{prefix}{tail}")
}

/// A name member (`RoleName`, `PolicyName`, …): 1 to `max` characters of `[\w+=,.@-]`.
fn name<'a>(params: &Members<'a>, member: &str, max: usize) -> Result<&'a str, AwsError> {
    let value = params.require(member, params.str_len(member, 1, max)?)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if value.chars().all(allowed) {
        return Ok(value);
    }
    Err(params.constraint(
        member,
        value,
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
    ))
}

/// The `Path` member: `/` by default, otherwise `/…/` of printable ASCII, at most 512.
fn path<'a>(params: &Members<'a>, member: &str) -> Result<&'a str, AwsError> {
    let Some(value) = params.str_len(member, 1, 512)? else {
        return Ok("/");
    };
    let printable = value.chars().all(|c| ('!'..='~').contains(&c));
    if value == "/"
        || (value.len() > 1 && value.starts_with('/') && value.ends_with('/') && printable)
    {
        return Ok(value);
    }
    Err(params.constraint(
        member,
        value,
        r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
    ))
}

/// `PathPrefix` of the list operations: `/` (everything) by default.
fn path_prefix<'a>(params: &Members<'a>) -> Result<&'a str, AwsError> {
    Ok(params.str_len("PathPrefix", 1, 512)?.unwrap_or("/"))
}

/// A policy document member: JSON text of at most 131,072 characters whose top level is an
/// object; anything else is `MalformedPolicyDocument`.
fn policy_document<'a>(params: &Members<'a>, member: &str) -> Result<&'a str, AwsError> {
    let text = params.require(member, params.str_len(member, 1, 131_072)?)?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(text),
        _ => Err(AwsError::new(
            400,
            "MalformedPolicyDocument",
            "This policy contains invalid Json",
        )),
    }
}

/// The `Tags` member (`Tags.member.N.Key` / `.Value`): at most 50, keys 1–128 and values
/// 0–256 characters.
fn tags(params: &Members) -> Result<Tags, AwsError> {
    let mut tags = Tags::new();
    let list = params.structures("Tags")?.unwrap_or_default();
    if list.len() > 50 {
        return Err(params.constraint(
            "Tags",
            &format!("{} tags", list.len()),
            "Member must have length less than or equal to 50",
        ));
    }
    for tag in list {
        let key = tag.require("Key", tag.str_len("Key", 1, 128)?)?;
        let value = tag.require("Value", tag.str_len("Value", 0, 256)?)?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    Ok(tags)
}

/// The `TagKeys` member of the Untag operations.
fn tag_keys<'a>(params: &Members<'a>) -> Result<Vec<&'a str>, AwsError> {
    params.require("TagKeys", params.str_list("TagKeys")?)
}

/// One page of a list: `MaxItems` (1–1000, default 100) items from the `Marker` on, and the
/// marker of the next page when there is one.
struct Page {
    start: usize,
    size: usize,
}

impl Page {
    fn of(params: &Members) -> Result<Page, AwsError> {
        let size = params.int_in("MaxItems", 1, 1000)?.unwrap_or(100);
        let start = match params.str_len("Marker", 1, 320)? {
            None => 0,
            Some(marker) => marker.parse().map_err(|_| {
                AwsError::new(400, "ValidationError", "Invalid value for parameter Marker")
            })?,
        };
        Ok(Page {
            start,
            size: usize::try_from(size).unwrap_or(100),
        })
    }

    /// The page's items rendered by `render`, then `IsTruncated` and `Marker`, inside
    /// `<{list}>…</{list}>`.
    fn render<T>(&self, list: &str, items: &[T], render: impl Fn(&T) -> String) -> String {
        let page = items.iter().skip(self.start).take(self.size);
        let body: String = page
            .map(|item| format!("<member>{}</member>", render(item)))
            .collect();
        let end = self.start.saturating_add(self.size);
        let more = end < items.len();
        let marker = if more {
            format!("<Marker>{end}</Marker>")
        } else {
            String::new()
        };
        format!("<{list}>{body}</{list}><IsTruncated>{more}</IsTruncated>{marker}")
    }
}
