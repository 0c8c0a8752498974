//! The AWS-strict mode ([`crate::StrictAws`], `orderlab emulate --strict-aws`): a test aid
//! that makes the emulator demand what AWS demands of a deployment, so a harness that passes
//! here has created what AWS needs, in the order AWS needs it. The default mode is unchanged.
//!
//! Checked by [`gate`] before the owning service sees the request, answered in that request's
//! protocol shape:
//! - `CreateFunction`'s `Role` names an existing role whose trust policy lets
//!   `lambda.amazonaws.com` assume it; otherwise AWS's `InvalidParameterValueException`
//!   "The role defined for the function cannot be assumed by Lambda.".
//! - `CreateStateMachine`'s `roleArn` names an existing role trusting `states.amazonaws.com`
//!   (or the regional `states.REGION.amazonaws.com`); otherwise AWS's `AccessDeniedException`
//!   "Neither the global service principal states.amazonaws.com, nor the regional one is
//!   authorized to assume the provided role.".
//! - `PutTargets`: a Step Functions target has a `RoleArn` (AWS's `ValidationException`
//!   "RoleArn is required for target ARN.") naming an existing role.
//! - Names start with the configured prefix — `CreateTable`, `CreateFunction`,
//!   `CreateStateMachine`, `PutRule`, `CreateRestApi`, `CreateRole` — not an AWS rule: it
//!   proves a run put everything it created under its run prefix (the service's own
//!   validation error code, a message naming the prefix).
//!
//! The role lookups read IAM's store directly: this is the server's gate, like the routing,
//! not one service holding another.

use axum::http::Method;
use axum::response::Response;
use serde_json::Value;

use crate::Services;
use crate::protocol::json::{self, JsonVersion};
use crate::protocol::members::{Dialect, Members};
use crate::protocol::query::{self, QueryParams, QueryService};
use crate::protocol::{AwsError, AwsRequest, rest};

/// The strict mode's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictAws {
    /// Every resource name a request creates must start with this.
    pub prefix: String,
}

/// The refusal of a request the strict mode does not let through, in its protocol's shape;
/// None for everything else (the service then answers as always).
pub(crate) fn gate(services: &Services, request: &AwsRequest) -> Option<Response> {
    let ctx = services.lambda.context();
    let strict = ctx.strict_aws.as_ref()?;
    let checker = Checker {
        services,
        strict,
        region: &ctx.region,
    };
    if let Some((prefix, operation)) = request.target() {
        let (version, namespace) = match prefix {
            "DynamoDB_20120810" => (JsonVersion::V1_0, crate::dynamodb::ERROR_NAMESPACE),
            "AWSStepFunctions" => (JsonVersion::V1_0, crate::sfn::ERROR_NAMESPACE),
            "AWSEvents" => (JsonVersion::V1_1, ""),
            _ => return None,
        };
        let input = json::parse_body(request).ok()?;
        let err = checker.json_operation(operation, &Members::of(&input))?;
        return Some(json::error(version, namespace, &err));
    }
    if request.method == Method::POST && request.path == "/2015-03-31/functions" {
        let input = rest::parse_body(request).ok()?;
        let err = checker.create_function(&Members::with(&input, Dialect::Lambda))?;
        return Some(rest::error(&err));
    }
    if request.method == Method::POST && request.path == "/restapis" {
        let input = rest::parse_body(request).ok()?;
        let name = Members::of(&input).str("name").ok().flatten()?;
        let err = checker.name("REST API", name, "BadRequestException")?;
        return Some(rest::error(&err));
    }
    if request.is_form() && QueryService::of(request) == QueryService::Iam {
        let params = QueryParams::parse(request).to_json();
        let members = Members::with(&params, Dialect::Query);
        if members.str("Action").ok().flatten() != Some("CreateRole") {
            return None;
        }
        let name = members.str("RoleName").ok().flatten()?;
        let err = checker.name("role", name, "ValidationError")?;
        return Some(query::error(crate::iam::XML_NAMESPACE, &err));
    }
    None
}

struct Checker<'a> {
    services: &'a Services,
    strict: &'a StrictAws,
    region: &'a str,
}

