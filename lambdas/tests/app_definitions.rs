//! Loads every `app/*.json` definition the provisioner reads, fills in the placeholders the way
//! it does (plain text substitution), parses it, and checks the state machine's structure
//! against the contract in `app/README.md`: every transition target exists, every state is
//! reachable, the terminal states are exactly the documented ones, and the retry/catch policy
//! and data paths are the ones the Lambdas rely on.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

const PLACEHOLDERS: [(&str, &str); 15] = [
    ("Prefix", "alex-"),
    ("AccountId", "000000000000"),
    ("Region", "us-east-1"),
    ("SenderEmail", "orders@alex.example"),
    ("PaymentSeed", "42"),
    ("PaymentApprovalRate", "0.8"),
    (
        "StateMachineArn",
        "arn:aws:states:us-east-1:000000000000:stateMachine:alex-order-processing",
    ),
    ("OrdersTable", "alex-orders"),
    ("InventoryTable", "alex-inventory"),
    (
        "StockVerifyFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-stock-verify",
    ),
    (
        "PriceCalcFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-price-calc",
    ),
    (
        "PaymentFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-payment",
    ),
    (
        "CompleteOrderFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-complete-order",
    ),
    (
        "CreateOrderFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-create-order",
    ),
    (
        "OrderEventsFunctionArn",
        "arn:aws:lambda:us-east-1:000000000000:function:alex-order-events",
    ),
];

const LAMBDA_TRANSIENT: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../app")
}

