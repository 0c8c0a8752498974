//! StartExecution (runs the engine as a tokio task), DescribeExecution, ListExecutions,
//! StopExecution and GetExecutionHistory.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

use super::express::ExpressStart;
use super::{
    ExecutionRecord, MachineRecord, check_arn, check_name, check_name_length,
    execution_does_not_exist, page_bounds, state_machine_does_not_exist,
};
use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::StepFunctions;
use crate::sfn::engine::context::ExecutionInfo;
use crate::sfn::engine::limits::{MAX_EXECUTION_TIME, MAX_PAYLOAD_BYTES};
use crate::sfn::engine::{Engine, Failure, failure_details, paths::to_text};
use crate::sfn::history::{EventType, History, without_execution_data};

/// botocore's `ExecutionStatus` enum, in the order AWS's message lists it.
const STATUS_FILTERS: &[&str] = &[
    "SUCCEEDED",
    "TIMED_OUT",
    "PENDING_REDRIVE",
    "ABORTED",
    "FAILED",
    "RUNNING",
];

impl StepFunctions {
    pub(crate) fn start_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let requested_arn = members.required_str("stateMachineArn")?;
        let (machine_arn, test_case) = split_test_case(requested_arn);
        let input_text = members
            .sensitive_str("input", MAX_PAYLOAD_BYTES)?
            .unwrap_or("{}");
        let name = members
            .str("name")?
            .map(str::to_owned)
            .unwrap_or_else(|| self.ctx.ids.uuid().to_string());
        check_name_length(&name)?;
        check_arn(machine_arn, "stateMachine")?;
        check_name(&name)?;
        let execution_input = parse_input(input_text)?;
        let mut store = self.lock();
        let machine = store
            .machines
            .get(machine_arn)
            .ok_or_else(|| state_machine_does_not_exist(machine_arn))?;
        self.check_test_case(machine, test_case)?;
        if machine.machine_type == "EXPRESS" {
            let start = ExpressStart {
                name,
                input: execution_input,
                test_case: test_case.map(str::to_owned),
            };
            let started = self.start_express(&store, machine, start)?;
            return Ok(json!({ "executionArn": started.arn, "startDate": started.start_date }));
        }
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
        store.running.admit()?;
        let start_time = self.ctx.clock.now();
        let start_date = self.ctx.clock.now_epoch_seconds();
        let tally = store.running.history_tally();
        let history = Arc::new(History::counted(self.ctx.clone(), tally));
        // The machine's TimeoutSeconds, within AWS's one-year maximum execution time.
        let lifetime = machine
            .definition
            .timeout_seconds
            .map_or(MAX_EXECUTION_TIME, Duration::from_secs)
            .min(MAX_EXECUTION_TIME);
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
                deadline: start_time.checked_add(lifetime),
                test_case: test_case.map(str::to_owned),
            }),
        };
        let definition = machine.definition.clone();
        engine.record_started();
        let run = {
            let engine = engine.clone();
            let run = async move { engine.run_started(&definition).await };
            (self.ctx.background).spawn(self.ctx.sched.activity(run))
        };
        let abort = run.abort_handle();
        self.ctx.background.spawn(run_to_end(
            self.store.clone(),
            self.ctx.clone(),
            engine,
            run,
        ));
        let seq = store.next_seq;
        store.next_seq += 1;
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
                abort: Some(abort),
                seq,
            },
        );
        Ok(json!({ "executionArn": arn, "startDate": start_date }))
    }

    /// `<arn>#<TestCase>` must name a test case of the loaded MockConfigFile.
    pub(super) fn check_test_case(
        &self,
        machine: &MachineRecord,
        test_case: Option<&str>,
    ) -> Result<(), AwsError> {
        match test_case {
            Some(case) if !self.ctx.state_mocks.has_case(&machine.name, case) => {
                Err(unknown_test_case(&machine.name, case))
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn describe_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let arn = Members::of(input).required_str("executionArn")?;
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
        let machine_arn = Members::of(input).required_str("stateMachineArn")?;
        check_arn(machine_arn, "stateMachine")?;
        let filter = Members::of(input).enumeration("statusFilter", STATUS_FILTERS)?;
        let store = self.lock();
        match store.machines.get(machine_arn) {
            None => return Err(state_machine_does_not_exist(machine_arn)),
            Some(machine) if machine.machine_type == "EXPRESS" => {
                return Err(super::express::type_not_supported());
            }
            Some(_) => {}
        }
        let (summaries, next) = page_of_executions(&store, input, |e| {
            e.machine_arn == machine_arn && filter.is_none_or(|status| e.status == status)
        })?;
        drop(store);
        let mut output = json!({ "executions": summaries });
        if let (Some(token), Some(object)) = (next, output.as_object_mut()) {
            object.insert("nextToken".into(), json!(token));
        }
        Ok(output)
    }

    pub(crate) fn stop_execution(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.required_str("executionArn")?;
        let error = members.str("error")?;
        let cause = members.str("cause")?;
        check_arn(arn, "execution")?;
        let mut store = self.lock();
        let execution = store
            .executions
            .get_mut(arn)
            .ok_or_else(|| execution_does_not_exist(arn))?;
        if execution.status == "RUNNING" {
            // Cancels the run at its next await (every state transition yields, and Task and
            // Wait awaits are cancelled mid-way); the sealed history takes nothing more.
            if let Some(abort) = execution.abort.take() {
                abort.abort();
            }
            self.close_tokens_of(arn);
            let failure =
                Failure::of_execution(error.unwrap_or_default(), cause.unwrap_or_default());
            let last = execution.history.last_id();
            execution.history.record_terminal(
                last,
                EventType::ExecutionAborted,
                Some(("executionAbortedEventDetails", failure_details(&failure))),
            );
            execution.status = "ABORTED";
            execution.error = error.map(str::to_owned);
            execution.cause = cause.map(str::to_owned);
            let now = self.ctx.clock.now_epoch_seconds();
            execution.stop_date = Some(now);
            store.closed(arn, now);
            return Ok(json!({ "stopDate": now }));
        }
        let stop_date = execution
            .stop_date
            .unwrap_or_else(|| self.ctx.clock.now_epoch_seconds());
        Ok(json!({ "stopDate": stop_date }))
    }

    pub(crate) fn get_execution_history(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let arn = members.required_str("executionArn")?;
        let reverse = members.bool("reverseOrder")? == Some(true);
        let include_data = members.bool("includeExecutionData")?;
        check_arn(arn, "execution")?;
        let history = self
            .lock()
            .executions
            .get(arn)
            .map(|e| e.history.clone())
            .ok_or_else(|| execution_does_not_exist(arn))?;
        let (range, next) = page_bounds(input, history.count())?;
        // Only the page is copied out of a history that may hold 25,000 events.
        let mut page = history.page(range, reverse);
        if include_data == Some(false) {
            page = page.into_iter().map(without_execution_data).collect();
        }
        let mut output = json!({ "events": page });
        if let (Some(token), Some(object)) = (next, output.as_object_mut()) {
            object.insert("nextToken".into(), json!(token));
        }
        Ok(output)
    }
}

/// Step Functions Local's `<arn>#<TestCase>`: the state machine's ARN and the test case.
pub(super) fn split_test_case(requested: &str) -> (&str, Option<&str>) {
    match requested.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (requested, None),
    }
}

