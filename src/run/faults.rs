//! Sending a scenario's faults to the backend: one MockConfigFile-shaped document (state
//! faults under `StateMachines`/`MockedResponses`, function faults under orderlab's
//! `Functions`) posted to the emulator's control route `POST /_orderlab/faults`. Backends
//! without that route (LocalStack, AWS) answer that faults are not supported.

use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};

use crate::scenario::{Fault, FaultResponse, FaultTarget, Scenario};

/// The test case name the harness gives its own state faults.
pub const TEST_CASE: &str = "orderlab";

/// Whether the scenario injects anything.
pub fn has_faults(scenario: &Scenario) -> bool {
    !scenario.faults.is_empty() || scenario.mock_config.is_some()
}

/// The document for `scenario` against the state machine `machine`.
pub fn document(scenario: &Scenario, machine: &str) -> anyhow::Result<Value> {
    let mut document = scenario
        .mock_config
        .clone()
        .unwrap_or_else(|| json!({"StateMachines": {}, "MockedResponses": {}}));
    let mut functions = Map::new();
    let mut states = Map::new();
    for fault in &scenario.faults {
        let (table, key) = match &fault.target {
            FaultTarget::Function(name) => (&mut functions, name.clone()),
            FaultTarget::State(name) => (&mut states, name.clone()),
        };
        let entry = table.entry(key).or_insert_with(|| json!({}));
        if let Some(responses) = entry.as_object_mut() {
            responses
                .entry(fault.invocations.clone())
                .or_insert_with(|| response(fault));
        }
    }
    if !states.is_empty() {
        add_state_faults(&mut document, machine, states)?;
    }
    object_member(&mut document, "", "Functions")?.extend(functions);
    Ok(document)
}

/// `document[key]` as an object (created when absent): a `mock_config` file may hold
/// anything under its keys, and a wrong shape is an error, not a panic.
fn object_member<'a>(
    document: &'a mut Value,
    parent: &str,
    key: &str,
) -> anyhow::Result<&'a mut Map<String, Value>> {
    let Some(object) = document.as_object_mut() else {
        bail!("mock_config: {parent} is not a JSON object");
    };
    match object.entry(key.to_owned()).or_insert_with(|| json!({})) {
        Value::Object(member) => Ok(member),
        _ => bail!("mock_config: {parent}{key} is not a JSON object"),
    }
}

fn add_state_faults(
    document: &mut Value,
    machine: &str,
    states: Map<String, Value>,
) -> anyhow::Result<()> {
    if document
        .get("StateMachines")
        .and_then(|machines| machines.get(machine))
        .is_some()
    {
        bail!(
            "the scenario's state faults and its mock_config both mock {machine}: use one or the other"
        );
    }
    let mut case = Map::new();
    let mut mocked = Map::new();
    for (state, responses) in states {
        let name = format!("{TEST_CASE}-{state}");
        case.insert(state, json!(name));
        mocked.insert(name, responses);
    }
    object_member(document, "", "MockedResponses")?.extend(mocked);
    object_member(document, "", "StateMachines")?
        .insert(machine.to_owned(), json!({"TestCases": {TEST_CASE: case}}));
    object_member(document, "", "ActiveTestCases")?.insert(machine.to_owned(), json!(TEST_CASE));
    Ok(())
}

fn response(fault: &Fault) -> Value {
    match &fault.response {
        FaultResponse::Throw { error, cause } => {
            json!({"Throw": {"Error": error, "Cause": cause}})
        }
        FaultResponse::Timeout => json!({"Timeout": true}),
        FaultResponse::Return(value) => json!({"Return": value}),
    }
}

/// Posts the document to the endpoint's fault route.
pub async fn inject(endpoint: &str, document: &Value) -> anyhow::Result<()> {
    let url = format!("{endpoint}/_orderlab/faults");
    let response = reqwest::Client::new()
        .post(&url)
        .json(document)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    match status {
        200..=299 => Ok(()),
        404 => bail!(
            "fault injection is not supported on this backend (no {url}); run the scenario on the embedded backend"
        ),
        _ => bail!("the backend refused the faults ({status}): {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(faults: Vec<Fault>) -> Scenario {
        let mut scenario = crate::scenario::parse(
            std::path::Path::new("t.yaml"),
            "t",
            "description: t\nseed: 1\n",
        )
        .unwrap();
        scenario.faults = faults;
        scenario
    }

    #[test]
    fn builds_a_mock_config_file_with_functions() {
        let document = document(
            &scenario(vec![
                Fault {
                    target: FaultTarget::Function("alex-payment".into()),
                    invocations: "0-1".into(),
                    response: FaultResponse::Throw {
                        error: "E".into(),
                        cause: "c".into(),
                    },
                },
                Fault {
                    target: FaultTarget::State("ProcessPayment".into()),
                    invocations: "*".into(),
                    response: FaultResponse::Timeout,
                },
            ]),
            "alex-order-processing",
        )
        .unwrap();
        assert_eq!(
            document["Functions"],
            json!({"alex-payment": {"0-1": {"Throw": {"Error": "E", "Cause": "c"}}}})
        );
        assert_eq!(
            document["StateMachines"]["alex-order-processing"]["TestCases"]["orderlab"]["ProcessPayment"],
            "orderlab-ProcessPayment"
        );
        assert_eq!(
            document["MockedResponses"]["orderlab-ProcessPayment"],
            json!({"*": {"Timeout": true}})
        );
    }

    #[test]
    fn a_mock_config_of_the_wrong_shape_is_an_error_not_a_panic() {
        for wrong in [
            json!({"StateMachines": {}, "MockedResponses": []}),
            json!({"StateMachines": {}, "ActiveTestCases": "x"}),
            json!({"StateMachines": {}, "Functions": 5}),
        ] {
            let mut scenario = scenario(vec![Fault {
                target: FaultTarget::State("ProcessPayment".into()),
                invocations: "*".into(),
                response: FaultResponse::Timeout,
            }]);
            scenario.mock_config = Some(wrong.clone());
            let err = document(&scenario, "m").unwrap_err();
            assert!(
                err.to_string().contains("is not a JSON object"),
                "{wrong}: {err}"
            );
        }
    }
}
