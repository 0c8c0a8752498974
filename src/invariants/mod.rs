//! Invariants: what must hold after every run, whatever the exact outcome — the properties a
//! scenario can assert instead of (or beside) its snapshot, and what fault exploration checks
//! on runs nobody wrote a snapshot for.
//!
//! The built-in invariants ([`BUILT_IN`]) run on every scenario; a scenario opts out of one by
//! name with a reason (`invariants: {skip: {stock-conserved: "why"}}`). A scenario's
//! `expect.counts` adds status counts as ranges ([`CountRange`]). Each check reads a
//! [`Facts`] — the run reduced to orders, stock, executions and e-mails (`facts.rs`) — so it
//! is a pure function, unit-tested on facts written by hand (`tests.rs`).
//!
//! To add an invariant: write a `fn(&Facts) -> Vec<Violation>` in `builtin.rs` and list it in
//! [`BUILT_IN`] with a kebab-case name and a one-line description.

mod builtin;
mod counts;
mod facts;
#[cfg(test)]
mod tests;

use std::fmt;

pub use counts::CountRange;
pub use facts::{ExecutionFacts, Facts, OrderFacts};

use crate::run::RunResult;
use crate::scenario::Scenario;

/// Every status an order can have (app/README.md, "Paths through the machine").
pub const STATUSES: &[&str] = &[
    "PENDING",
    "COMPLETED",
    "REJECTED",
    "PAYMENT_FAILED",
    "FAILED",
];

/// One built-in invariant.
#[derive(Debug, Clone, Copy)]
pub struct Invariant {
    /// Kebab-case; what a scenario's `invariants.skip` names.
    pub name: &'static str,
    /// What must hold, in a sentence.
    pub description: &'static str,
    pub check: fn(&Facts) -> Vec<Violation>,
}

/// Every built-in invariant, in the order they are checked and reported.
pub const BUILT_IN: &[Invariant] = &[
    Invariant {
        name: "stock-conserved",
        description: "per item: stock now + units in COMPLETED orders = stock loaded",
        check: builtin::stock_conserved,
    },
    Invariant {
        name: "no-order-pending",
        description: "no accepted order is left PENDING (or missing from the orders table)",
        check: builtin::no_order_pending,
    },
    Invariant {
        name: "no-execution-running",
        description: "every execution has ended",
        check: builtin::no_execution_running,
    },
    Invariant {
        name: "status-matches-execution",
        description: "each order's status is the one its execution's terminal state stands for",
        check: builtin::status_matches_execution,
    },
    Invariant {
        name: "one-execution-per-order",
        description: "every accepted order has exactly one execution, and there are no others",
        check: builtin::one_execution_per_order,
    },
    Invariant {
        name: "one-email-per-completed-order",
        description: "one e-mail per COMPLETED order, to its customer; none for any other order",
        check: builtin::one_email_per_completed_order,
    },
];

/// The built-in invariant called `name`.
pub fn built_in(name: &str) -> Option<&'static Invariant> {
    BUILT_IN.iter().find(|invariant| invariant.name == name)
}

/// The names of the built-in invariants, in order.
pub fn names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|invariant| invariant.name).collect()
}

/// What a check found wrong: the invariant, what it is about (`item keyboard`, `order
/// ord-1`) and the numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub subject: String,
    pub detail: String,
}

impl Violation {
    pub(crate) fn new(
        invariant: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) -> Violation {
        Violation {
            invariant,
            subject: subject.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} violated: {}: {}",
            self.invariant, self.subject, self.detail
        )
    }
}

/// Every violation in `facts`: the built-in invariants but those in `skipped`, then the
/// status counts of `counts`.
pub fn check_facts(
    facts: &Facts,
    skipped: &std::collections::BTreeMap<String, String>,
    counts: &std::collections::BTreeMap<String, CountRange>,
) -> Vec<Violation> {
    let mut violations: Vec<Violation> = BUILT_IN
        .iter()
        .filter(|invariant| !skipped.contains_key(invariant.name))
        .flat_map(|invariant| (invariant.check)(facts))
        .collect();
    violations.extend(counts::check(facts, counts));
    violations
}

/// Every violation in a run of `scenario`.
pub fn check(scenario: &Scenario, result: &RunResult) -> Vec<Violation> {
    let facts = Facts::of_run(scenario, result);
    check_facts(
        &facts,
        &scenario.skipped_invariants,
        &scenario.expected_counts,
    )
}
