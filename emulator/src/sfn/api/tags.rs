//! Tags on state machines (`TagResource`, `UntagResource`, `ListTagsForResource`, and
//! `CreateStateMachine`'s `tags`), and the version and alias lists: no version is ever
//! published (`publish: true` is refused) and no alias created, so both lists are empty.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::{check_arn, paginate, state_machine_does_not_exist};
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::StepFunctions;

/// AWS's limit of tags per resource.
const MAX_TAGS: usize = 50;

/// A `tags` member (`[{"key", "value"}]`): keys 1–128, values 0–256 characters.
pub fn read(members: &Members) -> Result<IndexMap<String, String>, AwsError> {
    let mut tags = IndexMap::new();
    for tag in members.structures("tags")?.unwrap_or_default() {
        let key = tag.require("key", tag.str_len("key", 1, 128)?)?;
        let value = tag.require("value", tag.str_len("value", 0, 256)?)?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    check_count(tags.len())?;
    Ok(tags)
}

fn check_count(count: usize) -> Result<(), AwsError> {
    if count <= MAX_TAGS {
        return Ok(());
    }
    Err(AwsError::new(
        400,
        "TooManyTags",
        format!("Too many tags: the limit is {MAX_TAGS} per resource."),
    ))
}

fn resource_not_found(arn: &str) -> AwsError {
    AwsError::new(
        400,
        "ResourceNotFound",
        format!("Resource not found: '{arn}'"),
    )
}

/// The `resourceArn` member: 1–256 characters.
fn resource_arn<'a>(members: &Members<'a>) -> Result<&'a str, AwsError> {
    members.require("resourceArn", members.str_len("resourceArn", 1, 256)?)
}

impl StepFunctions {
    pub(crate) fn tag_resource(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = resource_arn(&members)?;
        if !members.has("tags") {
            return Err(members.missing("tags"));
        }
        let tags = read(&members)?;
        let mut store = self.lock();
        let machine = store
            .machines
            .get_mut(arn)
            .ok_or_else(|| resource_not_found(arn))?;
        let mut merged = machine.tags.clone();
        merged.extend(tags);
        check_count(merged.len())?;
        machine.tags = merged;
        Ok(json!({}))
    }

    pub(crate) fn untag_resource(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = resource_arn(&members)?;
        let keys = members.require("tagKeys", members.str_list("tagKeys")?)?;
        let mut store = self.lock();
        let machine = store
            .machines
            .get_mut(arn)
            .ok_or_else(|| resource_not_found(arn))?;
        for key in keys {
            machine.tags.shift_remove(key);
        }
        Ok(json!({}))
    }

    pub(crate) fn list_tags_for_resource(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = resource_arn(&members)?;
        let store = self.lock();
        let machine = store
            .machines
            .get(arn)
            .ok_or_else(|| resource_not_found(arn))?;
        let tags: Vec<Value> = machine
            .tags
            .iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect();
        Ok(json!({ "tags": tags }))
    }

    /// `ListStateMachineVersions` (`list`: `stateMachineVersions`) and
    /// `ListStateMachineAliases` (`stateMachineAliases`): an existing machine's empty list.
    pub(crate) fn list_machine_children(
        &self,
        input: &Value,
        list: &str,
    ) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.required_str("stateMachineArn")?;
        check_arn(arn, "stateMachine")?;
        paginate::<Value>(input, &[])?;
        if !self.lock().machines.contains_key(arn) {
            return Err(state_machine_does_not_exist(arn));
        }
        Ok(json!({ list: [] }))
    }
}
