//! Roles: create, read, list, update, delete (refused while policies or instance profiles
//! hold it, as AWS does), tags, permissions boundaries and inline policies.

use indexmap::{IndexMap, IndexSet};

use super::xml::{self, element, element_if};
use super::{Iam, Page, Tags, already_exists, delete_conflict, no_such_entity};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// One role.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created: String,
    pub trust_policy: String,
    pub description: Option<String>,
    pub max_session: i64,
    pub boundary: Option<String>,
    pub tags: Tags,
    /// Inline policy name → document.
    pub inline: IndexMap<String, String>,
    /// Attached managed policy ARNs.
    pub attached: IndexSet<String>,
}

impl Role {
    /// The `Role` shape; `full` adds what `GetRole` returns beyond `ListRoles`
    /// (permissions boundary, tags, last use).
    fn xml(&self, full: bool) -> String {
        let mut out = format!(
            "{}{}{}{}{}{}{}{}",
            element("Path", &self.path),
            element("RoleName", &self.name),
            element("RoleId", &self.id),
            element("Arn", &self.arn),
            element("CreateDate", &self.created),
            xml::document("AssumeRolePolicyDocument", &self.trust_policy),
            element_if("Description", self.description.as_deref()),
            element("MaxSessionDuration", &self.max_session.to_string()),
        );
        if full {
            if let Some(boundary) = &self.boundary {
                out.push_str(&boundary_xml(boundary));
            }
            out.push_str(&xml::tags(&self.tags));
            out.push_str("<RoleLastUsed/>");
        }
        out
    }
}

fn boundary_xml(arn: &str) -> String {
    format!(
        "<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType>{}\
         </PermissionsBoundary>",
        element("PermissionsBoundaryArn", arn)
    )
}

/// The `RoleName` member.
fn role_name<'a>(params: &Members<'a>) -> Result<&'a str, AwsError> {
    super::name(params, "RoleName", 64)
}

/// `PermissionsBoundary`: a policy ARN (20–2048 characters).
fn boundary<'a>(params: &Members<'a>, member: &str) -> Result<Option<&'a str>, AwsError> {
    params.str_len(member, 20, 2048)
}

impl Iam {
    /// The trust policy of the role whose ARN is `arn`, when there is one (the AWS-strict
    /// mode's check that a role exists and trusts a service, `strict.rs`).
    pub(crate) fn trust_policy_of(&self, arn: &str) -> Option<String> {
        let state = self.state();
        let found = state.roles.values().find(|role| role.arn == arn);
        found.map(|role| role.trust_policy.clone())
    }

    /// The role operations; None for another action.
    pub(super) fn role_action(
        &self,
        action: &str,
        params: &Members,
    ) -> Option<Result<String, AwsError>> {
        Some(match action {
            "CreateRole" => self.create_role(params),
            "GetRole" => self.get_role(params),
            "ListRoles" => self.list_roles(params),
            "DeleteRole" => self.delete_role(params),
            "UpdateRole" => self.update_role(params),
            "UpdateRoleDescription" => self.update_role_description(params),
            "UpdateAssumeRolePolicy" => self.update_trust_policy(params),
            "PutRolePermissionsBoundary" => self.put_boundary(params),
            "DeleteRolePermissionsBoundary" => self.delete_boundary(params),
            "TagRole" => self.tag_role(params),
            "UntagRole" => self.untag_role(params),
            "ListRoleTags" => self.list_role_tags(params),
            "PutRolePolicy" => self.put_role_policy(params),
            "GetRolePolicy" => self.get_role_policy(params),
            "DeleteRolePolicy" => self.delete_role_policy(params),
            "ListRolePolicies" => self.list_role_policies(params),
            _ => return None,
        })
    }

