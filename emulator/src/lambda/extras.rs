//! What Lambda's control plane answers beyond functions, invocations and mappings, as
//! infrastructure tools read it: ListFunctions' pages (`MaxItems`, `Marker`), tags (`/2017-03-31/tags/{ARN}`), versions and aliases (a
//! function has `$LATEST` only: PublishVersion and CreateAlias are not served), the code
//! signing configuration (none); reserved concurrency's routes (served by
//! [`super::concurrency`]).

use serde_json::{Value, json};

use super::{Lambda, concurrency, lock};
use crate::protocol::members::{Dialect, Members};
use crate::protocol::{AwsError, AwsRequest, rest};

type Answer = Result<axum::response::Response, AwsError>;

/// The API-version prefixes of the operations served here.
const PREFIXES: [&str; 5] = [
    "/2017-03-31/tags/",
    "/2020-06-30/functions/",
    "/2019-09-30/functions/",
    "/2017-10-31/functions/",
    "/2016-08-19/account-settings",
];

/// Whether `path` is one of this file's operations.
pub fn owns_path(path: &str) -> bool {
    PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// Routes a request under one of [`PREFIXES`]; None for what is not served here.
pub fn route(lambda: &Lambda, request: &AwsRequest) -> Option<Answer> {
    let segments = rest::segments(&request.path);
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    Some(match (method, parts.as_slice()) {
        ("GET", ["2017-03-31", "tags", arn]) => list_tags(lambda, arn),
        ("POST", ["2017-03-31", "tags", arn]) => tag(lambda, arn, request),
        ("DELETE", ["2017-03-31", "tags", arn]) => untag(lambda, arn, request),
        ("GET", ["2020-06-30", "functions", name, "code-signing-config"]) => {
            code_signing(lambda, name)
        }
        ("GET", ["2019-09-30", "functions", name, "concurrency"]) => concurrency::get(lambda, name),
        ("PUT", ["2017-10-31", "functions", name, "concurrency"]) => {
            concurrency::put(lambda, name, request)
        }
        ("DELETE", ["2017-10-31", "functions", name, "concurrency"]) => {
            concurrency::delete(lambda, name)
        }
        ("GET", ["2016-08-19", "account-settings"]) => concurrency::account_settings(lambda),
        _ => return None,
    })
}

/// `ListTags`.
fn list_tags(lambda: &Lambda, arn: &str) -> Answer {
    let function = lambda.function(arn)?;
    let tags = lock(&function.tags).clone();
    Ok(rest::json(200, &json!({ "Tags": tags })))
}

/// `TagResource`: the `Tags` map merged into the function's tags (at most 50 in all).
fn tag(lambda: &Lambda, arn: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(arn)?;
    let input = rest::parse_body(request)?;
    let members = Members::with(&input, Dialect::Lambda);
    let tags = members.require("Tags", members.string_map("Tags")?)?;
    let mut stored = lock(&function.tags);
    let mut merged = stored.clone();
    for (key, value) in tags {
        merged.insert(key.to_owned(), value.to_owned());
    }
    if merged.len() > 50 {
        return Err(AwsError::new(
            400,
            "InvalidParameterValueException",
            "Number of tags exceeds resource tag limit.",
        ));
    }
    *stored = merged;
    Ok(rest::empty(204))
}

/// `UntagResource`: the `tagKeys` query parameters removed.
fn untag(lambda: &Lambda, arn: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(arn)?;
    let keys: Vec<String> = request
        .query_params()
        .into_iter()
        .filter(|(name, _)| name == "tagKeys")
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Err(AwsError::validation(crate::protocol::null_member_message(
            "tagKeys",
        )));
    }
    let mut tags = lock(&function.tags);
    for key in keys {
        tags.shift_remove(&key);
    }
    Ok(rest::empty(204))
}

