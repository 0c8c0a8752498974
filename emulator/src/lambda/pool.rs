//! A function's instances: an invocation goes to an idle instance; when none is idle and fewer
//! than [`MAX_INSTANCES`] run, another is started; otherwise it waits for one to come free.
//! A timed-out or crashed instance is killed and replaced on demand. A function's reserved
//! concurrency caps how many invocations run at once: one beyond it is throttled or waits, as
//! its [`Admission`] says ([`super::concurrency`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

use super::concurrency::{Admission, Backoff};
use super::process::Reaper;
use super::runtime_api::{Job, Outcome, RuntimeApi};
use crate::Context;
use crate::protocol::AwsError;
use crate::protocol::access::Access;

/// How many instances of one function may run at once.
pub const MAX_INSTANCES: usize = 10;

static NEXT_INSTANCE_ID: AtomicU64 = AtomicU64::new(1);

/// What an instance is started with; replaced wholesale on a configuration change.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub function_name: String,
    pub function_arn: String,
    pub code_dir: PathBuf,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

/// The result of one invocation.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub payload: Bytes,
    pub function_error: bool,
}

struct Instance {
    id: u64,
    generation: u64,
    jobs: mpsc::Sender<Job>,
    outcomes: tokio::sync::Mutex<mpsc::UnboundedReceiver<Outcome>>,
    reaper: Arc<Reaper>,
    _api: RuntimeApi,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.reaper.kill(self.id);
    }
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Instance>,
    running: usize,
    generation: u64,
    /// The function's reserved concurrency (PutFunctionConcurrency), if any.
    reserved: Option<usize>,
}

/// What [`Pool::claim`] found.
enum Claim {
    /// An idle instance.
    Idle(Instance),
    /// Room for a new instance of this generation (already counted as running).
    Start(u64),
    /// [`MAX_INSTANCES`] run: wait for one.
    Instances,
    /// The reserved concurrency is in use.
    Reserved,
}

pub struct Pool {
    ctx: Arc<Context>,
    access: Arc<Access>,
    reaper: Arc<Reaper>,
    spec: Mutex<LaunchSpec>,
    state: Mutex<PoolState>,
    freed: Notify,
    closed: AtomicBool,
    /// Closed by DeleteFunction (not by the emulator stopping): an invocation that looked the
    /// function up just before is answered as if it came just after, `ResourceNotFoundException`.
    deleted: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    pub(crate) fn new(
        ctx: Arc<Context>,
        access: Arc<Access>,
        reaper: Arc<Reaper>,
        spec: LaunchSpec,
    ) -> Pool {
        Pool {
            ctx,
            access,
            reaper,
            spec: Mutex::new(spec),
            state: Mutex::default(),
            freed: Notify::new(),
            closed: AtomicBool::new(false),
            deleted: AtomicBool::new(false),
        }
    }

    /// New instances use `spec`; idle ones are stopped, busy ones when they finish.
    pub fn update(&self, spec: LaunchSpec) {
        *lock(&self.spec) = spec;
        let idle = {
            let mut state = lock(&self.state);
            state.generation += 1;
            state.running = state.running.saturating_sub(state.idle.len());
            std::mem::take(&mut state.idle)
        };
        drop(idle);
        self.freed.notify_waiters();
    }

    /// The function's reserved concurrency.
    pub fn reserved(&self) -> Option<usize> {
        lock(&self.state).reserved
    }

    /// Sets (or removes) the reserved concurrency; waiting invocations look again.
    pub fn set_reserved(&self, reserved: Option<usize>) {
        lock(&self.state).reserved = reserved;
        self.freed.notify_waiters();
    }

