//! The invariants on facts written by hand: a run that keeps every invariant passes, and each
//! kind of breakage is reported by the invariant it breaks, naming the item or order and the
//! numbers.

use std::collections::BTreeMap;

use super::*;
use crate::run::Email;

fn execution(status: &str, terminal: &str) -> ExecutionFacts {
    ExecutionFacts {
        status: status.into(),
        terminal_state: Some(terminal.into()),
    }
}

fn order(id: &str, status: &str, lines: &[(&str, u64)], terminal: (&str, &str)) -> OrderFacts {
    OrderFacts {
        order_id: id.into(),
        accepted: true,
        status: Some(status.into()),
        email: Some(format!("{id}@example.com")),
        lines: lines.iter().map(|(i, q)| ((*i).to_owned(), *q)).collect(),
        executions: vec![execution(terminal.0, terminal.1)],
    }
}

fn email(id: &str) -> Email {
    Email {
        to: format!("{id}@example.com"),
        subject: format!("Your order {id} is confirmed"),
        body: format!("your order {id} is confirmed."),
    }
}

/// Two orders: `a` COMPLETED (2 keyboards), `b` PAYMENT_FAILED (1 keyboard, given back).
fn good() -> Facts {
    Facts {
        loaded: BTreeMap::from([("keyboard".into(), 10), ("mouse".into(), 5)]),
        stock_now: BTreeMap::from([
            ("keyboard".into(), "8".into()),
            ("mouse".into(), "5".into()),
        ]),
        orders: vec![
            order(
                "a",
                "COMPLETED",
                &[("keyboard", 2)],
                ("SUCCEEDED", "CompleteOrder"),
            ),
            order(
                "b",
                "PAYMENT_FAILED",
                &[("keyboard", 1)],
                ("SUCCEEDED", "PaymentFailed"),
            ),
        ],
        emails: vec![email("a")],
        executions_started: 2,
    }
}

fn violations(facts: &Facts) -> Vec<String> {
    check_facts(facts, &BTreeMap::new(), &BTreeMap::new())
        .iter()
        .map(Violation::to_string)
        .collect()
}

#[test]
fn a_run_that_keeps_every_invariant_has_no_violation() {
    assert_eq!(violations(&good()), Vec::<String>::new());
}

#[test]
fn stock_not_given_back_breaks_stock_conservation_with_the_numbers() {
    let mut facts = good();
    facts.stock_now.insert("keyboard".into(), "7".into());
    assert_eq!(
        violations(&facts),
        [
            "invariant stock-conserved violated: item keyboard: 7 in stock + 2 units in COMPLETED orders = 9, but 10 were loaded (1 unit missing)"
        ]
    );
    facts.stock_now.insert("keyboard".into(), "9".into());
    assert!(violations(&facts)[0].ends_with("= 11, but 10 were loaded (1 unit too many)"));
    facts.stock_now.remove("mouse");
    assert!(
        violations(&facts)
            .iter()
            .any(|v| v.contains("item mouse: missing from the inventory table")),
        "{:?}",
        violations(&facts)
    );
}

#[test]
fn a_completed_order_of_an_item_never_loaded_breaks_stock_conservation() {
    let mut facts = good();
    facts.orders[0].lines.push(("unicorn".into(), 1));
    let found = violations(&facts);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("item unicorn: missing from the inventory table (0 units loaded, 1 unit in COMPLETED orders)"), "{found:?}");
}

#[test]
fn a_pending_order_or_an_accepted_one_missing_from_the_table_is_reported() {
    let mut facts = good();
    facts.orders[1].status = Some("PENDING".into());
    let found = violations(&facts);
    assert!(found.contains(&"invariant no-order-pending violated: order b: still PENDING after its execution ended".to_owned()), "{found:?}");
    facts.orders[1].status = None;
    let found = violations(&facts);
    assert!(
        found.contains(
            &"invariant no-order-pending violated: order b: accepted, but not in the orders table"
                .to_owned()
        ),
        "{found:?}"
    );
}

#[test]
fn a_running_execution_is_reported() {
    let mut facts = good();
    facts.orders[1].executions[0] = execution("RUNNING", "ProcessPayment");
    let found = violations(&facts);
    assert_eq!(
        found,
        [
            "invariant no-execution-running violated: order b: an execution is still RUNNING (last state entered: ProcessPayment)"
        ]
    );
}