    fn create_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let path = super::path(params, "Path")?;
        let trust_policy = super::policy_document(params, "AssumeRolePolicyDocument")?;
        let description = params.str_len("Description", 0, 1000)?;
        let max_session = params
            .int_in("MaxSessionDuration", 3600, 43200)?
            .unwrap_or(3600);
        let boundary = boundary(params, "PermissionsBoundary")?;
        let tags = super::tags(params)?;
        let mut state = self.state();
        if state
            .roles
            .keys()
            .any(|existing| existing.eq_ignore_ascii_case(name))
        {
            return Err(already_exists(format!(
                "Role with name {name} already exists."
            )));
        }
        let role = Role {
            name: name.to_owned(),
            path: path.to_owned(),
            id: super::unique_id(&self.ctx.ids, "AROA"),
            arn: self.arn("role", path, name),
            created: self.now(),
            trust_policy: trust_policy.to_owned(),
            description: description.map(str::to_owned),
            max_session,
            boundary: boundary.map(str::to_owned),
            tags,
            inline: IndexMap::new(),
            attached: IndexSet::new(),
        };
        let answer = format!("<Role>{}</Role>", role.xml(true));
        state.roles.insert(name.to_owned(), role);
        Ok(answer)
    }

    fn get_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let state = self.state();
        Ok(format!("<Role>{}</Role>", state.role(name)?.xml(true)))
    }

    fn list_roles(&self, params: &Members) -> Result<String, AwsError> {
        let prefix = super::path_prefix(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let roles: Vec<&Role> = state
            .roles
            .values()
            .filter(|role| role.path.starts_with(prefix))
            .collect();
        Ok(page.render("Roles", &roles, |role| role.xml(false)))
    }

    fn delete_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let mut state = self.state();
        let role = state.role(name)?;
        let in_profile = state
            .profiles
            .values()
            .any(|profile| profile.roles.iter().any(|r| r == name));
        if in_profile {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        if !role.attached.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        if !role.inline.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        state.roles.shift_remove(name);
        Ok(String::new())
    }

    fn update_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let description = params.str_len("Description", 0, 1000)?;
        let max_session = params.int_in("MaxSessionDuration", 3600, 43200)?;
        let mut state = self.state();
        let role = state.role_mut(name)?;
        if let Some(description) = description {
            role.description = Some(description.to_owned());
        }
        if let Some(max_session) = max_session {
            role.max_session = max_session;
        }
        Ok(String::new())
    }

    fn update_role_description(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let description = params.require("Description", params.str_len("Description", 0, 1000)?)?;
        let mut state = self.state();
        let role = state.role_mut(name)?;
        role.description = Some(description.to_owned());
        Ok(format!("<Role>{}</Role>", role.xml(true)))
    }

    fn update_trust_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let document = super::policy_document(params, "PolicyDocument")?;
        self.state().role_mut(name)?.trust_policy = document.to_owned();
        Ok(String::new())
    }

    fn put_boundary(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let arn = params.require(
            "PermissionsBoundary",
            boundary(params, "PermissionsBoundary")?,
        )?;
        self.state().role_mut(name)?.boundary = Some(arn.to_owned());
        Ok(String::new())
    }

    fn delete_boundary(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        self.state().role_mut(name)?.boundary = None;
        Ok(String::new())
    }

    fn tag_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let tags = super::tags(params)?;
        let mut state = self.state();
        let role = state.role_mut(name)?;
        role.tags.extend(tags);
        Ok(String::new())
    }

    fn untag_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let keys = super::tag_keys(params)?;
        let mut state = self.state();
        let role = state.role_mut(name)?;
        for key in keys {
            role.tags.shift_remove(key);
        }
        Ok(String::new())
    }

    fn list_role_tags(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let tags: Vec<(&String, &String)> = state.role(name)?.tags.iter().collect();
        Ok(page.render("Tags", &tags, |(key, value)| {
            format!("{}{}", element("Key", key), element("Value", value))
        }))
    }

    fn put_role_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let policy = super::name(params, "PolicyName", 128)?;
        let document = super::policy_document(params, "PolicyDocument")?;
        let mut state = self.state();
        let role = state.role_mut(name)?;
        role.inline.insert(policy.to_owned(), document.to_owned());
        Ok(String::new())
    }

    fn get_role_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let policy = super::name(params, "PolicyName", 128)?;
        let state = self.state();
        let document = state
            .role(name)?
            .inline
            .get(policy)
            .ok_or_else(|| no_such_role_policy(policy))?;
        Ok(format!(
            "{}{}{}",
            element("RoleName", name),
            element("PolicyName", policy),
            xml::document("PolicyDocument", document)
        ))
    }

    fn delete_role_policy(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let policy = super::name(params, "PolicyName", 128)?;
        let mut state = self.state();
        state
            .role_mut(name)?
            .inline
            .shift_remove(policy)
            .ok_or_else(|| no_such_role_policy(policy))?;
        Ok(String::new())
    }

    fn list_role_policies(&self, params: &Members) -> Result<String, AwsError> {
        let name = role_name(params)?;
        let page = Page::of(params)?;
        let state = self.state();
        let names: Vec<&String> = state.role(name)?.inline.keys().collect();
        Ok(page.render("PolicyNames", &names, |name| xml::escape_text(name)))
    }
}

fn no_such_role_policy(policy: &str) -> AwsError {
    no_such_entity(format!(
        "The role policy with name {policy} cannot be found."
    ))
}