    /// Stops every idle instance and refuses new invocations.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let spec = lock(&self.spec).clone();
        self.update(spec);
    }

    /// [`Pool::close`] for DeleteFunction: in-flight invocations finish, later ones find no
    /// function.
    pub fn delete(&self) {
        self.deleted.store(true, Ordering::SeqCst);
        self.close();
    }

    /// Runs one invocation on an instance, within the function's timeout; beyond the reserved
    /// concurrency as `admission` says.
    pub async fn run(&self, payload: Bytes, admission: Admission) -> Result<RunResult, AwsError> {
        let mut lease = Lease {
            pool: self,
            instance: Some(self.acquire(admission).await?),
        };
        let request_id = self.ctx.ids.uuid().to_string();
        let timeout = lock(&self.spec).timeout;
        let job = Job {
            request_id: request_id.clone(),
            trace_id: trace_id(&self.ctx),
            payload,
            timeout,
        };
        let outcome = match &lease.instance {
            Some(instance) => self.send(instance, job).await,
            None => None,
        };
        let Some(instance) = lease.instance.take() else {
            return Err(AwsError::internal("The function instance was lost"));
        };
        let Some(outcome) = outcome else {
            self.discard(instance).await;
            return Err(AwsError::service_unavailable(
                "The function instance stopped",
            ));
        };
        match outcome {
            Ok(Outcome::Response { body, .. }) => {
                self.release(instance);
                Ok(ok(body))
            }
            Ok(Outcome::Error { body, .. }) => {
                self.release(instance);
                Ok(failed(body))
            }
            Ok(Outcome::InitError { body }) => {
                self.discard(instance).await;
                Ok(failed(body))
            }
            Ok(Outcome::Exited { status }) => {
                self.discard(instance).await;
                Ok(failed(exit_error(&request_id, &status)))
            }
            Err(_elapsed) => {
                self.discard(instance).await;
                Ok(failed(self.timeout_error(&request_id, timeout)))
            }
        }
    }

    /// Hands `job` to `instance` and waits for its outcome within the job's timeout; `None`
    /// when the instance no longer takes jobs.
    async fn send(
        &self,
        instance: &Instance,
        job: Job,
    ) -> Option<Result<Outcome, tokio::time::error::Elapsed>> {
        let request_id = job.request_id.clone();
        let timeout = job.timeout;
        instance.jobs.send(job).await.ok()?;
        let mut outcomes = instance.outcomes.lock().await;
        Some(
            self.ctx
                .clock
                .real_timeout(timeout, wait_for(&mut outcomes, &request_id))
                .await,
        )
    }

    /// What an invocation of a deleted function answers.
    fn not_found(&self) -> AwsError {
        let arn = lock(&self.spec).function_arn.clone();
        AwsError::new(
            404,
            "ResourceNotFoundException",
            format!("Function not found: {arn}"),
        )
    }

    async fn acquire(&self, admission: Admission) -> Result<Instance, AwsError> {
        let mut backoff = Backoff::new(&self.ctx);
        loop {
            let freed = self.freed.notified();
            let generation = match self.claim()? {
                Claim::Idle(instance) => return Ok(instance),
                Claim::Start(generation) => generation,
                Claim::Instances => {
                    freed.await;
                    continue;
                }
                Claim::Reserved => {
                    admission.throttled(&mut backoff, freed).await?;
                    continue;
                }
            };
            let error = match self.start(generation).await {
                Ok(instance) => return Ok(instance),
                Err(error) => error,
            };
            let replaced = {
                let mut state = lock(&self.state);
                state.running = state.running.saturating_sub(1);
                state.generation != generation
            };
            self.freed.notify_one();
            // DeleteFunction or UpdateFunctionCode removed the code this start was given
            // (a race, not the caller's fault): the function is gone, or start again with the
            // new code.
            if self.deleted.load(Ordering::SeqCst) {
                return Err(self.not_found());
            }
            if !replaced {
                return Err(error);
            }
        }
    }

    /// Under the state's lock: an idle instance, room for a new one, or why neither is free.
    fn claim(&self) -> Result<Claim, AwsError> {
        let mut state = lock(&self.state);
        if self.deleted.load(Ordering::SeqCst) {
            return Err(self.not_found());
        }
        if self.closed.load(Ordering::SeqCst) {
            return Err(AwsError::service_unavailable(
                "The emulator is shutting down",
            ));
        }
        let busy = state.running.saturating_sub(state.idle.len());
        if state.reserved.is_some_and(|reserved| busy >= reserved) {
            return Ok(Claim::Reserved);
        }
        if let Some(instance) = state.idle.pop() {
            return Ok(Claim::Idle(instance));
        }
        if state.running < MAX_INSTANCES {
            state.running += 1;
            return Ok(Claim::Start(state.generation));
        }
        Ok(Claim::Instances)
    }

    async fn start(&self, generation: u64) -> Result<Instance, AwsError> {
        let spec = lock(&self.spec).clone();
        let id = NEXT_INSTANCE_ID.fetch_add(1, Ordering::Relaxed);
        let (jobs_tx, jobs_rx) = mpsc::channel(1);
        let (outcomes_tx, outcomes_rx) = mpsc::unbounded_channel();
        let api = RuntimeApi::start(
            spec.function_arn.clone(),
            self.access.clone(),
            jobs_rx,
            outcomes_tx.clone(),
        )
        .await
        .map_err(|e| AwsError::internal(format!("Could not start the runtime API: {e}")))?;
        let mut env = vec![("AWS_LAMBDA_RUNTIME_API".to_owned(), api.addr.to_string())];
        env.extend(spec.env.iter().cloned());
        self.reaper
            .spawn(id, &spec.function_name, &spec.code_dir, &env, outcomes_tx)
            .map_err(|e| {
                AwsError::new(
                    502,
                    "InvalidRuntimeException",
                    format!("Could not start the function's bootstrap: {e}"),
                )
            })?;
        Ok(Instance {
            id,
            generation,
            jobs: jobs_tx,
            outcomes: tokio::sync::Mutex::new(outcomes_rx),
            reaper: self.reaper.clone(),
            _api: api,
        })
    }

    fn release(&self, instance: Instance) {
        let mut state = lock(&self.state);
        if instance.generation == state.generation && !self.closed.load(Ordering::SeqCst) {
            state.idle.push(instance);
        } else {
            state.running = state.running.saturating_sub(1);
            drop(state);
            drop(instance);
        }
        self.freed.notify_one();
    }

    /// Kills everything the instance started, waits until it is reaped (so a timed-out
    /// invocation answers only once no process of it is left), and frees its slot.
    async fn discard(&self, instance: Instance) {
        {
            let mut state = lock(&self.state);
            state.running = state.running.saturating_sub(1);
        }
        self.reaper.kill_and_wait(instance.id).await;
        drop(instance);
        self.freed.notify_one();
    }

    fn timeout_error(&self, request_id: &str, timeout: Duration) -> Bytes {
        let now = super::config::rfc3339_millis(self.ctx.clock.now());
        let document = serde_json::json!({
            "errorMessage": format!(
                "{now} {request_id} Task timed out after {:.2} seconds",
                timeout.as_secs_f64()
            ),
        });
        Bytes::from(document.to_string())
    }
}

