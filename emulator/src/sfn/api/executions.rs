//! StartExecution (runs the engine as a tokio task), DescribeExecution, ListExecutions,
//! StopExecution and GetExecutionHistory.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{
    ExecutionRecord, check_arn, check_name, execution_does_not_exist, optional, paginate, required,
    state_machine_does_not_exist,
};
use crate::protocol::AwsError;
use crate::sfn::StepFunctions;
use crate::sfn::asl::Definition;
use crate::sfn::engine::context::ExecutionInfo;
use crate::sfn::engine::{Engine, Failure, failure_details, paths::to_text};
use crate::sfn::history::{History, without_execution_data};

const STATUSES: &[&str] = &["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

impl StepFunctions {
    pub(crate) fn start_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let machine_arn = required(input, "stateMachineArn")?;
        check_arn(machine_arn, "stateMachine")?;
        let name = optional(input, "name")
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        check_name(&name)?;
        let input_text = optional(input, "input").unwrap_or("{}");
        let execution_input: Value = serde_json::from_str(input_text).map_err(|err| {
            AwsError::new(
                400,
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{err}'"),
            )
        })?;
        let mut store = self.lock();
        let machine = store
            .machines
            .get(machine_arn)
            .ok_or_else(|| state_machine_does_not_exist(machine_arn))?;
        let arn = self
            .ctx
            .arn("states", &format!("execution:{}:{name}", machine.name));
        if let Some(existing) = store.executions.get(&arn) {
            if existing.status == "RUNNING" && existing.input == input_text {
                return Ok(json!({ "executionArn": arn, "startDate": existing.start_date }));
            }
            return Err(AwsError::new(
                400,
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{arn}'"),
            ));
        }
        let start_time = self.ctx.clock.now();
        let start_date = self.ctx.clock.now_epoch_seconds();
        let history = Arc::new(History::new(self.ctx.clone()));
        let engine = Engine {
            ctx: self.ctx.clone(),
            integrations: self.integrations.clone(),
            history: history.clone(),
            info: Arc::new(ExecutionInfo {
                execution_arn: arn.clone(),
                execution_name: name.clone(),
                input: execution_input,
                role_arn: machine.role_arn.clone(),
                start_time,
                state_machine_arn: machine.arn.clone(),
                state_machine_name: machine.name.clone(),
                deadline: machine
                    .definition
                    .timeout_seconds
                    .map(|seconds| start_time + std::time::Duration::from_secs(seconds)),
            }),
        };
        let definition = machine.definition.clone();
        let task = tokio::spawn(run_to_end(
            self.store.clone(),
            self.ctx.clone(),
            engine,
            definition,
        ));
        store.executions.insert(
            arn.clone(),
            ExecutionRecord {
                arn: arn.clone(),
                name,
                machine_arn: machine_arn.to_owned(),
                status: "RUNNING",
                input: input_text.to_owned(),
                output: None,
                error: None,
                cause: None,
                start_date,
                stop_date: None,
                history,
                abort: Some(task.abort_handle()),
            },
        );
        Ok(json!({ "executionArn": arn, "startDate": start_date }))
    }

    pub(crate) fn describe_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = required(input, "executionArn")?;
        check_arn(arn, "execution")?;
        let store = self.lock();
        let execution = store
            .executions
            .get(arn)
            .ok_or_else(|| execution_does_not_exist(arn))?;
        let mut output = summary(execution);
        let object = output
            .as_object_mut()
            .ok_or_else(|| AwsError::internal("summary"))?;
        object.insert("input".into(), json!(execution.input));
        object.insert("inputDetails".into(), json!({ "included": true }));
        if let Some(result) = &execution.output {
            object.insert("output".into(), json!(result));
            object.insert("outputDetails".into(), json!({ "included": true }));
        }
        insert_some(object, "error", &execution.error);
        insert_some(object, "cause", &execution.cause);
        object.insert("redriveCount".into(), json!(0));
        object.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
        Ok(output)
    }

    pub(crate) fn list_executions(&self, input: &Value) -> Result<Value, AwsError> {
        let machine_arn = required(input, "stateMachineArn")?;
        check_arn(machine_arn, "stateMachine")?;
        let filter = optional(input, "statusFilter");
        if let Some(status) = filter.filter(|s| !STATUSES.contains(s) && *s != "PENDING_REDRIVE") {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"
            )));
        }
        let store = self.lock();
        if !store.machines.contains_key(machine_arn) {
            return Err(state_machine_does_not_exist(machine_arn));
        }
        let summaries: Vec<Value> = store
            .executions
            .values()
            .rev()
            .filter(|e| e.machine_arn == machine_arn)
            .filter(|e| filter.is_none_or(|status| e.status == status))
            .map(summary)
            .collect();
        drop(store);
        let (page, next) = paginate(input, &summaries)?;
        let mut output = json!({ "executions": page });
        if let (Some(token), Some(object)) = (next, output.as_object_mut()) {
            object.insert("nextToken".into(), json!(token));
        }
        Ok(output)
    }

    pub(crate) fn stop_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = required(input, "executionArn")?;
        check_arn(arn, "execution")?;
        let mut store = self.lock();
        let execution = store
            .executions
            .get_mut(arn)
            .ok_or_else(|| execution_does_not_exist(arn))?;
        if execution.status == "RUNNING" {
            if let Some(abort) = execution.abort.take() {
                abort.abort();
            }
            let failure = Failure::new(
                optional(input, "error").unwrap_or_default(),
                optional(input, "cause").unwrap_or_default(),
            );
            let last = execution.history.events().len() as u64;
            execution.history.record(
                last,
                "ExecutionAborted",
                Some(("executionAbortedEventDetails", failure_details(&failure))),
            );
            execution.status = "ABORTED";
            execution.error = optional(input, "error").map(str::to_owned);
            execution.cause = optional(input, "cause").map(str::to_owned);
            execution.stop_date = Some(self.ctx.clock.now_epoch_seconds());
        }
        let stop_date = execution
            .stop_date
            .unwrap_or_else(|| self.ctx.clock.now_epoch_seconds());
        Ok(json!({ "stopDate": stop_date }))
    }

    pub(crate) fn get_execution_history(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = required(input, "executionArn")?;
        check_arn(arn, "execution")?;
        let history = self
            .lock()
            .executions
            .get(arn)
            .map(|e| e.history.clone())
            .ok_or_else(|| execution_does_not_exist(arn))?;
        let mut events = history.events();
        if input.get("reverseOrder").and_then(Value::as_bool) == Some(true) {
            events.reverse();
        }
        if input.get("includeExecutionData").and_then(Value::as_bool) == Some(false) {
            events = events.into_iter().map(without_execution_data).collect();
        }
        let (page, next) = paginate(input, &events)?;
        let mut output = json!({ "events": page });
        if let (Some(token), Some(object)) = (next, output.as_object_mut()) {
            object.insert("nextToken".into(), json!(token));
        }
        Ok(output)
    }
}

