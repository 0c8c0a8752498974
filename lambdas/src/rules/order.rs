//! The order model and request validation.
//!
//! `validate_order` checks a plain-JSON order (the `POST /orders` body, or the state-machine
//! input on the trigger path) and reports EVERY problem it finds, each as a clear message naming
//! the offending field (`items[1].quantity must be a positive integer`), or returns the typed
//! [`OrderRequest`]. Pure: no I/O, no clock; id generation is injected by the caller.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The most items one order may hold (stock is taken in one DynamoDB transaction of at most
/// 100 actions: one per item plus the order itself).
pub const MAX_ITEMS: usize = 50;
/// The largest quantity of one item in an order.
pub const MAX_QUANTITY: u64 = 1_000_000;
/// The longest `order_id` accepted.
pub const MAX_ORDER_ID_LEN: usize = 128;

/// The customer an order belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub item_id: String,
    pub quantity: u64,
}

/// The lifecycle of an order (`status` in `alex-orders`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Completed,
    Rejected,
    PaymentFailed,
    Failed,
}

impl OrderStatus {
    /// The status as stored in DynamoDB.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Completed => "COMPLETED",
            Self::Rejected => "REJECTED",
            Self::PaymentFailed => "PAYMENT_FAILED",
            Self::Failed => "FAILED",
        }
    }
}

/// A validated order as it travels between the pieces (plain JSON shape of the contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub customer: Customer,
    pub items: Vec<OrderItem>,
    pub payment_token: String,
    pub status: OrderStatus,
}

/// A validated request: everything but the id is known; the id is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub order_id: Option<String>,
    pub customer: Customer,
    pub items: Vec<OrderItem>,
    pub payment_token: String,
}

impl OrderRequest {
    /// The PENDING order this request creates; `new_id` is called only when no id was given.
    pub fn into_order(self, new_id: impl FnOnce() -> String) -> Order {
        Order {
            order_id: self.order_id.unwrap_or_else(new_id),
            customer: self.customer,
            items: self.items,
            payment_token: self.payment_token,
            status: OrderStatus::Pending,
        }
    }
}

/// Whether `order_id` must be present (state-machine input) or may be generated (API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderIdRule {
    Optional,
    Required,
}

/// Parses a request body and validates it; every problem is listed.
pub fn validate_body(body: &str, id_rule: OrderIdRule) -> Result<OrderRequest, Vec<String>> {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => validate_order(&value, id_rule),
        Err(error) => Err(vec![format!("body is not valid JSON: {error}")]),
    }
}

/// Validates a plain-JSON order; every problem is listed.
pub fn validate_order(value: &Value, id_rule: OrderIdRule) -> Result<OrderRequest, Vec<String>> {
    let Some(object) = value.as_object() else {
        return Err(vec!["body must be a JSON object".to_string()]);
    };
    let mut errors = Vec::new();
    let order_id = check_order_id(object.get("order_id"), id_rule, &mut errors);
    let customer = check_customer(object.get("customer"), &mut errors);
    let items = check_items(object.get("items"), &mut errors);
    let payment_token = required_string(object, "payment_token", "payment_token", &mut errors);
    match (customer, items, payment_token) {
        (Some(customer), Some(items), Some(payment_token)) if errors.is_empty() => {
            Ok(OrderRequest {
                order_id,
                customer,
                items,
                payment_token,
            })
        }
        _ => Err(errors),
    }
}

/// True when `id` is a non-empty string of letters, digits, `-`, `_`, `.` or `:`.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ORDER_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// A deliberately simple e-mail check: `local@domain.tld`, no spaces, one `@`.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && labels.len() >= 2
        && labels.iter().all(|label| !label.is_empty())
}

fn check_order_id(
    value: Option<&Value>,
    id_rule: OrderIdRule,
    errors: &mut Vec<String>,
) -> Option<String> {
    let id_problem = format!(
        "order_id must be a non-empty string of letters, digits, '-', '_', '.' or ':' \
         (at most {MAX_ORDER_ID_LEN} characters)"
    );
    match value {
        None | Some(Value::Null) if id_rule == OrderIdRule::Optional => None,
        None | Some(Value::Null) => {
            errors.push("order_id is required".to_string());
            None
        }
        Some(Value::String(id)) if is_safe_id(id) => Some(id.clone()),
        Some(_) => {
            errors.push(id_problem);
            None
        }
    }
}

fn check_customer(value: Option<&Value>, errors: &mut Vec<String>) -> Option<Customer> {
    let customer = match value {
        None | Some(Value::Null) => {
            errors.push("customer is required".to_string());
            return None;
        }
        Some(Value::Object(customer)) => customer,
        Some(_) => {
            errors.push("customer must be an object with name and email".to_string());
            return None;
        }
    };
    let name = required_string(customer, "name", "customer.name", errors);
    let email = required_string(customer, "email", "customer.email", errors);
    let email = email.filter(|email| {
        let plausible = is_plausible_email(email);
        if !plausible {
            errors.push(format!(
                "customer.email '{email}' is not a valid e-mail address"
            ));
        }
        plausible
    });
    Some(Customer {
        name: name?,
        email: email?,
    })
}

