//! `alex-create-order`: `POST /orders` through the API Gateway proxy integration. Validates the
//! body, writes a PENDING order with `attribute_not_exists(order_id)`, and answers 202, 400
//! (every problem listed), 409 (duplicate id) or 500. It does not start the workflow.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use serde_json::{Value, json};

use super::proxy::{json_response, request_body};
use crate::rules::dynamo::order_to_item;
use crate::rules::order::{Order, OrderIdRule, validate_body};
use crate::runtime::{FunctionError, now_rfc3339, required_env};

/// The create-order handler.
pub struct CreateOrder {
    dynamo: Client,
    orders_table: String,
}

impl CreateOrder {
    /// Clients and table names from the environment (`ORDERS_TABLE`).
    pub fn from_env(config: &SdkConfig) -> Result<Self, FunctionError> {
        Ok(Self {
            dynamo: Client::new(config),
            orders_table: required_env("ORDERS_TABLE")?,
        })
    }

    /// Handles one proxy event; always answers a proxy response.
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = request_body(&event)
            .map_err(|problem| vec![problem])
            .and_then(|body| validate_body(&body, OrderIdRule::Optional));
        let order = match request {
            Ok(request) => request.into_order(|| uuid::Uuid::new_v4().to_string()),
            Err(errors) => return Ok(invalid_order(errors)),
        };
        Ok(self.store(&order).await)
    }

    async fn store(&self, order: &Order) -> Value {
        let put = self
            .dynamo
            .put_item()
            .table_name(&self.orders_table)
            .set_item(Some(order_to_item(order, &now_rfc3339())))
            .condition_expression("attribute_not_exists(order_id)")
            .send()
            .await;
        match put {
            Ok(_) => {
                tracing::info!(order_id = %order.order_id, "order accepted");
                accepted(&order.order_id)
            }
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => duplicate(&order.order_id),
                other => {
                    let error = FunctionError::aws("PutItem", other);
                    tracing::error!(%error, "could not store the order");
                    json_response(500, &json!({"message": "Internal server error"}))
                }
            },
        }
    }
}

/// 202 `{"order_id", "status": "PENDING"}`.
pub fn accepted(order_id: &str) -> Value {
    json_response(202, &json!({"order_id": order_id, "status": "PENDING"}))
}

/// 400 `{"message": "Invalid order", "errors": […]}`.
pub fn invalid_order(errors: Vec<String>) -> Value {
    json_response(400, &json!({"message": "Invalid order", "errors": errors}))
}

/// 409 `{"message": "Order <id> already exists"}`.
pub fn duplicate(order_id: &str) -> Value {
    json_response(
        409,
        &json!({"message": format!("Order {order_id} already exists")}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_answers_have_the_contract_bodies() {
        assert_eq!(
            accepted("o1")["body"],
            r#"{"order_id":"o1","status":"PENDING"}"#
        );
        let invalid = invalid_order(vec!["items is required".into()]);
        assert_eq!(invalid["statusCode"], 400);
        assert_eq!(
            invalid["body"],
            r#"{"message":"Invalid order","errors":["items is required"]}"#
        );
        let conflict = duplicate("o1");
        assert_eq!(conflict["statusCode"], 409);
        assert_eq!(conflict["body"], r#"{"message":"Order o1 already exists"}"#);
    }
}
