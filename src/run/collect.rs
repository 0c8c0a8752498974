//! Gathering what happened: per order its HTTP answer and executions (status, the states
//! entered from GetExecutionHistory, output or error/cause); both tables in full (Scan, all
//! pages) as plain JSON sorted by key; the e-mails from the SES outbox (`GET /_aws/ses`).
//!
//! DynamoDB numbers become JSON numbers holding their canonical decimal text (serde_json's
//! `arbitrary_precision`), so `120.50` is `120.5` whichever way it was written and no binary
//! floating point is involved.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use crate::stack::aws_error::AwsResultExt;
use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use super::inject::Submission;
use super::wait::{ExecutionRef, ExecutionsByOrder};
use crate::stack::{Clients, Stack};

/// One execution as the snapshot shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    pub status: String,
    pub path: Vec<String>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Each failed attempt of a state that was then retried or caught:
    /// `State: Error`, in order (from the TaskFailed/LambdaFunctionFailed events).
    pub failed_attempts: Vec<String>,
    /// Event time of the last history event minus the first, in seconds (on the virtual
    /// clock, Wait states and retry back-off count here without taking wall time).
    pub history_span_seconds: f64,
    /// The whole history, reduced to what coverage reads.
    pub history: Vec<crate::coverage::Event>,
    /// For each event of `history` (same index): its type and its time in seconds after the
    /// first event (the report's timeline).
    pub moments: Vec<Moment>,
}

/// When a history event happened and what it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub seconds: f64,
    /// `TaskFailed`, `PassStateEntered`, …
    pub event_type: String,
}

/// One order: how it was submitted and what its executions did.
#[derive(Debug, Clone)]
pub struct OrderOutcome {
    pub submission: Submission,
    pub executions: Vec<ExecutionRecord>,
}

/// An e-mail from the outbox.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct Collected {
    pub orders: Vec<OrderOutcome>,
    /// Table name → items (plain JSON), sorted by key.
    pub tables: BTreeMap<String, Vec<Value>>,
    pub emails: Vec<Email>,
    /// The raw request bodies and the API's answers.
    pub raw_requests: Vec<super::inject::RawResponse>,
    /// Both tables once the inventory was loaded, before any order (same shape as `tables`).
    pub tables_before: BTreeMap<String, Vec<Value>>,
    /// How many executions the state machine had in all.
    pub executions_started: usize,
}

impl Collected {
    /// An order's item in the orders table.
    pub fn order_item(&self, orders_table: &str, order_id: &str) -> Option<&Value> {
        self.tables
            .get(orders_table)?
            .iter()
            .find(|item| item.get("order_id").and_then(Value::as_str) == Some(order_id))
    }

    /// Every execution's history, paired with the order it ran for.
    pub fn histories(&self) -> Vec<(String, Vec<crate::coverage::Event>)> {
        self.orders
            .iter()
            .flat_map(|order| {
                let id = &order.submission.order_id;
                order
                    .executions
                    .iter()
                    .map(|e| (id.clone(), e.history.clone()))
            })
            .collect()
    }
}

pub async fn collect(
    clients: &Clients,
    endpoint: &str,
    stack: &Stack,
    submissions: &[Submission],
    executions: &ExecutionsByOrder,
) -> anyhow::Result<Collected> {
    let mut orders = Vec::with_capacity(submissions.len());
    let mut seen = std::collections::HashSet::new();
    for submission in submissions {
        let mut records = Vec::new();
        // A resubmitted order shows its executions once, under its first submission.
        let first = seen.insert(submission.order_id.clone());
        let own = executions.get(&submission.order_id).filter(|_| first);
        for execution in own.into_iter().flatten() {
            records.push(execution_record(clients, execution).await?);
        }
        orders.push(OrderOutcome {
            submission: submission.clone(),
            executions: records,
        });
    }
    let tables = scan_tables(clients, stack).await?;
    // AWS itself (the aws backend without an endpoint) has no outbox to read.
    let emails = if endpoint.is_empty() {
        Vec::new()
    } else {
        fetch_emails(endpoint).await?
    };
    Ok(Collected {
        orders,
        tables,
        emails,
        raw_requests: Vec::new(),
        tables_before: BTreeMap::new(),
        executions_started: super::wait::count_executions(clients, &stack.state_machine_arn)
            .await?,
    })
}