fn check_items(value: Option<&Value>, errors: &mut Vec<String>) -> Option<Vec<OrderItem>> {
    let items = match value {
        None | Some(Value::Null) => {
            errors.push("items is required".to_string());
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push("items must be an array".to_string());
            return None;
        }
    };
    if items.is_empty() {
        errors.push("items must contain at least one item".to_string());
        return None;
    }
    if items.len() > MAX_ITEMS {
        errors.push(format!("items must contain at most {MAX_ITEMS} items"));
    }
    let before = errors.len();
    let checked: Vec<Option<OrderItem>> = items
        .iter()
        .enumerate()
        .map(|(index, item)| check_item(index, item, errors))
        .collect();
    report_duplicates(&checked, errors);
    let all: Option<Vec<OrderItem>> = checked.into_iter().collect();
    all.filter(|_| errors.len() == before)
}

fn check_item(index: usize, item: &Value, errors: &mut Vec<String>) -> Option<OrderItem> {
    let Some(item) = item.as_object() else {
        errors.push(format!(
            "items[{index}] must be an object with item_id and quantity"
        ));
        return None;
    };
    let item_id = required_string(item, "item_id", &format!("items[{index}].item_id"), errors);
    let quantity = check_quantity(index, item.get("quantity"), errors);
    Some(OrderItem {
        item_id: item_id?,
        quantity: quantity?,
    })
}

fn check_quantity(index: usize, value: Option<&Value>, errors: &mut Vec<String>) -> Option<u64> {
    let field = format!("items[{index}].quantity");
    match value {
        None | Some(Value::Null) => errors.push(format!("{field} is required")),
        Some(Value::Number(number)) => match number.as_u64() {
            Some(quantity) if quantity > MAX_QUANTITY => {
                errors.push(format!("{field} must be at most {MAX_QUANTITY}"));
            }
            Some(quantity) if quantity > 0 => return Some(quantity),
            _ => errors.push(format!("{field} must be a positive integer")),
        },
        Some(_) => errors.push(format!("{field} must be a positive integer")),
    }
    None
}

fn report_duplicates(items: &[Option<OrderItem>], errors: &mut Vec<String>) {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let Some(item) = item else { continue };
        match first_seen.get(item.item_id.as_str()) {
            Some(first) => errors.push(format!(
                "items[{index}].item_id '{}' duplicates items[{first}]",
                item.item_id
            )),
            None => {
                first_seen.insert(&item.item_id, index);
            }
        }
    }
}

