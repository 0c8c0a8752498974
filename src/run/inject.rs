//! Putting the scenario into the system: the inventory (PutItem each), then the orders —
//! concurrently through `POST /orders` (one after the other, in scenario order, on the embedded
//! virtual clock, where the scheduler is held meanwhile), or (`via: direct`) written straight into the orders
//! table as PENDING so the stream trigger path is exercised without the API.

use std::collections::HashMap;

use crate::stack::aws_error::AwsResultExt;
use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::scenario::{Order, Scenario, Via};
use crate::stack::{Clients, Stack};

/// What happened when an order was submitted.
#[derive(Debug, Clone)]
pub struct Submission {
    pub order_id: String,
    pub via: Via,
    /// The HTTP status of `POST /orders` (API orders only).
    pub http_status: Option<u16>,
    /// The parsed response body (or the raw text as a JSON string when it is not JSON).
    pub http_body: Option<Value>,
}

impl Submission {
    /// Whether the order was written and so should start an execution.
    pub fn accepted(&self) -> bool {
        match self.via {
            Via::Direct => true,
            Via::Api => self.http_status == Some(202),
        }
    }
}

/// PutItem for every inventory item.
pub async fn load_inventory(
    clients: &Clients,
    stack: &Stack,
    scenario: &Scenario,
) -> anyhow::Result<()> {
    for stock in &scenario.inventory {
        clients
            .dynamodb
            .put_item()
            .table_name(&stack.inventory_table)
            .item("item_id", AttributeValue::S(stock.item_id.clone()))
            .item("name", AttributeValue::S(stock.name.clone()))
            .item("price", AttributeValue::N(stock.price.clone()))
            .item("stock", AttributeValue::N(stock.stock.to_string()))
            .send()
            .await
            .aws_context(|| format!("PutItem inventory {}", stock.item_id))?;
    }
    Ok(())
}

/// A raw request body and what the API answered.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub body: String,
    pub http_status: u16,
    pub response: Value,
}

impl RawResponse {
    /// The submission of an order the API accepted from a raw request (202 with an id).
    pub fn accepted(&self) -> Option<Submission> {
        let order_id = self.response.get("order_id")?.as_str()?;
        (self.http_status == 202).then(|| Submission {
            order_id: order_id.to_owned(),
            via: Via::Api,
            http_status: Some(self.http_status),
            http_body: Some(self.response.clone()),
        })
    }
}

/// Sends every raw request body verbatim to `POST /orders`, one after the other.
pub async fn send_raw_requests(
    stack: &Stack,
    scenario: &Scenario,
) -> anyhow::Result<Vec<RawResponse>> {
    let http = reqwest::Client::new();
    let mut answers = Vec::with_capacity(scenario.requests.len());
    for body in &scenario.requests {
        let response = http
            .post(&stack.orders_url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .with_context(|| format!("POST {} (raw request)", stack.orders_url))?;
        let http_status = response.status().as_u16();
        let text = response.text().await.context("reading a raw response")?;
        answers.push(RawResponse {
            body: body.clone(),
            http_status,
            response: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        });
    }
    Ok(answers)
}

/// Holds (`true`) or releases the embedded emulator's scheduler (`POST /_orderlab/scheduler`).
pub async fn hold_scheduler(endpoint: &str, hold: bool) -> anyhow::Result<()> {
    let url = format!("{endpoint}/_orderlab/scheduler");
    let response = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "hold": hold }))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    anyhow::ensure!(
        status.is_success(),
        "the emulator refused POST {url}: {status}"
    );
    Ok(())
}