async fn execution_record(
    clients: &Clients,
    execution: &ExecutionRef,
) -> anyhow::Result<ExecutionRecord> {
    let described = clients
        .sfn
        .describe_execution()
        .execution_arn(&execution.arn)
        .send()
        .await
        .aws_context(|| format!("DescribeExecution {}", execution.arn))?;
    let history = read_history(clients, &execution.arn).await?;
    Ok(ExecutionRecord {
        status: described.status().as_str().to_owned(),
        path: history.path,
        failed_attempts: history.failed_attempts,
        history_span_seconds: history.span_seconds,
        history: history.events,
        moments: history.moments,
        output: described.output().map(parse_json_or_text),
        error: described.error().map(str::to_owned),
        cause: described.cause().map(str::to_owned),
    })
}

fn parse_json_or_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// What the snapshot reads from an execution's history.
#[derive(Debug, Default)]
struct HistorySummary {
    path: Vec<String>,
    failed_attempts: Vec<String>,
    span_seconds: f64,
    events: Vec<crate::coverage::Event>,
    moments: Vec<Moment>,
}

/// Reads the whole history (all pages): the name of every `*StateEntered` event in order,
/// every failed task attempt (with the state on its event's chain: concurrent Map iterations
/// and Parallel branches interleave), and the span of event times.
async fn read_history(clients: &Clients, arn: &str) -> anyhow::Result<HistorySummary> {
    let mut summary = HistorySummary::default();
    let mut times: Vec<f64> = Vec::new();
    // Failed attempts (event index, error): their state is read along the event's chain.
    let mut failures: Vec<(usize, String)> = Vec::new();
    let mut pages = super::pages::Pages::new(format!("GetExecutionHistory {arn}"));
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| format!("GetExecutionHistory {arn}"))?;
        for event in page.events() {
            times.push(event.timestamp().as_secs_f64());
            summary.moments.push(Moment {
                seconds: event.timestamp().as_secs_f64(),
                event_type: event.r#type().as_str().to_owned(),
            });
            summary
                .events
                .push(crate::coverage::history::from_sdk(event));
            if event.r#type().as_str().ends_with("StateEntered")
                && let Some(details) = event.state_entered_event_details()
            {
                summary.path.push(details.name().to_owned());
            }
            let error = event
                .task_failed_event_details()
                .and_then(|d| d.error())
                .or_else(|| {
                    event
                        .lambda_function_failed_event_details()
                        .and_then(|d| d.error())
                });
            if let Some(error) = error {
                failures.push((summary.events.len() - 1, error.to_owned()));
            }
        }
        let next = page.next_token().map(str::to_owned);
        token = pages.next(token.as_ref(), next.as_ref())?;
        if token.is_none() {
            break;
        }
    }
    let states = crate::coverage::chains::Chains::new(&summary.events).states();
    summary.failed_attempts = failures
        .into_iter()
        .filter_map(|(index, error)| {
            let state = states.get(index).filter(|s| !s.is_empty())?;
            Some(format!("{state}: {error}"))
        })
        .collect();
    let first = times.iter().copied().fold(f64::INFINITY, f64::min);
    let last = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    summary.span_seconds = if times.is_empty() { 0.0 } else { last - first };
    for moment in &mut summary.moments {
        moment.seconds -= first;
    }
    Ok(summary)
}

/// Both tables, each in full and sorted by key.
pub async fn scan_tables(
    clients: &Clients,
    stack: &Stack,
) -> anyhow::Result<BTreeMap<String, Vec<Value>>> {
    let mut tables = BTreeMap::new();
    for (table, key) in [
        (&stack.orders_table, "order_id"),
        (&stack.inventory_table, "item_id"),
    ] {
        tables.insert(table.clone(), scan_table(clients, table, key).await?);
    }
    Ok(tables)
}

/// Every item of `table` as plain JSON, sorted by `key`.
async fn scan_table(clients: &Clients, table: &str, key: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut pages = super::pages::Pages::new(format!("Scan {table}"));
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = clients
            .dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start.clone())
            .send()
            .await
            .aws_context(|| format!("Scan {table}"))?;
        items.extend(page.items().iter().map(item_to_json));
        let last = page.last_evaluated_key().filter(|last| !last.is_empty());
        start = pages.next(start.as_ref(), last)?;
        if start.is_none() {
            break;
        }
    }
    items.sort_by_key(|item| sort_key(item, key));
    Ok(items)
}

