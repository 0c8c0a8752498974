//! The REST API control plane: RestApis, Resources, Methods, Integrations, Deployments and
//! Stages, with API Gateway's camelCase shapes and `NotFoundException` wording.

use http::Method as HttpMethod;
use indexmap::IndexMap;
use serde_json::{Value, json};

use super::{ApiGateway, Deployment, Method, Resource, RestApi, Stage, new_id, not_found};
use crate::ids::Ids;
use crate::protocol::members::{Dialect, Members};
use crate::protocol::{AwsError, AwsRequest, rest};

type Answer = Result<(u16, Value), AwsError>;

pub fn route(gateway: &ApiGateway, request: &AwsRequest) -> Answer {
    let segments = rest::segments(&request.path);
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let input = || rest::parse_body(request);
    let mut apis = gateway.apis();
    let account = gateway.ctx.account_id.clone();
    let now = gateway.ctx.clock.now_epoch_seconds();
    match (&request.method, parts.as_slice()) {
        (&HttpMethod::POST, ["restapis"]) => {
            create_rest_api(&mut apis, &input()?, now, &gateway.ctx.ids)
        }
        (&HttpMethod::GET, ["restapis"]) => {
            let items: Vec<Value> = apis.values().map(api_json).collect();
            Ok((200, json!({ "item": items })))
        }
        (&HttpMethod::GET, ["restapis", id]) => Ok((200, api_json(api(&apis, &account, id)?))),
        (&HttpMethod::DELETE, ["restapis", id]) => {
            apis.shift_remove(*id)
                .ok_or_else(|| not_found("API", &format!("{account}:{id}")))?;
            Ok((202, json!({})))
        }
        (&HttpMethod::GET, ["restapis", id, "resources"]) => {
            let items: Vec<Value> = api(&apis, &account, id)?
                .resources
                .values()
                .map(resource_json)
                .collect();
            Ok((200, json!({ "item": items })))
        }
        (&HttpMethod::GET, ["restapis", id, "resources", rid]) => {
            let api = api(&apis, &account, id)?;
            Ok((200, resource_json(resource(api, rid)?)))
        }
        (&HttpMethod::POST, ["restapis", id, "resources", parent]) => create_resource(
            api_mut(&mut apis, &account, id)?,
            parent,
            &input()?,
            &gateway.ctx.ids,
        ),
        (&HttpMethod::PUT, ["restapis", id, "resources", rid, "methods", m]) => {
            put_method(api_mut(&mut apis, &account, id)?, rid, m, &input()?)
        }
        (&HttpMethod::GET, ["restapis", id, "resources", rid, "methods", m]) => {
            let api = api(&apis, &account, id)?;
            let method = resource(api, rid)?.methods.get(*m).ok_or_else(|| {
                AwsError::new(
                    404,
                    "NotFoundException",
                    "Invalid Method identifier specified",
                )
            })?;
            Ok((200, method_json(method)))
        }
        (
            &HttpMethod::PUT,
            [
                "restapis",
                id,
                "resources",
                rid,
                "methods",
                m,
                "integration",
            ],
        ) => put_integration(api_mut(&mut apis, &account, id)?, rid, m, &input()?),
        (
            &HttpMethod::GET,
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
            let api = api(&apis, &account, id)?;
            resource(api, rid)?
                .methods
                .get(*m)
                .and_then(|m| m.integration.clone())
                .map(|i| (200, i))
                .ok_or_else(|| {
                    AwsError::new(
                        404,
                        "NotFoundException",
                        "Invalid Integration identifier specified",
                    )
                })
        }
        (&HttpMethod::POST, ["restapis", id, "deployments"]) => create_deployment(
            api_mut(&mut apis, &account, id)?,
            &input()?,
            now,
            &gateway.ctx.ids,
        ),
        (&HttpMethod::GET, ["restapis", id, "stages"]) => {
            let items: Vec<Value> = api(&apis, &account, id)?
                .stages
                .values()
                .map(stage_json)
                .collect();
            Ok((200, json!({ "item": items })))
        }
        (&HttpMethod::GET, ["restapis", id, "stages", name]) => {
            let stage = api(&apis, &account, id)?.stages.get(*name).ok_or_else(|| {
                AwsError::new(
                    404,
                    "NotFoundException",
                    "Invalid Stage identifier specified",
                )
            })?;
            Ok((200, stage_json(stage)))
        }
        _ => Err(AwsError::new(
            404,
            "NotFoundException",
            format!("Unknown operation {} {}", request.method, request.path),
        )),
    }
}

