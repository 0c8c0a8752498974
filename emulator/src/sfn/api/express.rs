//! Express workflows: `StartExecution` on an EXPRESS state machine (run, not recorded) and
//! `StartSyncExecution` (run to its end, the result in the answer).
//!
//! As on AWS, an Express execution's ARN has the resource type `express`
//! (`arn:aws:states:<region>:<account>:express:<machine>:<name>:<id>`), so DescribeExecution,
//! GetExecutionHistory and StopExecution answer `InvalidArn` for it, and ListExecutions on an
//! EXPRESS machine answers `StateMachineTypeNotSupported`, as does StartSyncExecution on a
//! STANDARD one. Express executions last at most five minutes (AWS's limit) and count
//! toward the running executions' bound. AWS serves StartSyncExecution on the `sync-` host
//! prefix: a client pointed at a local endpoint must not add it (see the README).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{
    MachineRecord, check_arn, check_name, check_name_length, state_machine_does_not_exist,
};
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::StepFunctions;
use crate::sfn::engine::context::ExecutionInfo;
use crate::sfn::engine::limits::MAX_PAYLOAD_BYTES;
use crate::sfn::engine::{Engine, Failure, paths::to_text};
use crate::sfn::history::History;

/// The longest an Express execution runs.
const MAX_EXPRESS_DURATION: Duration = Duration::from_secs(300);

pub fn type_not_supported() -> AwsError {
    AwsError::new(
        400,
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    )
}

/// What an Express execution is started with.
pub struct ExpressStart {
    pub name: String,
    pub input: Value,
    pub test_case: Option<String>,
}

/// A started Express execution: its ARN, start date and the run's end.
pub struct Started {
    pub arn: String,
    pub start_date: f64,
    pub run: tokio::task::JoinHandle<(Result<Value, Failure>, bool)>,
}

impl StepFunctions {
    /// Starts an Express execution of `machine` (the store is locked by the caller).
    pub(super) fn start_express(
        &self,
        store: &super::Store,
        machine: &MachineRecord,
        start: ExpressStart,
    ) -> Result<Started, AwsError> {
        store.running.admit()?;
        let id = self.ctx.ids.uuid();
        let arn = self.ctx.arn(
            "states",
            &format!("express:{}:{}:{id}", machine.name, start.name),
        );
        let start_time = self.ctx.clock.now();
        let start_date = self.ctx.clock.now_epoch_seconds();
        let lifetime = machine
            .definition
            .timeout_seconds
            .map_or(MAX_EXPRESS_DURATION, Duration::from_secs)
            .min(MAX_EXPRESS_DURATION);
        let history = Arc::new(History::counted(
            self.ctx.clone(),
            store.running.history_tally(),
        ));
        let engine = Engine {
            ctx: self.ctx.clone(),
            integrations: self.integrations.clone(),
            history: history.clone(),
            info: Arc::new(ExecutionInfo {
                execution_arn: arn.clone(),
                execution_name: start.name,
                input: start.input,
                role_arn: machine.role_arn.clone(),
                start_time,
                state_machine_arn: machine.arn.clone(),
                state_machine_name: machine.name.clone(),
                deadline: start_time.checked_add(lifetime),
                test_case: start.test_case,
            }),
        };
        let definition = machine.definition.clone();
        engine.record_started();
        let store = self.store.clone();
        let run = self.ctx.background.spawn(async move {
            let result = engine.run_started(&definition).await;
            let timed_out = result.is_err() && engine.timed_out();
            engine.ctx.state_mocks.forget(&engine.info.execution_arn);
            let store = store.lock().unwrap_or_else(|e| e.into_inner());
            store.running.closed(history.stored_bytes());
            (result, timed_out)
        });
        Ok(Started {
            arn,
            start_date,
            run,
        })
    }

    pub(crate) async fn start_sync_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let machine_arn = members.required_str("stateMachineArn")?;
        let input_text = members
            .sensitive_str("input", MAX_PAYLOAD_BYTES)?
            .unwrap_or("{}");
        let name = members
            .str("name")?
            .map(str::to_owned)
            .unwrap_or_else(|| self.ctx.ids.uuid().to_string());
        let trace_header = members.str("traceHeader")?;
        let included = members.enumeration("includedData", &["ALL_DATA", "METADATA_ONLY"])?;
        check_name_length(&name)?;
        let (machine_arn, test_case) = super::executions::split_test_case(machine_arn);
        check_arn(machine_arn, "stateMachine")?;
        check_name(&name)?;
        let execution_input = super::executions::parse_input(input_text)?;
        let started = {
            let store = self.lock();
            let machine = store
                .machines
                .get(machine_arn)
                .ok_or_else(|| state_machine_does_not_exist(machine_arn))?;
            if machine.machine_type != "EXPRESS" {
                return Err(type_not_supported());
            }
            self.check_test_case(machine, test_case)?;
            self.start_express(
                &store,
                machine,
                ExpressStart {
                    name: name.clone(),
                    input: execution_input,
                    test_case: test_case.map(str::to_owned),
                },
            )?
        };
        let (result, timed_out) = started
            .run
            .await
            .map_err(|_| AwsError::internal("the execution's run was lost"))?;
        let stop_date = self.ctx.clock.now_epoch_seconds();
        let with_data = included != Some("METADATA_ONLY");
        let mut answer = json!({
            "executionArn": started.arn,
            "stateMachineArn": machine_arn,
            "name": name,
            "startDate": started.start_date,
            "stopDate": stop_date,
            "billingDetails": billing(started.start_date, stop_date),
        });
        let object = answer
            .as_object_mut()
            .ok_or_else(|| AwsError::internal("answer"))?;
        if with_data {
            object.insert("input".into(), json!(input_text));
            object.insert("inputDetails".into(), json!({ "included": true }));
        }
        if let Some(header) = trace_header {
            object.insert("traceHeader".into(), json!(header));
        }
        match result {
            Ok(output) => {
                object.insert("status".into(), json!("SUCCEEDED"));
                if with_data {
                    object.insert("output".into(), json!(to_text(&output)));
                    object.insert("outputDetails".into(), json!({ "included": true }));
                }
            }
            Err(_) if timed_out => {
                object.insert("status".into(), json!("TIMED_OUT"));
            }
            Err(failure) => {
                object.insert("status".into(), json!("FAILED"));
                object.insert("error".into(), json!(failure.error));
                object.insert("cause".into(), json!(failure.cause));
            }
        }
        Ok(answer)
    }
}

/// What AWS bills an Express execution: 64 MB, its duration rounded up to 100 ms.
fn billing(start: f64, stop: f64) -> Value {
    let millis = ((stop - start).max(0.0) * 1000.0).ceil() as u64;
    let billed = millis.div_ceil(100).max(1) * 100;
    json!({ "billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_100_ms() {
        assert_eq!(billing(1.0, 1.0)["billedDurationInMilliseconds"], 100);
        assert_eq!(billing(1.0, 1.25)["billedDurationInMilliseconds"], 300);
        assert_eq!(billing(1.0, 1.25)["billedMemoryUsedInMB"], 64);
    }
}