/// Substitutes every `${Name}`; an unknown placeholder is an error naming it.
fn substitute(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("unterminated placeholder")?;
        let name = &after[..end];
        let value = PLACEHOLDERS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| *value)
            .ok_or_else(|| format!("unknown placeholder ${{{name}}}"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn load(name: &str) -> Value {
    let path = app_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = substitute(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn machine() -> Value {
    load("state-machine.asl.json")
}

fn states(machine: &Value) -> &Map<String, Value> {
    machine["States"].as_object().expect("States is an object")
}

/// Every state a state can move to (Next, Default, Choices, Catch).
fn successors(state: &Value) -> Vec<String> {
    let mut targets = Vec::new();
    let mut push = |value: &Value| {
        if let Some(name) = value.as_str() {
            targets.push(name.to_string());
        }
    };
    push(&state["Next"]);
    push(&state["Default"]);
    for list in ["Choices", "Catch"] {
        for entry in state[list].as_array().into_iter().flatten() {
            push(&entry["Next"]);
        }
    }
    targets
}

fn is_terminal(state: &Value) -> bool {
    state["End"] == Value::Bool(true) || matches!(state["Type"].as_str(), Some("Fail" | "Succeed"))
}

/// Checks one scope (the machine or a Map's processor) and returns the states reachable.
fn check_scope(scope: &Value, label: &str) -> BTreeSet<String> {
    let states = states(scope);
    let start = scope["StartAt"].as_str().expect("StartAt");
    assert!(
        states.contains_key(start),
        "{label}: StartAt {start} missing"
    );
    for (name, state) in states {
        for target in successors(state) {
            assert!(
                states.contains_key(&target),
                "{label}: {name} → missing {target}"
            );
        }
        assert!(
            is_terminal(state) || !successors(state).is_empty(),
            "{label}: {name} neither ends nor moves on"
        );
        if let Some(processor) = state.get("ItemProcessor").or_else(|| state.get("Iterator")) {
            check_scope(processor, &format!("{label}/{name}"));
        }
    }
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut queue = VecDeque::from([start.to_string()]);
    while let Some(name) = queue.pop_front() {
        for target in successors(&states[&name]) {
            if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    }
    let all: BTreeSet<String> = states.keys().cloned().collect();
    assert_eq!(seen, all, "{label}: unreachable states");
    seen
}

#[test]
fn every_app_file_parses_after_substitution() {
    let mut count = 0;
    for entry in std::fs::read_dir(app_dir()).expect("app dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let name = path.file_name().and_then(|n| n.to_str()).expect("name");
            assert!(load(name).is_object() || load(name).is_array(), "{name}");
            count += 1;
        }
    }
    assert!(
        count >= 7,
        "expected the seven app definitions, found {count}"
    );
}

#[test]
fn unknown_placeholders_are_refused() {
    assert!(substitute("${Nope}").is_err());
    assert_eq!(substitute("a${Prefix}b").as_deref(), Ok("aalex-b"));
}

#[test]
fn the_state_machine_is_connected_and_ends_where_documented() {
    let machine = machine();
    assert_eq!(machine["QueryLanguage"], "JSONPath");
    assert_eq!(machine["StartAt"], "VerifyStock");
    check_scope(&machine, "machine");
    let terminals: BTreeSet<&str> = states(&machine)
        .iter()
        .filter(|(_, state)| is_terminal(state))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        terminals,
        BTreeSet::from(["CompleteOrder", "Rejected", "PaymentFailed", "OrderFailed"])
    );
}

#[test]
fn the_documented_transitions_exist() {
    let machine = machine();
    let states = states(&machine);
    let edges: BTreeMap<&str, Vec<String>> = states
        .iter()
        .map(|(name, state)| (name.as_str(), successors(state)))
        .collect();
    let expect = |from: &str, to: &str| {
        assert!(
            edges[from].iter().any(|t| t == to),
            "{from} → {to} missing: {:?}",
            edges[from]
        );
    };
    expect("VerifyStock", "StockAvailable?");
    expect("StockAvailable?", "CalculatePrice");
    expect("StockAvailable?", "MarkRejected");
    expect("CalculatePrice", "ProcessPayment");
    expect("CalculatePrice", "OutOfStockReason");
    expect("OutOfStockReason", "MarkRejected");
    expect("MarkRejected", "Rejected");
    expect("ProcessPayment", "PaymentApproved?");
    expect("PaymentApproved?", "CompleteOrder");
    expect("PaymentApproved?", "ReleaseStock");
    expect("ReleaseStock", "MarkPaymentFailed");
    expect("MarkPaymentFailed", "PaymentFailed");
    expect("ProcessPayment", "ReleaseStockAfterFailure");
    expect("CompleteOrder", "ReleaseStockAfterFailure");
    expect("ReleaseStockAfterFailure", "MarkFailed");
    expect("MarkFailed", "OrderFailed");
    assert_eq!(states["StockAvailable?"]["Default"], "MarkRejected");
    assert_eq!(states["PaymentApproved?"]["Default"], "ReleaseStock");
    let out_of_stock = &states["CalculatePrice"]["Catch"][0];
    assert_eq!(out_of_stock["ErrorEquals"][0], "OutOfStock");
    assert_eq!(out_of_stock["Next"], "OutOfStockReason");
}

#[test]
fn lambda_tasks_pass_the_state_and_place_their_results() {
    let machine = machine();
    let states = states(&machine);
    let placed = [
        ("VerifyStock", "StockVerify", Some("$.verification")),
        ("CalculatePrice", "PriceCalc", Some("$.pricing")),
        ("ProcessPayment", "Payment", Some("$.payment")),
        ("CompleteOrder", "CompleteOrder", None),
    ];
    for (name, function, result_path) in placed {
        let state = &states[name];
        assert_eq!(
            state["Resource"], "arn:aws:states:::lambda:invoke",
            "{name}"
        );
        assert_eq!(state["Parameters"]["Payload.$"], "$", "{name}");
        let expected = PLACEHOLDERS
            .iter()
            .find(|(p, _)| *p == format!("{function}FunctionArn"));
        assert_eq!(
            state["Parameters"]["FunctionName"],
            expected.expect("placeholder").1
        );
        match result_path {
            Some(path) => assert_eq!(state["ResultPath"], path, "{name}"),
            None => assert_eq!(state["OutputPath"], "$.Payload", "{name}"),
        }
        let retry = &state["Retry"][0];
        let errors: Vec<&str> = retry["ErrorEquals"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(errors, LAMBDA_TRANSIENT, "{name}");
        assert_eq!(
            (
                retry["IntervalSeconds"].as_u64(),
                retry["MaxAttempts"].as_u64(),
                retry["BackoffRate"].as_u64()
            ),
            (Some(1), Some(3), Some(2))
        );
    }
    assert_eq!(
        states["VerifyStock"]["ResultSelector"]["valid.$"],
        "$.Payload.valid"
    );
    assert_eq!(
        states["ProcessPayment"]["Retry"][1]["ErrorEquals"][0],
        "PaymentGatewayUnavailable"
    );
}

#[test]
fn every_task_catches_everything_into_the_failure_path() {
    let machine = machine();
    for (name, state) in states(&machine) {
        if !matches!(state["Type"].as_str(), Some("Task" | "Map")) {
            continue;
        }
        let catches = state["Catch"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no Catch"));
        let all = catches.iter().find(|c| c["ErrorEquals"][0] == "States.ALL");
        let all = all.unwrap_or_else(|| panic!("{name} does not catch States.ALL"));
        let target = all["Next"].as_str().expect("target");
        assert!(
            ["MarkFailed", "ReleaseStockAfterFailure", "OrderFailed"].contains(&target),
            "{name} catches into {target}"
        );
    }
}

#[test]
fn marking_and_releasing_use_the_dynamodb_integration() {
    let machine = machine();
    let states = states(&machine);
    for (name, status, next) in [
        ("MarkRejected", "REJECTED", "Rejected"),
        ("MarkPaymentFailed", "PAYMENT_FAILED", "PaymentFailed"),
        ("MarkFailed", "FAILED", "OrderFailed"),
    ] {
        let state = &states[name];
        assert_eq!(state["Resource"], "arn:aws:states:::dynamodb:updateItem");
        assert_eq!(state["Parameters"]["TableName"], "alex-orders");
        assert_eq!(
            state["Parameters"]["ExpressionAttributeValues"][":s"]["S"],
            status
        );
        assert_eq!(state["ResultPath"], Value::Null);
        assert_eq!(state["Next"], next);
    }
    for (name, outputs) in [
        (
            "Rejected",
            r#"{"statusCode":400,"body":"wrong credentials"}"#,
        ),
        (
            "PaymentFailed",
            r#"{"statusCode":400,"body":"payment failed"}"#,
        ),
    ] {
        assert_eq!(states[name]["Type"], "Pass");
        assert_eq!(states[name]["Result"].to_string(), outputs);
    }
    for name in ["ReleaseStock", "ReleaseStockAfterFailure"] {
        let state = &states[name];
        assert_eq!(state["Type"], "Map");
        assert_eq!(state["ItemsPath"], "$.items");
        let processor = &state["ItemProcessor"];
        let start = processor["StartAt"].as_str().expect("start");
        let task = &processor["States"][start];
        assert_eq!(task["Parameters"]["TableName"], "alex-inventory");
        assert_eq!(
            task["Parameters"]["ExpressionAttributeValues"][":q"]["N.$"],
            "States.Format('{}', $.quantity)"
        );
    }
    let failed = &states["OrderFailed"];
    assert_eq!(
        (failed["ErrorPath"].as_str(), failed["CausePath"].as_str()),
        (Some("$.error.Error"), Some("$.error.Cause"))
    );
}

#[test]
fn every_function_binary_exists() {
    let functions = load("functions.json");
    let bins = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    let functions = functions.as_array().expect("array");
    assert_eq!(functions.len(), 6);
    for function in functions {
        let binary = function["Binary"].as_str().expect("Binary");
        assert!(
            bins.join(format!("{binary}.rs")).is_file(),
            "no src/bin/{binary}.rs"
        );
        assert_eq!(
            function["FunctionName"], binary,
            "the function is named after its binary"
        );
    }
    let definition = load("state-machine.json");
    let file = definition["DefinitionFile"]
        .as_str()
        .expect("DefinitionFile");
    assert!(app_dir().join(file).is_file());
}
