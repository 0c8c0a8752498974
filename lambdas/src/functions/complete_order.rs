//! `alex-complete-order`: marks the order COMPLETED with its totals, sends the confirmation
//! e-mail through SES v1 (`SendEmail` from `SENDER_EMAIL`), and returns
//! `{"statusCode": 200, "body": "order completed", "order_id", "total"}`.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ses::types::{Body, Content, Destination, Message};
use serde_json::{Value, json};

use super::order_from_state;
use super::price_calc::ORDER_NOT_FOUND;
use crate::rules::email::{Confirmation, confirmation};
use crate::rules::order::OrderStatus;
use crate::rules::pricing::{Pricing, PricingStrings, money_string};
use crate::runtime::{FunctionError, now_rfc3339, required_env};

/// The complete-order handler.
pub struct CompleteOrder {
    dynamo: aws_sdk_dynamodb::Client,
    ses: aws_sdk_ses::Client,
    orders_table: String,
    sender: String,
}

impl CompleteOrder {
    /// Clients, table and sender from the environment (`ORDERS_TABLE`, `SENDER_EMAIL`).
    pub fn from_env(config: &SdkConfig) -> Result<Self, FunctionError> {
        Ok(Self {
            dynamo: aws_sdk_dynamodb::Client::new(config),
            ses: aws_sdk_ses::Client::new(config),
            orders_table: required_env("ORDERS_TABLE")?,
            sender: required_env("SENDER_EMAIL")?,
        })
    }

    /// Completes the order in the state.
    pub async fn handle(&self, state: Value) -> Result<Value, FunctionError> {
        let (order_id, request) = order_from_state(&state)?;
        let pricing = pricing_from_state(&state)?;
        self.mark_completed(&order_id, &pricing).await?;
        let message = confirmation(&order_id, &request.customer.name, &request.items, &pricing);
        self.send(&request.customer.email, message).await?;
        tracing::info!(%order_id, "order completed");
        Ok(completed(&order_id, &pricing))
    }

    async fn mark_completed(&self, order_id: &str, pricing: &Pricing) -> Result<(), FunctionError> {
        let money = |amount| AttributeValue::N(money_string(amount));
        let result = self
            .dynamo
            .update_item()
            .table_name(&self.orders_table)
            .key("order_id", AttributeValue::S(order_id.to_string()))
            .update_expression(
                "SET #status = :status, #subtotal = :subtotal, #shipping = :shipping, \
                 #total = :total, #updated_at = :now",
            )
            .condition_expression("attribute_exists(order_id)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#subtotal", "subtotal")
            .expression_attribute_names("#shipping", "shipping")
            .expression_attribute_names("#total", "total")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(
                ":status",
                AttributeValue::S(OrderStatus::Completed.as_str().into()),
            )
            .expression_attribute_values(":subtotal", money(pricing.subtotal))
            .expression_attribute_values(":shipping", money(pricing.shipping))
            .expression_attribute_values(":total", money(pricing.total))
            .expression_attribute_values(":now", AttributeValue::S(now_rfc3339()))
            .send()
            .await;
        match result.map_err(|error| error.into_service_error()) {
            Ok(_) => Ok(()),
            Err(UpdateItemError::ConditionalCheckFailedException(_)) => Err(FunctionError::new(
                ORDER_NOT_FOUND,
                format!("order {order_id} does not exist"),
            )),
            Err(other) => Err(FunctionError::aws("UpdateItem", other)),
        }
    }

    async fn send(&self, to: &str, message: Confirmation) -> Result<(), FunctionError> {
        let content = |text: String| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(FunctionError::invalid_input)
        };
        let message = Message::builder()
            .subject(content(message.subject)?)
            .body(Body::builder().text(content(message.body)?).build())
            .build();
        self.ses
            .send_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .message(message)
            .send()
            .await
            .map_err(|error| FunctionError::aws("SendEmail", error.into_service_error()))?;
        Ok(())
    }
}

/// The totals the state carries at `$.pricing` (decimal strings).
pub fn pricing_from_state(state: &Value) -> Result<Pricing, FunctionError> {
    let strings: PricingStrings = state
        .get("pricing")
        .cloned()
        .ok_or_else(|| FunctionError::invalid_input("the input has no pricing"))
        .and_then(|value| serde_json::from_value(value).map_err(FunctionError::invalid_input))?;
    strings
        .parse()
        .ok_or_else(|| FunctionError::invalid_input("the pricing is not made of decimal strings"))
}

/// The execution's output for a completed order.
pub fn completed(order_id: &str, pricing: &Pricing) -> Value {
    json!({
        "statusCode": 200,
        "body": "order completed",
        "order_id": order_id,
        "total": money_string(pricing.total)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pricing_is_read_from_the_state() {
        let state =
            json!({"pricing": {"subtotal": "250.00", "shipping": "20.00", "total": "270.00"}});
        let pricing = pricing_from_state(&state).expect("pricing");
        assert_eq!(
            completed("o1", &pricing),
            json!({"statusCode": 200, "body": "order completed", "order_id": "o1", "total": "270.00"})
        );
        for bad in [
            json!({}),
            json!({"pricing": {"subtotal": "x", "shipping": "1", "total": "1"}}),
            json!({"pricing": {"subtotal": 1}}),
        ] {
            assert_eq!(
                pricing_from_state(&bad).map_err(|e| e.error_type),
                Err("InvalidInput".to_string())
            );
        }
    }
}
