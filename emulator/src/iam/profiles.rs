//! Instance profiles: create, read, list (all, or those holding a role), delete (refused
//! while a role is in it), one role each at most, and tags.

use super::xml::{self, element};
use super::{Iam, Page, State, Tags, already_exists, delete_conflict, no_such_entity};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// One instance profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created: String,
    /// Role names (at most one).
    pub roles: Vec<String>,
    pub tags: Tags,
}

impl Profile {
    /// The `InstanceProfile` shape, each role in its `Role` shape.
    fn xml(&self, state: &State) -> String {
        let roles: String = self
            .roles
            .iter()
            .filter_map(|name| state.roles.get(name))
            .map(|role| {
                format!(
                    "<member>{}{}{}{}{}{}</member>",
                    element("Path", &role.path),
                    element("RoleName", &role.name),
                    element("RoleId", &role.id),
                    element("Arn", &role.arn),
                    element("CreateDate", &role.created),
                    xml::document("AssumeRolePolicyDocument", &role.trust_policy),
                )
            })
            .collect();
        format!(
            "{}{}{}{}{}<Roles>{roles}</Roles>{}",
            element("Path", &self.path),
            element("InstanceProfileName", &self.name),
            element("InstanceProfileId", &self.id),
            element("Arn", &self.arn),
            element("CreateDate", &self.created),
            xml::tags(&self.tags),
        )
    }
}

fn profile_name<'a>(params: &Members<'a>) -> Result<&'a str, AwsError> {
    super::name(params, "InstanceProfileName", 128)
}

fn no_such_profile(name: &str) -> AwsError {
    no_such_entity(format!("Instance Profile {name} cannot be found."))
}

impl State {
    fn profile_mut(&mut self, name: &str) -> Result<&mut Profile, AwsError> {
        self.profiles
            .get_mut(name)
            .ok_or_else(|| no_such_profile(name))
    }
}

impl Iam {
    /// The instance-profile operations; None for another action.
    pub(super) fn profile_action(
        &self,
        action: &str,
        params: &Members,
    ) -> Option<Result<String, AwsError>> {
        Some(match action {
            "CreateInstanceProfile" => self.create_profile(params),
            "GetInstanceProfile" => self.get_profile(params),
            "ListInstanceProfiles" => self.list_profiles(params, None),
            "ListInstanceProfilesForRole" => match super::name(params, "RoleName", 64) {
                Ok(role) => self.list_profiles(params, Some(role)),
                Err(err) => Err(err),
            },
            "DeleteInstanceProfile" => self.delete_profile(params),
            "AddRoleToInstanceProfile" => self.add_role(params),
            "RemoveRoleFromInstanceProfile" => self.remove_role(params),
            "TagInstanceProfile" => self.tag_profile(params),
            "UntagInstanceProfile" => self.untag_profile(params),
            "ListInstanceProfileTags" => self.list_profile_tags(params),
            _ => return None,
        })
    }

    fn create_profile(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let path = super::path(params, "Path")?;
        let tags = super::tags(params)?;
        let mut state = self.state();
        if state.profiles.contains_key(name) {
            return Err(already_exists(format!(
                "Instance Profile {name} already exists."
            )));
        }
        let profile = Profile {
            name: name.to_owned(),
            path: path.to_owned(),
            id: super::unique_id(&self.ctx.ids, "AIPA"),
            arn: self.arn("instance-profile", path, name),
            created: self.now(),
            roles: Vec::new(),
            tags,
        };
        let answer = format!("<InstanceProfile>{}</InstanceProfile>", profile.xml(&state));
        state.profiles.insert(name.to_owned(), profile);
        Ok(answer)
    }

    fn get_profile(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let state = self.state();
        let profile = state
            .profiles
            .get(name)
            .ok_or_else(|| no_such_profile(name))?;
        Ok(format!(
            "<InstanceProfile>{}</InstanceProfile>",
            profile.xml(&state)
        ))
    }

    fn list_profiles(&self, params: &Members, role: Option<&str>) -> Result<String, AwsError> {
        let prefix = match role {
            Some(_) => "/",
            None => super::path_prefix(params)?,
        };
        let page = Page::of(params)?;
        let state = self.state();
        if let Some(role) = role {
            state.role(role)?;
        }
        let profiles: Vec<&Profile> = state
            .profiles
            .values()
            .filter(|profile| profile.path.starts_with(prefix))
            .filter(|profile| role.is_none_or(|role| profile.roles.iter().any(|r| r == role)))
            .collect();
        Ok(page.render("InstanceProfiles", &profiles, |profile| profile.xml(&state)))
    }

    fn delete_profile(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let mut state = self.state();
        if !state.profile_mut(name)?.roles.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        state.profiles.shift_remove(name);
        Ok(String::new())
    }

    fn add_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let role = super::name(params, "RoleName", 64)?;
        let mut state = self.state();
        state.role(role)?;
        let profile = state.profile_mut(name)?;
        if !profile.roles.is_empty() {
            return Err(AwsError::new(
                409,
                "LimitExceeded",
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        profile.roles.push(role.to_owned());
        Ok(String::new())
    }

    fn remove_role(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let role = super::name(params, "RoleName", 64)?;
        let mut state = self.state();
        state.role(role)?;
        let profile = state.profile_mut(name)?;
        if !profile.roles.iter().any(|r| r == role) {
            return Err(no_such_entity(format!(
                "The role with name {role} cannot be found."
            )));
        }
        profile.roles.retain(|r| r != role);
        Ok(String::new())
    }

    fn tag_profile(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let tags = super::tags(params)?;
        self.state().profile_mut(name)?.tags.extend(tags);
        Ok(String::new())
    }

    fn untag_profile(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let keys = super::tag_keys(params)?;
        let mut state = self.state();
        let profile = state.profile_mut(name)?;
        for key in keys {
            profile.tags.shift_remove(key);
        }
        Ok(String::new())
    }

    fn list_profile_tags(&self, params: &Members) -> Result<String, AwsError> {
        let name = profile_name(params)?;
        let page = Page::of(params)?;
        let mut state = self.state();
        let tags: Vec<(String, String)> = state
            .profile_mut(name)?
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(page.render("Tags", &tags, |(key, value)| {
            format!("{}{}", element("Key", key), element("Value", value))
        }))
    }
}