/// An instance lent to one invocation. If the invocation is abandoned (its caller went away
/// mid-job), dropping the lease frees the slot and kills the instance, which may be mid-job.
struct Lease<'a> {
    pool: &'a Pool,
    instance: Option<Instance>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(instance) = self.instance.take() {
            {
                let mut state = lock(&self.pool.state);
                state.running = state.running.saturating_sub(1);
            }
            drop(instance);
            self.pool.freed.notify_one();
        }
    }
}

async fn wait_for(outcomes: &mut mpsc::UnboundedReceiver<Outcome>, request_id: &str) -> Outcome {
    while let Some(outcome) = outcomes.recv().await {
        match &outcome {
            Outcome::Response { request_id: id, .. } | Outcome::Error { request_id: id, .. }
                if id != request_id => {}
            _ => return outcome,
        }
    }
    Outcome::Exited {
        status: "signal: killed".to_owned(),
    }
}

fn exit_error(request_id: &str, status: &str) -> Bytes {
    let document = serde_json::json!({
        "errorType": "Runtime.ExitError",
        "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
    });
    Bytes::from(document.to_string())
}

fn ok(payload: Bytes) -> RunResult {
    RunResult {
        payload,
        function_error: false,
    }
}

fn failed(payload: Bytes) -> RunResult {
    RunResult {
        payload,
        function_error: true,
    }
}

/// `Root=1-<epoch seconds, 8 hex digits>-<24 hex digits>`, X-Ray's trace id form, as AWS
/// hands a function in `Lambda-Runtime-Trace-Id`.
fn trace_id(ctx: &Context) -> String {
    let seconds = ctx.clock.now_epoch_millis() / 1000;
    let random = ctx.ids.uuid().simple().to_string();
    format!(
        "Root=1-{seconds:08x}-{};Sampled=0",
        random.get(..24).unwrap_or_default()
    )
}
