//! Conversions between DynamoDB's attribute values and plain JSON / the order model.
//!
//! Two DynamoDB representations meet plain JSON here: the SDK's
//! [`aws_sdk_dynamodb::types::AttributeValue`] (GetItem, PutItem, …) and DynamoDB JSON
//! (`{"S": "x"}`, `{"N": "1.50"}`), which is what stream records carry. Numbers stay
//! decimal-exact: an `N` becomes a JSON number with the same digits (serde_json's
//! `arbitrary_precision`), never an `f64`, and back.

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

use super::order::Order;
use super::stock::InventoryRecord;

/// A DynamoDB item as the SDK models it.
pub type Item = HashMap<String, AttributeValue>;

/// A value that cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    #[error("'{0}' is not a DynamoDB number")]
    BadNumber(String),
    #[error("binary attributes are not supported ({0})")]
    Binary(String),
    #[error("malformed DynamoDB JSON: {0}")]
    Malformed(String),
    #[error("attribute {0} is missing")]
    Missing(String),
    #[error("attribute {attribute} {problem}")]
    Invalid { attribute: String, problem: String },
}

/// Plain JSON → SDK attribute value (numbers keep their digits).
pub fn json_to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(flag) => AttributeValue::Bool(*flag),
        Value::Number(number) => AttributeValue::N(number.to_string()),
        Value::String(text) => AttributeValue::S(text.clone()),
        Value::Array(values) => AttributeValue::L(values.iter().map(json_to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(json_object_to_item(map)),
    }
}

/// A plain JSON object → SDK item.
pub fn json_object_to_item(map: &Map<String, Value>) -> Item {
    map.iter()
        .map(|(key, value)| (key.clone(), json_to_attribute(value)))
        .collect()
}

/// SDK attribute value → plain JSON.
pub fn attribute_to_json(value: &AttributeValue) -> Result<Value, ConversionError> {
    Ok(match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(text) => Value::Number(parse_number(text)?),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(map) => Value::Object(item_to_json_object(map)?),
        AttributeValue::L(values) => Value::Array(
            values
                .iter()
                .map(attribute_to_json)
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::Ss(texts) => texts.iter().cloned().map(Value::String).collect(),
        AttributeValue::Ns(texts) => Value::Array(
            texts
                .iter()
                .map(|text| parse_number(text).map(Value::Number))
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::B(_) | AttributeValue::Bs(_) => {
            return Err(ConversionError::Binary("B/BS".into()));
        }
        other => return Err(ConversionError::Malformed(format!("{other:?}"))),
    })
}

/// SDK item → plain JSON object (keys sorted for stable output).
pub fn item_to_json_object(item: &Item) -> Result<Map<String, Value>, ConversionError> {
    let mut keys: Vec<&String> = item.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|key| Ok((key.clone(), attribute_to_json(&item[key])?)))
        .collect()
}

/// DynamoDB JSON (`{"S": "x"}`) → plain JSON.
pub fn dynamodb_json_to_plain(value: &Value) -> Result<Value, ConversionError> {
    let malformed = || ConversionError::Malformed(value.to_string());
    let object = value.as_object().ok_or_else(malformed)?;
    let mut entries = object.iter();
    let (Some((kind, inner)), None) = (entries.next(), entries.next()) else {
        return Err(malformed());
    };
    Ok(match (kind.as_str(), inner) {
        ("S", Value::String(text)) => Value::String(text.clone()),
        ("N", Value::String(text)) => Value::Number(parse_number(text)?),
        ("BOOL", Value::Bool(flag)) => Value::Bool(*flag),
        ("NULL", _) => Value::Null,
        ("M", Value::Object(map)) => Value::Object(dynamodb_json_map_to_plain(map)?),
        ("L", Value::Array(values)) => Value::Array(
            values
                .iter()
                .map(dynamodb_json_to_plain)
                .collect::<Result<_, _>>()?,
        ),
        ("SS", Value::Array(values)) if values.iter().all(Value::is_string) => {
            Value::Array(values.clone())
        }
        ("NS", Value::Array(values)) => Value::Array(
            values
                .iter()
                .map(|v| match v {
                    Value::String(text) => parse_number(text).map(Value::Number),
                    _ => Err(malformed()),
                })
                .collect::<Result<_, _>>()?,
        ),
        ("B" | "BS", _) => return Err(ConversionError::Binary(kind.clone())),
        _ => return Err(malformed()),
    })
}