/// The fields DescribeExecution and ListExecutions share.
fn summary(execution: &ExecutionRecord) -> Value {
    let mut summary = json!({
        "executionArn": execution.arn,
        "stateMachineArn": execution.machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.start_date,
    });
    if let (Some(stop), Some(object)) = (execution.stop_date, summary.as_object_mut()) {
        object.insert("stopDate".into(), json!(stop));
    }
    summary
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
        object.insert(key.into(), json!(value));
    }
}

/// Runs the execution and stores how it ended (unless StopExecution got there first).
async fn run_to_end(
    store: Arc<std::sync::Mutex<super::Store>>,
    ctx: Arc<crate::Context>,
    engine: Engine,
    definition: Arc<Definition>,
) {
    let arn = engine.info.execution_arn.clone();
    let result = engine.run_execution(&definition).await;
    let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(execution) = store.executions.get_mut(&arn) else {
        return;
    };
    if execution.status != "RUNNING" {
        return;
    }
    match result {
        Ok(output) => {
            execution.status = "SUCCEEDED";
            execution.output = Some(to_text(&output));
        }
        Err(_) if engine.timed_out() => execution.status = "TIMED_OUT",
        Err(failure) => {
            execution.status = "FAILED";
            execution.error = Some(failure.error);
            execution.cause = Some(failure.cause);
        }
    }
    execution.stop_date = Some(ctx.clock.now_epoch_seconds());
    execution.abort = None;
}
