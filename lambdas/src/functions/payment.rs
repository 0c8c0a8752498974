//! `alex-payment`: decides the payment of the order in the state per
//! [`crate::rules::payment`]; returns `{"approved", "payment_id", "reason"}`. A simulated
//! gateway outage (`tok_unavailable`) is the transient error `PaymentGatewayUnavailable`.

use serde_json::Value;

use crate::rules::payment::{PaymentConfig, PaymentError, decide, parse_approval_rate};
use crate::runtime::{CONFIGURATION, FunctionError, optional_env, state_string};

/// `errorType` of a payment gateway outage (retried by the state machine).
pub const GATEWAY_UNAVAILABLE: &str = "PaymentGatewayUnavailable";

/// The payment handler.
pub struct Payment {
    config: PaymentConfig,
}

impl Payment {
    /// Seed and approval rate from `PAYMENT_SEED` (default empty) and `PAYMENT_APPROVAL_RATE`
    /// (default 0.8).
    pub fn from_env() -> Result<Self, FunctionError> {
        let rate = optional_env("PAYMENT_APPROVAL_RATE").unwrap_or_default();
        let approval_rate =
            parse_approval_rate(&rate).map_err(|error| FunctionError::new(CONFIGURATION, error))?;
        Ok(Self {
            config: PaymentConfig {
                seed: optional_env("PAYMENT_SEED").unwrap_or_default(),
                approval_rate,
            },
        })
    }

    /// Decides the payment of the order in the state.
    pub async fn handle(&self, state: Value) -> Result<Value, FunctionError> {
        self.decide(&state)
    }

    /// The decision for a state, as the Lambda's JSON result.
    pub fn decide(&self, state: &Value) -> Result<Value, FunctionError> {
        let order_id = state_string(state, "order_id")?;
        let token = state_string(state, "payment_token")?;
        let decision = decide(&order_id, &token, &self.config).map_err(|error| match error {
            PaymentError::GatewayUnavailable => FunctionError::new(GATEWAY_UNAVAILABLE, error),
        })?;
        tracing::info!(%order_id, approved = decision.approved, "payment decided");
        serde_json::to_value(decision).map_err(FunctionError::invalid_input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payment() -> Payment {
        Payment {
            config: PaymentConfig {
                seed: "7".into(),
                approval_rate: rust_decimal::Decimal::ONE,
            },
        }
    }

    #[test]
    fn the_result_has_the_contract_shape() {
        let state = json!({"order_id": "o1", "payment_token": "tok_decline", "pricing": {}});
        let result = payment().decide(&state).expect("decided");
        assert_eq!(result["approved"], false);
        assert!(
            result["payment_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("pay_"))
        );
        assert!(result["reason"].is_string());
        let approved = payment()
            .decide(&json!({"order_id": "o1", "payment_token": "tok_approve"}))
            .expect("decided");
        assert_eq!(approved["reason"], Value::Null);
    }

    #[test]
    fn outages_and_bad_states_are_named_errors() {
        let outage =
            payment().decide(&json!({"order_id": "o1", "payment_token": "tok_unavailable"}));
        assert_eq!(
            outage.map_err(|e| e.error_type),
            Err(GATEWAY_UNAVAILABLE.to_string())
        );
        let missing = payment().decide(&json!({"order_id": "o1"}));
        assert_eq!(
            missing.map_err(|e| e.error_type),
            Err("InvalidInput".to_string())
        );
    }
}