/// A DynamoDB JSON item (`{"a": {"S": "x"}}`) → plain JSON object.
pub fn dynamodb_json_map_to_plain(
    map: &Map<String, Value>,
) -> Result<Map<String, Value>, ConversionError> {
    map.iter()
        .map(|(key, value)| Ok((key.clone(), dynamodb_json_to_plain(value)?)))
        .collect()
}

/// The order as an `alex-orders` item, with its timestamps.
pub fn order_to_item(order: &Order, created_at: &str) -> Item {
    let mut item = match serde_json::to_value(order) {
        Ok(Value::Object(map)) => json_object_to_item(&map),
        _ => Item::new(),
    };
    item.insert("created_at".into(), AttributeValue::S(created_at.into()));
    item.insert("updated_at".into(), AttributeValue::S(created_at.into()));
    item
}

/// An `alex-inventory` item → the inventory record.
pub fn inventory_record(item: &Item) -> Result<InventoryRecord, ConversionError> {
    let item_id = string_attribute(item, "item_id")?;
    let name = string_attribute(item, "name").unwrap_or_else(|_| item_id.clone());
    let price = decimal_attribute(item, "price")?;
    let stock = decimal_attribute(item, "stock")?;
    let stock = integer_stock(stock).ok_or_else(|| ConversionError::Invalid {
        attribute: "stock".into(),
        problem: format!("must be an integer >= 0, got {stock}"),
    })?;
    Ok(InventoryRecord {
        item_id,
        name,
        price,
        stock,
    })
}

/// A required `S` attribute.
pub fn string_attribute(item: &Item, name: &str) -> Result<String, ConversionError> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text.clone()),
        Some(_) => Err(ConversionError::Invalid {
            attribute: name.into(),
            problem: "must be a string (S)".into(),
        }),
        None => Err(ConversionError::Missing(name.into())),
    }
}

/// A required `N` attribute as a decimal.
pub fn decimal_attribute(item: &Item, name: &str) -> Result<Decimal, ConversionError> {
    match item.get(name) {
        Some(AttributeValue::N(text)) => parse_decimal(text),
        Some(_) => Err(ConversionError::Invalid {
            attribute: name.into(),
            problem: "must be a number (N)".into(),
        }),
        None => Err(ConversionError::Missing(name.into())),
    }
}

/// A DynamoDB number string → decimal (plain or scientific notation).
pub fn parse_decimal(text: &str) -> Result<Decimal, ConversionError> {
    let text = text.trim();
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| ConversionError::BadNumber(text.into()))
}

fn integer_stock(stock: Decimal) -> Option<u64> {
    if stock.is_sign_negative() && !stock.is_zero() || !stock.fract().is_zero() {
        return None;
    }
    stock.trunc().to_string().parse().ok()
}

