//! `orderlab scenario --all --coverage` on the shipped scenarios: the printed figures agree
//! with coverage.json, the real histories are explained by the definition, the transitions
//! the shipped scenarios are written to reach are covered, and `--min-coverage 100` fails
//! with the uncovered list.

use std::process::Command;

use serde_json::Value;

/// `  states       15/17 (88.2%)` → (15, 17, "88.2").
fn printed(stdout: &str, label: &str) -> (u64, u64, String) {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in {stdout}"));
    let rest = line.trim_start().trim_start_matches(label).trim();
    let (fraction, percent) = rest.split_once(' ').unwrap();
    let (covered, total) = fraction.split_once('/').unwrap();
    let percent = percent.trim_matches(|c| c == '(' || c == ')' || c == '%');
    (
        covered.parse().unwrap(),
        total.parse().unwrap(),
        percent.to_owned(),
    )
}

fn covered_names(json: &Value) -> Vec<String> {
    json["transitions"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["covered"] == true)
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn coverage_of_the_shipped_scenarios_agrees_with_its_json_and_fails_below_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("coverage.json");
    let output = Command::new(env!("CARGO_BIN_EXE_orderlab"))
        .args(["scenario", "--all", "--coverage", "--min-coverage", "100"])
        .arg("--coverage-json")
        .arg(&json_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("failed, 0 errors") && stdout.contains(" 0 failed"),
        "every scenario passes, so exit 1 is the coverage bar's: {stdout}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    for (label, key) in [("states", "states"), ("transitions", "transitions")] {
        let (covered, total, percent) = printed(&stdout, label);
        assert_eq!(json[key]["covered"], covered, "{label}");
        assert_eq!(json[key]["total"], total, "{label}");
        assert_eq!(json[key]["percent"].to_string(), percent, "{label}");
        let items = json[key]["items"].as_array().unwrap();
        assert_eq!(items.len() as u64, total, "{label}");
        let hit = items.iter().filter(|i| i["covered"] == true).count() as u64;
        assert_eq!(hit, covered, "{label}");
    }
    let (covered, total, _) = printed(&stdout, "transitions");
    assert!(
        covered < total,
        "the shipped scenarios reach no Lambda.* retry: {stdout}"
    );
    assert_eq!(
        json["unmatched"],
        Value::Array(vec![]),
        "{:#}",
        json["unmatched"]
    );
    let covered = covered_names(&json);
    for expected in [
        "VerifyStock → StockAvailable?",
        "StockAvailable? rule 1 → CalculatePrice",
        "StockAvailable? default → MarkRejected",
        "CalculatePrice catch 1 [OutOfStock] → OutOfStockReason",
        "ProcessPayment retry 2 [PaymentGatewayUnavailable] attempt 6",
        "ProcessPayment catch 1 [States.ALL] → ReleaseStockAfterFailure",
        "PaymentApproved? default → ReleaseStock",
        "ReleaseStock iteration",
        "ReleaseStock/ReturnItemStock end",
        "CompleteOrder end",
        "OrderFailed end",
    ] {
        assert!(
            covered.contains(&expected.to_owned()),
            "{expected} not covered: {covered:#?}"
        );
    }
    let happy = json["states"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "CompleteOrder")
        .unwrap();
    assert!(
        happy["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["scenario"] == "happy-path"
                && h["order"].as_str().unwrap().starts_with("ord-")),
        "{happy}"
    );
    assert!(stderr.contains("coverage below 100%"), "{stderr}");
    for name in json["transitions"]["uncovered"].as_array().unwrap() {
        let line = format!("uncovered transition: {}", name.as_str().unwrap());
        assert!(stderr.contains(&line), "{line} missing from {stderr}");
        assert!(
            stdout.contains(name.as_str().unwrap()),
            "{name} missing from the summary"
        );
    }
    for state in json["states"]["uncovered"].as_array().unwrap() {
        assert!(stderr.contains(&format!("uncovered state: {}", state.as_str().unwrap())));
    }
}
