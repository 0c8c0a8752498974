//! Waiting until every accepted order has an execution that has ended: ListExecutions (all
//! pages) and DescribeExecution (to read each execution's `order_id` from its input), polled
//! every 50 ms and bounded by the timeout, whose error names the stuck orders.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::stack::aws_error::AwsResultExt;
use aws_sdk_sfn::types::ExecutionStatus;

use crate::stack::{Clients, Poll, Stack};

/// One execution of the state machine, attributed to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRef {
    pub arn: String,
    pub status: String,
    /// Start time in seconds since the epoch, for ordering an order's executions.
    pub started: i64,
}

impl ExecutionRef {
    fn ended(&self) -> bool {
        self.status != ExecutionStatus::Running.as_str()
            && self.status != ExecutionStatus::PendingRedrive.as_str()
    }
}

/// Order id → its executions, oldest first.
pub type ExecutionsByOrder = BTreeMap<String, Vec<ExecutionRef>>;

/// Waits for every order in `order_ids` to have at least one execution, all ended.
pub async fn wait_for_executions(
    clients: &Clients,
    stack: &Stack,
    order_ids: &[String],
    timeout: Duration,
) -> anyhow::Result<ExecutionsByOrder> {
    let mut owners: HashMap<String, Option<String>> = HashMap::new();
    let mut poll = Poll::new(timeout);
    loop {
        let executions = list_executions(clients, &stack.state_machine_arn).await?;
        let by_order = attribute(clients, &mut owners, executions).await?;
        let stuck = stuck_orders(order_ids, &by_order);
        if stuck.is_empty() {
            return Ok(by_order);
        }
        if !poll.again().await {
            anyhow::bail!(
                "timed out after {}s waiting for executions to end: {}",
                timeout.as_secs_f64(),
                stuck.join("; ")
            );
        }
    }
}

/// The orders not done yet, each with what is missing.
pub fn stuck_orders(order_ids: &[String], by_order: &ExecutionsByOrder) -> Vec<String> {
    order_ids
        .iter()
        .filter_map(|id| match by_order.get(id) {
            None => Some(format!("{id} (no execution started)")),
            Some(executions) => {
                let running: Vec<&str> = executions
                    .iter()
                    .filter(|e| !e.ended())
                    .map(|e| e.arn.as_str())
                    .collect();
                (!running.is_empty())
                    .then(|| format!("{id} (still running: {})", running.join(", ")))
            }
        })
        .collect()
}

async fn list_executions(clients: &Clients, arn: &str) -> anyhow::Result<Vec<ExecutionRef>> {
    let mut executions = Vec::new();
    let mut pages = super::pages::Pages::new("ListExecutions");
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .sfn
            .list_executions()
            .state_machine_arn(arn)
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| "ListExecutions")?;
        executions.extend(page.executions().iter().map(|item| ExecutionRef {
            arn: item.execution_arn().to_owned(),
            status: item.status().as_str().to_owned(),
            started: item.start_date().secs(),
        }));
        let next = page.next_token().map(str::to_owned);
        token = pages.next(token.as_ref(), next.as_ref())?;
        if token.is_none() {
            return Ok(executions);
        }
    }
}

/// How many executions `arn` has had (all pages of ListExecutions).
pub async fn count_executions(clients: &Clients, arn: &str) -> anyhow::Result<usize> {
    Ok(list_executions(clients, arn).await?.len())
}

/// Groups executions by the `order_id` of their input (DescribeExecution once per execution).
async fn attribute(
    clients: &Clients,
    owners: &mut HashMap<String, Option<String>>,
    executions: Vec<ExecutionRef>,
) -> anyhow::Result<ExecutionsByOrder> {
    let mut by_order = ExecutionsByOrder::new();
    for execution in executions {
        if !owners.contains_key(&execution.arn) {
            let owner = order_of(clients, &execution.arn).await?;
            owners.insert(execution.arn.clone(), owner);
        }
        if let Some(Some(order_id)) = owners.get(&execution.arn) {
            by_order
                .entry(order_id.clone())
                .or_default()
                .push(execution);
        }
    }
    for executions in by_order.values_mut() {
        executions.sort_by(|a, b| (a.started, &a.arn).cmp(&(b.started, &b.arn)));
    }
    Ok(by_order)
}

async fn order_of(clients: &Clients, execution_arn: &str) -> anyhow::Result<Option<String>> {
    let described = clients
        .sfn
        .describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
        .aws_context(|| format!("DescribeExecution {execution_arn}"))?;
    Ok(described.input().and_then(order_id_of_input))
}

/// The `order_id` of an execution's input JSON.
pub fn order_id_of_input(input: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(input).ok()?;
    value.get("order_id")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(arn: &str, status: &str) -> ExecutionRef {
        ExecutionRef {
            arn: arn.to_owned(),
            status: status.to_owned(),
            started: 0,
        }
    }

    #[test]
    fn names_orders_without_or_with_running_executions() {
        let mut by_order = ExecutionsByOrder::new();
        by_order.insert("a".into(), vec![execution("arn:a", "SUCCEEDED")]);
        by_order.insert("b".into(), vec![execution("arn:b", "RUNNING")]);
        let ids = ["a", "b", "c"].map(String::from);
        assert_eq!(
            stuck_orders(&ids, &by_order),
            ["b (still running: arn:b)", "c (no execution started)"]
        );
    }

    #[test]
    fn reads_order_id_from_input() {
        assert_eq!(
            order_id_of_input(r#"{"order_id":"o-1","x":1}"#).as_deref(),
            Some("o-1")
        );
        assert_eq!(order_id_of_input("not json"), None);
        assert_eq!(order_id_of_input(r#"{"order_id":7}"#), None);
    }
}
