//! Lambda's REST-JSON control plane: routes `/2015-03-31/…` to the operations and renders
//! their answers and errors.

use std::sync::{Arc, Mutex};

use indexmap::IndexMap;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};

use super::config::{self, FunctionConfig};
use super::members as member_policy;
use super::{Function, Lambda, code, esm, lock};
use crate::bus::{FunctionInvoker, InvocationType};
use crate::protocol::members::{Dialect, Members};
use crate::protocol::{AwsError, AwsRequest, request_id, rest};

type Answer = Result<Response, AwsError>;

pub async fn handle(lambda: &Lambda, request: &AwsRequest) -> Response {
    if let Some(answer) = super::extras::route(lambda, request) {
        return answer.unwrap_or_else(|err| rest::error(&err));
    }
    route(lambda, request)
        .await
        .unwrap_or_else(|err| rest::error(&err))
}

async fn route(lambda: &Lambda, request: &AwsRequest) -> Answer {
    let segments = rest::segments(&request.path);
    let parts: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    let method = &request.method;
    match (method, parts.as_slice()) {
        (&Method::POST, ["functions"]) => create_function(lambda, request).await,
        (&Method::GET, ["functions"]) => super::extras::list_functions(lambda, request),
        (&Method::GET, ["functions", name]) => get_function(lambda, name, request),
        (&Method::DELETE, ["functions", name]) => {
            delete_function(lambda, &qualified(name, request))
        }
        (&Method::GET, ["functions", name, "configuration"]) => {
            let function = lambda.function(&qualified(name, request))?;
            Ok(rest::json(200, &lock(&function.config).to_json()))
        }
        (&Method::PUT, ["functions", name, "configuration"]) => {
            update_configuration(lambda, name, request)
        }
        (&Method::PUT, ["functions", name, "code"]) => update_code(lambda, name, request).await,
        (&Method::POST, ["functions", name, "policy"]) => add_permission(lambda, name, request),
        (&Method::GET, ["functions", name, "policy"]) => {
            get_policy(lambda, &qualified(name, request))
        }
        (&Method::DELETE, ["functions", name, "policy", sid]) => {
            remove_permission(lambda, name, sid, request)
        }
        (&Method::GET, ["functions", name, "versions"]) => {
            super::extras::list_versions(lambda, name, request)
        }
        (&Method::GET, ["functions", name, "aliases"]) => {
            super::extras::list_aliases(lambda, name, request)
        }
        (&Method::POST, ["functions", name, "invocations"]) => invoke(lambda, name, request).await,
        (&Method::POST, ["event-source-mappings"]) => create_mapping(lambda, request).await,
        (&Method::GET, ["event-source-mappings"]) => list_mappings(lambda, request),
        (&Method::GET, ["event-source-mappings", uuid]) => {
            let mappings = lock(&lambda.mappings);
            let mapping = mappings.get(*uuid).ok_or_else(esm::not_found)?;
            Ok(rest::json(200, &mapping.to_json(mapping.state())))
        }
        (&Method::DELETE, ["event-source-mappings", uuid]) => {
            let mapping = lock(&lambda.mappings)
                .shift_remove(*uuid)
                .ok_or_else(esm::not_found)?;
            mapping.stop();
            Ok(rest::json(202, &mapping.to_json("Deleting")))
        }
        _ => Err(AwsError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation {method} {}", request.path),
        )),
    }
}

/// `name` with the `Qualifier` query parameter appended, when there is one.
fn qualified(name: &str, request: &AwsRequest) -> String {
    match request.query_param("Qualifier") {
        Some(q) => format!("{name}:{q}"),
        None => name.to_owned(),
    }
}

