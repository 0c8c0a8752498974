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
    /// The embedded emulator's scheduler seed (the order concurrent work runs in); `seed` when
    /// absent. `explore --interleavings` varies it alone, so order ids stay the same.
    #[serde(default)]
    pub schedule_seed: Option<u64>,
    #[serde(default)]
    pub inventory: Vec<InventoryItem>,
    #[serde(default)]
    pub orders: Vec<OrderSpec>,
    /// Raw `POST /orders` bodies, sent verbatim (malformed requests the API must answer 400).
    #[serde(default)]
    pub requests: Vec<RawRequest>,
    /// Faults injected into the embedded emulator before the orders are submitted.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// An existing Step Functions Local MockConfigFile (JSON), relative to the scenario file.
    #[serde(default)]
    pub mock_config: Option<Spanned<String>>,
    /// The orders race for stock and which of them win may vary between runs — on the real
    /// clock or another backend; the embedded virtual clock decides it by the seed: the
    /// snapshot shows how many end in each status instead of each order.
    #[serde(default)]
    pub race: bool,
    #[serde(default)]
    pub expect: Option<Expectations>,
    /// Which built-in invariants this scenario opts out of, and why.
    #[serde(default)]
    pub invariants: Option<InvariantsSpec>,
}

/// `invariants:` — the built-in invariants run on every scenario; `skip` names the ones this
/// scenario opts out of, each with the reason (`{stock-conserved: "the fault drops the
/// release on purpose"}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvariantsSpec {
    #[serde(default)]
    pub skip: Option<Spanned<BTreeMap<String, String>>>,
}

/// A request body sent as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub body: String,
}

/// One fault, as written: a target (`function` or `state`), which invocations (`"0"`,
/// `"1-2"` — 0-based, as MockConfigFile's index keys — or `all`) and one response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub function: Option<Spanned<String>>,
    #[serde(default)]
    pub state: Option<Spanned<String>>,
    pub invocations: Spanned<String>,
    #[serde(default)]
    pub throw: Option<ThrowSpec>,
    #[serde(default)]
    pub timeout: Option<bool>,
    #[serde(default, rename = "return")]
    pub return_value: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrowSpec {
    pub error: String,
    #[serde(default)]
    pub cause: String,
}

/// What a fault targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// Every invocation of a Lambda function, wherever it comes from.
    Function(String),
    /// A Task state of the state machine, before its integration is called.
    State(String),
}

/// What a faulted invocation does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultResponse {
    Throw { error: String, cause: String },
    Timeout,
    Return(serde_json::Value),
}

/// A validated fault; `invocations` is a MockConfigFile index key (`"0"`, `"1-2"`, `"*"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub target: FaultTarget,
    pub invocations: String,
    pub response: FaultResponse,
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
    /// How many such orders (each with its own derived id); `order_id` must then be absent.
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    /// How many times the same order is submitted (2 or more exercises the 409 answer).
    #[serde(default)]
    pub submissions: Option<Spanned<i64>>,
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
    /// How many orders end in each status, as a range or an exact number:
    /// `{COMPLETED: {min: 1, max: 3}, FAILED: 0}`; `min` and `max` are inclusive and either
    /// may be left out.
    #[serde(default)]
    pub counts: Option<Spanned<BTreeMap<String, crate::invariants::CountRange>>>,
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// The embedded emulator's scheduler seed (`schedule_seed`, else `seed`).
    pub schedule_seed: u64,
    pub inventory: Vec<Stock>,
    pub orders: Vec<Order>,
    pub requests: Vec<String>,
    pub faults: Vec<Fault>,
    /// The MockConfigFile named by `mock_config`, parsed.
    pub mock_config: Option<serde_json::Value>,
    pub race: bool,
    pub expected_statuses: Option<BTreeMap<String, usize>>,
    /// Status → how many orders may end in it (`expect.counts`, validated).
    pub expected_counts: BTreeMap<String, crate::invariants::CountRange>,
    /// Built-in invariant name → why this scenario does not check it.
    pub skipped_invariants: BTreeMap<String, String>,
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
    pub submissions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub item_id: String,
    pub quantity: u64,
}