fn parse_number(text: &str) -> Result<Number, ConversionError> {
    serde_json::from_str::<Number>(text.trim()).map_err(|_| ConversionError::BadNumber(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::order::{Customer, OrderItem, OrderStatus};
    use serde_json::json;

    fn order() -> Order {
        Order {
            order_id: "o1".into(),
            customer: Customer {
                name: "Ada".into(),
                email: "ada@example.com".into(),
            },
            items: vec![OrderItem {
                item_id: "A".into(),
                quantity: 2,
            }],
            payment_token: "tok_approve".into(),
            status: OrderStatus::Pending,
        }
    }

    #[test]
    fn the_order_becomes_the_contract_item() {
        let item = order_to_item(&order(), "2025-01-01T00:00:00Z");
        assert_eq!(item["order_id"], AttributeValue::S("o1".into()));
        assert_eq!(item["status"], AttributeValue::S("PENDING".into()));
        assert_eq!(item["created_at"], item["updated_at"]);
        let AttributeValue::L(items) = &item["items"] else {
            panic!("items must be a list");
        };
        let AttributeValue::M(line) = &items[0] else {
            panic!("an item must be a map");
        };
        assert_eq!(line["quantity"], AttributeValue::N("2".into()));
        let AttributeValue::M(customer) = &item["customer"] else {
            panic!("customer must be a map");
        };
        assert_eq!(
            customer["email"],
            AttributeValue::S("ada@example.com".into())
        );
    }

    #[test]
    fn sdk_values_round_trip_through_plain_json_exactly() {
        let plain: Value = serde_json::from_str(
            r#"{"a": "x", "n": 1.50, "big": 12345678901234567890123456789012345678,
                "b": true, "z": null, "l": [1, "two", {"k": 0.1}]}"#,
        )
        .expect("json");
        let item = json_object_to_item(plain.as_object().expect("object"));
        assert_eq!(item["n"], AttributeValue::N("1.50".into()));
        let back = Value::Object(item_to_json_object(&item).expect("converts"));
        assert_eq!(back, plain);
        assert_eq!(back["n"].to_string(), "1.50");
    }

    #[test]
    fn sets_convert_to_arrays_and_binary_is_refused() {
        let ss = AttributeValue::Ss(vec!["a".into(), "b".into()]);
        assert_eq!(attribute_to_json(&ss).expect("ok"), json!(["a", "b"]));
        let ns = AttributeValue::Ns(vec!["1".into(), "2.5".into()]);
        assert_eq!(attribute_to_json(&ns).expect("ok"), json!([1, 2.5]));
        let b = AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![1]));
        assert!(matches!(
            attribute_to_json(&b),
            Err(ConversionError::Binary(_))
        ));
        assert!(attribute_to_json(&AttributeValue::N("abc".into())).is_err());
    }

    #[test]
    fn stream_images_become_plain_json() {
        let image = json!({
            "order_id": {"S": "o1"},
            "customer": {"M": {"name": {"S": "Ada"}, "email": {"S": "ada@example.com"}}},
            "items": {"L": [{"M": {"item_id": {"S": "A"}, "quantity": {"N": "2"}}}]},
            "total": {"N": "250.00"},
            "flag": {"BOOL": false},
            "nothing": {"NULL": true},
            "tags": {"SS": ["x"]},
            "nums": {"NS": ["1", "2"]}
        });
        let plain =
            dynamodb_json_map_to_plain(image.as_object().expect("object")).expect("converts");
        let plain = Value::Object(plain);
        assert_eq!(plain["items"][0]["quantity"].to_string(), "2");
        assert_eq!(plain["total"].to_string(), "250.00");
        assert_eq!(plain["customer"]["name"], "Ada");
        assert_eq!(plain["flag"], false);
        assert_eq!(plain["nothing"], Value::Null);
        assert_eq!(plain["tags"], json!(["x"]));
        assert_eq!(plain["nums"], json!([1, 2]));
    }

    #[test]
    fn malformed_dynamodb_json_is_an_error() {
        for bad in [
            json!("x"),
            json!({}),
            json!({"S": 1}),
            json!({"S": "a", "N": "1"}),
            json!({"N": "one"}),
            json!({"X": "?"}),
            json!({"B": "AQ=="}),
            json!({"NS": [1]}),
        ] {
            assert!(dynamodb_json_to_plain(&bad).is_err(), "{bad}");
        }
    }

    fn inventory_item(price: &str, stock: &str) -> Item {
        HashMap::from([
            ("item_id".to_string(), AttributeValue::S("A".into())),
            ("name".to_string(), AttributeValue::S("Anvil".into())),
            ("price".to_string(), AttributeValue::N(price.into())),
            ("stock".to_string(), AttributeValue::N(stock.into())),
        ])
    }

    #[test]
    fn inventory_items_become_records() {
        let record = inventory_record(&inventory_item("19.99", "7")).expect("record");
        assert_eq!(record.item_id, "A");
        assert_eq!(record.name, "Anvil");
        assert_eq!(record.price, Decimal::new(1999, 2));
        assert_eq!(record.stock, 7);
        let scientific = inventory_record(&inventory_item("1.5E+1", "0")).expect("record");
        assert_eq!(scientific.price, Decimal::new(15, 0));
        assert_eq!(scientific.stock, 0);
    }

    #[test]
    fn bad_inventory_items_are_errors() {
        assert!(inventory_record(&inventory_item("x", "1")).is_err());
        assert!(inventory_record(&inventory_item("1", "-1")).is_err());
        assert!(inventory_record(&inventory_item("1", "1.5")).is_err());
        let mut missing = inventory_item("1", "1");
        missing.remove("price");
        assert_eq!(
            inventory_record(&missing),
            Err(ConversionError::Missing("price".into()))
        );
        let mut wrong = inventory_item("1", "1");
        wrong.insert("item_id".into(), AttributeValue::N("1".into()));
        assert!(inventory_record(&wrong).is_err());
    }
}