async fn create_function(lambda: &Lambda, request: &AwsRequest) -> Answer {
    let input = rest::parse_body(request)?;
    let mut config = FunctionConfig::from_create(&lambda.ctx, &input)?;
    if lock(&lambda.functions).contains_key(&config.name) {
        return Err(conflict(&config.name));
    }
    let members = Members::with(&input, Dialect::Lambda);
    let tags: IndexMap<String, String> = members
        .string_map("Tags")?
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    if tags.len() > 50 {
        return Err(member_policy::invalid(
            "Number of tags exceeds resource tag limit.",
        ));
    }
    let code = members.require("Code", members.structure("Code")?)?;
    member_policy::refuse_code_sources(&code)?;
    let zip = code.str("ZipFile")?.ok_or_else(no_code_source)?;
    let code = unpack(zip.to_owned()).await?;
    config.code_size = code.size;
    config.code_sha256 = code.sha256.clone();
    let spec = lambda.launch_spec(&config, &code);
    let answer = config.to_json();
    let function = Arc::new(Function {
        pool: super::pool::Pool::new(
            lambda.ctx.clone(),
            lambda.access.clone(),
            lambda.reaper.clone(),
            spec,
        ),
        config: Mutex::new(config.clone()),
        code: Mutex::new(Some(code)),
        policy: Mutex::default(),
        tags: Mutex::new(tags),
        queued: Arc::default(),
    });
    let mut functions = lock(&lambda.functions);
    if lambda.is_closed() {
        return Err(AwsError::service_unavailable(
            "The emulator is shutting down",
        ));
    }
    if functions.contains_key(&config.name) {
        return Err(conflict(&config.name));
    }
    functions.insert(config.name.clone(), function);
    Ok(rest::json(201, &answer))
}

fn no_code_source() -> AwsError {
    AwsError::new(
        400,
        "InvalidParameterValueException",
        "Please provide a source for function code.",
    )
}

/// Decodes and unpacks a zip off the async workers (it may take seconds for a large one).
async fn unpack(zip_base64: String) -> Result<code::Code, AwsError> {
    tokio::task::spawn_blocking(move || code::from_base64(&zip_base64))
        .await
        .map_err(|e| AwsError::internal(format!("Unpacking the code failed: {e}")))?
}

/// The directory-less error for a function whose code is gone (the emulator is stopping).
fn code_gone() -> AwsError {
    AwsError::service_unavailable("The emulator is shutting down")
}

fn conflict(name: &str) -> AwsError {
    AwsError::new(
        409,
        "ResourceConflictException",
        format!("Function already exist: {name}"),
    )
}

fn get_function(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(&qualified(name, request))?;
    let (configuration, name) = {
        let config = lock(&function.config);
        (config.to_json(), config.name.clone())
    };
    let location = format!("{}/_orderlab/lambda-code/{name}", lambda.ctx.endpoint);
    let mut answer = json!({
        "Configuration": configuration,
        "Code": {"RepositoryType": "S3", "Location": location},
    });
    let tags = lock(&function.tags).clone();
    if let (false, Some(object)) = (tags.is_empty(), answer.as_object_mut()) {
        object.insert("Tags".into(), json!(tags));
    }
    let concurrency = super::concurrency::describe(function.pool.reserved());
    if let (Some(concurrency), Some(object)) = (concurrency, answer.as_object_mut()) {
        object.insert("Concurrency".into(), concurrency);
    }
    Ok(rest::json(200, &answer))
}

fn delete_function(lambda: &Lambda, name: &str) -> Answer {
    let (name, qualifier) = config::resolve_name(name);
    if qualifier.as_deref().is_some_and(|q| q != "$LATEST") {
        return Err(super::function_not_found(
            &lambda.ctx,
            &name,
            qualifier.as_deref(),
        ));
    }
    let function = lock(&lambda.functions)
        .shift_remove(&name)
        .ok_or_else(|| super::function_not_found(&lambda.ctx, &name, None))?;
    function.pool.delete();
    Ok(rest::empty(204))
}