/// The execution input, which must be JSON.
pub(super) fn parse_input(text: &str) -> Result<Value, AwsError> {
    serde_json::from_str(text).map_err(|err| {
        AwsError::new(
            400,
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{err}'"),
        )
    })
}

/// `<arn>#<TestCase>` naming a test case the MockConfigFile does not define for the machine.
fn unknown_test_case(machine: &str, case: &str) -> AwsError {
    AwsError::new(
        400,
        "InvalidName",
        format!(
            "Invalid mock test case name '{case}' for state machine '{machine}': the test case is not defined in the mock configuration file"
        ),
    )
}

/// ListExecutions' page, newest first: the summaries of at most `maxResults` (default 100)
/// executions `wanted` keeps, from the one `nextToken` names, and the token of the next page.
///
/// The token names an execution's [`ExecutionRecord::seq`], found by binary search, so paging
/// through `n` executions walks each once (not once per page), only the page's summaries are
/// built, and executions started while a client pages do not shift its pages.
fn page_of_executions(
    store: &super::Store,
    input: &Value,
    wanted: impl Fn(&ExecutionRecord) -> bool,
) -> Result<(Vec<Value>, Option<String>), AwsError> {
    let max = super::page_size(input)?;
    let end = match Members::of(input).str("nextToken")? {
        Some(token) => {
            let from = super::decode_token(EXECUTION_TOKEN, token)?;
            store.executions.partition_point(|_, e| e.seq <= from)
        }
        None => store.executions.len(),
    };
    let mut newest_first = (0..end)
        .rev()
        .filter_map(|index| store.executions.get_index(index))
        .map(|(_, execution)| execution)
        .filter(|execution| wanted(execution));
    let page: Vec<Value> = newest_first.by_ref().take(max).map(summary).collect();
    let next = newest_first
        .next()
        .map(|e| super::encode_token(EXECUTION_TOKEN, e.seq));
    Ok((page, next))
}