pub(super) fn api<'a>(
    apis: &'a IndexMap<String, RestApi>,
    account: &str,
    id: &str,
) -> Result<&'a RestApi, AwsError> {
    apis.get(id)
        .ok_or_else(|| not_found("API", &format!("{account}:{id}")))
}

pub(super) fn api_mut<'a>(
    apis: &'a mut IndexMap<String, RestApi>,
    account: &str,
    id: &str,
) -> Result<&'a mut RestApi, AwsError> {
    apis.get_mut(id)
        .ok_or_else(|| not_found("API", &format!("{account}:{id}")))
}

fn resource<'a>(api: &'a RestApi, id: &str) -> Result<&'a Resource, AwsError> {
    api.resources.get(id).ok_or_else(|| {
        AwsError::new(
            404,
            "NotFoundException",
            "Invalid Resource identifier specified",
        )
    })
}

pub(super) fn resource_mut<'a>(
    api: &'a mut RestApi,
    id: &str,
) -> Result<&'a mut Resource, AwsError> {
    api.resources.get_mut(id).ok_or_else(|| {
        AwsError::new(
            404,
            "NotFoundException",
            "Invalid Resource identifier specified",
        )
    })
}

fn create_rest_api(
    apis: &mut IndexMap<String, RestApi>,
    input: &Value,
    now: f64,
    ids: &Ids,
) -> Answer {
    let members = Members::with(input, Dialect::ApiGateway);
    let description = members.str("description")?;
    let tags: IndexMap<String, String> = members
        .string_map("tags")?
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    let name = members.str("name")?.ok_or_else(|| {
        AwsError::new(
            400,
            "BadRequestException",
            "Invalid REST API name specified",
        )
    })?;
    let root_id = new_id(ids);
    let mut resources = IndexMap::new();
    resources.insert(
        root_id.clone(),
        Resource {
            id: root_id.clone(),
            parent_id: None,
            path_part: String::new(),
            path: "/".to_owned(),
            methods: IndexMap::new(),
        },
    );
    let api = RestApi {
        id: new_id(ids),
        name: name.to_owned(),
        description: description.map(str::to_owned),
        created_date: now.floor(),
        root_resource_id: root_id,
        resources,
        deployments: IndexMap::new(),
        stages: IndexMap::new(),
        tags,
    };
    let answer = api_json(&api);
    apis.insert(api.id.clone(), api);
    Ok((201, answer))
}

fn api_json(api: &RestApi) -> Value {
    let mut out = json!({
        "id": api.id,
        "name": api.name,
        "createdDate": api.created_date,
        "apiKeySource": "HEADER",
        "endpointConfiguration": {"types": ["EDGE"]},
        "disableExecuteApiEndpoint": false,
        "rootResourceId": api.root_resource_id,
    });
    if let Some(object) = out.as_object_mut() {
        if let Some(description) = &api.description {
            object.insert("description".into(), json!(description));
        }
        if !api.tags.is_empty() {
            object.insert("tags".into(), json!(api.tags));
        }
    }
    out
}

fn resource_json(resource: &Resource) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(resource.id));
    out.insert("path".into(), json!(resource.path));
    if let Some(parent) = &resource.parent_id {
        out.insert("parentId".into(), json!(parent));
        out.insert("pathPart".into(), json!(resource.path_part));
    }
    if !resource.methods.is_empty() {
        let methods: serde_json::Map<String, Value> = resource
            .methods
            .iter()
            .map(|(k, m)| (k.clone(), method_json(m)))
            .collect();
        out.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(out)
}

fn method_json(method: &Method) -> Value {
    let mut out = json!({
        "httpMethod": method.http_method,
        "authorizationType": method.authorization_type,
        "apiKeyRequired": false,
    });
    if let (Some(integration), Some(object)) = (&method.integration, out.as_object_mut()) {
        object.insert("methodIntegration".into(), integration.clone());
    }
    out
}

pub(super) fn stage_json(stage: &Stage) -> Value {
    let mut out = json!({
        "stageName": stage.name,
        "deploymentId": stage.deployment_id,
        "createdDate": stage.created_date,
        "lastUpdatedDate": stage.updated_date,
        "variables": stage.variables,
        "cacheClusterEnabled": false,
        "cacheClusterStatus": "NOT_AVAILABLE",
        "tracingEnabled": false,
    });
    if let Some(object) = out.as_object_mut() {
        if let Some(description) = &stage.description {
            object.insert("description".into(), json!(description));
        }
        if !stage.tags.is_empty() {
            object.insert("tags".into(), json!(stage.tags));
        }
    }
    out
}

