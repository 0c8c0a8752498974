//! The state machine from `app/state-machine.json` and its ASL definition file, placeholders
//! substituted (function ARNs, table names, …) before CreateStateMachine.

use crate::stack::aws_error::AwsResultExt;
use anyhow::Context as _;
use aws_sdk_sfn::types::StateMachineType;
use serde::Deserialize;

use super::Provisioner;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StateMachineSpec {
    pub name: String,
    #[serde(default = "standard")]
    pub r#type: String,
    pub role_arn: String,
    pub definition_file: String,
}

fn standard() -> String {
    "STANDARD".to_owned()
}

/// AWS's answer to CreateStateMachine while the role is new.
const ROLE_NOT_ASSUMABLE: &str = "is authorized to assume the provided role";

/// Creates the state machine; returns its ARN.
pub async fn create_state_machine(p: &Provisioner<'_>) -> anyhow::Result<String> {
    let spec: StateMachineSpec = p.read_app_json("state-machine.json")?;
    let definition = p.read_app_text(&spec.definition_file)?;
    serde_json::from_str::<serde_json::Value>(&definition)
        .with_context(|| format!("{} is not valid JSON", spec.definition_file))?;
    // A role created moments ago is not assumable by Step Functions yet on AWS.
    let created = super::eventually(p.timeout, &[ROLE_NOT_ASSUMABLE], || async {
        p.clients
            .sfn
            .create_state_machine()
            .name(&spec.name)
            .definition(definition.clone())
            .role_arn(&spec.role_arn)
            .r#type(StateMachineType::from(spec.r#type.as_str()))
            .send()
            .await
            .aws_context(|| format!("CreateStateMachine {}", spec.name))
    })
    .await?;
    Ok(created.state_machine_arn().to_owned())
}