impl Checker<'_> {
    fn json_operation(&self, operation: &str, input: &Members) -> Option<AwsError> {
        let text = |member: &str| input.str(member).ok().flatten();
        match operation {
            "CreateTable" => self.name("table", text("TableName")?, "ValidationException"),
            "PutRule" => self.name("rule", text("Name")?, "ValidationException"),
            "CreateStateMachine" => self
                .name("state machine", text("name")?, "ValidationException")
                .or_else(|| self.state_machine_role(text("roleArn")?)),
            "PutTargets" => self.targets(input),
            _ => None,
        }
    }

    /// `Some(refusal)` when `name` does not start with the prefix.
    fn name(&self, kind: &str, name: &str, code: &str) -> Option<AwsError> {
        let prefix = &self.strict.prefix;
        (!name.starts_with(prefix.as_str())).then(|| {
            AwsError::new(
                400,
                code,
                format!(
                    "strict-aws mode: the {kind} name {name:?} does not start with the \
                     prefix {prefix:?} (an orderlab test aid, not an AWS rule)"
                ),
            )
        })
    }

    fn create_function(&self, input: &Members) -> Option<AwsError> {
        let name = input.str("FunctionName").ok().flatten()?;
        let bare = name.rsplit(':').next().unwrap_or(name);
        if let Some(err) = self.name("function", bare, "InvalidParameterValueException") {
            return Some(err);
        }
        let role = input.str("Role").ok().flatten()?;
        (!self.trusted(role, &["lambda.amazonaws.com".to_owned()])).then(|| {
            AwsError::new(
                400,
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        })
    }

    fn state_machine_role(&self, role: &str) -> Option<AwsError> {
        let principals = [
            "states.amazonaws.com".to_owned(),
            format!("states.{}.amazonaws.com", self.region),
        ];
        (!self.trusted(role, &principals)).then(|| {
            AwsError::new(
                400,
                "AccessDeniedException",
                "Neither the global service principal states.amazonaws.com, nor the regional \
                 one is authorized to assume the provided role.",
            )
        })
    }

    /// A Step Functions target needs a `RoleArn`, and the role must exist.
    fn targets(&self, input: &Members) -> Option<AwsError> {
        let targets = input.structures("Targets").ok().flatten()?;
        targets.iter().find_map(|target| {
            let arn = target.str("Arn").ok().flatten()?;
            if !arn.starts_with("arn:aws:states:") {
                return None;
            }
            let Some(role) = target.str("RoleArn").ok().flatten() else {
                return Some(AwsError::new(
                    400,
                    "ValidationException",
                    format!("RoleArn is required for target {arn}."),
                ));
            };
            self.services.iam.trust_policy_of(role).is_none().then(|| {
                AwsError::new(
                    400,
                    "ValidationException",
                    format!(
                        "Provided role {role} cannot be assumed by principal \
                         'events.amazonaws.com'."
                    ),
                )
            })
        })
    }

    /// Whether the role `arn` exists and its trust policy lets one of `principals` assume it.
    fn trusted(&self, arn: &str, principals: &[String]) -> bool {
        self.services
            .iam
            .trust_policy_of(arn)
            .is_some_and(|policy| trusts(&policy, principals))
    }
}

/// Whether `policy` (a trust policy document) allows `sts:AssumeRole` to one of the service
/// `principals`.
fn trusts(policy: &str, principals: &[String]) -> bool {
    let Ok(document) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return false,
    };
    statements.iter().any(|statement| {
        let allows = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
        let assumes = strings(statement.get("Action"))
            .iter()
            .any(|action| matches!(action.as_str(), "sts:AssumeRole" | "sts:*" | "*"));
        let service = statement.get("Principal").and_then(|p| p.get("Service"));
        let named = strings(service).iter().any(|s| principals.contains(s));
        allows && assumes && named
    })
}

/// A policy element that is one string or a list of strings.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lambda() -> Vec<String> {
        vec!["lambda.amazonaws.com".to_owned()]
    }

    #[test]
    fn a_trust_policy_names_the_service_principal() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert!(trusts(policy, &lambda()));
        assert!(!trusts(policy, &["states.amazonaws.com".to_owned()]));
    }

    #[test]
    fn lists_and_single_statements_are_read() {
        let policy = r#"{"Statement":{"Effect":"Allow",
            "Principal":{"Service":["events.amazonaws.com","lambda.amazonaws.com"]},
            "Action":["sts:AssumeRole"]}}"#;
        assert!(trusts(policy, &lambda()));
    }

    #[test]
    fn deny_other_actions_and_bad_json_do_not_trust() {
        let deny = r#"{"Statement":[{"Effect":"Deny",
            "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!trusts(deny, &lambda()));
        let other = r#"{"Statement":[{"Effect":"Allow",
            "Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:GetObject"}]}"#;
        assert!(!trusts(other, &lambda()));
        assert!(!trusts("not json", &lambda()));
    }
}
