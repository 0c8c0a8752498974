//! The built-in invariants, one function each over [`Facts`]; each returns every violation it
//! finds, naming the item or order and the numbers.

use std::collections::{BTreeMap, BTreeSet};

use super::{Facts, OrderFacts, Violation};

/// Which order status each way an execution can end stands for: (terminal state, execution
/// status, order status) — app/README.md, "Paths through the machine".
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("CompleteOrder", "SUCCEEDED", "COMPLETED"),
    ("Rejected", "SUCCEEDED", "REJECTED"),
    ("PaymentFailed", "SUCCEEDED", "PAYMENT_FAILED"),
    ("OrderFailed", "FAILED", "FAILED"),
];

const COMPLETED: &str = "COMPLETED";

fn units(n: u128) -> String {
    format!("{n} unit{}", if n == 1 { "" } else { "s" })
}

/// Per item: stock now + units in COMPLETED orders = stock loaded.
pub fn stock_conserved(facts: &Facts) -> Vec<Violation> {
    let mut sold: BTreeMap<&str, u128> = BTreeMap::new();
    for order in completed(facts) {
        for (item, quantity) in &order.lines {
            *sold.entry(item).or_default() += u128::from(*quantity);
        }
    }
    let items: BTreeSet<&str> = facts
        .loaded
        .keys()
        .chain(facts.stock_now.keys())
        .map(String::as_str)
        .chain(sold.keys().copied())
        .collect();
    let name = "stock-conserved";
    let mut violations = Vec::new();
    for item in items {
        let subject = format!("item {item}");
        let loaded = facts.loaded.get(item).copied().map_or(0, u128::from);
        let sold = sold.get(item).copied().unwrap_or(0);
        let now = match facts.stock_now.get(item) {
            None => {
                violations.push(Violation::new(
                    name,
                    subject,
                    format!(
                        "missing from the inventory table ({} loaded, {} in COMPLETED orders)",
                        units(loaded),
                        units(sold)
                    ),
                ));
                continue;
            }
            Some(text) => match text.parse::<u128>() {
                Ok(now) => now,
                Err(_) => {
                    violations.push(Violation::new(
                        name,
                        subject,
                        format!("its stock is {text:?}, not a whole number ≥ 0"),
                    ));
                    continue;
                }
            },
        };
        if now + sold != loaded {
            let off = if now + sold > loaded {
                format!("{} too many", units(now + sold - loaded))
            } else {
                format!("{} missing", units(loaded - now - sold))
            };
            violations.push(Violation::new(
                name,
                subject,
                format!(
                    "{now} in stock + {} in COMPLETED orders = {}, but {loaded} were loaded ({off})",
                    units(sold),
                    now + sold
                ),
            ));
        }
    }
    violations
}

fn completed(facts: &Facts) -> impl Iterator<Item = &OrderFacts> {
    facts
        .orders
        .iter()
        .filter(|order| order.status.as_deref() == Some(COMPLETED))
}

/// No accepted order is missing from the orders table or left PENDING.
pub fn no_order_pending(facts: &Facts) -> Vec<Violation> {
    let name = "no-order-pending";
    facts
        .orders
        .iter()
        .filter_map(|order| {
            let subject = format!("order {}", order.order_id);
            match order.status.as_deref() {
                None if order.accepted => Some(Violation::new(
                    name,
                    subject,
                    "accepted, but not in the orders table",
                )),
                Some("PENDING") => Some(Violation::new(
                    name,
                    subject,
                    format!(
                        "still PENDING after its execution{} ended",
                        if order.executions.len() == 1 { "" } else { "s" }
                    ),
                )),
                _ => None,
            }
        })
        .collect()
}

/// Every execution has ended.
pub fn no_execution_running(facts: &Facts) -> Vec<Violation> {
    facts
        .orders
        .iter()
        .flat_map(|order| {
            order
                .executions
                .iter()
                .filter(|execution| execution.status == "RUNNING")
                .map(|execution| {
                    Violation::new(
                        "no-execution-running",
                        format!("order {}", order.order_id),
                        format!(
                            "an execution is still RUNNING (last state entered: {})",
                            execution.terminal_state.as_deref().unwrap_or("none")
                        ),
                    )
                })
        })
        .collect()
}