/// UpdateFunctionConfiguration. The configuration stays locked from the `RevisionId` check to
/// the new configuration's store, so a precondition holds for the update it guards.
fn update_configuration(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(name)?;
    let input = rest::parse_body(request)?;
    let revision = Members::with(&input, Dialect::Lambda).str("RevisionId")?;
    let mut current = lock(&function.config);
    let mut config = current.clone();
    config.apply_update(&input)?;
    member_policy::check_revision(revision, &current.revision_id)?;
    config.touch(&lambda.ctx);
    let spec = match &*lock(&function.code) {
        Some(code) => lambda.launch_spec(&config, code),
        None => return Err(code_gone()),
    };
    function.pool.update(spec);
    let answer = config.to_json();
    *current = config;
    Ok(rest::json(200, &answer))
}

/// UpdateFunctionCode: `ZipFile`, `Architectures`, `RevisionId` (checked before the zip is
/// unpacked and again, under the lock, before the new code is stored) and `DryRun` (the
/// request validated and the zip unpacked; the answer is the configuration the update would
/// give, and nothing changes). Other code sources and publishing are refused.
async fn update_code(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(name)?;
    let input = rest::parse_body(request)?;
    let members = Members::with(&input, Dialect::Lambda);
    let architectures = config::architectures(&members)?;
    let dry_run = members.bool("DryRun")?.unwrap_or(false);
    let revision = members.str("RevisionId")?;
    member_policy::refuse_code_sources(&members)?;
    member_policy::refuse_publishing(&members)?;
    let zip = members.str("ZipFile")?.ok_or_else(no_code_source)?;
    member_policy::check_revision(revision, &lock(&function.config).revision_id)?;
    let code = unpack(zip.to_owned()).await?;
    let mut current = lock(&function.config);
    member_policy::check_revision(revision, &current.revision_id)?;
    let mut config = current.clone();
    config.code_size = code.size;
    config.code_sha256 = code.sha256.clone();
    if let Some(architectures) = architectures {
        config.architectures = architectures;
    }
    if dry_run {
        return Ok(rest::json(200, &config.to_json()));
    }
    config.touch(&lambda.ctx);
    let mut slot = lock(&function.code);
    if slot.is_none() {
        return Err(code_gone());
    }
    function.pool.update(lambda.launch_spec(&config, &code));
    *slot = Some(code);
    drop(slot);
    let answer = config.to_json();
    *current = config;
    Ok(rest::json(200, &answer))
}

fn add_permission(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(&qualified(name, request))?;
    let input = rest::parse_body(request)?;
    let members = Members::with(&input, Dialect::Lambda);
    let sid = members.required_str("StatementId")?;
    let action = members.required_str("Action")?;
    let principal = members.required_str("Principal")?;
    let condition = member_policy::permission_conditions(&members)?;
    let revision = members.str("RevisionId")?;
    let mut policy = lock(&function.policy);
    member_policy::check_revision(revision, &lock(&function.config).revision_id)?;
    if policy.iter().any(|s| s["Sid"] == sid) {
        return Err(AwsError::new(
            409,
            "ResourceConflictException",
            "The statement id (sid) provided already exists. Please provide a new statement id, \
             or remove the existing statement.",
        ));
    }
    let principal = if principal.contains('.') {
        json!({ "Service": principal })
    } else if principal == "*" {
        json!("*")
    } else {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": lock(&function.config).arn,
    });
    if let (false, Some(object)) = (condition.is_empty(), statement.as_object_mut()) {
        object.insert("Condition".into(), Value::Object(condition));
    }
    policy.push(statement.clone());
    Ok(rest::json(
        201,
        &json!({ "Statement": statement.to_string() }),
    ))
}

fn no_policy() -> AwsError {
    AwsError::new(
        404,
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    )
}

fn get_policy(lambda: &Lambda, name: &str) -> Answer {
    let function = lambda.function(name)?;
    let policy = lock(&function.policy);
    if policy.is_empty() {
        return Err(no_policy());
    }
    let document = json!({ "Version": "2012-10-17", "Id": "default", "Statement": *policy });
    let revision = lock(&function.config).revision_id.clone();
    Ok(rest::json(
        200,
        &json!({ "Policy": document.to_string(), "RevisionId": revision }),
    ))
}

