//! The rest of a REST API's life cycle, as infrastructure tools drive it: deployments read,
//! listed and deleted; stages created, updated (`PATCH` operations on the description,
//! deployment and variables) and deleted; methods, integrations and resources deleted; tags
//! (`/tags/{arn}`, and the `tags` of CreateRestApi and CreateStage) on APIs and stages.

use http::Method as HttpMethod;
use indexmap::IndexMap;
use serde_json::{Value, json};

use super::control::{api, api_mut, resource_mut, stage_json};
use super::{ApiGateway, Stage};
use crate::protocol::members::{Dialect, Members};
use crate::protocol::{AwsError, AwsRequest, rest};

type Answer = Result<(u16, Value), AwsError>;

/// Whether `path` is a tagging path (`/tags/{arn}`).
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/tags/")
}

/// The operations of this module; None for what `control` routes.
pub fn route(gateway: &ApiGateway, request: &AwsRequest) -> Option<Answer> {
    dispatch(gateway, request).transpose()
}

fn dispatch(gateway: &ApiGateway, request: &AwsRequest) -> Result<Option<(u16, Value)>, AwsError> {
    let segments = rest::segments(&request.path);
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = &request.method;
    let account = gateway.ctx.account_id.clone();
    let now = gateway.ctx.clock.now_epoch_seconds().floor();
    let mut apis = gateway.apis();
    let apis = &mut *apis;
    let input = || rest::parse_body(request);
    let answer = match (method, parts.as_slice()) {
        (&HttpMethod::GET, ["tags", arn]) => tags_of(apis, &gateway.ctx.region, arn)
            .map(|tags| (200, json!({ "tags": tags.clone() }))),
        (&HttpMethod::PUT, ["tags", arn]) => tag(apis, &gateway.ctx.region, arn, &input()),
        (&HttpMethod::DELETE, ["tags", arn]) => untag(apis, &gateway.ctx.region, arn, request),
        (&HttpMethod::GET, ["restapis", id, "deployments"]) => {
            let api = api(apis, &account, id)?;
            let items: Vec<Value> = api.deployments.values().map(deployment_json).collect();
            Ok((200, json!({ "item": items })))
        }
        (&HttpMethod::GET, ["restapis", id, "deployments", did]) => {
            let api = api(apis, &account, id)?;
            let deployment = api.deployments.get(*did).ok_or_else(no_deployment)?;
            Ok((200, deployment_json(deployment)))
        }
        (&HttpMethod::DELETE, ["restapis", id, "deployments", did]) => {
            delete_deployment(api_mut(apis, &account, id)?, did)
        }
        (&HttpMethod::POST, ["restapis", id, "stages"]) => {
            create_stage(api_mut(apis, &account, id)?, &input()?, now)
        }
        (&HttpMethod::PATCH, ["restapis", id, "stages", name]) => {
            update_stage(api_mut(apis, &account, id)?, name, &input()?, now)
        }
        (&HttpMethod::DELETE, ["restapis", id, "stages", name]) => {
            let api = api_mut(apis, &account, id)?;
            api.stages.shift_remove(*name).ok_or_else(no_stage)?;
            Ok((202, json!({})))
        }
        (&HttpMethod::DELETE, ["restapis", id, "resources", rid, "methods", m]) => {
            let resource = resource_mut(api_mut(apis, &account, id)?, rid)?;
            resource.methods.shift_remove(*m).ok_or_else(no_method)?;
            Ok((204, json!({})))
        }
        (
            &HttpMethod::DELETE,
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                m,
                "integration",
            ],
        ) => {
            let resource = resource_mut(api_mut(apis, &account, id)?, rid)?;
            let method = resource.methods.get_mut(*m).ok_or_else(no_method)?;
            method.integration.take().ok_or_else(|| {
                AwsError::new(
                    404,
                    "NotFoundException",
                    "No integration defined for method",
                )
            })?;
            Ok((204, json!({})))
        }
        (&HttpMethod::DELETE, ["restapis", id, "resources", rid]) => {
            delete_resource(api_mut(apis, &account, id)?, rid)
        }
        _ => return Ok(None),
    };
    answer.map(Some)
}

