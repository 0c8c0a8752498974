//! Resource tags on tables: TagResource, UntagResource, ListTagsOfResource (paginated with
//! `NextToken`) and the `Tags` member of CreateTable, with AWS's validation: the table ARN,
//! key and value lengths, the reserved `aws:` prefix and at most 50 tags per resource.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::dynamodb::table::{State, Table};
use crate::dynamodb::{DynamoDb, input};
use crate::protocol::AwsError;

/// The most tags one resource may carry.
const MAX_TAGS: usize = 50;
/// Tags per ListTagsOfResource page (AWS does not document its page size).
const PAGE_SIZE: usize = 10;

fn invalid_arn(arn: &str) -> AwsError {
    AwsError::validation(format!(
        "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
    ))
}

fn arn_not_found(arn: &str) -> AwsError {
    // "ResourcArn" is AWS's own spelling.
    AwsError::new(
        400,
        "ResourceNotFoundException",
        format!("Requested resource not found: ResourcArn: {arn} not found"),
    )
}

fn constraint(value: &str, at: &str, detail: &str) -> AwsError {
    AwsError::validation(format!(
        "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: {detail}"
    ))
}

/// The request's `ResourceArn`: present, and the ARN of a table.
fn resource_arn(request: &Value) -> Result<&str, AwsError> {
    let arn = input::opt_str(request, "ResourceArn")?
        .ok_or_else(|| AwsError::validation("Invalid TableArn"))?;
    let name = arn
        .strip_prefix("arn:")
        .and_then(|rest| {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [_, service, _, _, resource] = parts.as_slice() else {
                return None;
            };
            (*service == "dynamodb").then_some(*resource)
        })
        .and_then(|resource| resource.strip_prefix("table/"));
    let valid_name = |n: &str| {
        (3..=255).contains(&n.len())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    match name {
        Some(name) if valid_name(name) => Ok(arn),
        _ => Err(invalid_arn(arn)),
    }
}

/// The name of the table an ARN could name (`…:table/<name>`; the ARN is compared whole
/// once the table is locked).
fn table_name_in(arn: &str) -> &str {
    arn.rsplit_once(":table/").map_or("", |(_, name)| name)
}

/// The table whose ARN is exactly `arn`.
fn table_by_arn<'a>(state: &'a mut State, arn: &str) -> Result<&'a mut Table, AwsError> {
    state
        .table_mut(table_name_in(arn))
        .ok()
        .filter(|t| t.arn == arn)
        .ok_or_else(|| arn_not_found(arn))
}

/// Parses a `Tags` list (TagResource, CreateTable): each tag's key and value checked.
pub fn parse_tags(request: &Value) -> Result<Option<Vec<(String, String)>>, AwsError> {
    let Some(list) = input::opt_array(request, "Tags")? else {
        return Ok(None);
    };
    let mut tags = Vec::with_capacity(list.len());
    for (position, tag) in list.iter().enumerate() {
        let at = format!("tags.{}.member", position + 1);
        let key = input::opt_str(tag, "Key")?.ok_or_else(|| {
            AwsError::validation(crate::protocol::null_member_message(&format!("{at}.key")))
        })?;
        let value = input::opt_str(tag, "Value")?.ok_or_else(|| {
            AwsError::validation(crate::protocol::null_member_message(&format!("{at}.value")))
        })?;
        check_tag(key, value, &at)?;
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(Some(tags))
}

fn check_tag(key: &str, value: &str, at: &str) -> Result<(), AwsError> {
    let key_length = key.chars().count();
    if key_length < 1 {
        return Err(constraint(
            key,
            &format!("{at}.key"),
            "Member must have length greater than or equal to 1",
        ));
    }
    if key_length > 128 {
        return Err(constraint(
            key,
            &format!("{at}.key"),
            "Member must have length less than or equal to 128",
        ));
    }
    if value.chars().count() > 256 {
        return Err(constraint(
            value,
            &format!("{at}.value"),
            "Member must have length less than or equal to 256",
        ));
    }
    if key.starts_with("aws:") {
        return Err(AwsError::validation(
            "One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use",
        ));
    }
    Ok(())
}

/// Adds `tags` to `current`, refusing a result of more than 50 tags.
pub fn apply_tags(
    current: &mut BTreeMap<String, String>,
    tags: Vec<(String, String)>,
) -> Result<(), AwsError> {
    let mut merged = current.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(AwsError::new(
            400,
            "ValidationException",
            format!(
                "One or more parameter values were invalid: The number of tags on the resource exceeds the limit of {MAX_TAGS}"
            ),
        ));
    }
    *current = merged;
    Ok(())
}

pub fn tag_resource(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let tags = parse_tags(request)?.ok_or_else(|| input::missing("Tags"))?;
    let arn = resource_arn(request)?;
    if tags.is_empty() {
        return Err(AwsError::validation(
            "Atleast one Tag needs to be provided as Input.",
        ));
    }
    let tables = db.handles([table_name_in(arn)]);
    let mut state = tables.write();
    let table = table_by_arn(&mut state, arn)?;
    apply_tags(&mut table.tags, tags)?;
    Ok(json!({}))
}

pub fn untag_resource(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let keys = input::opt_array(request, "TagKeys")?.ok_or_else(|| input::missing("TagKeys"))?;
    let mut names = Vec::with_capacity(keys.len());
    for (position, key) in keys.iter().enumerate() {
        let key = key.as_str().ok_or_else(|| {
            AwsError::serialization(format!(
                "{} can not be converted to a String",
                crate::dynamodb::model::json_token(key)
            ))
        })?;
        let length = key.chars().count();
        if !(1..=128).contains(&length) {
            let bound = if length < 1 {
                "greater than or equal to 1"
            } else {
                "less than or equal to 128"
            };
            return Err(constraint(
                key,
                &format!("tagKeys.{}.member", position + 1),
                &format!("Member must have length {bound}"),
            ));
        }
        names.push(key);
    }
    let arn = resource_arn(request)?;
    if names.is_empty() {
        return Err(AwsError::validation(
            "Atleast one Tag Key needs to be provided as Input.",
        ));
    }
    let tables = db.handles([table_name_in(arn)]);
    let mut state = tables.write();
    let table = table_by_arn(&mut state, arn)?;
    for name in names {
        table.tags.remove(name);
    }
    Ok(json!({}))
}

pub fn list_tags_of_resource(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let arn = resource_arn(request)?;
    let after = input::opt_str(request, "NextToken")?;
    let tables = db.handles([table_name_in(arn)]);
    let mut state = tables.write();
    let table = table_by_arn(&mut state, arn)?;
    let remaining: Vec<(&String, &String)> = table
        .tags
        .iter()
        .filter(|(key, _)| after.is_none_or(|a| key.as_str() > a))
        .collect();
    let page: Vec<Value> = remaining
        .iter()
        .take(PAGE_SIZE)
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let mut output = json!({ "Tags": page });
    if remaining.len() > PAGE_SIZE
        && let Some((last, _)) = remaining.get(PAGE_SIZE - 1)
    {
        input::set_member(&mut output, "NextToken", json!(last));
    }
    Ok(output)
}
