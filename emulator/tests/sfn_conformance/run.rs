//! Runs one corpus case on the embedded emulator through the AWS SDK Step Functions client:
//! create the machine, start it, wait (bounded) for the end, read the whole history.

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};
use serde_json::Value;

use super::case::Case;

pub const ROLE: &str = "arn:aws:iam::111111111111:role/snf_role_arn";

/// What the emulator did with a case.
#[derive(Debug, Default)]
pub struct Actual {
    pub machine_name: String,
    pub execution_name: String,
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub state_path: Vec<String>,
    pub event_types: Vec<String>,
}

/// Runs `case` with `definition`; `Err` when an API call itself failed.
pub async fn run_case(
    client: &Client,
    index: usize,
    case: &Case,
    definition: &Value,
) -> Result<Actual, String> {
    let machine_name = format!("ConformanceMachine{index:04}");
    let execution_name = format!("ConformanceExecution{index:04}");
    let machine = client
        .create_state_machine()
        .name(&machine_name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .map_err(|e| format!("CreateStateMachine: {}", sdk_error(&e)))?
        .state_machine_arn;
    let execution = client
        .start_execution()
        .state_machine_arn(&machine)
        .name(&execution_name)
        .input(case.input.to_string())
        .send()
        .await
        .map_err(|e| format!("StartExecution: {}", sdk_error(&e)))?
        .execution_arn;
    let wait = if case.expected.status == "RUNNING" {
        1
    } else {
        20
    };
    let described = await_end(client, &execution, Duration::from_secs(wait)).await?;
    let events = history(client, &execution).await?;
    if described.status == ExecutionStatus::Running {
        let _ = client
            .stop_execution()
            .execution_arn(&execution)
            .send()
            .await;
    }
    Ok(Actual {
        machine_name,
        execution_name,
        status: described.status.as_str().to_owned(),
        output: described
            .output()
            .and_then(|o| serde_json::from_str(o).ok()),
        error: described.error().map(str::to_owned),
        cause: described.cause().map(str::to_owned),
        state_path: events
            .iter()
            .filter_map(|e| e.state_entered_event_details())
            .map(|d| d.name().to_owned())
            .collect(),
        event_types: events
            .iter()
            .map(|e| e.r#type().as_str().to_owned())
            .collect(),
    })
}

type Described = aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;

async fn await_end(client: &Client, execution: &str, limit: Duration) -> Result<Described, String> {
    let deadline = Instant::now() + limit;
    loop {
        let described = client
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .map_err(|e| format!("DescribeExecution: {}", sdk_error(&e)))?;
        if described.status != ExecutionStatus::Running || Instant::now() >= deadline {
            return Ok(described);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn history(client: &Client, execution: &str) -> Result<Vec<HistoryEvent>, String> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(execution)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| format!("GetExecutionHistory: {}", sdk_error(&e)))?;
        events.extend(page.events().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(events);
        }
    }
}

fn sdk_error<E>(error: &aws_sdk_sfn::error::SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error.code() {
        Some(code) => format!("{code}: {}", error.message().unwrap_or_default()),
        None => DisplayErrorContext(error).to_string(),
    }
}
