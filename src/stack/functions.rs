//! The six Lambda functions from `app/functions.json` (CreateFunction's JSON shape plus
//! `Binary`) and the stream → function mappings from `app/event-sources.json`; both retried
//! while AWS refuses a role created moments ago, then waited for (`Active`, `Enabled`).

use std::collections::{BTreeMap, HashMap};

use crate::stack::aws_error::AwsResultExt;
use anyhow::{Context as _, bail};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, EventSourcePosition, Filter, FilterCriteria, FunctionCode, Runtime, State,
};
use serde::Deserialize;

use super::artifacts;
use super::tables::StreamArns;
use super::{Poll, Provisioner};

/// One function of `app/functions.json`; a member not listed here is refused, never dropped.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FunctionSpec {
    pub function_name: String,
    pub binary: String,
    #[serde(default)]
    pub description: Option<String>,
    pub runtime: String,
    pub handler: String,
    #[serde(default)]
    pub memory_size: Option<i32>,
    #[serde(default)]
    pub timeout: Option<i32>,
    pub role: String,
    #[serde(default)]
    pub environment: Option<EnvironmentSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EnvironmentSpec {
    #[serde(default)]
    pub variables: HashMap<String, String>,
}

/// One mapping of `app/event-sources.json`: CreateEventSourceMapping's members (the table
/// named instead of its stream's ARN); a member not listed here is refused, never dropped.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EventSourceSpec {
    pub function_name: String,
    pub table_name: String,
    pub starting_position: String,
    #[serde(default)]
    pub batch_size: Option<i32>,
    #[serde(default)]
    pub maximum_batching_window_in_seconds: Option<i32>,
    #[serde(default)]
    pub parallelization_factor: Option<i32>,
    #[serde(default)]
    pub filter_criteria: Option<FilterCriteriaSpec>,
}

/// `FilterCriteria`: the event patterns a record must match to reach the function.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FilterCriteriaSpec {
    pub filters: Vec<FilterSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FilterSpec {
    pub pattern: String,
}

/// A deployed function.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub binary: String,
    pub arn: String,
}

/// `alex-stock-verify` → `StockVerifyFunctionArn` (the placeholder naming its ARN).
pub fn arn_placeholder(binary: &str) -> String {
    let bare = binary.strip_prefix("alex-").unwrap_or(binary);
    let pascal: String = bare
        .split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    format!("{pascal}FunctionArn")
}

/// Creates every function (concurrently: each upload is a ~13 MB zip the endpoint unpacks)
/// and waits until each is Active.
pub async fn create_functions(p: &Provisioner<'_>) -> anyhow::Result<Vec<Function>> {
    let specs: Vec<FunctionSpec> = p.read_app_json("functions.json")?;
    let app_dir = p.settings.app_dir.clone();
    let executables = tokio::task::spawn_blocking(move || artifacts::lambda_executables(&app_dir))
        .await
        .context("building the Lambda executables")??;
    let mut tasks = tokio::task::JoinSet::new();
    for (index, spec) in specs.into_iter().enumerate() {
        let path = artifacts::executable(&executables, &spec.binary)?.to_owned();
        let lambda = p.clients.lambda.clone();
        let bound = p.timeout;
        tasks.spawn(async move {
            let zip = tokio::task::spawn_blocking(move || artifacts::bootstrap_zip(&path))
                .await
                .context("zipping a Lambda executable")??;
            // A role created moments ago is not assumable by Lambda yet on AWS.
            super::eventually(bound, &[ROLE_NOT_ASSUMABLE], || {
                create_function(&lambda, &zip, &spec)
            })
            .await
            .map(|function| (index, function))
        });
    }
    let mut functions = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        functions.push(joined.context("a CreateFunction task panicked")??);
    }
    functions.sort_by_key(|(index, _)| *index);
    let functions: Vec<Function> = functions.into_iter().map(|(_, f)| f).collect();
    for function in &functions {
        wait_active(p, &function.name).await?;
    }
    Ok(functions)
}

async fn create_function(
    lambda: &aws_sdk_lambda::Client,
    zip: &[u8],
    spec: &FunctionSpec,
) -> anyhow::Result<Function> {
    let environment = spec.environment.as_ref().map(|env| {
        Environment::builder()
            .set_variables(Some(env.variables.clone()))
            .build()
    });
    let created = lambda
        .create_function()
        .function_name(&spec.function_name)
        .runtime(Runtime::from(spec.runtime.as_str()))
        .handler(&spec.handler)
        .role(&spec.role)
        .set_description(spec.description.clone())
        .set_memory_size(spec.memory_size)
        .set_timeout(spec.timeout)
        .set_environment(environment)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .aws_context(|| format!("CreateFunction {}", spec.function_name))?;
    let arn = created.function_arn().with_context(|| {
        format!(
            "CreateFunction {} returned no FunctionArn",
            spec.function_name
        )
    })?;
    Ok(Function {
        name: spec.function_name.clone(),
        binary: spec.binary.clone(),
        arn: arn.to_owned(),
    })
}

