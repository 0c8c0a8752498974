//! Each malformed scenario file under `tests/malformed/` makes `orderlab scenario` exit 2 with
//! one error naming the file, line and column of the problem — before any backend starts.

use std::path::Path;
use std::process::Command;

/// (file stem, "line:column", a fragment of the message).
const CASES: &[(&str, &str, &str)] = &[
    ("unknown-key", "3:1", "unknown field `surprise`"),
    ("seed-not-a-number", "2:7", "invalid u64"),
    ("negative-stock", "7:12", "invalid u64"),
    ("inventory-not-a-list", "4:3", "expected sequence"),
    ("unknown-via", "7:10", "unknown variant `carrier-pigeon`"),
    (
        "bad-price",
        "6:12",
        "price \"12,50\" is not a non-negative decimal",
    ),
    ("duplicate-item", "8:14", "duplicate inventory item_id a"),
    ("duplicate-order-id", "13:15", "duplicate order id same"),
    (
        "unknown-item",
        "11:19",
        "refers to item b, which is not in the inventory",
    ),
    ("zero-quantity", "11:32", "quantity must be positive, got 0"),
    (
        "negative-quantity",
        "11:32",
        "quantity must be positive, got -2",
    ),
    ("count-with-order-id", "10:12", "remove its order_id"),
    (
        "fault-two-targets",
        "6:18",
        "exactly one of `function` or `state`",
    ),
    ("fault-two-responses", "5:18", "exactly one of `throw"),
    ("fault-bad-index", "5:18", "invocations \"2-1\" is not"),
    ("missing-mock-config", "3:14", "cannot read mock_config"),
];

#[test]
fn every_malformed_file_exits_2_with_its_own_located_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        files,
        CASES.len(),
        "every file in {} has a case",
        dir.display()
    );
    let mut messages = Vec::new();
    for (stem, location, fragment) in CASES {
        let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
            .args(["scenario", stem, "--scenarios-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{stem}: {stderr}");
        let prefix = format!(
            "{}:{location}: ",
            dir.join(format!("{stem}.yaml")).display()
        );
        assert!(
            stderr.contains(&prefix),
            "{stem}: expected {prefix:?} in {stderr}"
        );
        assert!(
            stderr.contains(fragment),
            "{stem}: expected {fragment:?} in {stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{stem}: one error only: {stderr}"
        );
        messages.push(stderr);
    }
    messages.sort();
    messages.dedup();
    assert_eq!(messages.len(), CASES.len(), "each file has its own error");
}
