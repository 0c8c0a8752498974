//! Invoking a deployed stage: `/restapis/{id}/{stage}/_user_request_/{path}` is matched to a
//! resource (literal segments before `{param}` before `{proxy+}`) and method (or `ANY`) of the
//! stage's deployment, turned into a Lambda proxy event (payload format 1.0), and the
//! function's `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` answer becomes
//! the HTTP response.

use axum::body::Body;
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::{ApiGateway, Resource};
use crate::bus::InvocationType;
use crate::protocol::{AwsRequest, request_id};

/// What invoking a stage resolved to.
struct Route {
    api_id: String,
    stage: String,
    resource: Resource,
    path_parameters: Map<String, Value>,
    function: String,
    stage_variables: IndexMap<String, String>,
}

pub async fn handle(gateway: &ApiGateway, request: &AwsRequest) -> Response {
    let Some((api_id, stage, path)) = split_path(&request.path) else {
        return message(403, "Missing Authentication Token");
    };
    let route = match resolve(gateway, &api_id, &stage, &path, request.method.as_str()) {
        Some(route) => route,
        None => return message(403, "Missing Authentication Token"),
    };
    let event = proxy_event(gateway, request, &route, &path);
    let invocation = gateway
        .ctx
        .bus
        .invoke(
            &route.function,
            Bytes::from(event.to_string()),
            InvocationType::RequestResponse,
        )
        .await;
    match invocation {
        Ok(result) if result.function_error.is_none() => proxy_response(&result.payload),
        Ok(result) => {
            tracing::warn!(function = %route.function, error = %String::from_utf8_lossy(&result.payload), "Lambda proxy integration failed");
            internal_error()
        }
        Err(error) => {
            tracing::warn!(function = %route.function, %error, "Lambda proxy integration failed");
            internal_error()
        }
    }
}

/// `/restapis/{id}/{stage}/_user_request_/{path}` → (id, stage, `/path`).
fn split_path(path: &str) -> Option<(String, String, String)> {
    let rest = path.strip_prefix("/restapis/")?;
    let (api_id, rest) = rest.split_once('/')?;
    let (stage, rest) = rest.split_once('/')?;
    let user_path = rest.strip_prefix("_user_request_")?;
    let user_path = if user_path.is_empty() { "/" } else { user_path };
    Some((api_id.to_owned(), stage.to_owned(), user_path.to_owned()))
}

fn resolve(
    gateway: &ApiGateway,
    api_id: &str,
    stage: &str,
    path: &str,
    method: &str,
) -> Option<Route> {
    let apis = gateway.apis();
    let api = apis.get(api_id)?;
    let stage_state = api.stages.get(stage)?;
    let deployment = api.deployments.get(&stage_state.deployment_id)?;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(u32, &Resource, Map<String, Value>)> = None;
    for resource in deployment.resources.values() {
        if let Some((score, params)) = match_resource(&resource.path, &segments)
            && best.as_ref().is_none_or(|(s, _, _)| score > *s)
        {
            best = Some((score, resource, params));
        }
    }
    let (_, resource, path_parameters) = best?;
    let method_entry = resource
        .methods
        .get(method)
        .or_else(|| resource.methods.get("ANY"))?;
    let uri = method_entry.integration.as_ref()?["uri"]
        .as_str()?
        .to_owned();
    Some(Route {
        api_id: api_id.to_owned(),
        stage: stage.to_owned(),
        resource: resource.clone(),
        path_parameters,
        function: function_from_uri(&uri)?,
        stage_variables: stage_state.variables.clone(),
    })
}

/// `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations` → ARN.
fn function_from_uri(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("/functions/")?;
    let function = rest.split_once("/invocations").map_or(rest, |(f, _)| f);
    Some(function.to_owned())
}

/// Whether a resource path matches the request's segments; a higher score is more specific.
fn match_resource(template: &str, segments: &[&str]) -> Option<(u32, Map<String, Value>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut params = Map::new();
    let mut score = 0;
    for (index, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest = segments.get(index..).filter(|rest| !rest.is_empty())?;
            params.insert(name.to_owned(), json!(rest.join("/")));
            return Some((score * 4 + 1, params));
        }
        let segment = segments.get(index)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_owned(), json!(segment));
            score = score * 4 + 2;
        } else if part == segment {
            score = score * 4 + 3;
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((score, params))
}