fn no_deployment() -> AwsError {
    AwsError::new(
        404,
        "NotFoundException",
        "Invalid Deployment identifier specified",
    )
}

fn no_stage() -> AwsError {
    AwsError::new(
        404,
        "NotFoundException",
        "Invalid Stage identifier specified",
    )
}

fn no_method() -> AwsError {
    AwsError::new(
        404,
        "NotFoundException",
        "Invalid Method identifier specified",
    )
}

fn deployment_json(deployment: &super::Deployment) -> Value {
    json!({
        "id": deployment.id,
        "description": deployment.description,
        "createdDate": deployment.created_date,
    })
}

/// DeleteDeployment: refused while a stage points at it, as AWS does.
fn delete_deployment(api: &mut super::RestApi, id: &str) -> Answer {
    if !api.deployments.contains_key(id) {
        return Err(no_deployment());
    }
    if api.stages.values().any(|stage| stage.deployment_id == id) {
        return Err(AwsError::new(
            400,
            "BadRequestException",
            "Active stages pointing to this deployment must be moved or deleted",
        ));
    }
    api.deployments.shift_remove(id);
    Ok((202, json!({})))
}

/// DeleteResource: the resource and every resource below it (the root cannot be deleted).
fn delete_resource(api: &mut super::RestApi, id: &str) -> Answer {
    let path = resource_mut(api, id)?.path.clone();
    if api.root_resource_id == id {
        return Err(AwsError::new(
            400,
            "BadRequestException",
            "Cannot delete root resource",
        ));
    }
    let below = format!("{path}/");
    api.resources
        .retain(|_, resource| resource.path != path && !resource.path.starts_with(&below));
    Ok((202, json!({})))
}

/// A `variables` or `tags` member: a map of strings.
fn string_map(members: &Members, member: &str) -> Result<IndexMap<String, String>, AwsError> {
    Ok(members
        .string_map(member)?
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect())
}

fn create_stage(api: &mut super::RestApi, input: &Value, now: f64) -> Answer {
    let members = Members::with(input, Dialect::ApiGateway);
    let name = members.require("stageName", members.str("stageName")?)?;
    let deployment_id = members.require("deploymentId", members.str("deploymentId")?)?;
    let description = members.str("description")?;
    let variables = string_map(&members, "variables")?;
    let tags = string_map(&members, "tags")?;
    refuse_unserved(&members, &["cacheClusterEnabled", "tracingEnabled"])?;
    for member in ["cacheClusterSize", "canarySettings", "documentationVersion"] {
        if members.has(member) {
            return Err(AwsError::new(
                400,
                "BadRequestException",
                format!("{member} is not supported by this emulator"),
            ));
        }
    }
    if !api.deployments.contains_key(deployment_id) {
        return Err(no_deployment());
    }
    if api.stages.contains_key(name) {
        return Err(AwsError::new(
            409,
            "ConflictException",
            "Stage already exists",
        ));
    }
    let stage = Stage {
        name: name.to_owned(),
        deployment_id: deployment_id.to_owned(),
        created_date: now,
        updated_date: now,
        description: description.map(str::to_owned),
        variables,
        tags,
    };
    let answer = stage_json(&stage);
    api.stages.insert(name.to_owned(), stage);
    Ok((201, answer))
}

/// Members the emulator has no behaviour for: accepted only when false.
fn refuse_unserved(members: &Members, names: &[&str]) -> Result<(), AwsError> {
    for name in names {
        if members.bool(name)? == Some(true) {
            return Err(AwsError::new(
                400,
                "BadRequestException",
                format!("{name} is not supported by this emulator"),
            ));
        }
    }
    Ok(())
}

