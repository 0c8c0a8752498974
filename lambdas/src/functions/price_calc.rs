//! `alex-price-calc`: prices the order from `alex-inventory` and, in ONE TransactWriteItems,
//! takes every item's stock (`stock >= :q`, never below zero) and writes the totals on the
//! order (only once: `attribute_not_exists(total)`). A lost stock condition is the error
//! `OutOfStock`; a repeated invocation for an order already priced (a retried Lambda) returns
//! the stored totals without taking stock twice.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde_json::Value;

use super::inventory::fetch_inventory;
use super::order_from_state;
use crate::rules::dynamo::decimal_attribute;
use crate::rules::order::OrderItem;
use crate::rules::pricing::{PricedLine, Pricing, money_string, price_order};
use crate::runtime::{FunctionError, now_rfc3339, required_env};

/// `errorType` when an item's stock cannot cover the order.
pub const OUT_OF_STOCK: &str = "OutOfStock";
/// `errorType` when the order is not in `alex-orders`.
pub const ORDER_NOT_FOUND: &str = "OrderNotFound";
/// `errorType` of any other cancelled transaction.
pub const TRANSACTION_CANCELED: &str = "TransactionCanceled";
const CONDITIONAL_CHECK_FAILED: &str = "ConditionalCheckFailed";

/// The price-calc handler.
pub struct PriceCalc {
    dynamo: Client,
    orders_table: String,
    inventory_table: String,
}

/// How a cancelled transaction is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancellation {
    /// The order's own condition failed: already priced, or missing.
    OrderCondition,
    /// These items' stock conditions failed.
    OutOfStock(Vec<String>),
    /// Anything else (conflicts, throttling…), with the reasons.
    Other(String),
}

impl PriceCalc {
    /// Client and table names from the environment.
    pub fn from_env(config: &SdkConfig) -> Result<Self, FunctionError> {
        Ok(Self {
            dynamo: Client::new(config),
            orders_table: required_env("ORDERS_TABLE")?,
            inventory_table: required_env("INVENTORY_TABLE")?,
        })
    }

    /// Prices the order in the state and takes its stock.
    pub async fn handle(&self, state: Value) -> Result<Value, FunctionError> {
        let (order_id, request) = order_from_state(&state)?;
        let pricing = self.price(&request.items).await?;
        let pricing = self.commit(&order_id, &request.items, &pricing).await?;
        tracing::info!(%order_id, total = %pricing.total, "order priced, stock taken");
        serde_json::to_value(pricing.to_strings()).map_err(FunctionError::invalid_input)
    }

