//! Customer managed policies (at most five versions each, one the default), their tags, and
//! attaching managed policies to roles. AWS managed policies (`arn:aws:iam::aws:policy/…`)
//! can be attached by ARN without being stored (see the module doc of `iam`).

use super::xml::{self, element, element_if};
use super::{Iam, Page, State, Tags, already_exists, delete_conflict, no_such_entity};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// AWS's limit of versions per managed policy.
const MAX_VERSIONS: usize = 5;

/// One version of a managed policy.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub document: String,
    pub created: String,
}

/// One customer managed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub description: Option<String>,
    pub created: String,
    pub updated: String,
    pub versions: Vec<Version>,
    pub default_version: String,
    /// The number the next version gets (`v{n}`).
    pub next_version: u32,
    pub tags: Tags,
}

impl Policy {
    /// The `Policy` shape with its attachment count; `full` adds the description and tags
    /// (as `GetPolicy` and `CreatePolicy` answer; `ListPolicies` leaves them out).
    fn xml(&self, attachments: usize, full: bool) -> String {
        let mut out = format!(
            "{}{}{}{}{}{}<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>\
             <IsAttachable>true</IsAttachable>{}{}",
            element("PolicyName", &self.name),
            element("PolicyId", &self.id),
            element("Arn", &self.arn),
            element("Path", &self.path),
            element("DefaultVersionId", &self.default_version),
            element("AttachmentCount", &attachments.to_string()),
            element("CreateDate", &self.created),
            element("UpdateDate", &self.updated),
        );
        if full {
            out.push_str(&element_if("Description", self.description.as_deref()));
            out.push_str(&xml::tags(&self.tags));
        }
        out
    }

    fn version(&self, id: &str) -> Option<&Version> {
        self.versions.iter().find(|version| version.id == id)
    }

    fn version_xml(&self, version: &Version, with_document: bool) -> String {
        let document = if with_document {
            xml::document("Document", &version.document)
        } else {
            String::new()
        };
        format!(
            "{document}{}<IsDefaultVersion>{}</IsDefaultVersion>{}",
            element("VersionId", &version.id),
            version.id == self.default_version,
            element("CreateDate", &version.created)
        )
    }
}

impl State {
    fn policy(&self, arn: &str) -> Result<&Policy, AwsError> {
        self.policies.get(arn).ok_or_else(|| no_such_policy(arn))
    }

    fn policy_mut(&mut self, arn: &str) -> Result<&mut Policy, AwsError> {
        self.policies
            .get_mut(arn)
            .ok_or_else(|| no_such_policy(arn))
    }

    /// How many roles have `arn` attached.
    fn attachments(&self, arn: &str) -> usize {
        self.roles
            .values()
            .filter(|role| role.attached.contains(arn))
            .count()
    }
}

fn no_such_policy(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

/// Whether `arn` names an AWS managed policy.
fn is_aws_managed(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

/// The `PolicyArn` member (20–2048 characters).
fn policy_arn<'a>(params: &Members<'a>) -> Result<&'a str, AwsError> {
    params.require("PolicyArn", params.str_len("PolicyArn", 20, 2048)?)
}

/// The `VersionId` member: `v` and digits.
fn version_id<'a>(params: &Members<'a>) -> Result<&'a str, AwsError> {
    let id = params.require("VersionId", params.str("VersionId")?)?;
    let digits = id.strip_prefix('v').unwrap_or_default();
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return Ok(id);
    }
    Err(params.constraint(
        "VersionId",
        id,
        r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
    ))
}

impl Iam {
    /// The managed-policy operations; None for another action.
    pub(super) fn policy_action(
        &self,
        action: &str,
        params: &Members,
    ) -> Option<Result<String, AwsError>> {
        Some(match action {
            "CreatePolicy" => self.create_policy(params),
            "GetPolicy" => self.get_policy(params),
            "ListPolicies" => self.list_policies(params),
            "DeletePolicy" => self.delete_policy(params),
            "CreatePolicyVersion" => self.create_version(params),
            "GetPolicyVersion" => self.get_version(params),
            "ListPolicyVersions" => self.list_versions(params),
            "DeletePolicyVersion" => self.delete_version(params),
            "SetDefaultPolicyVersion" => self.set_default_version(params),
            "TagPolicy" => self.tag_policy(params),
            "UntagPolicy" => self.untag_policy(params),
            "ListPolicyTags" => self.list_policy_tags(params),
            "AttachRolePolicy" => self.attach_role_policy(params),
            "DetachRolePolicy" => self.detach_role_policy(params),
            "ListAttachedRolePolicies" => self.list_attached(params),
            "ListEntitiesForPolicy" => self.list_entities(params),
            _ => return None,
        })
    }

