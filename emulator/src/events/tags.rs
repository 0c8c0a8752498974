//! Tags on rules and event buses: `TagResource`, `UntagResource`, `ListTagsForResource`, and
//! the `Tags` member of `PutRule` and `CreateEventBus`. Kept by ARN in the registry; a
//! resource's tags go with it when it is deleted.

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::rules::{DEFAULT_BUS, Registry};
use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// AWS's limit of tags per resource.
const MAX_TAGS: usize = 50;

/// A `Tags` member (`[{"Key", "Value"}]`): keys 1–128, values 0–256 characters.
pub fn read(members: &Members, member: &str) -> Result<IndexMap<String, String>, AwsError> {
    let mut tags = IndexMap::new();
    for tag in members.structures(member)?.unwrap_or_default() {
        let key = tag.require("Key", tag.str_len("Key", 1, 128)?)?;
        let value = tag.require("Value", tag.str_len("Value", 0, 256)?)?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    Ok(tags)
}

impl Registry {
    /// Whether `arn` names an existing rule or bus; the error AWS gives when it does not.
    fn check_resource(&self, arn: &str) -> Result<(), AwsError> {
        let exists = self
            .buses
            .values()
            .any(|bus| bus.arn == arn || bus.rules.values().any(|rule| rule.arn == arn));
        if exists {
            return Ok(());
        }
        let resource = arn.split(':').nth(5).unwrap_or_default();
        let message = match resource.split_once('/') {
            Some(("rule", rest)) => {
                let (bus, name) = rest.rsplit_once('/').unwrap_or((DEFAULT_BUS, rest));
                format!("Rule {name} does not exist on EventBus {bus}.")
            }
            Some(("event-bus", name)) => format!("Event bus {name} does not exist."),
            _ => format!("Resource {arn} does not exist."),
        };
        Err(AwsError::new(400, "ResourceNotFoundException", message))
    }

    /// Adds `tags` to `arn`'s, refusing more than [`MAX_TAGS`] in all.
    pub fn add_tags(&mut self, arn: &str, tags: IndexMap<String, String>) -> Result<(), AwsError> {
        let mut merged = self.tags.get(arn).cloned().unwrap_or_default();
        merged.extend(tags);
        if merged.len() > MAX_TAGS {
            return Err(AwsError::new(
                400,
                "LimitExceededException",
                format!("The number of tags on the resource exceeds the limit of {MAX_TAGS}."),
            ));
        }
        if !merged.is_empty() {
            self.tags.insert(arn.to_owned(), merged);
        }
        Ok(())
    }

    pub fn tag_resource(&mut self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.require("ResourceARN", members.str_len("ResourceARN", 1, 1600)?)?;
        if !members.has("Tags") {
            return Err(members.missing("Tags"));
        }
        let tags = read(&members, "Tags")?;
        self.check_resource(arn)?;
        self.add_tags(arn, tags)?;
        Ok(json!({}))
    }

    pub fn untag_resource(&mut self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.require("ResourceARN", members.str_len("ResourceARN", 1, 1600)?)?;
        let keys = members.require("TagKeys", members.str_list("TagKeys")?)?;
        self.check_resource(arn)?;
        if let Some(tags) = self.tags.get_mut(arn) {
            for key in keys {
                tags.shift_remove(key);
            }
        }
        Ok(json!({}))
    }

    pub fn list_tags(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.require("ResourceARN", members.str_len("ResourceARN", 1, 1600)?)?;
        self.check_resource(arn)?;
        let tags: Vec<Value> = self
            .tags
            .get(arn)
            .into_iter()
            .flatten()
            .map(|(key, value)| json!({ "Key": key, "Value": value }))
            .collect();
        Ok(json!({ "Tags": tags }))
    }
}
