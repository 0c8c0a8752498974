//! Stock verification against inventory lookups.
//!
//! Given the order's items and what `alex-inventory` holds for them, decides whether every item
//! exists with enough stock, and if not, explains every shortfall in one reason string.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::order::OrderItem;

/// One `alex-inventory` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRecord {
    pub item_id: String,
    pub name: String,
    pub price: Decimal,
    pub stock: u64,
}

/// What the stock-verify Lambda returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCheck {
    pub valid: bool,
    pub reason: Option<String>,
}

impl StockCheck {
    /// A passing check.
    pub fn ok() -> Self {
        Self {
            valid: true,
            reason: None,
        }
    }

    /// A failing check with its reason.
    pub fn rejected(reason: impl Into<String>) -> Self {
        Self {
            valid: false,
            reason: Some(reason.into()),
        }
    }
}

/// One reason an item cannot be supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockProblem {
    UnknownItem {
        item_id: String,
    },
    InsufficientStock {
        item_id: String,
        requested: u64,
        available: u64,
    },
}

impl std::fmt::Display for StockProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownItem { item_id } => write!(f, "unknown item {item_id}"),
            Self::InsufficientStock {
                item_id,
                requested,
                available,
            } => write!(
                f,
                "insufficient stock for {item_id}: requested {requested}, available {available}"
            ),
        }
    }
}

/// Every problem with the order's items, in item order.
pub fn stock_problems(
    items: &[OrderItem],
    inventory: &HashMap<String, InventoryRecord>,
) -> Vec<StockProblem> {
    items
        .iter()
        .filter_map(|item| match inventory.get(&item.item_id) {
            None => Some(StockProblem::UnknownItem {
                item_id: item.item_id.clone(),
            }),
            Some(record) if record.stock < item.quantity => Some(StockProblem::InsufficientStock {
                item_id: item.item_id.clone(),
                requested: item.quantity,
                available: record.stock,
            }),
            Some(_) => None,
        })
        .collect()
}

/// The verdict: valid, or rejected with every problem joined by `; `.
pub fn verify_stock(
    items: &[OrderItem],
    inventory: &HashMap<String, InventoryRecord>,
) -> StockCheck {
    let problems = stock_problems(items, inventory);
    if problems.is_empty() {
        return StockCheck::ok();
    }
    let reasons: Vec<String> = problems.iter().map(ToString::to_string).collect();
    StockCheck::rejected(reasons.join("; "))
}

/// The verdict for an order that failed validation.
pub fn invalid_order(errors: &[String]) -> StockCheck {
    StockCheck::rejected(format!("invalid order: {}", errors.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(item_id: &str, quantity: u64) -> OrderItem {
        OrderItem {
            item_id: item_id.into(),
            quantity,
        }
    }

    fn inventory(records: &[(&str, u64)]) -> HashMap<String, InventoryRecord> {
        records
            .iter()
            .map(|(id, stock)| {
                let record = InventoryRecord {
                    item_id: (*id).into(),
                    name: format!("Item {id}"),
                    price: Decimal::new(1000, 2),
                    stock: *stock,
                };
                ((*id).to_string(), record)
            })
            .collect()
    }

    #[test]
    fn enough_stock_is_valid() {
        let check = verify_stock(
            &[item("A", 2), item("B", 5)],
            &inventory(&[("A", 2), ("B", 9)]),
        );
        assert_eq!(check, StockCheck::ok());
    }

    #[test]
    fn unknown_items_are_rejected() {
        let check = verify_stock(&[item("Z", 1)], &inventory(&[("A", 2)]));
        assert_eq!(check, StockCheck::rejected("unknown item Z"));
    }

    #[test]
    fn insufficient_stock_is_rejected_with_the_numbers() {
        let check = verify_stock(&[item("A", 3)], &inventory(&[("A", 2)]));
        assert_eq!(
            check.reason.as_deref(),
            Some("insufficient stock for A: requested 3, available 2")
        );
        assert!(!check.valid);
    }

    #[test]
    fn every_problem_is_listed_in_item_order() {
        let check = verify_stock(
            &[item("A", 3), item("B", 1), item("C", 1)],
            &inventory(&[("A", 0), ("B", 1)]),
        );
        assert_eq!(
            check.reason.as_deref(),
            Some("insufficient stock for A: requested 3, available 0; unknown item C")
        );
    }

    #[test]
    fn invalid_orders_carry_their_errors() {
        let check = invalid_order(&[
            "customer.name is required".into(),
            "items is required".into(),
        ]);
        assert_eq!(
            check,
            StockCheck::rejected("invalid order: customer.name is required; items is required")
        );
    }
}