/// UpdateStage: `replace` of `/description` and `/deploymentId`, `replace`/`add`/`remove` of
/// `/variables/{name}`; any other operation is refused.
fn update_stage(api: &mut super::RestApi, name: &str, input: &Value, now: f64) -> Answer {
    let members = Members::with(input, Dialect::ApiGateway);
    let operations = members.structures("patchOperations")?.unwrap_or_default();
    let mut stage = api.stages.get(name).cloned().ok_or_else(no_stage)?;
    for operation in &operations {
        let op = operation.str("op")?.unwrap_or_default();
        let path = operation.str("path")?.unwrap_or_default();
        let value = operation.str("value")?;
        match (op, path) {
            ("replace", "/description") => stage.description = value.map(str::to_owned),
            ("replace", "/deploymentId") => {
                let id = value.unwrap_or_default();
                if !api.deployments.contains_key(id) {
                    return Err(no_deployment());
                }
                id.clone_into(&mut stage.deployment_id);
            }
            ("replace" | "add", variable) if variable.starts_with("/variables/") => {
                let key = variable.trim_start_matches("/variables/").to_owned();
                stage
                    .variables
                    .insert(key, value.unwrap_or_default().to_owned());
            }
            ("remove", variable) if variable.starts_with("/variables/") => {
                stage
                    .variables
                    .shift_remove(variable.trim_start_matches("/variables/"));
            }
            _ => {
                return Err(AwsError::new(
                    400,
                    "BadRequestException",
                    format!("Invalid patch path '{path}' specified for op '{op}'"),
                ));
            }
        }
    }
    stage.updated_date = now;
    let answer = stage_json(&stage);
    api.stages.insert(name.to_owned(), stage);
    Ok((200, answer))
}

/// The tags of the API or stage an ARN names (`arn:aws:apigateway:REGION::/restapis/ID` or
/// `…/restapis/ID/stages/NAME`).
fn tags_mut<'a>(
    apis: &'a mut IndexMap<String, super::RestApi>,
    region: &str,
    arn: &str,
) -> Result<&'a mut IndexMap<String, String>, AwsError> {
    let invalid = || {
        AwsError::new(
            404,
            "NotFoundException",
            format!("Invalid resource ARN: {arn}"),
        )
    };
    let prefix = format!("arn:aws:apigateway:{region}::/restapis/");
    let rest = arn.strip_prefix(&prefix).ok_or_else(invalid)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [id] => Ok(&mut apis.get_mut(*id).ok_or_else(invalid)?.tags),
        [id, "stages", stage] => {
            let api = apis.get_mut(*id).ok_or_else(invalid)?;
            Ok(&mut api.stages.get_mut(*stage).ok_or_else(invalid)?.tags)
        }
        _ => Err(invalid()),
    }
}

fn tags_of<'a>(
    apis: &'a mut IndexMap<String, super::RestApi>,
    region: &str,
    arn: &str,
) -> Result<&'a IndexMap<String, String>, AwsError> {
    tags_mut(apis, region, arn).map(|tags| &*tags)
}

/// TagResource: `tags` merged in (at most 50 in all).
fn tag(
    apis: &mut IndexMap<String, super::RestApi>,
    region: &str,
    arn: &str,
    input: &Result<Value, AwsError>,
) -> Answer {
    let input = input.as_ref().map_err(Clone::clone)?;
    let members = Members::with(input, Dialect::ApiGateway);
    let new = members.require("tags", members.string_map("tags")?)?;
    let tags = tags_mut(apis, region, arn)?;
    let mut merged = tags.clone();
    for (key, value) in new {
        merged.insert(key.to_owned(), value.to_owned());
    }
    if merged.len() > 50 {
        return Err(AwsError::new(
            400,
            "BadRequestException",
            "Too many tags: a resource can have at most 50",
        ));
    }
    *tags = merged;
    Ok((204, json!({})))
}

/// UntagResource: the `tagKeys` query parameters removed.
fn untag(
    apis: &mut IndexMap<String, super::RestApi>,
    region: &str,
    arn: &str,
    request: &AwsRequest,
) -> Answer {
    let keys: Vec<String> = request
        .query_params()
        .into_iter()
        .filter(|(name, _)| name == "tagKeys")
        .map(|(_, key)| key)
        .collect();
    let tags = tags_mut(apis, region, arn)?;
    for key in keys {
        tags.shift_remove(&key);
    }
    Ok((204, json!({})))
}