/// `GetFunctionCodeSigningConfig`: no configuration (an empty ARN, as AWS answers).
fn code_signing(lambda: &Lambda, name: &str) -> Answer {
    let function = lambda.function(name)?;
    let name = lock(&function.config).name.clone();
    Ok(rest::json(
        200,
        &json!({ "CodeSigningConfigArn": "", "FunctionName": name }),
    ))
}

/// `ListFunctions`: pages of at most `MaxItems` (default 50) functions, `NextMarker` naming
/// where the next page starts; `FunctionVersion=ALL` lists the same ($LATEST is the only
/// version); `MasterRegion` (Lambda@Edge replicas) is refused.
pub fn list_functions(lambda: &Lambda, request: &AwsRequest) -> Answer {
    if request.query_param("MasterRegion").is_some() {
        return Err(super::members::invalid(
            "MasterRegion: Lambda@Edge replicas are not supported by this emulator",
        ));
    }
    if let Some(version) = request.query_param("FunctionVersion")
        && version != "ALL"
    {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{version}' at 'functionVersion' failed to \
             satisfy constraint: Member must satisfy enum value set: [ALL]"
        )));
    }
    let limit = page_limit(request)?.unwrap_or(50);
    let functions = lock(&lambda.functions);
    let start = marker(request, functions.len())?;
    let page: Vec<Value> = functions
        .values()
        .skip(start)
        .take(limit)
        .map(|f| lock(&f.config).to_json())
        .collect();
    let next = start.saturating_add(page.len());
    let mut answer = json!({ "Functions": page });
    if let (true, Some(object)) = (next < functions.len(), answer.as_object_mut()) {
        object.insert("NextMarker".into(), json!(next.to_string()));
    }
    Ok(rest::json(200, &answer))
}

/// `ListVersionsByFunction`: `$LATEST` alone (no version is ever published).
pub fn list_versions(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(name)?;
    page_limit(request)?;
    marker(request, 0)?;
    let latest = lock(&function.config).to_json();
    Ok(rest::json(200, &json!({ "Versions": [latest] })))
}

/// `ListAliases`: none (aliases cannot be created), for any `FunctionVersion`.
pub fn list_aliases(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    lambda.function(name)?;
    page_limit(request)?;
    marker(request, 0)?;
    if let Some(version) = request.query_param("FunctionVersion") {
        let digits = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit());
        let valid = matches!(version.as_str(), "$LATEST" | "$LATEST.PUBLISHED") || digits;
        if !valid || version.len() > 1024 {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{version}' at 'functionVersion' failed to \
                 satisfy constraint: Member must satisfy regular expression pattern: \
                 (\\$LATEST(\\.PUBLISHED)?|[0-9]+)"
            )));
        }
    }
    Ok(rest::json(
        200,
        &json!({ "Aliases": Value::Array(Vec::new()) }),
    ))
}

/// The `MaxItems` query parameter of the list operations: 1 to 10,000.
fn page_limit(request: &AwsRequest) -> Result<Option<usize>, AwsError> {
    let Some(text) = request.query_param("MaxItems") else {
        return Ok(None);
    };
    match text.parse::<usize>() {
        Ok(limit @ 1..=10_000) => Ok(Some(limit)),
        _ => Err(AwsError::validation(format!(
            "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy \
             constraint: Member must have value between 1 and 10000"
        ))),
    }
}

/// The `Marker` query parameter: a `NextMarker` this emulator answered, the index of the next
/// item (1 to `len`; with `len` 0 no marker is valid: the list is never paged); 0 without one.
fn marker(request: &AwsRequest, len: usize) -> Result<usize, AwsError> {
    let Some(text) = request.query_param("Marker") else {
        return Ok(0);
    };
    text.parse::<usize>()
        .ok()
        .filter(|start| (1..=len).contains(start))
        .ok_or_else(|| {
            super::members::invalid(format!(
                "Marker: '{text}' is not a marker this emulator answered"
            ))
        })
}