fn sort_key(item: &Value, key: &str) -> String {
    match item.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A DynamoDB item as plain JSON, keys sorted.
pub fn item_to_json(item: &HashMap<String, AttributeValue>) -> Value {
    let mut pairs: Vec<(&String, &AttributeValue)> = item.iter().collect();
    pairs.sort_by_key(|(key, _)| *key);
    Value::Object(
        pairs
            .into_iter()
            .map(|(key, value)| (key.clone(), attribute_to_json(value)))
            .collect::<Map<_, _>>(),
    )
}

/// One attribute value as plain JSON (sets become sorted arrays, binary becomes hex text).
pub fn attribute_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(number) => number_value(number),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(map) => item_to_json(map),
        AttributeValue::L(list) => Value::Array(list.iter().map(attribute_to_json).collect()),
        AttributeValue::Ss(set) => sorted_strings(set.iter().cloned()),
        AttributeValue::Ns(set) => {
            let mut numbers: Vec<String> = set.iter().map(|n| canonical_decimal(n)).collect();
            numbers.sort();
            Value::Array(numbers.iter().map(|n| number_value(n)).collect())
        }
        AttributeValue::B(blob) => Value::String(hex(blob.as_ref())),
        AttributeValue::Bs(set) => sorted_strings(set.iter().map(|b| hex(b.as_ref()))),
        _ => Value::String("[unknown attribute type]".to_owned()),
    }
}

fn sorted_strings(items: impl Iterator<Item = String>) -> Value {
    let mut items: Vec<String> = items.collect();
    items.sort();
    Value::Array(items.into_iter().map(Value::String).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn number_value(text: &str) -> Value {
    let canonical = canonical_decimal(text);
    serde_json::Number::from_str(&canonical)
        .map(Value::Number)
        .unwrap_or(Value::String(canonical))
}

/// `+0120.500` → `120.5`, `-0.0` → `0`; exponent forms are left as written.
pub fn canonical_decimal(text: &str) -> String {
    let text = text.trim();
    if text.contains(['e', 'E']) {
        return text.to_owned();
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let magnitude = if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    };
    if negative && magnitude != "0" {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

/// The SES outbox in LocalStack's shape, as sorted `{to, subject, body}`.
async fn fetch_emails(endpoint: &str) -> anyhow::Result<Vec<Email>> {
    let url = format!("{endpoint}/_aws/ses");
    let response = reqwest::get(&url)
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .with_context(|| format!("GET {url}"))?;
    anyhow::ensure!(status.is_success(), "GET {url} answered {status}: {text}");
    let outbox: Value =
        serde_json::from_str(&text).with_context(|| format!("GET {url}: not JSON: {text}"))?;
    Ok(emails_of_outbox(&outbox))
}

/// `{"messages": [{"Destination": {"ToAddresses"}, "Subject", "Body": {"text_part",
/// "html_part"}}]}` → sorted e-mails.
pub fn emails_of_outbox(outbox: &Value) -> Vec<Email> {
    let text_of = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut emails: Vec<Email> = outbox
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|message| {
            let to = message
                .pointer("/Destination/ToAddresses")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let body = message.get("Body");
            let text = text_of(body.and_then(|b| b.get("text_part")));
            let body = if text.is_empty() {
                text_of(body.and_then(|b| b.get("html_part")))
            } else {
                text
            };
            Email {
                to,
                subject: text_of(message.get("Subject")),
                body,
            }
        })
        .collect();
    emails.sort();
    emails
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonicalises_decimals() {
        assert_eq!(canonical_decimal("120.50"), "120.5");
        assert_eq!(canonical_decimal("+007"), "7");
        assert_eq!(canonical_decimal("-0.000"), "0");
        assert_eq!(canonical_decimal("0.25"), "0.25");
        assert_eq!(canonical_decimal("-3.10"), "-3.1");
        assert_eq!(canonical_decimal("1E+3"), "1E+3");
    }

    #[test]
    fn converts_items_to_plain_json_with_sorted_keys() {
        let item = HashMap::from([
            ("stock".to_owned(), AttributeValue::N("05".into())),
            ("item_id".to_owned(), AttributeValue::S("kb".into())),
            (
                "tags".to_owned(),
                AttributeValue::Ss(vec!["b".into(), "a".into()]),
            ),
            ("gone".to_owned(), AttributeValue::Null(true)),
        ]);
        let json = item_to_json(&item);
        assert_eq!(
            json.to_string(),
            r#"{"gone":null,"item_id":"kb","stock":5,"tags":["a","b"]}"#
        );
    }

    #[test]
    fn reads_the_localstack_outbox_shape() {
        let outbox = json!({"messages": [
            {"Source": "s@x", "Destination": {"ToAddresses": ["z@x"]}, "Subject": "B",
             "Body": {"text_part": "hello", "html_part": null}},
            {"Source": "s@x", "Destination": {"ToAddresses": ["a@x", "b@x"]}, "Subject": "A",
             "Body": {"text_part": null, "html_part": "<p>hi</p>"}},
        ]});
        let emails = emails_of_outbox(&outbox);
        assert_eq!(emails.len(), 2);
        assert_eq!(emails[0].to, "a@x, b@x");
        assert_eq!(emails[0].body, "<p>hi</p>");
        assert_eq!(emails[1].subject, "B");
        assert_eq!(emails[1].body, "hello");
    }
}