async fn wait_active(p: &Provisioner<'_>, name: &str) -> anyhow::Result<()> {
    let mut poll = Poll::new(p.timeout);
    loop {
        let got = p
            .clients
            .lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .aws_context(|| format!("GetFunction {name}"))?;
        let state = got.configuration().and_then(|c| c.state()).cloned();
        match state {
            Some(State::Active) => return Ok(()),
            Some(State::Failed) => {
                let reason = got
                    .configuration()
                    .and_then(|c| c.state_reason())
                    .unwrap_or("no reason given");
                bail!("function {name} failed to become Active: {reason}");
            }
            _ if !poll.again().await => {
                bail!(
                    "function {name} is not Active after {:?} (state {state:?})",
                    p.timeout
                )
            }
            _ => {}
        }
    }
}

/// AWS's answer to CreateFunction while the role is new (IAM is eventually consistent).
const ROLE_NOT_ASSUMABLE: &str = "cannot be assumed by Lambda";

/// AWS's answer to CreateEventSourceMapping while the function's role's stream permissions
/// have not propagated yet.
const STREAM_NOT_READABLE: &str = "Cannot access stream";

/// Creates the event source mappings (stream → function) and waits until each is Enabled.
pub async fn create_event_sources(p: &Provisioner<'_>, streams: &StreamArns) -> anyhow::Result<()> {
    let specs: Vec<EventSourceSpec> = p.read_app_json("event-sources.json")?;
    for spec in &specs {
        let stream_arn = streams
            .get(&spec.table_name)
            .and_then(Option::as_deref)
            .with_context(|| format!("table {} has no stream to map", spec.table_name))?;
        let what = format!(
            "CreateEventSourceMapping {} → {}",
            spec.table_name, spec.function_name
        );
        let created = super::eventually(p.timeout, &[STREAM_NOT_READABLE], || async {
            p.clients
                .lambda
                .create_event_source_mapping()
                .function_name(&spec.function_name)
                .event_source_arn(stream_arn)
                .starting_position(EventSourcePosition::from(spec.starting_position.as_str()))
                .set_batch_size(spec.batch_size)
                .set_maximum_batching_window_in_seconds(spec.maximum_batching_window_in_seconds)
                .set_parallelization_factor(spec.parallelization_factor)
                .set_filter_criteria(spec.filter_criteria.as_ref().map(filter_criteria))
                .send()
                .await
                .aws_context(|| &what)
        })
        .await?;
        let uuid = created.uuid().with_context(|| format!("{what}: no UUID"))?;
        wait_enabled(p, uuid, &what).await?;
    }
    Ok(())
}

fn filter_criteria(spec: &FilterCriteriaSpec) -> FilterCriteria {
    let filters = spec.filters.iter();
    FilterCriteria::builder()
        .set_filters(Some(
            filters
                .map(|f| Filter::builder().pattern(&f.pattern).build())
                .collect(),
        ))
        .build()
}

/// Until the mapping's State is `Enabled` (AWS answers `Creating` first).
async fn wait_enabled(p: &Provisioner<'_>, uuid: &str, what: &str) -> anyhow::Result<()> {
    let mut poll = Poll::new(p.timeout);
    loop {
        let got = p
            .clients
            .lambda
            .get_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .aws_context(|| format!("GetEventSourceMapping {uuid}"))?;
        let state = got.state().unwrap_or_default().to_owned();
        match state.as_str() {
            "Enabled" => return Ok(()),
            "Creating" | "Enabling" | "Updating" if poll.again().await => {}
            _ => bail!(
                "{what}: the mapping {uuid} is {state:?}, not Enabled ({})",
                got.state_transition_reason().unwrap_or("no reason given")
            ),
        }
    }
}

/// The ARN placeholders for every function.
pub fn arn_substitutions(functions: &[Function]) -> BTreeMap<String, String> {
    functions
        .iter()
        .map(|f| (arn_placeholder(&f.binary), f.arn.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arn_placeholders_after_the_binary() {
        assert_eq!(
            arn_placeholder("alex-stock-verify"),
            "StockVerifyFunctionArn"
        );
        assert_eq!(arn_placeholder("alex-price-calc"), "PriceCalcFunctionArn");
        assert_eq!(arn_placeholder("alex-payment"), "PaymentFunctionArn");
        assert_eq!(
            arn_placeholder("alex-complete-order"),
            "CompleteOrderFunctionArn"
        );
    }

    #[test]
    fn event_sources_take_the_mapping_members_and_refuse_unknown_ones() {
        let text = r#"[{"FunctionName": "f", "TableName": "t", "StartingPosition": "LATEST",
            "BatchSize": 100, "MaximumBatchingWindowInSeconds": 1, "ParallelizationFactor": 4,
            "FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]}}]"#;
        let specs: Vec<EventSourceSpec> = serde_json::from_str(text).unwrap();
        let spec = &specs[0];
        assert_eq!(spec.parallelization_factor, Some(4));
        assert_eq!(spec.maximum_batching_window_in_seconds, Some(1));
        let criteria = filter_criteria(spec.filter_criteria.as_ref().unwrap());
        assert_eq!(
            criteria.filters()[0].pattern(),
            Some(r#"{"eventName": ["INSERT"]}"#)
        );
        let typo = r#"[{"FunctionName": "f", "TableName": "t", "StartingPosition": "LATEST",
            "BatchSize": 10, "ParalelizationFactor": 4}]"#;
        let err = serde_json::from_str::<Vec<EventSourceSpec>>(typo).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown field `ParalelizationFactor`"),
            "{err}"
        );
        assert_eq!(err.line(), 2, "{err}");
    }
}
