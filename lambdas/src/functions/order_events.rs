//! `alex-order-events`: the `alex-orders` stream → one `OrderCreated` event per INSERT on the
//! bus `EVENT_BUS_NAME`. MODIFY and REMOVE records are ignored. Any failed entry fails the
//! invocation, so the event source mapping retries the batch.
//!
//! The detail is the order's fields as plain JSON, passed through as stored (a malformed order
//! written straight into the table is still announced, so that `VerifyStock` can reject it).

use aws_config::SdkConfig;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde_json::{Map, Value};

use crate::rules::dynamo::dynamodb_json_map_to_plain;
use crate::runtime::{FunctionError, optional_env};

/// The event source.
pub const SOURCE: &str = "alex.orders";
/// The event detail type.
pub const DETAIL_TYPE: &str = "OrderCreated";
/// The order fields an `OrderCreated` detail carries, in this order.
pub const DETAIL_FIELDS: [&str; 5] = ["order_id", "customer", "items", "payment_token", "status"];
/// PutEvents accepts at most this many entries a call.
const MAX_ENTRIES: usize = 10;

/// The order-events handler.
pub struct OrderEvents {
    events: Client,
    bus_name: String,
}

impl OrderEvents {
    /// Client and bus name from the environment (`EVENT_BUS_NAME`, default `default`).
    pub fn from_env(config: &SdkConfig) -> Result<Self, FunctionError> {
        Ok(Self {
            events: Client::new(config),
            bus_name: optional_env("EVENT_BUS_NAME").unwrap_or_else(|| "default".to_string()),
        })
    }

    /// Handles one stream batch; answers how many events were put.
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let details = inserted_orders(&event)?;
        for chunk in details.chunks(MAX_ENTRIES) {
            self.put(chunk).await?;
        }
        tracing::info!(count = details.len(), "OrderCreated events put");
        Ok(serde_json::json!({ "published": details.len() }))
    }

    async fn put(&self, details: &[Value]) -> Result<(), FunctionError> {
        let entries: Vec<PutEventsRequestEntry> = details
            .iter()
            .map(|detail| {
                PutEventsRequestEntry::builder()
                    .source(SOURCE)
                    .detail_type(DETAIL_TYPE)
                    .event_bus_name(&self.bus_name)
                    .detail(detail.to_string())
                    .build()
            })
            .collect();
        let output = self
            .events
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|error| FunctionError::aws("PutEvents", error.into_service_error()))?;
        let failed = output.failed_entry_count();
        if failed > 0 {
            let codes: Vec<String> = output
                .entries()
                .iter()
                .filter_map(|entry| entry.error_code().map(str::to_string))
                .collect();
            return Err(FunctionError::new(
                "PutEventsFailed",
                format!("{failed} event(s) were not put: {}", codes.join(", ")),
            ));
        }
        Ok(())
    }
}

/// The `OrderCreated` details of every INSERT record, in record order.
pub fn inserted_orders(event: &Value) -> Result<Vec<Value>, FunctionError> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| FunctionError::invalid_input("the stream event has no Records array"))?;
    records
        .iter()
        .filter(|record| record.get("eventName").and_then(Value::as_str) == Some("INSERT"))
        .map(order_detail)
        .collect()
}

/// The detail of one INSERT record: the order fields of its NewImage as plain JSON.
pub fn order_detail(record: &Value) -> Result<Value, FunctionError> {
    let image = record
        .pointer("/dynamodb/NewImage")
        .and_then(Value::as_object)
        .ok_or_else(|| FunctionError::invalid_input("an INSERT record has no dynamodb.NewImage"))?;
    let plain = dynamodb_json_map_to_plain(image).map_err(FunctionError::invalid_input)?;
    let detail: Map<String, Value> = DETAIL_FIELDS
        .iter()
        .filter_map(|field| {
            plain
                .get(*field)
                .map(|value| (field.to_string(), value.clone()))
        })
        .collect();
    Ok(Value::Object(detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn insert(order_id: &str) -> Value {
        json!({
            "eventName": "INSERT",
            "dynamodb": {"NewImage": {
                "created_at": {"S": "2025-01-01T00:00:00Z"},
                "status": {"S": "PENDING"},
                "payment_token": {"S": "tok_approve"},
                "items": {"L": [{"M": {"item_id": {"S": "A"}, "quantity": {"N": "2"}}}]},
                "customer": {"M": {"name": {"S": "Ada"}, "email": {"S": "ada@example.com"}}},
                "order_id": {"S": order_id}
            }}
        })
    }

    #[test]
    fn only_inserts_become_events_with_the_contract_detail() {
        let event = json!({"Records": [
            insert("o1"),
            {"eventName": "MODIFY", "dynamodb": {"NewImage": {"order_id": {"S": "o1"}}}},
            {"eventName": "REMOVE", "dynamodb": {}},
            insert("o2")
        ]});
        let details = inserted_orders(&event).expect("details");
        assert_eq!(details.len(), 2);
        assert_eq!(
            details[0].to_string(),
            r#"{"order_id":"o1","customer":{"name":"Ada","email":"ada@example.com"},"items":[{"item_id":"A","quantity":2}],"payment_token":"tok_approve","status":"PENDING"}"#
        );
        assert_eq!(details[1]["order_id"], "o2");
    }

    #[test]
    fn malformed_orders_are_passed_through() {
        let record = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {
            "order_id": {"S": "bad"}, "items": {"L": [{"M": {"item_id": {"S": "A"}, "quantity": {"N": "1.5"}}}]}
        }}});
        let detail = order_detail(&record).expect("detail");
        assert_eq!(
            detail.to_string(),
            r#"{"order_id":"bad","items":[{"item_id":"A","quantity":1.5}]}"#
        );
    }

    #[test]
    fn broken_events_are_errors() {
        assert!(inserted_orders(&json!({})).is_err());
        let no_image = json!({"Records": [{"eventName": "INSERT", "dynamodb": {}}]});
        assert_eq!(
            inserted_orders(&no_image).map_err(|e| e.error_type),
            Err("InvalidInput".to_string())
        );
        let no_records = json!({"Records": []});
        assert_eq!(inserted_orders(&no_records).map(|d| d.len()), Ok(0));
    }
}