/// Each order's status is the one its (last) execution's terminal state stands for.
pub fn status_matches_execution(facts: &Facts) -> Vec<Violation> {
    let name = "status-matches-execution";
    let mut violations = Vec::new();
    for order in &facts.orders {
        let (Some(status), Some(execution)) = (&order.status, order.executions.last()) else {
            continue;
        };
        if execution.status == "RUNNING" {
            continue;
        }
        let state = execution.terminal_state.as_deref().unwrap_or("none");
        let expected = OUTCOMES
            .iter()
            .find(|(terminal, ended, _)| *terminal == state && *ended == execution.status)
            .map(|(.., status)| *status);
        let subject = format!("order {}", order.order_id);
        let ended = format!("its execution ended {} in state {state}", execution.status);
        match expected {
            None => violations.push(Violation::new(
                name,
                subject,
                format!("status {status}, but {ended}, which stands for no order status"),
            )),
            Some(expected) if expected != status => violations.push(Violation::new(
                name,
                subject,
                format!("status {status}, but {ended}, which stands for {expected}"),
            )),
            Some(_) => {}
        }
    }
    violations
}

/// Every accepted order has exactly one execution, an order never accepted has none, and the
/// state machine ran no execution that belongs to no order.
pub fn one_execution_per_order(facts: &Facts) -> Vec<Violation> {
    let name = "one-execution-per-order";
    let mut violations: Vec<Violation> = facts
        .orders
        .iter()
        .filter_map(|order| {
            let (count, wanted) = (order.executions.len(), usize::from(order.accepted));
            let how = if order.accepted {
                "accepted"
            } else {
                "never accepted"
            };
            (count != wanted).then(|| {
                Violation::new(
                    name,
                    format!("order {}", order.order_id),
                    format!("{how}, {count} executions, expected {wanted}"),
                )
            })
        })
        .collect();
    let attributed: usize = facts.orders.iter().map(|o| o.executions.len()).sum();
    if facts.executions_started > attributed {
        violations.push(Violation::new(
            name,
            "the state machine",
            format!(
                "{} executions in all, {attributed} of them for the orders: {} belong to no order",
                facts.executions_started,
                facts.executions_started - attributed
            ),
        ));
    }
    violations
}

/// One e-mail per COMPLETED order (naming it, to its customer), none for any other order, and
/// no e-mail that names no order.
pub fn one_email_per_completed_order(facts: &Facts) -> Vec<Violation> {
    let name = "one-email-per-completed-order";
    let mut violations = Vec::new();
    let mut named_some = vec![false; facts.emails.len()];
    for order in &facts.orders {
        let mine: Vec<usize> = facts
            .emails
            .iter()
            .enumerate()
            .filter(|(_, email)| {
                names(&email.subject, &order.order_id) || names(&email.body, &order.order_id)
            })
            .map(|(index, _)| index)
            .collect();
        for index in &mine {
            if let Some(flag) = named_some.get_mut(*index) {
                *flag = true;
            }
        }
        let subject = format!("order {}", order.order_id);
        let status = order.status.as_deref().unwrap_or("(not in the table)");
        let wanted = usize::from(status == COMPLETED);
        if mine.len() != wanted {
            violations.push(Violation::new(
                name,
                subject,
                format!(
                    "status {status} and {} e-mail(s) about it, expected {wanted}",
                    mine.len()
                ),
            ));
            continue;
        }
        let wrong_recipient = mine
            .iter()
            .filter_map(|index| facts.emails.get(*index))
            .find(|email| {
                order
                    .email
                    .as_deref()
                    .is_some_and(|to| !email.to.split(", ").any(|r| r == to))
            });
        if let Some(email) = wrong_recipient {
            violations.push(Violation::new(
                name,
                subject,
                format!(
                    "its e-mail went to {}, not to its customer {}",
                    email.to,
                    order.email.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    for (email, named) in facts.emails.iter().zip(named_some) {
        if !named {
            violations.push(Violation::new(
                name,
                format!("an e-mail to {}", email.to),
                format!("names no order (subject {:?})", email.subject),
            ));
        }
    }
    violations
}

/// Whether `text` names `order_id` as a whole word (not as part of a longer id).
pub(super) fn names(text: &str, order_id: &str) -> bool {
    if order_id.is_empty() {
        return false;
    }
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(order_id).any(|(at, _)| {
        let before = text.get(..at).and_then(|head| head.chars().next_back());
        let after = text
            .get(at + order_id.len()..)
            .and_then(|tail| tail.chars().next());
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}