/// Tokens of ListExecutions' pages ([`page_of_executions`]).
const EXECUTION_TOKEN: &str = "orderlab-sfn-execution";

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

/// Waits for the execution's run and stores how it ended (unless StopExecution got there
/// first). A run that panicked fails its execution with `States.Runtime` instead of leaving it
/// RUNNING forever; one that StopExecution cancelled needs nothing more.
async fn run_to_end(
    store: Arc<std::sync::Mutex<super::Store>>,
    ctx: Arc<crate::Context>,
    engine: Engine,
    run: JoinHandle<Result<Value, Failure>>,
) {
    let (result, panicked) = match run.await {
        Ok(result) => (result, false),
        Err(err) if err.is_panic() => {
            let failure = Failure::of_execution(
                "States.Runtime",
                format!(
                    "An internal error occurred while running the execution: {}",
                    panic_message(err.into_panic())
                ),
            );
            engine.history.record_terminal(
                engine.history.last_id(),
                EventType::ExecutionFailed,
                Some(("executionFailedEventDetails", failure_details(&failure))),
            );
            (Err(failure), true)
        }
        Err(_) => {
            ctx.state_mocks.forget(&engine.info.execution_arn);
            return;
        }
    };
    ctx.state_mocks.forget(&engine.info.execution_arn);
    let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
    let Some(execution) = store.executions.get_mut(&engine.info.execution_arn) else {
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
        Err(_) if !panicked && engine.timed_out() => execution.status = "TIMED_OUT",
        Err(failure) => {
            execution.status = "FAILED";
            execution.error = Some(failure.error);
            execution.cause = Some(failure.cause);
        }
    }
    let now = ctx.clock.now_epoch_seconds();
    execution.stop_date = Some(now);
    execution.abort = None;
    store.closed(&engine.info.execution_arn, now);
}

