//! The REST API from `app/api.json`: CreateRestApi, a resource per path part, a method with a
//! Lambda proxy integration per route, the invoke permission, and a deployment to the stage.
//! Yields the invoke URL in LocalStack's form, which the embedded emulator serves as well (AWS's
//! own on AWS).

use crate::stack::aws_error::AwsResultExt;
use anyhow::Context as _;
use aws_sdk_apigateway::types::IntegrationType;
use serde::Deserialize;

use super::Provisioner;
use super::functions::Function;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ApiSpec {
    pub name: String,
    pub stage_name: String,
    pub routes: Vec<RouteSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RouteSpec {
    pub path: String,
    pub method: String,
    pub function_name: String,
}

/// A deployed API.
#[derive(Debug, Clone)]
pub struct Api {
    pub id: String,
    pub stage: String,
}

impl Api {
    /// `{endpoint}/restapis/{id}/{stage}/_user_request_{path}`, or AWS's
    /// `https://{id}.execute-api.{region}.amazonaws.com/{stage}{path}` when there is no
    /// endpoint (the aws backend on AWS itself).
    pub fn invoke_url(&self, endpoint: &str, region: &str, path: &str) -> String {
        if endpoint.is_empty() {
            return format!(
                "https://{}.execute-api.{region}.amazonaws.com/{}{path}",
                self.id, self.stage
            );
        }
        format!(
            "{endpoint}/restapis/{}/{}/_user_request_{path}",
            self.id, self.stage
        )
    }
}

/// Creates and deploys the API.
pub async fn create_api(p: &Provisioner<'_>, functions: &[Function]) -> anyhow::Result<Api> {
    let spec: ApiSpec = p.read_app_json("api.json")?;
    let gateway = &p.clients.apigateway;
    let created = gateway
        .create_rest_api()
        .name(&spec.name)
        .send()
        .await
        .aws_context(|| format!("CreateRestApi {}", spec.name))?;
    let api_id = created
        .id()
        .context("CreateRestApi returned no id")?
        .to_owned();
    for route in &spec.routes {
        let function = functions
            .iter()
            .find(|f| f.name == route.function_name)
            .with_context(|| {
                format!(
                    "route {} names unknown function {}",
                    route.path, route.function_name
                )
            })?;
        let resource_id = create_path(p, &api_id, &route.path).await?;
        integrate(p, &api_id, &resource_id, route, function).await?;
    }
    gateway
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name(&spec.stage_name)
        .send()
        .await
        .aws_context(|| "CreateDeployment")?;
    Ok(Api {
        id: api_id,
        stage: spec.stage_name,
    })
}

/// Creates a resource for each part of `path` under the root; returns the last one's id.
async fn create_path(p: &Provisioner<'_>, api_id: &str, path: &str) -> anyhow::Result<String> {
    let gateway = &p.clients.apigateway;
    let resources = gateway
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .aws_context(|| "GetResources")?;
    let mut parent = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .context("GetResources: the API has no root resource")?
        .to_owned();
    for part in path.split('/').filter(|part| !part.is_empty()) {
        let created = gateway
            .create_resource()
            .rest_api_id(api_id)
            .parent_id(&parent)
            .path_part(part)
            .send()
            .await
            .aws_context(|| format!("CreateResource {part}"))?;
        parent = created
            .id()
            .context("CreateResource returned no id")?
            .to_owned();
    }
    Ok(parent)
}

async fn integrate(
    p: &Provisioner<'_>,
    api_id: &str,
    resource_id: &str,
    route: &RouteSpec,
    function: &Function,
) -> anyhow::Result<()> {
    let gateway = &p.clients.apigateway;
    let settings = p.settings;
    gateway
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(&route.method)
        .authorization_type("NONE")
        .send()
        .await
        .aws_context(|| format!("PutMethod {} {}", route.method, route.path))?;
    let uri = format!(
        "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{}/invocations",
        settings.region, function.arn
    );
    gateway
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(&route.method)
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(uri)
        .send()
        .await
        .aws_context(|| format!("PutIntegration {} {}", route.method, route.path))?;
    let source_arn = format!(
        "arn:aws:execute-api:{}:{}:{api_id}/*/{}{}",
        settings.region, settings.account_id, route.method, route.path
    );
    p.clients
        .lambda
        .add_permission()
        .function_name(&function.name)
        .statement_id(format!("apigateway-{api_id}"))
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(source_arn)
        .send()
        .await
        .aws_context(|| format!("AddPermission {}", function.name))?;
    Ok(())
}