fn remove_permission(lambda: &Lambda, name: &str, sid: &str, request: &AwsRequest) -> Answer {
    let function = lambda.function(&qualified(name, request))?;
    let revision = request.query_param("RevisionId");
    let mut policy = lock(&function.policy);
    member_policy::check_revision(revision.as_deref(), &lock(&function.config).revision_id)?;
    let before = policy.len();
    policy.retain(|s| s["Sid"] != sid);
    if policy.len() == before {
        return Err(AwsError::new(
            404,
            "ResourceNotFoundException",
            format!("Statement {sid} is not found in resource policy."),
        ));
    }
    Ok(rest::empty(204))
}

async fn invoke(lambda: &Lambda, name: &str, request: &AwsRequest) -> Answer {
    let reference = qualified(name, request);
    member_policy::check_invoke_headers(|header| request.header(header).map(str::to_owned))?;
    let invocation_type = request
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse");
    let payload = request.body.clone();
    let size_kind = match invocation_type {
        "Event" => InvocationType::Event,
        _ => InvocationType::RequestResponse,
    };
    super::check_payload_size(payload.len(), size_kind)?;
    if !payload.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err() {
        return Err(AwsError::new(
            400,
            "InvalidRequestContentException",
            "Could not parse request body into json: Could not parse payload into json: \
             Unexpected character: was expecting a JSON value",
        ));
    }
    let payload = if payload.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        payload
    };
    let kind = match invocation_type {
        "RequestResponse" => InvocationType::RequestResponse,
        "Event" => InvocationType::Event,
        "DryRun" => {
            lambda.function(&reference)?;
            return Ok(invoke_answer(204, "$LATEST", None, Bytes::new()));
        }
        other => {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to \
                 satisfy constraint: Member must satisfy enum value set: [Event, \
                 RequestResponse, DryRun]"
            )));
        }
    };
    let invocation = lambda.invoke(&reference, payload, kind).await?;
    Ok(invoke_answer(
        invocation.status_code,
        &invocation.executed_version,
        invocation.function_error.as_deref(),
        invocation.payload,
    ))
}

fn invoke_answer(status: u16, version: &str, error: Option<&str>, payload: Bytes) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id())
        .header("x-amz-executed-version", version);
    if let Some(error) = error {
        builder = builder.header("x-amz-function-error", error);
    }
    builder.body(Body::from(payload)).unwrap_or_default()
}

async fn create_mapping(lambda: &Lambda, request: &AwsRequest) -> Answer {
    let input = rest::parse_body(request)?;
    let reference = Members::with(&input, Dialect::Lambda).required_str("FunctionName")?;
    let function_arn = lock(&lambda.function(reference)?.config).arn.clone();
    let mapping = esm::create(&lambda.ctx, function_arn, &input).await?;
    let answer = mapping.to_json("Creating");
    lock(&lambda.mappings).insert(mapping.uuid.clone(), mapping);
    Ok(rest::json(202, &answer))
}

fn list_mappings(lambda: &Lambda, request: &AwsRequest) -> Answer {
    let function_arn = match request.query_param("FunctionName") {
        Some(reference) => Some(lock(&lambda.function(&reference)?.config).arn.clone()),
        None => None,
    };
    let source = request.query_param("EventSourceArn");
    let mappings: Vec<Value> = lock(&lambda.mappings)
        .values()
        .filter(|m| {
            function_arn
                .as_ref()
                .is_none_or(|arn| *arn == m.function_arn)
        })
        .filter(|m| source.as_ref().is_none_or(|arn| *arn == m.event_source_arn))
        .map(|m| m.to_json(m.state()))
        .collect();
    Ok(rest::json(200, &json!({ "EventSourceMappings": mappings })))
}