fn required_string(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
    errors: &mut Vec<String>,
) -> Option<String> {
    match object.get(key) {
        None | Some(Value::Null) => errors.push(format!("{field} is required")),
        Some(Value::String(text)) if text.trim().is_empty() => {
            errors.push(format!("{field} must not be empty"));
        }
        Some(Value::String(text)) => return Some(text.clone()),
        Some(_) => errors.push(format!("{field} must be a string")),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid_body() -> Value {
        json!({
            "order_id": "ord-1",
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "items": [{"item_id": "A", "quantity": 2}, {"item_id": "B", "quantity": 1}],
            "payment_token": "tok_approve"
        })
    }

    fn errors_of(value: Value) -> Vec<String> {
        validate_order(&value, OrderIdRule::Optional).expect_err("should be invalid")
    }

    #[test]
    fn a_valid_body_gives_the_typed_request() {
        let request = validate_order(&valid_body(), OrderIdRule::Optional).expect("valid");
        assert_eq!(request.order_id.as_deref(), Some("ord-1"));
        assert_eq!(request.customer.name, "Ada");
        assert_eq!(
            request.items,
            vec![
                OrderItem {
                    item_id: "A".into(),
                    quantity: 2
                },
                OrderItem {
                    item_id: "B".into(),
                    quantity: 1
                }
            ]
        );
        assert_eq!(request.payment_token, "tok_approve");
    }

    #[test]
    fn a_missing_order_id_is_generated_only_when_optional() {
        let mut body = valid_body();
        body.as_object_mut().map(|o| o.remove("order_id"));
        let request = validate_order(&body, OrderIdRule::Optional).expect("valid");
        let order = request.into_order(|| "generated".to_string());
        assert_eq!(order.order_id, "generated");
        assert_eq!(order.status, OrderStatus::Pending);
        assert_eq!(
            validate_order(&body, OrderIdRule::Required).unwrap_err(),
            vec!["order_id is required"]
        );
    }

    #[test]
    fn a_given_order_id_is_kept() {
        let request = validate_order(&valid_body(), OrderIdRule::Optional).expect("valid");
        let order = request.into_order(|| panic!("must not generate"));
        assert_eq!(order.order_id, "ord-1");
    }

    #[test]
    fn unsafe_or_empty_order_ids_are_rejected() {
        for bad in [json!(""), json!("a b"), json!("x/y"), json!(7), json!("é")] {
            let mut body = valid_body();
            body["order_id"] = bad.clone();
            let errors = errors_of(body);
            assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
            assert!(errors[0].starts_with("order_id must be"), "{errors:?}");
        }
        let mut body = valid_body();
        body["order_id"] = json!("o".repeat(MAX_ORDER_ID_LEN + 1));
        assert_eq!(errors_of(body).len(), 1);
    }

    #[test]
    fn every_problem_is_listed() {
        let body = json!({
            "customer": {"name": "  ", "email": "not-an-email"},
            "items": [
                {"quantity": 1},
                {"item_id": "A", "quantity": 0},
                {"item_id": "A", "quantity": 1.5},
                {"item_id": "B", "quantity": "3"},
                {"item_id": "B", "quantity": 1}
            ]
        });
        assert_eq!(
            errors_of(body),
            vec![
                "customer.name must not be empty",
                "customer.email 'not-an-email' is not a valid e-mail address",
                "items[0].item_id is required",
                "items[1].quantity must be a positive integer",
                "items[2].quantity must be a positive integer",
                "items[3].quantity must be a positive integer",
                "payment_token is required",
            ]
        );
    }

    #[test]
    fn duplicates_are_reported_with_both_positions() {
        let mut body = valid_body();
        body["items"] = json!([
            {"item_id": "A", "quantity": 1},
            {"item_id": "B", "quantity": 1},
            {"item_id": "A", "quantity": 2}
        ]);
        assert_eq!(
            errors_of(body),
            vec!["items[2].item_id 'A' duplicates items[0]"]
        );
    }

    #[test]
    fn missing_customer_and_items_are_reported() {
        let body = json!({"payment_token": ""});
        assert_eq!(
            errors_of(body),
            vec![
                "customer is required",
                "items is required",
                "payment_token must not be empty"
            ]
        );
    }

    #[test]
    fn missing_customer_fields_are_reported() {
        let mut body = valid_body();
        body["customer"] = json!({});
        assert_eq!(
            errors_of(body),
            vec!["customer.name is required", "customer.email is required"]
        );
        let mut body = valid_body();
        body["customer"] = json!("Ada");
        assert_eq!(
            errors_of(body),
            vec!["customer must be an object with name and email"]
        );
    }

    #[test]
    fn empty_or_wrongly_typed_items_are_reported() {
        let mut body = valid_body();
        body["items"] = json!([]);
        assert_eq!(
            errors_of(body),
            vec!["items must contain at least one item"]
        );
        let mut body = valid_body();
        body["items"] = json!({"item_id": "A"});
        assert_eq!(errors_of(body), vec!["items must be an array"]);
        let mut body = valid_body();
        body["items"] = json!(["A"]);
        assert_eq!(
            errors_of(body),
            vec!["items[0] must be an object with item_id and quantity"]
        );
    }

    #[test]
    fn quantity_bounds_are_enforced() {
        let mut body = valid_body();
        body["items"] = json!([
            {"item_id": "A", "quantity": -1},
            {"item_id": "B", "quantity": MAX_QUANTITY + 1},
            {"item_id": "C"},
            {"item_id": "D", "quantity": 100000000000000000000000u128}
        ]);
        assert_eq!(
            errors_of(body),
            vec![
                "items[0].quantity must be a positive integer",
                format!("items[1].quantity must be at most {MAX_QUANTITY}").as_str(),
                "items[2].quantity is required",
                "items[3].quantity must be a positive integer",
            ]
        );
    }

    #[test]
    fn too_many_items_are_reported() {
        let mut body = valid_body();
        let items: Vec<Value> = (0..=MAX_ITEMS)
            .map(|i| json!({"item_id": format!("I{i}"), "quantity": 1}))
            .collect();
        body["items"] = Value::Array(items);
        assert_eq!(
            errors_of(body),
            vec![format!("items must contain at most {MAX_ITEMS} items")]
        );
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_rejected() {
        let errors = validate_body("{not json", OrderIdRule::Optional).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("body is not valid JSON"),
            "{errors:?}"
        );
        assert_eq!(
            validate_body("[1,2]", OrderIdRule::Optional).unwrap_err(),
            vec!["body must be a JSON object"]
        );
        assert_eq!(
            validate_body("", OrderIdRule::Optional).unwrap_err().len(),
            1
        );
    }

    #[test]
    fn email_plausibility() {
        assert!(is_plausible_email("a.b+c@mail.example.org"));
        for bad in [
            "",
            "a",
            "@x.org",
            "a@",
            "a@b",
            "a@b.",
            "a@@b.org",
            "a b@c.org",
            "a@.org",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn the_order_serialises_to_the_contract_shape() {
        let request = validate_order(&valid_body(), OrderIdRule::Optional).expect("valid");
        let order = request.into_order(String::new);
        let value = serde_json::to_value(&order).expect("serialises");
        assert_eq!(
            value.to_string(),
            r#"{"order_id":"ord-1","customer":{"name":"Ada","email":"ada@example.com"},"items":[{"item_id":"A","quantity":2},{"item_id":"B","quantity":1}],"payment_token":"tok_approve","status":"PENDING"}"#
        );
        assert_eq!(OrderStatus::PaymentFailed.as_str(), "PAYMENT_FAILED");
    }
}
