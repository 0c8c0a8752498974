//! Scenario loading: valid files, and malformed ones reported with file:line:column.

use std::path::Path;

use super::*;

const VALID: &str = r#"description: demo
seed: 7
inventory:
  - item_id: kb
    name: Keyboard
    price: "120.50"
    stock: 3
  - item_id: mouse
    name: Mouse
    price: 45.25
    stock: 1
orders:
  - customer: {name: Ada, email: ada@example.com}
    items:
      - {item_id: kb, quantity: 1}
    payment_token: tok_approve
  - order_id: mine
    customer: {name: Bob, email: bob@example.com}
    items:
      - {item_id: mouse, quantity: 2}
    payment_token: tok_decline
    via: direct
expect:
  statuses: {COMPLETED: 1, PAYMENT_FAILED: 1}
"#;

fn parse_str(text: &str) -> Result<Scenario, ScenarioError> {
    parse(Path::new("scenarios/t.yaml"), "t", text)
}

fn error_of(text: &str) -> ScenarioError {
    parse_str(text).expect_err("the scenario must be rejected")
}

#[test]
fn loads_a_valid_scenario() {
    let scenario = parse_str(VALID).unwrap();
    assert_eq!(scenario.name, "t");
    assert_eq!(scenario.seed, 7);
    assert_eq!(scenario.inventory[0].price, "120.50");
    assert_eq!(scenario.inventory[1].price, "45.25");
    assert_eq!(scenario.orders.len(), 2);
    assert_eq!(scenario.orders[0].order_id, OrderIds::new(7).derive(0));
    assert_eq!(scenario.orders[0].via, Via::Api);
    assert_eq!(scenario.orders[1].order_id, "mine");
    assert_eq!(scenario.orders[1].via, Via::Direct);
    assert_eq!(
        scenario.orders[1].items,
        [Line {
            item_id: "mouse".into(),
            quantity: 2
        }]
    );
    let unquoted = parse_str(&VALID.replace("\"120.50\"", "120.50")).unwrap();
    assert_eq!(
        unquoted.inventory[0].price, "120.50",
        "a YAML number keeps its text"
    );
    let statuses = scenario.expected_statuses.unwrap();
    assert_eq!(statuses["COMPLETED"], 1);
}

#[test]
fn derived_ids_are_deterministic_and_seed_dependent() {
    let a = OrderIds::new(42);
    assert_eq!(a.derive(0), OrderIds::new(42).derive(0));
    assert_ne!(a.derive(0), OrderIds::new(43).derive(0));
    assert_ne!(a.derive(0), a.derive(1));
    let id = a.derive(11);
    assert!(id.starts_with("ord-") && id.ends_with("-012"), "{id}");
    assert_eq!(id.len(), "ord-12345678-012".len());
}

#[test]
fn unknown_key_names_file_line_and_column() {
    let text = VALID.replace("    stock: 1\n", "    stock: 1\n    colour: red\n");
    let err = error_of(&text);
    assert_eq!(
        (err.file.as_path(), err.line, err.column),
        (Path::new("scenarios/t.yaml"), 12, 5)
    );
    assert!(err.message.contains("colour"), "{err}");
    assert!(
        err.to_string().starts_with("scenarios/t.yaml:12:5: "),
        "{err}"
    );
}

#[test]
fn wrong_type_names_its_location() {
    let err = error_of(&VALID.replace("seed: 7", "seed: seven"));
    assert_eq!((err.line, err.column), (2, 7), "{err}");
}

#[test]
fn missing_item_reference_points_at_the_item_id() {
    let err = error_of(&VALID.replace(
        "{item_id: mouse, quantity: 2}",
        "{item_id: monitor, quantity: 2}",
    ));
    assert_eq!((err.line, err.column), (20, 19), "{err}");
    assert!(
        err.message
            .contains("refers to item monitor, which is not in the inventory"),
        "{err}"
    );
}

#[test]
fn non_positive_quantity_points_at_the_quantity() {
    for bad in ["0", "-3"] {
        let err = error_of(&VALID.replace(
            "{item_id: kb, quantity: 1}",
            &format!("{{item_id: kb, quantity: {bad}}}"),
        ));
        assert_eq!((err.line, err.column), (15, 33), "{err}");
        assert_eq!(err.message, format!("quantity must be positive, got {bad}"));
    }
}

#[test]
fn duplicate_ids_point_at_the_second_one() {
    let text = VALID.replace(
        "  - customer: {name: Ada",
        "  - order_id: mine\n    customer: {name: Ada",
    );
    let err = error_of(&text);
    assert_eq!(err.message, "duplicate order id mine");
    assert_eq!((err.line, err.column), (18, 15), "{err}");

    let err = error_of(&VALID.replace("item_id: mouse\n", "item_id: kb\n"));
    assert_eq!(err.message, "duplicate inventory item_id kb");
    assert_eq!((err.line, err.column), (8, 14), "{err}");
}

#[test]
fn bad_price_points_at_the_price() {
    let err = error_of(&VALID.replace("\"120.50\"", "\"12,50\""));
    assert_eq!((err.line, err.column), (6, 12), "{err}");
    assert!(err.message.contains("not a non-negative decimal"), "{err}");
}