/// The text a panic carried (`panic!("…")` gives a `&str` or a `String`).
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "a panic".to_owned(), |message| (*message).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use bytes::Bytes;
    use serde_json::{Value, json};

    use crate::bus::{Invocation, JsonService, Service};
    use crate::protocol::AwsError;
    use crate::sfn::StepFunctions;
    use crate::sfn::integrations::Integrations;

    /// Integrations whose every call panics, standing for any bug in a run.
    struct Panicking;

    #[async_trait]
    impl Integrations for Panicking {
        async fn invoke(&self, _: &str, _: Bytes) -> Result<Invocation, AwsError> {
            panic!("the integration blew up");
        }

        async fn call(&self, _: Service, _: &str, _: Value) -> Result<Value, AwsError> {
            panic!("the integration blew up");
        }
    }

    #[tokio::test]
    async fn a_panic_in_a_run_fails_the_execution_with_states_runtime() {
        let ctx = Arc::new(crate::Context::for_tests());
        let sfn = StepFunctions::with_integrations(ctx.clone(), Arc::new(Panicking));
        let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"}, "End": true}}});
        let machine = sfn
            .call(
                "CreateStateMachine",
                json!({"name": "m", "definition": definition.to_string(),
                       "roleArn": "arn:aws:iam::000000000000:role/r"}),
            )
            .await
            .unwrap();
        let started = sfn
            .call(
                "StartExecution",
                json!({"stateMachineArn": machine["stateMachineArn"]}),
            )
            .await
            .unwrap();
        let arn = json!({"executionArn": started["executionArn"]});
        // The run is on the background thread: poll, bounded by wall time.
        let poll = async {
            loop {
                let described = sfn.call("DescribeExecution", arn.clone()).await.unwrap();
                if described["status"] != "RUNNING" {
                    return described;
                }
                tokio::task::yield_now().await;
            }
        };
        let described = ctx
            .clock
            .real_timeout(std::time::Duration::from_secs(10), poll)
            .await
            .expect("the execution ends within 10 s");
        assert_eq!(described["status"], "FAILED");
        assert_eq!(described["error"], "States.Runtime");
        assert_eq!(
            described["cause"],
            "An internal error occurred while running the execution: the integration blew up"
        );
        let history = sfn.call("GetExecutionHistory", arn).await.unwrap();
        let events = history["events"].as_array().unwrap();
        let last = events.last().unwrap();
        assert_eq!(last["type"], "ExecutionFailed");
        assert_eq!(
            last["executionFailedEventDetails"]["error"],
            "States.Runtime"
        );
    }

    /// A store of `n` closed executions, alternating between machines `arn:m0` and `arn:m1`.
    fn store_of(n: u64) -> super::super::Store {
        let ctx = Arc::new(crate::Context::for_tests());
        let mut store = super::super::Store::default();
        for _ in 0..n {
            push_execution(&mut store, &ctx);
        }
        store
    }

    fn push_execution(store: &mut super::super::Store, ctx: &Arc<crate::Context>) {
        let machine = format!("arn:m{}", store.next_seq % 2);
        store.push_closed_for_tests(ctx, &machine);
    }

    fn names(page: &[Value]) -> Vec<&str> {
        page.iter().filter_map(|s| s["name"].as_str()).collect()
    }

    #[test]
    fn list_executions_pages_newest_first_and_executions_started_meanwhile_shift_nothing() {
        let ctx = Arc::new(crate::Context::for_tests());
        let mut store = store_of(9);
        let of_m1 = |e: &super::ExecutionRecord| e.machine_arn == "arn:m1";
        let first = super::page_of_executions(&store, &json!({"maxResults": 2}), of_m1).unwrap();
        assert_eq!(names(&first.0), ["e7", "e5"]);
        // Two executions start between the pages: the next page goes on where it left off.
        push_execution(&mut store, &ctx);
        push_execution(&mut store, &ctx);
        let token = first.1.expect("more pages");
        let input = json!({"maxResults": 2, "nextToken": token});
        let second = super::page_of_executions(&store, &input, of_m1).unwrap();
        assert_eq!(names(&second.0), ["e3", "e1"]);
        assert_eq!(second.1, None, "no execution of arn:m1 is older than e1");
        let newest = super::page_of_executions(&store, &json!({}), of_m1).unwrap();
        assert_eq!(names(&newest.0), ["e9", "e7", "e5", "e3", "e1"]);
    }

    #[test]
    fn list_executions_refuses_a_token_of_another_list() {
        let store = store_of(3);
        let offset_token = super::super::encode_token("orderlab-sfn", 1);
        let input = json!({"nextToken": offset_token});
        let err = super::page_of_executions(&store, &input, |_| true).unwrap_err();
        assert_eq!(err.code, "InvalidToken");
    }
}