    fn create_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = super::name(params, "PolicyName", 128)?;
        let path = super::path(params, "Path")?;
        let document = super::policy_document(params, "PolicyDocument")?;
        let description = params.str_len("Description", 0, 1000)?;
        let tags = super::tags(params)?;
        let arn = self.arn("policy", path, name);
        let mut state = self.state();
        if state.policies.contains_key(&arn) {
            return Err(already_exists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        let now = self.now();
        let policy = Policy {
            name: name.to_owned(),
            path: path.to_owned(),
            id: super::unique_id(&self.ctx.ids, "ANPA"),
            arn: arn.clone(),
            description: description.map(str::to_owned),
            created: now.clone(),
            updated: now.clone(),
            versions: vec![Version {
                id: "v1".to_owned(),
                document: document.to_owned(),
                created: now,
            }],
            default_version: "v1".to_owned(),
            next_version: 2,
            tags,
        };
        let answer = format!("<Policy>{}</Policy>", policy.xml(0, true));
        state.policies.insert(arn, policy);
        Ok(answer)
    }

    fn get_policy(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let state = self.state();
        let policy = state.policy(arn)?;
        Ok(format!(
            "<Policy>{}</Policy>",
            policy.xml(state.attachments(arn), true)
        ))
    }

    fn list_policies(&self, params: &Members) -> Result<String, AwsError> {
        let scope = params
            .enumeration("Scope", &["All", "AWS", "Local"])?
            .unwrap_or("All");
        let only_attached = params.bool("OnlyAttached")?.unwrap_or(false);
        let prefix = super::path_prefix(params)?;
        let usage = params.enumeration(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        )?;
        let page = Page::of(params)?;
        let state = self.state();
        let listed: Vec<(&Policy, usize)> = state
            .policies
            .values()
            .filter(|_| scope != "AWS")
            .filter(|policy| policy.path.starts_with(prefix))
            .map(|policy| (policy, state.attachments(&policy.arn)))
            .filter(|(_, count)| !only_attached || *count > 0)
            .filter(|(policy, _)| {
                usage != Some("PermissionsBoundary")
                    || state
                        .roles
                        .values()
                        .any(|role| role.boundary.as_deref() == Some(policy.arn.as_str()))
            })
            .collect();
        Ok(page.render("Policies", &listed, |(policy, count)| {
            policy.xml(*count, false)
        }))
    }

    fn delete_policy(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let mut state = self.state();
        let policy = state.policy(arn)?;
        if state.attachments(arn) > 0 {
            return Err(delete_conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        if policy.versions.len() > 1 {
            return Err(delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must \
                 delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        state.policies.shift_remove(arn);
        Ok(String::new())
    }

    fn create_version(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let document = super::policy_document(params, "PolicyDocument")?;
        let set_default = params.bool("SetAsDefault")?.unwrap_or(false);
        let now = self.now();
        let mut state = self.state();
        let policy = state.policy_mut(arn)?;
        if policy.versions.len() >= MAX_VERSIONS {
            return Err(AwsError::new(
                409,
                "LimitExceeded",
                format!(
                    "A managed policy can have up to {MAX_VERSIONS} versions. Before you create \
                     a new version, you must delete an existing version."
                ),
            ));
        }
        let version = Version {
            id: format!("v{}", policy.next_version),
            document: document.to_owned(),
            created: now.clone(),
        };
        policy.next_version = policy.next_version.saturating_add(1);
        if set_default {
            policy.default_version = version.id.clone();
        }
        policy.updated = now;
        let answer = policy.version_xml(&version, false);
        policy.versions.push(version);
        Ok(format!("<PolicyVersion>{answer}</PolicyVersion>"))
    }

    fn get_version(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let id = version_id(params)?;
        let state = self.state();
        let policy = state.policy(arn)?;
        let version = policy.version(id).ok_or_else(|| no_such_version(arn, id))?;
        Ok(format!(
            "<PolicyVersion>{}</PolicyVersion>",
            policy.version_xml(version, true)
        ))
    }

    fn list_versions(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let policy = state.policy(arn)?;
        let versions: Vec<&Version> = policy.versions.iter().rev().collect();
        Ok(page.render("Versions", &versions, |version| {
            policy.version_xml(version, false)
        }))
    }

    fn delete_version(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let id = version_id(params)?;
        let mut state = self.state();
        let policy = state.policy_mut(arn)?;
        policy.version(id).ok_or_else(|| no_such_version(arn, id))?;
        if policy.default_version == id {
            return Err(delete_conflict(
                "Cannot delete the default version of a policy.",
            ));
        }
        policy.versions.retain(|version| version.id != id);
        Ok(String::new())
    }

    fn set_default_version(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let id = version_id(params)?;
        let mut state = self.state();
        let policy = state.policy_mut(arn)?;
        policy.version(id).ok_or_else(|| no_such_version(arn, id))?;
        policy.default_version = id.to_owned();
        Ok(String::new())
    }

    fn tag_policy(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let tags = super::tags(params)?;
        self.state().policy_mut(arn)?.tags.extend(tags);
        Ok(String::new())
    }

    fn untag_policy(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let keys = super::tag_keys(params)?;
        let mut state = self.state();
        let policy = state.policy_mut(arn)?;
        for key in keys {
            policy.tags.shift_remove(key);
        }
        Ok(String::new())
    }

    fn list_policy_tags(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let tags: Vec<(&String, &String)> = state.policy(arn)?.tags.iter().collect();
        Ok(page.render("Tags", &tags, |(key, value)| {
            format!("{}{}", element("Key", key), element("Value", value))
        }))
    }

    fn attach_role_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = super::name(params, "RoleName", 64)?;
        let arn = policy_arn(params)?;
        let mut state = self.state();
        state.role(name)?;
        if !is_aws_managed(arn) {
            state.policy(arn)?;
        }
        state.role_mut(name)?.attached.insert(arn.to_owned());
        Ok(String::new())
    }

    fn detach_role_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = super::name(params, "RoleName", 64)?;
        let arn = policy_arn(params)?;
        let mut state = self.state();
        if !state.role_mut(name)?.attached.shift_remove(arn) {
            return Err(no_such_entity(format!("Policy {arn} was not found.")));
        }
        Ok(String::new())
    }

    fn list_attached(&self, params: &Members) -> Result<String, AwsError> {
        let name = super::name(params, "RoleName", 64)?;
        let prefix = super::path_prefix(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let attached: Vec<(&str, &str)> = state
            .role(name)?
            .attached
            .iter()
            .map(|arn| attached_policy(&state, arn))
            .filter(|(_, path)| path.starts_with(prefix))
            .map(|(arn, _)| (arn, arn.rsplit('/').next().unwrap_or(arn)))
            .collect();
        Ok(page.render("AttachedPolicies", &attached, |(arn, policy)| {
            format!(
                "{}{}",
                element("PolicyName", policy),
                element("PolicyArn", arn)
            )
        }))
    }

    fn list_entities(&self, params: &Members) -> Result<String, AwsError> {
        let arn = policy_arn(params)?;
        let filter = params.enumeration(
            "EntityFilter",
            &[
                "User",
                "Role",
                "Group",
                "LocalManagedPolicy",
                "AWSManagedPolicy",
            ],
        )?;
        let prefix = super::path_prefix(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        if !is_aws_managed(arn) {
            state.policy(arn)?;
        }
        let roles: Vec<(&str, &str)> = state
            .roles
            .values()
            .filter(|_| filter.is_none_or(|f| f == "Role"))
            .filter(|role| role.attached.contains(arn) && role.path.starts_with(prefix))
            .map(|role| (role.name.as_str(), role.id.as_str()))
            .collect();
        let body = page.render("PolicyRoles", &roles, |(role, id)| {
            format!("{}{}", element("RoleName", role), element("RoleId", id))
        });
        Ok(format!("<PolicyGroups/><PolicyUsers/>{body}"))
    }
}

/// An attached policy's ARN and path (`/` and the rest of an AWS managed policy's ARN).
fn attached_policy<'a>(state: &'a State, arn: &'a str) -> (&'a str, &'a str) {
    let path = match state.policies.get(arn) {
        Some(policy) => policy.path.as_str(),
        None => arn.strip_prefix("arn:aws:iam::aws:policy").unwrap_or("/"),
    };
    (arn, path)
}

fn no_such_version(arn: &str, id: &str) -> AwsError {
    no_such_entity(format!(
        "Policy {arn} version {id} does not exist or is not attachable."
    ))
}