#[test]
fn unknown_via_is_rejected_with_location() {
    let err = error_of(&VALID.replace("via: direct", "via: carrier-pigeon"));
    assert_eq!((err.line, err.column), (22, 10), "{err}");
    assert!(err.message.contains("carrier-pigeon"), "{err}");
}

#[test]
fn syntax_errors_carry_a_location() {
    let err = error_of("description: x\nseed: [1, 2\n");
    assert!(err.line >= 2, "{err}");
}

#[test]
fn files_are_read_and_listed_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.yaml"), VALID).unwrap();
    std::fs::write(dir.path().join("a.yaml"), "description: x\nseed: 1\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    assert_eq!(list_names(dir.path()).unwrap(), ["a", "b"]);
    let scenario = load_named(dir.path(), "b").unwrap();
    assert_eq!(scenario.name, "b");
    let err = load_named(dir.path(), "nope").unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
    assert!(is_valid_name("happy-path") && !is_valid_name("../x") && !is_valid_name(""));
}

#[test]
fn the_checked_in_scenarios_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let names = list_names(&dir).unwrap();
    assert!(names.contains(&"happy-path".to_owned()));
    for name in names {
        load_named(&dir, &name).unwrap_or_else(|err| panic!("{err}"));
    }
    let happy = load_named(&dir, "happy-path").unwrap();
    assert_eq!(happy.orders.len(), 1);
    assert_eq!(happy.orders[0].payment_token, "tok_approve");
}

#[test]
fn counts_are_bounded_where_they_are_written() {
    let order = |extra: &str| {
        format!(
            "description: d\nseed: 1\ninventory:\n  - {{item_id: kb, name: K, price: \"1\", stock: 1}}\norders:\n  - customer: {{name: A, email: a@x}}\n    items: [{{item_id: kb, quantity: 1}}]\n    payment_token: t\n    {extra}\n"
        )
    };
    // 4 billion orders used to be allocated up front (a capacity-overflow panic or an abort).
    let err = error_of(&order("count: 4000000000"));
    assert_eq!((err.line, err.column), (9, 12), "{err}");
    assert!(err.message.contains("count may be at most 10000"), "{err}");
    let err = error_of(&order("submissions: 1000"));
    assert_eq!(err.line, 9, "{err}");
    assert!(
        err.message.contains("submissions may be at most 100"),
        "{err}"
    );
    assert_eq!(
        parse_str(&order("count: 10000")).unwrap().orders.len(),
        10_000
    );
}

#[test]
fn counts_take_exact_numbers_and_ranges() {
    let text = VALID.replace(
        "  statuses: {COMPLETED: 1, PAYMENT_FAILED: 1}\n",
        "  counts: {COMPLETED: {min: 1, max: 3}, FAILED: 0, REJECTED: {max: 2}}\n",
    );
    let scenario = parse_str(&text).unwrap();
    let counts = &scenario.expected_counts;
    assert_eq!(counts["COMPLETED"].min, Some(1));
    assert_eq!(counts["COMPLETED"].max, Some(3));
    assert_eq!(counts["FAILED"], crate::invariants::CountRange::exactly(0));
    assert_eq!(counts["REJECTED"].min, None);
}

#[test]
fn malformed_counts_are_refused_with_a_location() {
    let with = |counts: &str| {
        VALID.replace(
            "  statuses: {COMPLETED: 1, PAYMENT_FAILED: 1}\n",
            &format!("  statuses: {{COMPLETED: 1}}\n  counts: {counts}\n"),
        )
    };
    let err = error_of(&with("{DONE: 1}"));
    assert_eq!((err.line, err.column), (25, 11), "{err}");
    assert!(err.message.contains("unknown order status DONE"), "{err}");
    let err = error_of(&with("{COMPLETED: {min: 1}}"));
    assert!(
        err.message.contains("COMPLETED is also under statuses"),
        "{err}"
    );
    let err = error_of(&with("{FAILED: {min: 3, max: 1}}"));
    assert!(
        err.message.contains("FAILED has min 3 above max 1"),
        "{err}"
    );
    let err = error_of(&with("{FAILED: {least: 3}}"));
    assert!(err.message.contains("least"), "{err}");
    let err = error_of(&with("{FAILED: -1}"));
    assert!(err.line > 0, "{err}");
}

#[test]
fn invariants_may_be_skipped_by_name_with_a_reason() {
    let skip = |body: &str| format!("{VALID}invariants:\n  skip: {body}\n");
    let scenario = parse_str(&skip("{stock-conserved: the fault keeps the stock}")).unwrap();
    assert_eq!(
        scenario.skipped_invariants["stock-conserved"],
        "the fault keeps the stock"
    );
    let err = error_of(&skip("{stock-kept: why}"));
    assert!(
        err.message.contains("unknown invariant stock-kept"),
        "{err}"
    );
    assert!(
        err.message.contains("stock-conserved, no-order-pending"),
        "{err}"
    );
    assert_eq!((err.line, err.column), (26, 9), "{err}");
    let err = error_of(&skip("{stock-conserved: \"\"}"));
    assert!(
        err.message.contains("stock-conserved needs a reason"),
        "{err}"
    );
}