fn proxy_event(gateway: &ApiGateway, request: &AwsRequest, route: &Route, path: &str) -> Value {
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for (name, value) in &request.headers {
        let value = value.to_str().unwrap_or_default().to_owned();
        headers.insert(name.as_str().to_owned(), json!(value));
        push(&mut multi_headers, name.as_str(), value);
    }
    let mut query = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for (name, value) in request.query_params() {
        query.insert(name.clone(), json!(value));
        push(&mut multi_query, &name, value);
    }
    let (body, is_base64) = match std::str::from_utf8(&request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (json!(text), false),
        Err(_) => (
            json!(base64::engine::general_purpose::STANDARD.encode(&request.body)),
            true,
        ),
    };
    let clock = &gateway.ctx.clock;
    let request_time = time::OffsetDateTime::from(clock.now())
        .format(time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        ))
        .unwrap_or_default();
    let or_null = |map: Map<String, Value>| {
        if map.is_empty() {
            Value::Null
        } else {
            Value::Object(map)
        }
    };
    let stage_variables = if route.stage_variables.is_empty() {
        Value::Null
    } else {
        json!(route.stage_variables)
    };
    json!({
        "resource": route.resource.path,
        "path": path,
        "httpMethod": request.method.as_str(),
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": or_null(route.path_parameters.clone()),
        "stageVariables": stage_variables,
        "requestContext": {
            "resourceId": route.resource.id,
            "resourcePath": route.resource.path,
            "httpMethod": request.method.as_str(),
            "extendedRequestId": request_id(),
            "requestTime": request_time,
            "path": format!("/{}{}", route.stage, path),
            "accountId": gateway.ctx.account_id,
            "protocol": "HTTP/1.1",
            "stage": route.stage,
            "domainPrefix": route.api_id,
            "requestTimeEpoch": clock.now_epoch_millis(),
            "requestId": request_id(),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": request.header("user-agent")},
            "domainName": format!("{}.execute-api.{}.amazonaws.com", route.api_id, gateway.ctx.region),
            "apiId": route.api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

fn push(map: &mut Map<String, Value>, name: &str, value: String) {
    match map.get_mut(name).and_then(Value::as_array_mut) {
        Some(values) => values.push(json!(value)),
        None => {
            map.insert(name.to_owned(), json!([value]));
        }
    }
}

/// The HTTP answer for a proxy integration's result; malformed results are a 502.
fn proxy_response(payload: &[u8]) -> Response {
    let Ok(Value::Object(result)) = serde_json::from_slice::<Value>(payload) else {
        return internal_error();
    };
    let status = match result.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let Some(status) = status
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s))
    else {
        return internal_error();
    };
    let body = match result.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) if result.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            match base64::engine::general_purpose::STANDARD.decode(text) {
                Ok(bytes) => bytes,
                Err(_) => return internal_error(),
            }
        }
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(_) => return internal_error(),
    };
    let mut builder = Response::builder()
        .status(status)
        .header("x-amzn-requestid", request_id());
    let mut has_content_type = false;
    if let Some(Value::Object(headers)) = result.get("headers") {
        for (name, value) in headers {
            has_content_type |= name.eq_ignore_ascii_case("content-type");
            builder = builder.header(name.as_str(), plain(value));
        }
    }
    if let Some(Value::Object(headers)) = result.get("multiValueHeaders") {
        for (name, values) in headers {
            has_content_type |= name.eq_ignore_ascii_case("content-type");
            for value in values.as_array().into_iter().flatten() {
                builder = builder.header(name.as_str(), plain(value));
            }
        }
    }
    if !has_content_type {
        builder = builder.header("content-type", "application/json");
    }
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| internal_error())
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn internal_error() -> Response {
    message(502, "Internal server error")
}

fn message(status: u16, text: &str) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", request_id());
    if status == 403 {
        builder = builder.header("x-amzn-errortype", "MissingAuthenticationTokenException");
    }
    builder
        .body(Body::from(json!({ "message": text }).to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_beats_parameter_beats_greedy() {
        let segments = ["orders", "o1"];
        let literal = match_resource("/orders/o1", &segments).unwrap().0;
        let param = match_resource("/orders/{id}", &segments).unwrap().0;
        let greedy = match_resource("/{proxy+}", &segments).unwrap().0;
        assert!(literal > param && param > greedy);
        assert_eq!(
            match_resource("/orders/{id}", &segments).unwrap().1["id"],
            "o1"
        );
        assert!(match_resource("/orders", &segments).is_none());
    }

    #[test]
    fn the_function_arn_comes_from_the_integration_uri() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations";
        assert_eq!(
            function_from_uri(uri).as_deref(),
            Some("arn:aws:lambda:us-east-1:000000000000:function:f")
        );
    }
}
