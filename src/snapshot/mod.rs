//! The snapshot of a run: one YAML document per scenario holding, per order, the HTTP answer
//! and each execution (status, path, output or error/cause); both tables in full; the e-mails.
//! Everything run-dependent is normalised away ([`normalise`]) and the YAML is rendered with a
//! stable key order ([`yaml`]); [`file`] compares it with `<scenarios-dir>/snapshots/<name>.snap`
//! (beside the scenario: [`crate::paths::snapshots_dir`]).

pub mod file;
pub mod normalise;
pub mod yaml;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use crate::run::{Collected, ExecutionRecord, OrderOutcome, RunResult};
use crate::scenario::{Scenario, Via};

pub use file::{Verdict, check};

/// The normalised YAML snapshot of a run.
pub fn render(scenario: &Scenario, result: &RunResult) -> String {
    yaml::render(&normalised(scenario, result))
}

fn normalised(scenario: &Scenario, result: &RunResult) -> Value {
    let mut document = document(scenario, &result.collected);
    if scenario.race {
        normalise::summarise_race(&mut document, &result.stack.orders_table);
    }
    normalise::run_names(&mut document, &result.stack);
    normalise::normalise(&mut document);
    document
}

/// Whether the run's e-mails could be read back: not on AWS itself (its API an
/// `execute-api` host), where SES keeps no outbox.
pub fn emails_observed(result: &RunResult) -> bool {
    !result.stack.orders_url.contains(".execute-api.")
}

/// [`render`] for a run whose e-mails could not be read back: the stored snapshot's
/// `emails` (in `dir`, when there is one) stand in for them, so the comparison covers
/// everything else.
pub fn render_with_stored_emails(
    scenario: &Scenario,
    result: &RunResult,
    dir: &std::path::Path,
) -> anyhow::Result<String> {
    let mut document = normalised(scenario, result);
    let path = file::snap_path(dir, &scenario.name);
    if let Some(stored) = file::read_contents(&path)? {
        let stored: Value = serde_saphyr::from_str(&stored)
            .map_err(|err| anyhow::anyhow!("{}: not a YAML snapshot: {err}", path.display()))?;
        if let Some(emails) = stored.get("emails") {
            document["emails"] = emails.clone();
        }
    }
    Ok(yaml::render(&document))
}

/// The snapshot document before normalisation, keys in a fixed order.
pub fn document(scenario: &Scenario, collected: &Collected) -> Value {
    let orders: Vec<Value> = collected.orders.iter().map(order_entry).collect();
    let tables: Map<String, Value> = collected
        .tables
        .iter()
        .map(|(name, items)| (name.clone(), Value::Array(items.clone())))
        .collect();
    let emails: Vec<Value> = collected
        .emails
        .iter()
        .map(|email| json!({"to": email.to, "subject": email.subject, "body": email.body}))
        .collect();
    let mut document = json!({
        "scenario": scenario.name,
        "orders": orders,
        "executions_started": collected.executions_started,
        "tables": tables,
        "emails": emails,
    });
    if !collected.raw_requests.is_empty() {
        document["requests"] = collected
            .raw_requests
            .iter()
            .map(|raw| json!({"body": raw.body, "http_status": raw.http_status, "response": raw.response}))
            .collect();
    }
    document
}

fn order_entry(outcome: &OrderOutcome) -> Value {
    let submission = &outcome.submission;
    let mut entry = Map::new();
    entry.insert("order_id".into(), json!(submission.order_id));
    match submission.via {
        Via::Api => {
            entry.insert("via".into(), json!("api"));
            entry.insert("http_status".into(), json!(submission.http_status));
            entry.insert(
                "response".into(),
                submission.http_body.clone().unwrap_or(Value::Null),
            );
        }
        Via::Direct => {
            entry.insert("via".into(), json!("direct"));
        }
    }
    let mut executions = outcome.executions.iter();
    match executions.next() {
        Some(first) => entry.insert("execution".into(), execution_entry(first)),
        None => entry.insert("execution".into(), Value::Null),
    };
    let extra: Vec<Value> = executions.map(execution_entry).collect();
    if !extra.is_empty() {
        entry.insert("further_executions".into(), Value::Array(extra));
    }
    Value::Object(entry)
}

fn execution_entry(record: &ExecutionRecord) -> Value {
    let mut entry = Map::new();
    entry.insert("status".into(), json!(record.status));
    entry.insert("path".into(), json!(record.path));
    if let Some(output) = &record.output {
        entry.insert("output".into(), output.clone());
    }
    if let Some(error) = &record.error {
        entry.insert("error".into(), json!(error));
    }
    if let Some(cause) = &record.cause {
        entry.insert("cause".into(), json!(cause));
    }
    if !record.failed_attempts.is_empty() {
        entry.insert("failed_attempts".into(), json!(record.failed_attempts));
    }
    Value::Object(entry)
}
