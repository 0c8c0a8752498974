//! UpdateTimeToLive and DescribeTimeToLive: which attribute, if any, holds an item's expiry.
//! (Expired items are not deleted: the emulator's clock is the harness's, and AWS deletes
//! them only eventually, within days.)

use serde_json::{Value, json};

use crate::dynamodb::DynamoDb;
use crate::dynamodb::input;
use crate::protocol::AwsError;

pub fn update_time_to_live(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let spec = request
        .get("TimeToLiveSpecification")
        .filter(|v| !v.is_null())
        .ok_or_else(|| input::missing("TimeToLiveSpecification"))?;
    let enabled = input::opt_bool(spec, "Enabled")?.ok_or_else(|| input::missing("Enabled"))?;
    let attribute = input::req_str(spec, "AttributeName")?;
    let tables = db.handles([name]);
    let mut state = tables.write();
    let table = state.table_mut(name)?;
    match (&table.ttl_attribute, enabled) {
        (Some(current), true) if current != attribute => {
            return Err(AwsError::validation(
                "TimeToLive is active on a different AttributeName",
            ));
        }
        (Some(_), true) => return Err(AwsError::validation("TimeToLive is already enabled")),
        (None, false) => return Err(AwsError::validation("TimeToLive is already disabled")),
        (Some(current), false) if current != attribute => {
            return Err(AwsError::validation(
                "TimeToLive is active on a different AttributeName",
            ));
        }
        _ => {}
    }
    table.ttl_attribute = enabled.then(|| attribute.to_owned());
    Ok(json!({
        "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute }
    }))
}

pub fn describe_time_to_live(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let tables = db.handles([name]);
    let state = tables.read();
    let description = match &state.table(name)?.ttl_attribute {
        Some(attribute) => json!({ "TimeToLiveStatus": "ENABLED", "AttributeName": attribute }),
        None => json!({ "TimeToLiveStatus": "DISABLED" }),
    };
    Ok(json!({ "TimeToLiveDescription": description }))
}
