//! Step Functions: state machines, executions and their history (AWS JSON 1.0,
//! `X-Amz-Target: AWSStepFunctions.<Operation>`).
//!
//! - [`api`]: the operations and the service's state.
//! - [`asl`]: parsing and validating Amazon States Language definitions.
//! - [`engine`]: the interpreter that runs an execution.
//! - [`callbacks`]: task tokens of the callback pattern (`.waitForTaskToken`).
//! - [`history`]: execution history events.
//! - [`integrations`]: what Task states call (through the bus).
//! - [`test_state`]: the TestState API (one state run by the engine, mocked or not).

pub mod api;
pub mod asl;
pub mod callbacks;
pub mod engine;
pub mod history;
pub mod integrations;
pub mod mock;
pub mod test_state;

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde_json::Value;

use crate::Context;
use crate::bus::JsonService;
use crate::protocol::AwsError;
use integrations::{BusIntegrations, Integrations};

/// The `__type` namespace of Step Functions errors.
pub const ERROR_NAMESPACE: &str = "com.amazonaws.swf.service.v2.model";

pub struct StepFunctions {
    pub(crate) ctx: Arc<Context>,
    store: Arc<Mutex<api::Store>>,
    pub(crate) integrations: Arc<dyn Integrations>,
}

impl StepFunctions {
    pub fn new(ctx: Arc<Context>) -> Arc<StepFunctions> {
        let integrations = Arc::new(BusIntegrations { ctx: ctx.clone() });
        StepFunctions::with_integrations(ctx, integrations)
    }

    /// A service whose Task states call `integrations` instead of the bus (for tests).
    pub fn with_integrations(
        ctx: Arc<Context>,
        integrations: Arc<dyn Integrations>,
    ) -> Arc<StepFunctions> {
        Arc::new(StepFunctions {
            ctx,
            store: Arc::default(),
            integrations,
        })
    }

    /// What `GET /_orderlab/usage` reports for Step Functions.
    pub fn usage(&self) -> Value {
        self.lock().usage()
    }

    fn lock(&self) -> MutexGuard<'_, api::Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl JsonService for StepFunctions {
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        match operation {
            "CreateStateMachine" => self.create_state_machine(&input),
            "UpdateStateMachine" => self.update_state_machine(&input),
            "ValidateStateMachineDefinition" => self.validate_state_machine_definition(&input),
            "DescribeStateMachine" => self.describe_state_machine(&input),
            "ListStateMachines" => self.list_state_machines(&input),
            "DeleteStateMachine" => self.delete_state_machine(&input),
            "StartExecution" => self.start_execution(&input),
            "StartSyncExecution" => self.start_sync_execution(&input).await,
            "DescribeExecution" => self.describe_execution(&input),
            "ListExecutions" => self.list_executions(&input),
            "StopExecution" => self.stop_execution(&input),
            "GetExecutionHistory" => self.get_execution_history(&input),
            "SendTaskSuccess" => self.send_task_success(&input),
            "SendTaskFailure" => self.send_task_failure(&input),
            "SendTaskHeartbeat" => self.send_task_heartbeat(&input),
            "TestState" => self.test_state(&input).await,
            "TagResource" => self.tag_resource(&input),
            "UntagResource" => self.untag_resource(&input),
            "ListTagsForResource" => self.list_tags_for_resource(&input),
            "ListStateMachineVersions" => {
                self.list_machine_children(&input, "stateMachineVersions")
            }
            "ListStateMachineAliases" => self.list_machine_children(&input, "stateMachineAliases"),
            _ => Err(AwsError::unknown_operation()),
        }
    }
}
