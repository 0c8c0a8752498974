//! The scenario file's data model: what a `scenarios/<name>.yaml` may say, with the source
//! locations of the values that semantic checks report on.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// One scenario file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub description: String,
    pub seed: u64,
    #[serde(default)]
    pub inventory: Vec<InventoryItem>,
    #[serde(default)]
    pub orders: Vec<OrderSpec>,
    #[serde(default)]
    pub expect: Option<Expectations>,
}

/// An item loaded into the inventory table before the orders are submitted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryItem {
    pub item_id: Spanned<String>,
    pub name: String,
    /// The price as written (`"120.50"` or `120.50`), validated as a decimal.
    pub price: Spanned<PriceText>,
    pub stock: u64,
}

/// A decimal price kept as its text so no binary floating point ever touches money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceText(pub String);

impl<'de> Deserialize<'de> for PriceText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PriceVisitor;
        impl serde::de::Visitor<'_> for PriceVisitor {
            type Value = PriceText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal price such as \"120.50\" or 120.50")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PriceText, E> {
                Ok(PriceText(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PriceText, E> {
                Ok(PriceText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PriceText, E> {
                Ok(PriceText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PriceText, E> {
                Ok(PriceText(v.to_string()))
            }
        }
        deserializer.deserialize_str(PriceVisitor)
    }
}

/// How an order enters the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// `POST /orders` through API Gateway.
    #[default]
    Api,
    /// Written straight into the orders table (exercises the stream trigger path).
    Direct,
}

/// One order to submit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderSpec {
    #[serde(default)]
    pub order_id: Option<Spanned<String>>,
    pub customer: Customer,
    pub items: Vec<OrderLine>,
    pub payment_token: String,
    #[serde(default)]
    pub via: Via,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    pub item_id: Spanned<String>,
    pub quantity: Spanned<i64>,
}

/// Quick expectations checked before the snapshot.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// How many orders end in each status, e.g. `{COMPLETED: 1}`.
    #[serde(default)]
    pub statuses: BTreeMap<String, usize>,
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub inventory: Vec<Stock>,
    pub orders: Vec<Order>,
    pub expected_statuses: Option<BTreeMap<String, usize>>,
}

/// A validated inventory item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stock {
    pub item_id: String,
    pub name: String,
    pub price: String,
    pub stock: u64,
}

/// A validated order with its final id.
#[derive(Debug, Clone)]
pub struct Order {
    pub order_id: String,
    pub customer: Customer,
    pub items: Vec<Line>,
    pub payment_token: String,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub item_id: String,
    pub quantity: u64,
}