/// Submits every order — at once, or (`in_order`) one after the other so the table and its
/// stream see them in scenario order (an order with `submissions: N` is sent N times, one
/// after the other); results in scenario order.
pub async fn submit_orders(
    clients: &Clients,
    stack: &Stack,
    scenario: &Scenario,
    in_order: bool,
) -> anyhow::Result<Vec<Submission>> {
    let http = reqwest::Client::new();
    if in_order {
        let mut submissions = Vec::new();
        for order in &scenario.orders {
            for _ in 0..order.submissions {
                submissions.push(match order.via {
                    Via::Api => post_order(&http, &stack.orders_url, order).await?,
                    Via::Direct => put_order(&clients.dynamodb, &stack.orders_table, order).await?,
                });
            }
        }
        return Ok(submissions);
    }
    let mut tasks = JoinSet::new();
    for (index, order) in scenario.orders.iter().cloned().enumerate() {
        let http = http.clone();
        let dynamodb = clients.dynamodb.clone();
        let url = stack.orders_url.clone();
        let table = stack.orders_table.clone();
        tasks.spawn(async move {
            let mut submissions = Vec::new();
            for _ in 0..order.submissions {
                let submission = match order.via {
                    Via::Api => post_order(&http, &url, &order).await,
                    Via::Direct => put_order(&dynamodb, &table, &order).await,
                };
                submissions.push(submission);
            }
            (index, submissions)
        });
    }
    let mut submissions: Vec<Vec<Submission>> = vec![Vec::new(); scenario.orders.len()];
    while let Some(joined) = tasks.join_next().await {
        let (index, results) = joined.context("an order submission task panicked")?;
        if let Some(slot) = submissions.get_mut(index) {
            *slot = results.into_iter().collect::<anyhow::Result<_>>()?;
        }
    }
    Ok(submissions.into_iter().flatten().collect())
}

/// The `POST /orders` body for an order.
pub fn request_body(order: &Order) -> Value {
    json!({
        "order_id": order.order_id,
        "customer": {"name": order.customer.name, "email": order.customer.email},
        "items": order.items.iter()
            .map(|line| json!({"item_id": line.item_id, "quantity": line.quantity}))
            .collect::<Vec<_>>(),
        "payment_token": order.payment_token,
    })
}

async fn post_order(
    http: &reqwest::Client,
    url: &str,
    order: &Order,
) -> anyhow::Result<Submission> {
    let response = http
        .post(url)
        .json(&request_body(order))
        .send()
        .await
        .with_context(|| format!("POST {url} (order {})", order.order_id))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .with_context(|| format!("reading the response to order {}", order.order_id))?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(Submission {
        order_id: order.order_id.clone(),
        via: Via::Api,
        http_status: Some(status),
        http_body: Some(body),
    })
}

async fn put_order(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    order: &Order,
) -> anyhow::Result<Submission> {
    dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(order_item(order, &now_rfc3339())))
        .condition_expression("attribute_not_exists(order_id)")
        .send()
        .await
        .aws_context(|| format!("PutItem order {}", order.order_id))?;
    Ok(Submission {
        order_id: order.order_id.clone(),
        via: Via::Direct,
        http_status: None,
        http_body: None,
    })
}

/// The order as the API would have written it: PENDING, with timestamps.
pub fn order_item(order: &Order, now: &str) -> HashMap<String, AttributeValue> {
    let customer = HashMap::from([
        (
            "name".to_owned(),
            AttributeValue::S(order.customer.name.clone()),
        ),
        (
            "email".to_owned(),
            AttributeValue::S(order.customer.email.clone()),
        ),
    ]);
    let items = order
        .items
        .iter()
        .map(|line| {
            AttributeValue::M(HashMap::from([
                (
                    "item_id".to_owned(),
                    AttributeValue::S(line.item_id.clone()),
                ),
                (
                    "quantity".to_owned(),
                    AttributeValue::N(line.quantity.to_string()),
                ),
            ]))
        })
        .collect();
    HashMap::from([
        (
            "order_id".to_owned(),
            AttributeValue::S(order.order_id.clone()),
        ),
        ("customer".to_owned(), AttributeValue::M(customer)),
        ("items".to_owned(), AttributeValue::L(items)),
        (
            "payment_token".to_owned(),
            AttributeValue::S(order.payment_token.clone()),
        ),
        ("status".to_owned(), AttributeValue::S("PENDING".to_owned())),
        ("created_at".to_owned(), AttributeValue::S(now.to_owned())),
        ("updated_at".to_owned(), AttributeValue::S(now.to_owned())),
    ])
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
