//! The built-in invariants fail a scenario that breaks one even when its snapshot matches: a
//! declined payment whose stock is never given back (the Map's `ReturnItemStock` mocked to do
//! nothing) fails `stock-conserved` with the item and the numbers; the same scenario opting
//! out of that invariant, with a reason, passes; `expect.counts` ranges are checked.

use std::path::Path;
use std::process::{Command, Output};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");

const KEPT_STOCK: &str = r#"description: A declined payment whose stock is never given back
seed: 31
inventory:
  - {item_id: headphones, name: Headphones, price: "150.00", stock: 5}
orders:
  - customer: {name: Margaret Hamilton, email: margaret@example.com}
    items:
      - {item_id: headphones, quantity: 2}
    payment_token: tok_decline
faults:
  - state: ReturnItemStock
    invocations: all
    return: {}
"#;

/// Runs `scenario kept-stock --accept` on `text` in a scenario directory of its own.
fn run(text: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kept-stock.yaml"), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .current_dir(Path::new(PROJECT))
        .args(["scenario", "kept-stock", "--accept", "--scenarios-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

#[test]
fn a_scenario_breaking_an_invariant_fails_naming_it_and_the_numbers() {
    let text = format!("{KEPT_STOCK}expect:\n  counts: {{PAYMENT_FAILED: {{min: 2}}}}\n");
    let (output, stdout) = run(&text);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout.contains(
            "invariant stock-conserved violated: item headphones: 3 in stock + 0 units in \
             COMPLETED orders = 3, but 5 were loaded (2 units missing)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "invariant status-counts violated: status PAYMENT_FAILED: 1 order(s), expected at \
             least 2 (expect.counts)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL kept-stock: 2 problems above"),
        "{stdout}"
    );
    assert!(!stdout.contains("PASS kept-stock"), "{stdout}");
}

#[test]
fn a_scenario_may_opt_out_of_an_invariant_with_a_reason() {
    let text = format!(
        "{KEPT_STOCK}expect:\n  counts: {{PAYMENT_FAILED: {{min: 1, max: 1}}, COMPLETED: 0}}\n\
         invariants:\n  skip: {{stock-conserved: the fault keeps the stock on purpose}}\n"
    );
    let (output, stdout) = run(&text);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(!stdout.contains("invariant"), "{stdout}");
    assert!(stdout.contains("PASS kept-stock"), "{stdout}");
}