fn create_resource(api: &mut RestApi, parent_id: &str, input: &Value, ids: &Ids) -> Answer {
    let path_part = Members::with(input, Dialect::ApiGateway).str("pathPart")?;
    let parent_path = resource(api, parent_id)?.path.clone();
    let path_part = path_part.ok_or_else(|| {
        AwsError::new(
            400,
            "BadRequestException",
            "Resource's path part must be specified",
        )
    })?;
    let path = if parent_path == "/" {
        format!("/{path_part}")
    } else {
        format!("{parent_path}/{path_part}")
    };
    if api.resources.values().any(|r| r.path == path) {
        return Err(AwsError::new(
            409,
            "ConflictException",
            format!("Another resource with the same parent already has this name: {path_part}"),
        ));
    }
    let created = Resource {
        id: new_id(ids),
        parent_id: Some(parent_id.to_owned()),
        path_part: path_part.to_owned(),
        path,
        methods: IndexMap::new(),
    };
    let answer = resource_json(&created);
    api.resources.insert(created.id.clone(), created);
    Ok((201, answer))
}

fn put_method(api: &mut RestApi, rid: &str, http_method: &str, input: &Value) -> Answer {
    let authorization_type = Members::with(input, Dialect::ApiGateway)
        .str("authorizationType")?
        .unwrap_or("NONE")
        .to_owned();
    let method = Method {
        http_method: http_method.to_owned(),
        authorization_type,
        integration: None,
    };
    let answer = method_json(&method);
    resource_mut(api, rid)?
        .methods
        .insert(http_method.to_owned(), method);
    Ok((201, answer))
}

fn put_integration(api: &mut RestApi, rid: &str, http_method: &str, input: &Value) -> Answer {
    let members = Members::with(input, Dialect::ApiGateway);
    let kind = members.str("type")?.unwrap_or_default();
    let mut integration = json!({
        "type": kind,
        "httpMethod": members.str("integrationHttpMethod")?.unwrap_or("POST"),
        "uri": members.str("uri")?.unwrap_or_default(),
        "passthroughBehavior": members.str("passthroughBehavior")?.unwrap_or("WHEN_NO_MATCH"),
        "timeoutInMillis": members.int("timeoutInMillis")?.unwrap_or(29000),
        "cacheNamespace": rid,
        "cacheKeyParameters": [],
    });
    if let (Some(credentials), Some(object)) =
        (members.str("credentials")?, integration.as_object_mut())
    {
        object.insert("credentials".into(), json!(credentials));
    }
    let connection = members.enumeration("connectionType", &["INTERNET", "VPC_LINK"])?;
    if connection == Some("VPC_LINK") {
        return Err(AwsError::new(
            400,
            "BadRequestException",
            "VPC_LINK connections are not supported by this emulator",
        ));
    }
    if let (Some(connection), Some(object)) = (connection, integration.as_object_mut()) {
        object.insert("connectionType".into(), json!(connection));
    }
    let method = resource_mut(api, rid)?
        .methods
        .get_mut(http_method)
        .ok_or_else(|| {
            AwsError::new(
                404,
                "NotFoundException",
                "Invalid Method identifier specified",
            )
        })?;
    if kind.is_empty() {
        return Err(AwsError::new(
            400,
            "BadRequestException",
            "Enumeration value for IntegrationType must be non-empty",
        ));
    }
    method.integration = Some(integration.clone());
    Ok((201, integration))
}

fn create_deployment(api: &mut RestApi, input: &Value, now: f64, ids: &Ids) -> Answer {
    let members = Members::with(input, Dialect::ApiGateway);
    let stage_name = members.str("stageName")?.filter(|name| !name.is_empty());
    let stage_description = members.str("stageDescription")?.filter(|d| !d.is_empty());
    let variables: IndexMap<String, String> = members
        .string_map("variables")?
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let deployment = Deployment {
        id: new_id(ids),
        created_date: now.floor(),
        description: members.str("description")?.unwrap_or_default().to_owned(),
        resources: api.resources.clone(),
    };
    let answer = json!({
        "id": deployment.id,
        "description": deployment.description,
        "createdDate": deployment.created_date,
    });
    if let Some(stage_name) = stage_name {
        api.stages.insert(
            stage_name.to_owned(),
            Stage {
                name: stage_name.to_owned(),
                deployment_id: deployment.id.clone(),
                created_date: now.floor(),
                updated_date: now.floor(),
                description: stage_description.map(str::to_owned),
                variables,
                tags: IndexMap::new(),
            },
        );
    }
    api.deployments.insert(deployment.id.clone(), deployment);
    Ok((201, answer))
}
