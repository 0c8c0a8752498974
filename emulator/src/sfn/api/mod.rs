//! The Step Functions API: the service's state ([`Store`]), AWS's error shapes and checks, and
//! pagination (request members are read through `protocol::members`). Operations live in
//! [`state_machines`], [`executions`], [`express`] and [`tasks`] (SendTask*).

pub mod executions;
pub mod express;
#[cfg(test)]
mod footprint_tests;
mod retention;
mod running;
pub mod state_machines;
pub mod tags;
pub mod tasks;

use std::sync::Arc;

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::Value;
use tokio::task::AbortHandle;

use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::asl::Definition;
use crate::sfn::history::History;

/// A created state machine.
pub struct MachineRecord {
    pub arn: String,
    pub name: String,
    pub definition_text: String,
    pub definition: Arc<Definition>,
    pub role_arn: String,
    pub machine_type: String,
    pub creation_date: f64,
    /// `loggingConfiguration` and `tracingConfiguration` as last set (stored and returned;
    /// the emulator writes no logs or traces).
    pub logging: Value,
    pub tracing: Value,
    pub tags: IndexMap<String, String>,
}

/// One execution, running or ended.
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub machine_arn: String,
    pub status: &'static str,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub start_date: f64,
    pub stop_date: Option<f64>,
    pub history: Arc<History>,
    pub abort: Option<AbortHandle>,
    /// Its place in start order ([`Store::next_seq`]): ListExecutions' tokens name it, so a
    /// page is found without walking the executions before it.
    pub seq: u64,
}

impl ExecutionRecord {
    /// What keeping this closed execution costs, about: its history's text, its strings
    /// (the ARN twice: it is the table's key too) and the fixed parts.
    pub fn footprint(&self) -> usize {
        const FIXED: usize = 512;
        let optional = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        FIXED
            + self.history.stored_bytes()
            + 2 * self.arn.len()
            + self.name.len()
            + self.machine_arn.len()
            + self.input.len()
            + optional(&self.output)
            + optional(&self.error)
            + optional(&self.cause)
    }
}

/// Everything the service holds, behind one lock.
#[derive(Default)]
pub struct Store {
    pub machines: IndexMap<String, MachineRecord>,
    pub executions: IndexMap<String, ExecutionRecord>,
    /// Which closed executions are kept ([`retention`]).
    retention: retention::Retention,
    /// How many executions run and the bytes their histories hold ([`running`]).
    running: running::Running,
    /// The next execution's [`ExecutionRecord::seq`]; `executions` is in start order, so
    /// their `seq`s ascend.
    pub next_seq: u64,
}

#[cfg(test)]
impl Store {
    /// Adds a SUCCEEDED execution of `machine_arn`, `arn:e<seq>` named `e<seq>`, numbered as
    /// StartExecution numbers them; returns its (empty) history.
    pub fn push_closed_for_tests(
        &mut self,
        ctx: &Arc<crate::Context>,
        machine_arn: &str,
    ) -> Arc<History> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let arn = format!("arn:e{seq}");
        let history = Arc::new(History::new(ctx.clone()));
        let record = ExecutionRecord {
            arn: arn.clone(),
            name: format!("e{seq}"),
            machine_arn: machine_arn.to_owned(),
            status: "SUCCEEDED",
            input: "{}".into(),
            output: None,
            error: None,
            cause: None,
            start_date: 0.0,
            stop_date: Some(0.0),
            history: history.clone(),
            abort: None,
            seq,
        };
        self.executions.insert(arn, record);
        history
    }
}

pub fn state_machine_does_not_exist(arn: &str) -> AwsError {
    AwsError::new(
        400,
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

pub fn execution_does_not_exist(arn: &str) -> AwsError {
    AwsError::new(
        400,
        "ExecutionDoesNotExist",
        format!("Execution Does Not Exist: '{arn}'"),
    )
}

/// Checks `arn` is a Step Functions ARN of `resource_type` (`stateMachine`, `execution`).
pub fn check_arn(arn: &str, resource_type: &str) -> Result<(), AwsError> {
    let invalid =
        |reason: String| AwsError::new(400, "InvalidArn", format!("Invalid Arn: '{reason}'"));
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts.first() != Some(&"arn") || parts.get(2) != Some(&"states") {
        return Err(invalid(format!("Invalid ARN prefix: {arn}")));
    }
    let found = parts.get(5).copied().unwrap_or_default();
    if found != resource_type {
        return Err(invalid(format!(
            "Resource type not valid in this context: {found}"
        )));
    }
    Ok(())
}

/// Names of state machines and executions: 1–80 characters, no whitespace, brackets,
/// wildcards or special characters.
pub fn check_name(name: &str) -> Result<(), AwsError> {
    let bad =
        |c: char| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c);
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(bad) {
        return Err(AwsError::new(
            400,
            "InvalidName",
            format!("Invalid Name: '{name}'"),
        ));
    }
    Ok(())
}

/// An execution `name` longer than botocore's `Name` shape allows (80).
pub fn check_name_length(name: &str) -> Result<(), AwsError> {
    if name.chars().count() <= 80 {
        return Ok(());
    }
    Err(AwsError::validation(format!(
        "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
    )))
}

/// One page of `items` per `maxResults`/`nextToken`, and the token of the next page.
pub fn paginate<T: Clone>(
    input: &Value,
    items: &[T],
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let (range, next) = page_bounds(input, items.len())?;
    Ok((items.get(range).unwrap_or_default().to_vec(), next))
}

/// The positions of the page `maxResults`/`nextToken` ask for among `len` items, and the
/// token of the next page (for lists too big to copy whole, such as a long history).
pub fn page_bounds(
    input: &Value,
    len: usize,
) -> Result<(std::ops::Range<usize>, Option<String>), AwsError> {
    let max = page_size(input)?;
    let start = match Members::of(input).str("nextToken")? {
        Some(token) => usize::try_from(decode_token(OFFSET_TOKEN, token)?).unwrap_or(usize::MAX),
        None => 0,
    };
    let end = start.saturating_add(max).min(len);
    let next = (end < len).then(|| encode_token(OFFSET_TOKEN, end as u64));
    Ok((start.min(end)..end, next))
}

/// `maxResults`: 1–1000, and 100 when absent or 0 (AWS's "default: 100" for every list).
pub fn page_size(input: &Value) -> Result<usize, AwsError> {
    Ok(match Members::of(input).u64_in("maxResults", 0, 1000)? {
        None | Some(0) => 100,
        Some(n) => usize::try_from(n).unwrap_or(100),
    })
}

/// Tokens of offset-paged lists ([`page_bounds`]).
const OFFSET_TOKEN: &str = "orderlab-sfn";

/// A `nextToken`: opaque to clients, `kind` and a position to the emulator.
pub fn encode_token(kind: &str, position: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{position}"))
}

/// The position in a token [`encode_token`] made for `kind`, or AWS's `InvalidToken`.
pub fn decode_token(kind: &str, token: &str) -> Result<u64, AwsError> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(kind)?.strip_prefix(':')?.parse().ok())
        .ok_or_else(|| AwsError::new(400, "InvalidToken", format!("Invalid Token: '{token}'")))
}
