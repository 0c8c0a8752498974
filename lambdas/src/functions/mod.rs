//! The handler of each Lambda, over the AWS SDK clients, built from the environment once per
//! process. The binaries in `src/bin/` construct one of these and hand it to
//! [`crate::runtime::serve`].

pub mod complete_order;
pub mod create_order;
pub mod inventory;
pub mod order_events;
pub mod payment;
pub mod price_calc;
pub mod proxy;
pub mod stock_verify;

use crate::rules::order::{OrderIdRule, OrderRequest, validate_order};
use crate::runtime::FunctionError;
use serde_json::Value;

/// The order carried by the state-machine state, validated (its `order_id` is required).
pub fn order_from_state(state: &Value) -> Result<(String, OrderRequest), FunctionError> {
    let request = validate_order(state, OrderIdRule::Required).map_err(|errors| {
        FunctionError::invalid_input(format!("invalid order: {}", errors.join("; ")))
    })?;
    let order_id = request
        .order_id
        .clone()
        .ok_or_else(|| FunctionError::invalid_input("the input has no order_id"))?;
    Ok((order_id, request))
}
