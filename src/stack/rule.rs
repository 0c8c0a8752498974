//! The EventBridge rule from `app/rule.json`: PutRule with its pattern, then PutTargets (the
//! state machine, `InputPath: $.detail`).

use crate::stack::aws_error::AwsResultExt;
use anyhow::bail;
use aws_sdk_eventbridge::types::{RuleState, Target};
use serde::Deserialize;

use super::Provisioner;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(default)]
    pub event_bus_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub event_pattern: serde_json::Value,
    pub targets: Vec<TargetSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetSpec {
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub role_arn: Option<String>,
    #[serde(default)]
    pub input_path: Option<String>,
}

/// Creates the rule and its targets.
pub async fn create_rule(p: &Provisioner<'_>) -> anyhow::Result<()> {
    let spec: RuleSpec = p.read_app_json("rule.json")?;
    p.clients
        .events
        .put_rule()
        .name(&spec.name)
        .set_event_bus_name(spec.event_bus_name.clone())
        .set_description(spec.description.clone())
        .event_pattern(spec.event_pattern.to_string())
        .state(RuleState::Enabled)
        .send()
        .await
        .aws_context(|| format!("PutRule {}", spec.name))?;
    let mut targets = Vec::with_capacity(spec.targets.len());
    for target in &spec.targets {
        targets.push(
            Target::builder()
                .id(&target.id)
                .arn(&target.arn)
                .set_role_arn(target.role_arn.clone())
                .set_input_path(target.input_path.clone())
                .build()?,
        );
    }
    let put = p
        .clients
        .events
        .put_targets()
        .rule(&spec.name)
        .set_event_bus_name(spec.event_bus_name.clone())
        .set_targets(Some(targets))
        .send()
        .await
        .aws_context(|| format!("PutTargets {}", spec.name))?;
    if put.failed_entry_count() > 0 {
        bail!(
            "PutTargets {}: failed entries {:?}",
            spec.name,
            put.failed_entries()
        );
    }
    Ok(())
}
