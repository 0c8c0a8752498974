//! A run reduced to what the invariants read: the stock loaded and the stock now per item,
//! every order (accepted or found in the orders table) with its status, lines, customer and
//! executions, the e-mails and how many executions the state machine had.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::run::{Email, RunResult};
use crate::scenario::Scenario;

/// What the invariants see of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Item → units loaded into the inventory by the scenario.
    pub loaded: BTreeMap<String, u64>,
    /// Item → its `stock` attribute now, as written (canonical decimal text).
    pub stock_now: BTreeMap<String, String>,
    /// Every order, sorted by id.
    pub orders: Vec<OrderFacts>,
    pub emails: Vec<Email>,
    /// Executions of the state machine in all (ListExecutions).
    pub executions_started: usize,
}

/// One order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderFacts {
    pub order_id: String,
    /// Some submission of it was accepted (202, or written straight into the table).
    pub accepted: bool,
    /// Its `status` in the orders table; None when it is not there.
    pub status: Option<String>,
    /// Its customer's e-mail address, from the table.
    pub email: Option<String>,
    /// Item → units, from the table (from the scenario when the table lacks the order).
    pub lines: Vec<(String, u64)>,
    pub executions: Vec<ExecutionFacts>,
}

/// One execution of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionFacts {
    /// `SUCCEEDED`, `FAILED`, `RUNNING`, …
    pub status: String,
    /// The last state entered, None when it entered none.
    pub terminal_state: Option<String>,
}

impl Facts {
    /// The facts of `result`, a run of `scenario`.
    pub fn of_run(scenario: &Scenario, result: &RunResult) -> Facts {
        let collected = &result.collected;
        let loaded = scenario
            .inventory
            .iter()
            .map(|stock| (stock.item_id.clone(), stock.stock))
            .collect();
        let stock_now = collected
            .tables
            .get(&result.stack.inventory_table)
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let id = item.get("item_id")?.as_str()?.to_owned();
                let stock = item.get("stock").map_or_else(String::new, value_text);
                Some((id, stock))
            })
            .collect();
        let mut orders: BTreeMap<String, OrderFacts> = BTreeMap::new();
        for outcome in &collected.orders {
            let id = &outcome.submission.order_id;
            let order = orders.entry(id.clone()).or_insert_with(|| OrderFacts {
                order_id: id.clone(),
                lines: scenario_lines(scenario, id),
                ..OrderFacts::default()
            });
            order.accepted |= outcome.submission.accepted();
            order
                .executions
                .extend(outcome.executions.iter().map(|execution| ExecutionFacts {
                    status: execution.status.clone(),
                    terminal_state: execution.path.last().cloned(),
                }));
        }
        let table = collected.tables.get(&result.stack.orders_table);
        for item in table.into_iter().flatten() {
            let Some(id) = item.get("order_id").and_then(Value::as_str) else {
                continue;
            };
            let order = orders.entry(id.to_owned()).or_insert_with(|| OrderFacts {
                order_id: id.to_owned(),
                ..OrderFacts::default()
            });
            order.status = Some(
                item.get("status")
                    .map_or_else(|| "(no status)".to_owned(), value_text),
            );
            order.email = item
                .pointer("/customer/email")
                .and_then(Value::as_str)
                .map(str::to_owned);
            order.lines = table_lines(item);
        }
        Facts {
            loaded,
            stock_now,
            orders: orders.into_values().collect(),
            emails: collected.emails.clone(),
            executions_started: collected.executions_started,
        }
    }
}

/// A string value as itself, anything else as its JSON text.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The lines of the scenario's order `id` (none for a raw request).
fn scenario_lines(scenario: &Scenario, id: &str) -> Vec<(String, u64)> {
    scenario
        .orders
        .iter()
        .find(|order| order.order_id == id)
        .map(|order| {
            order
                .items
                .iter()
                .map(|line| (line.item_id.clone(), line.quantity))
                .collect()
        })
        .unwrap_or_default()
}

/// `items: [{item_id, quantity}]` of an order item; a quantity that is not a whole number
/// counts as 0 (the order could not have taken stock).
fn table_lines(item: &Value) -> Vec<(String, u64)> {
    item.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| {
            let id = line.get("item_id")?.as_str()?.to_owned();
            let quantity = line
                .get("quantity")
                .map(value_text)
                .and_then(|text| text.parse::<u64>().ok())
                .unwrap_or(0);
            Some((id, quantity))
        })
        .collect()
}