#[test]
fn a_status_its_execution_does_not_stand_for_is_reported() {
    let mut facts = good();
    facts.orders[1].executions[0] = execution("FAILED", "OrderFailed");
    assert_eq!(
        violations(&facts),
        [
            "invariant status-matches-execution violated: order b: status PAYMENT_FAILED, but its execution ended FAILED in state OrderFailed, which stands for FAILED"
        ]
    );
    facts.orders[1].executions[0] = execution("SUCCEEDED", "ReleaseStock");
    assert!(violations(&facts)[0].ends_with("which stands for no order status"));
}

#[test]
fn a_missing_or_extra_execution_is_reported() {
    let mut facts = good();
    facts.orders[1]
        .executions
        .push(execution("SUCCEEDED", "PaymentFailed"));
    facts.executions_started = 4;
    let found = violations(&facts);
    assert_eq!(
        found,
        [
            "invariant one-execution-per-order violated: order b: accepted, 2 executions, expected 1",
            "invariant one-execution-per-order violated: the state machine: 4 executions in all, 3 of them for the orders: 1 belong to no order",
        ]
    );
    facts.orders[1].executions.clear();
    facts.executions_started = 1;
    assert_eq!(
        violations(&facts),
        ["invariant one-execution-per-order violated: order b: accepted, 0 executions, expected 1"]
    );
    facts.orders[0].accepted = false;
    facts.orders[1].accepted = false;
    assert_eq!(
        violations(&facts),
        [
            "invariant one-execution-per-order violated: order a: never accepted, 1 executions, expected 0"
        ]
    );
}

#[test]
fn e_mails_are_one_per_completed_order_to_its_customer_and_none_otherwise() {
    let mut facts = good();
    facts.emails.push(email("b"));
    assert_eq!(
        violations(&facts),
        [
            "invariant one-email-per-completed-order violated: order b: status PAYMENT_FAILED and 1 e-mail(s) about it, expected 0"
        ]
    );
    facts.emails = vec![];
    assert_eq!(
        violations(&facts),
        [
            "invariant one-email-per-completed-order violated: order a: status COMPLETED and 0 e-mail(s) about it, expected 1"
        ]
    );
    let mut stray = email("a");
    stray.to = "eve@example.com".into();
    facts.emails = vec![stray];
    assert_eq!(
        violations(&facts),
        [
            "invariant one-email-per-completed-order violated: order a: its e-mail went to eve@example.com, not to its customer a@example.com"
        ]
    );
    facts.emails = vec![email("a"), email("zzz")];
    assert_eq!(
        violations(&facts),
        [
            "invariant one-email-per-completed-order violated: an e-mail to zzz@example.com: names no order (subject \"Your order zzz is confirmed\")"
        ]
    );
}

#[test]
fn an_order_id_is_named_only_as_a_whole_word() {
    use super::builtin::names;
    assert!(names("Your order ord-1 is confirmed", "ord-1"));
    assert!(names("order ord-1.", "ord-1"));
    assert!(!names("order ord-10 is confirmed", "ord-1"));
    assert!(!names("order xord-1", "ord-1"));
    assert!(!names("anything", ""));
}

#[test]
fn a_skipped_invariant_is_not_checked() {
    let mut facts = good();
    facts.stock_now.insert("keyboard".into(), "7".into());
    let skipped = BTreeMap::from([("stock-conserved".to_owned(), "on purpose".to_owned())]);
    assert!(check_facts(&facts, &skipped, &BTreeMap::new()).is_empty());
}

#[test]
fn status_counts_are_checked_against_their_ranges() {
    let facts = good();
    let counts = BTreeMap::from([
        (
            "COMPLETED".to_owned(),
            CountRange {
                min: Some(2),
                max: Some(3),
            },
        ),
        (
            "PAYMENT_FAILED".to_owned(),
            CountRange {
                min: None,
                max: Some(1),
            },
        ),
        ("FAILED".to_owned(), CountRange::exactly(0)),
    ]);
    let found: Vec<String> = check_facts(&facts, &BTreeMap::new(), &counts)
        .iter()
        .map(Violation::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "invariant status-counts violated: status COMPLETED: 1 order(s), expected 2 to 3 (expect.counts)"
        ]
    );
    assert!(
        CountRange {
            min: Some(1),
            max: None
        }
        .contains(7)
    );
    assert_eq!(
        CountRange {
            min: None,
            max: Some(4)
        }
        .to_string(),
        "at most 4"
    );
}

#[test]
fn every_built_in_invariant_has_a_unique_kebab_case_name() {
    let names = names();
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert!(
        names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
    );
    assert!(built_in("stock-conserved").is_some());
    assert!(built_in("nope").is_none());
}
