//! `alex-stock-verify`: validates the order and customer data again (the trigger path can
//! bypass the API) and checks every item exists with enough stock. Returns
//! `{"valid": bool, "reason": str|null}`; a business rejection is a result, not an error.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use serde_json::Value;

use super::inventory::fetch_inventory;
use crate::rules::order::{OrderIdRule, validate_order};
use crate::rules::stock::{StockCheck, invalid_order, verify_stock};
use crate::runtime::{FunctionError, required_env};

/// The stock-verify handler.
pub struct StockVerify {
    dynamo: Client,
    inventory_table: String,
}

impl StockVerify {
    /// Client and table name from the environment (`INVENTORY_TABLE`).
    pub fn from_env(config: &SdkConfig) -> Result<Self, FunctionError> {
        Ok(Self {
            dynamo: Client::new(config),
            inventory_table: required_env("INVENTORY_TABLE")?,
        })
    }

    /// Verifies the order carried by the state.
    pub async fn handle(&self, state: Value) -> Result<Value, FunctionError> {
        let check = self.check(&state).await?;
        tracing::info!(valid = check.valid, reason = ?check.reason, "stock verified");
        serde_json::to_value(check).map_err(FunctionError::invalid_input)
    }

    async fn check(&self, state: &Value) -> Result<StockCheck, FunctionError> {
        let request = match validate_order(state, OrderIdRule::Required) {
            Ok(request) => request,
            Err(errors) => return Ok(invalid_order(&errors)),
        };
        let inventory =
            fetch_inventory(&self.dynamo, &self.inventory_table, &request.items).await?;
        Ok(verify_stock(&request.items, &inventory))
    }
}