    async fn price(&self, items: &[OrderItem]) -> Result<Pricing, FunctionError> {
        let inventory = fetch_inventory(&self.dynamo, &self.inventory_table, items).await?;
        let lines = items
            .iter()
            .map(|item| match inventory.get(&item.item_id) {
                Some(record) => Ok(PricedLine {
                    item_id: item.item_id.clone(),
                    unit_price: record.price,
                    quantity: item.quantity,
                }),
                None => Err(FunctionError::new(
                    OUT_OF_STOCK,
                    format!("item {} no longer exists", item.item_id),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        price_order(&lines).map_err(|error| FunctionError::new("PricingError", error))
    }

    async fn commit(
        &self,
        order_id: &str,
        items: &[OrderItem],
        pricing: &Pricing,
    ) -> Result<Pricing, FunctionError> {
        let mut actions: Vec<TransactWriteItem> = items
            .iter()
            .map(|item| self.take_stock(item))
            .collect::<Result<_, _>>()?;
        actions.push(self.write_totals(order_id, pricing)?);
        let result = self
            .dynamo
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(*pricing),
            Err(error) => error.into_service_error(),
        };
        match classify(&error, items) {
            Some(Cancellation::OrderCondition) => self.stored_pricing(order_id).await,
            Some(Cancellation::OutOfStock(ids)) => Err(FunctionError::new(
                OUT_OF_STOCK,
                format!("not enough stock for {}", ids.join(", ")),
            )),
            Some(Cancellation::Other(reasons)) => Err(FunctionError::new(
                TRANSACTION_CANCELED,
                format!("the transaction was cancelled: {reasons}"),
            )),
            None => Err(FunctionError::aws("TransactWriteItems", error)),
        }
    }

    fn take_stock(&self, item: &OrderItem) -> Result<TransactWriteItem, FunctionError> {
        let update = Update::builder()
            .table_name(&self.inventory_table)
            .key("item_id", AttributeValue::S(item.item_id.clone()))
            .update_expression("SET #stock = #stock - :q")
            .condition_expression("attribute_exists(item_id) AND #stock >= :q")
            .expression_attribute_names("#stock", "stock")
            .expression_attribute_values(":q", AttributeValue::N(item.quantity.to_string()))
            .build()
            .map_err(FunctionError::invalid_input)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn write_totals(
        &self,
        order_id: &str,
        pricing: &Pricing,
    ) -> Result<TransactWriteItem, FunctionError> {
        let update = Update::builder()
            .table_name(&self.orders_table)
            .key("order_id", AttributeValue::S(order_id.to_string()))
            .update_expression(
                "SET #subtotal = :subtotal, #shipping = :shipping, #total = :total, \
                 #updated_at = :now",
            )
            .condition_expression("attribute_exists(order_id) AND attribute_not_exists(#total)")
            .expression_attribute_names("#subtotal", "subtotal")
            .expression_attribute_names("#shipping", "shipping")
            .expression_attribute_names("#total", "total")
            .expression_attribute_names("#updated_at", "updated_at")
            .expression_attribute_values(":subtotal", money(pricing.subtotal))
            .expression_attribute_values(":shipping", money(pricing.shipping))
            .expression_attribute_values(":total", money(pricing.total))
            .expression_attribute_values(":now", AttributeValue::S(now_rfc3339()))
            .build()
            .map_err(FunctionError::invalid_input)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The totals of an order priced before; `OrderNotFound` when it does not exist.
    async fn stored_pricing(&self, order_id: &str) -> Result<Pricing, FunctionError> {
        let output = self
            .dynamo
            .get_item()
            .table_name(&self.orders_table)
            .key("order_id", AttributeValue::S(order_id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| FunctionError::aws("GetItem", error.into_service_error()))?;
        let Some(item) = output.item() else {
            return Err(FunctionError::new(
                ORDER_NOT_FOUND,
                format!("order {order_id} does not exist"),
            ));
        };
        let field = |name: &str| {
            decimal_attribute(item, name).map_err(|problem| {
                FunctionError::new(ORDER_NOT_FOUND, format!("order {order_id}: {problem}"))
            })
        };
        tracing::warn!(%order_id, "order was already priced; returning the stored totals");
        Ok(Pricing {
            subtotal: field("subtotal")?,
            shipping: field("shipping")?,
            total: field("total")?,
        })
    }
}

fn money(amount: rust_decimal::Decimal) -> AttributeValue {
    AttributeValue::N(money_string(amount))
}

/// Reads a TransactWriteItems failure; `None` when it is not a cancellation.
pub fn classify(error: &TransactWriteItemsError, items: &[OrderItem]) -> Option<Cancellation> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = error else {
        return None;
    };
    let mut codes: Vec<Option<&str>> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|reason| reason.code())
        .collect();
    let message = cancelled.message().unwrap_or_default();
    if codes.is_empty() {
        codes = codes_from_message(message);
    }
    Some(classify_codes(&codes, items, message))
}

/// The reason codes AWS lists at the end of the message: `… reasons [None, ConditionalCheckFailed]`.
pub fn codes_from_message(message: &str) -> Vec<Option<&str>> {
    let Some(open) = message.rfind('[') else {
        return Vec::new();
    };
    let Some(length) = message[open..].find(']') else {
        return Vec::new();
    };
    message[open + 1..open + length]
        .split(',')
        .map(|code| Some(code.trim()).filter(|code| !code.is_empty()))
        .collect()
}

/// The cancellation from its reason codes (one per action: the items, then the order).
pub fn classify_codes(codes: &[Option<&str>], items: &[OrderItem], message: &str) -> Cancellation {
    let failed = |code: &Option<&str>| *code == Some(CONDITIONAL_CHECK_FAILED);
    if codes.get(items.len()).is_some_and(failed) {
        return Cancellation::OrderCondition;
    }
    let short: Vec<String> = items
        .iter()
        .zip(codes)
        .filter(|(_, code)| failed(code))
        .map(|(item, _)| item.item_id.clone())
        .collect();
    if !short.is_empty() {
        return Cancellation::OutOfStock(short);
    }
    Cancellation::Other(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<OrderItem> {
        ["A", "B"]
            .iter()
            .map(|id| OrderItem {
                item_id: (*id).into(),
                quantity: 1,
            })
            .collect()
    }

    #[test]
    fn a_failed_item_condition_is_out_of_stock() {
        let codes = [Some("None"), Some("ConditionalCheckFailed"), Some("None")];
        assert_eq!(
            classify_codes(&codes, &items(), "cancelled"),
            Cancellation::OutOfStock(vec!["B".into()])
        );
    }

    #[test]
    fn a_failed_order_condition_means_already_priced_or_missing() {
        let codes = [
            Some("ConditionalCheckFailed"),
            None,
            Some("ConditionalCheckFailed"),
        ];
        assert_eq!(
            classify_codes(&codes, &items(), ""),
            Cancellation::OrderCondition
        );
    }

    #[test]
    fn without_reasons_the_message_lists_the_codes() {
        let message = "Transaction cancelled, please refer cancellation reasons for specific \
                       reasons [None, ConditionalCheckFailed, None]";
        let codes = codes_from_message(message);
        assert_eq!(
            codes,
            vec![Some("None"), Some("ConditionalCheckFailed"), Some("None")]
        );
        assert_eq!(
            classify_codes(&codes, &items(), message),
            Cancellation::OutOfStock(vec!["B".into()])
        );
        assert!(codes_from_message("no list").is_empty());
        assert_eq!(
            classify_codes(
                &[Some("TransactionConflict"), None, None],
                &items(),
                "conflict"
            ),
            Cancellation::Other("conflict".into())
        );
    }
}
