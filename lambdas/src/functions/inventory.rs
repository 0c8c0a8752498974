//! Reading `alex-inventory`: one consistent GetItem per ordered item.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

use crate::rules::dynamo::inventory_record;
use crate::rules::order::OrderItem;
use crate::rules::stock::InventoryRecord;
use crate::runtime::FunctionError;

/// `errorType` of an inventory item that does not have the contract's shape.
pub const INVALID_INVENTORY_ITEM: &str = "InvalidInventoryItem";

/// The inventory records of the ordered items that exist, keyed by `item_id`.
pub async fn fetch_inventory(
    dynamo: &Client,
    table: &str,
    items: &[OrderItem],
) -> Result<HashMap<String, InventoryRecord>, FunctionError> {
    let mut records = HashMap::new();
    for item in items {
        let output = dynamo
            .get_item()
            .table_name(table)
            .key("item_id", AttributeValue::S(item.item_id.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| FunctionError::aws("GetItem", error.into_service_error()))?;
        if let Some(found) = output.item() {
            let record = inventory_record(found).map_err(|problem| {
                FunctionError::new(
                    INVALID_INVENTORY_ITEM,
                    format!("inventory item {}: {problem}", item.item_id),
                )
            })?;
            records.insert(item.item_id.clone(), record);
        }
    }
    Ok(records)
}
