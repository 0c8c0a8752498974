//! Lambda: functions from zips run as local processes speaking the Lambda Runtime API.
//!
//! - [`api`]: the REST-JSON control plane under `/2015-03-31/` (functions, policies, Invoke,
//!   event source mappings).
//! - [`config`]: FunctionConfiguration, validation, name resolution.
//! - [`code`]: unpacking zips. [`pool`]: instances and concurrency ([`concurrency`]: reserved
//!   concurrency and throttling). [`process`]: the
//!   `bootstrap` processes. [`runtime_api`]: the Runtime API each instance polls.
//! - [`esm`], [`esm_poller`]: DynamoDB stream event source mappings.

mod api;
pub mod code;
pub mod concurrency;
pub mod config;
pub mod esm;
pub mod esm_batch;
pub mod esm_config;
pub mod esm_poller;
mod extras;
pub mod faults;
mod members;
pub mod pool;
pub mod process;
mod process_tree;
pub mod queue;
pub mod runtime_api;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::response::Response;
use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::Value;

use crate::Context;
use crate::bus::{FunctionInvoker, Invocation, InvocationType};
use crate::protocol::access::Access;
use crate::protocol::{AwsError, AwsRequest};
use code::Code;
use config::FunctionConfig;
use pool::{LaunchSpec, Pool};
use process::Reaper;

/// Whether `path` is a Lambda control-plane path.
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/2015-03-31/") || extras::owns_path(path)
}

/// One function: its configuration, code, instances and resource policy.
pub struct Function {
    config: Mutex<FunctionConfig>,
    /// `None` once the emulator has shut down (its directory is removed then).
    code: Mutex<Option<Code>>,
    pool: Pool,
    policy: Mutex<Vec<Value>>,
    tags: Mutex<IndexMap<String, String>>,
    /// Asynchronous invocations accepted and not yet finished (bounded by
    /// [`queue::MAX_QUEUED_EVENTS`]).
    queued: Arc<std::sync::atomic::AtomicUsize>,
}

pub struct Lambda {
    ctx: Arc<Context>,
    /// Who may reach each instance's Runtime API listener.
    access: Arc<Access>,
    functions: Mutex<IndexMap<String, Arc<Function>>>,
    mappings: Mutex<IndexMap<String, esm::Mapping>>,
    reaper: Arc<Reaper>,
    /// Asynchronous invocations queued across all functions ([`queue`]).
    queue: Arc<queue::AsyncQueue>,
    /// Set at shutdown: no function is created any more.
    closed: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `ResourceNotFoundException` for a function (with its qualifier, when one was given).
pub fn function_not_found(ctx: &Context, name: &str, qualifier: Option<&str>) -> AwsError {
    let resource = match qualifier {
        Some(q) if q != "$LATEST" => format!("function:{name}:{q}"),
        _ => format!("function:{name}"),
    };
    AwsError::new(
        404,
        "ResourceNotFoundException",
        format!("Function not found: {}", ctx.arn("lambda", &resource)),
    )
}

impl Lambda {
    /// A Lambda whose Runtime API listeners admit what `access` admits.
    pub(crate) fn with_access(ctx: Arc<Context>, access: Arc<Access>) -> Arc<Lambda> {
        Arc::new(Lambda {
            ctx,
            access,
            functions: Mutex::default(),
            mappings: Mutex::default(),
            reaper: Arc::new(Reaper::default()),
            queue: Arc::default(),
            closed: AtomicBool::new(false),
        })
    }

    pub async fn handle_http(&self, request: &AwsRequest) -> Response {
        api::handle(self, request).await
    }

    /// Stops every mapping, kills every process any function started (whole trees) and waits
    /// until each is reaped, then removes the functions and their unpacked code.
    pub async fn shutdown(&self) {
        let functions = self.close();
        self.reaper.kill_all().await;
        drop_code(&functions);
    }

    /// [`Lambda::shutdown`] without waiting for processes to be reaped (for `Drop`).
    pub(crate) fn shutdown_now(&self) {
        let functions = self.close();
        self.reaper.kill_all_now();
        drop_code(&functions);
    }

    /// Refuses new functions and invocations; returns the functions there were.
    fn close(&self) -> Vec<Arc<Function>> {
        self.closed.store(true, Ordering::SeqCst);
        for mapping in lock(&self.mappings).values() {
            mapping.stop();
        }
        let functions: Vec<Arc<Function>> =
            lock(&self.functions).drain(..).map(|(_, f)| f).collect();
        for function in &functions {
            function.pool.close();
        }
        functions
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The emulator's shared context (clock, bus, injected faults).
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// What `GET /_orderlab/usage` reports for Lambda: the asynchronous queue's fill.
    pub fn usage(&self) -> Value {
        self.queue.usage()
    }

    /// The pid of every `bootstrap` process started so far.
    pub fn process_ids(&self) -> Vec<u32> {
        self.reaper.pids()
    }

    /// The function `reference` names (a qualifier other than `$LATEST` names nothing).
    fn function(&self, reference: &str) -> Result<Arc<Function>, AwsError> {
        let (name, qualifier) = config::resolve_name(reference);
        let qualifier = qualifier.filter(|q| q != "$LATEST");
        lock(&self.functions)
            .get(&name)
            .filter(|_| qualifier.is_none())
            .cloned()
            .ok_or_else(|| function_not_found(&self.ctx, &name, qualifier.as_deref()))
    }

    /// What a new instance of `config` starts with.
    fn launch_spec(&self, config: &FunctionConfig, code: &Code) -> LaunchSpec {
        LaunchSpec {
            function_name: config.name.clone(),
            function_arn: config.arn.clone(),
            code_dir: code.dir.path().to_path_buf(),
            env: self.environment(config, code),
            timeout: Duration::from_secs(config.timeout),
        }
    }

    /// The clean environment a `bootstrap` sees (besides `AWS_LAMBDA_RUNTIME_API`). A
    /// function's own variables never override these: CreateFunction and
    /// UpdateFunctionConfiguration refuse the reserved ones.
    fn environment(&self, config: &FunctionConfig, code: &Code) -> Vec<(String, String)> {
        let ctx = &self.ctx;
        let task_root = code.dir.path().display().to_string();
        let mut env: IndexMap<String, String> = [
            ("AWS_LAMBDA_FUNCTION_NAME", config.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                config.memory_size.to_string(),
            ),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", config.name),
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name(ctx)),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
            ("AWS_REGION", ctx.region.clone()),
            ("AWS_DEFAULT_REGION", ctx.region.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_SESSION_TOKEN", "test".to_owned()),
            ("AWS_ENDPOINT_URL", ctx.endpoint.clone()),
            (
                "AWS_EXECUTION_ENV",
                format!("AWS_Lambda_{}", config.runtime),
            ),
            ("_HANDLER", config.handler.clone()),
            ("LAMBDA_TASK_ROOT", task_root.clone()),
            ("LAMBDA_RUNTIME_DIR", task_root),
            ("TZ", ":UTC".to_owned()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
            ("LANG", "en_US.UTF-8".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (key, value) in config.settings.environment() {
            env.insert(key.to_owned(), value);
        }
        if let Some(vars) = &config.environment {
            for (key, value) in vars {
                if !config::is_reserved_variable(key) {
                    env.insert(key.clone(), value.clone());
                }
            }
        }
        env.into_iter().collect()
    }

    /// Runs one invocation of `function` and reports it as Invoke does.
    async fn run(&self, function: &Function, payload: Bytes) -> Result<Invocation, AwsError> {
        let (name, timeout) = {
            let config = lock(&function.config);
            (config.name.clone(), config.timeout)
        };
        if let Some(faulted) = self
            .ctx
            .function_faults
            .respond(&self.ctx.ids, &name, timeout)
        {
            return Ok(faulted);
        }
        let result = function
            .pool
            .run(payload, concurrency::Admission::Throttle)
            .await?;
        Ok(Invocation {
            status_code: 200,
            payload: result.payload,
            function_error: result.function_error.then(|| "Unhandled".to_owned()),
            executed_version: "$LATEST".to_owned(),
        })
    }
}

/// The largest synchronous Invoke payload: 6 MB.
pub(crate) const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// The largest asynchronous (`Event`) Invoke payload: 1 MB (AWS raised it from 256 KB in 2025).
pub(crate) const MAX_ASYNC_PAYLOAD_BYTES: usize = 1024 * 1024;

/// 413 `RequestEntityTooLargeException` for a payload over the invocation type's limit, worded
/// as Lambda answers it ("N byte payload is too large for the RequestResponse invocation type
/// (limit 6291456 bytes)").
pub(crate) fn check_payload_size(
    size: usize,
    invocation_type: InvocationType,
) -> Result<(), AwsError> {
    let (limit, kind) = match invocation_type {
        InvocationType::RequestResponse => (MAX_SYNC_PAYLOAD_BYTES, "RequestResponse"),
        InvocationType::Event => (MAX_ASYNC_PAYLOAD_BYTES, "Event"),
    };
    if size <= limit {
        return Ok(());
    }
    Err(AwsError::new(
        413,
        "RequestEntityTooLargeException",
        format!(
            "{size} byte payload is too large for the {kind} invocation type (limit {limit} bytes)"
        ),
    ))
}

/// Removes each function's unpacked code (its directory goes when no other function in this
/// process shares it).
fn drop_code(functions: &[Arc<Function>]) {
    for function in functions {
        lock(&function.code).take();
    }
}

fn log_stream_name(ctx: &Context) -> String {
    let day = config::last_modified(ctx.clock.now());
    format!(
        "{}/[$LATEST]{}",
        day.get(..10).unwrap_or_default().replace('-', "/"),
        ctx.ids.uuid().simple()
    )
}

#[async_trait]
impl FunctionInvoker for Lambda {
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        invocation_type: InvocationType,
    ) -> Result<Invocation, AwsError> {
        check_payload_size(payload.len(), invocation_type)?;
        let target = self.function(function)?;
        match invocation_type {
            InvocationType::RequestResponse => self.run(&target, payload).await,
            InvocationType::Event => {
                let name = function.to_owned();
                let slot = match self.queue.admit(&target.queued, payload.len()) {
                    Ok(slot) => slot,
                    Err(reason) => {
                        tracing::warn!(function = %name, "asynchronous invocation discarded: {reason}");
                        return Ok(accepted());
                    }
                };
                tokio::spawn(self.ctx.sched.activity(async move {
                    let _slot = slot;
                    match target.pool.run(payload, concurrency::Admission::Queue).await {
                        Ok(result) if result.function_error => tracing::warn!(
                            function = %name,
                            error = %String::from_utf8_lossy(&result.payload),
                            "asynchronous invocation failed"
                        ),
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(function = %name, %error, "asynchronous invocation failed")
                        }
                    }
                }));
                Ok(accepted())
            }
        }
    }
}

/// Invoke's answer to an asynchronous invocation: 202, no payload.
fn accepted() -> Invocation {
    Invocation {
        status_code: 202,
        payload: Bytes::new(),
        function_error: None,
        executed_version: "$LATEST".to_owned(),
    }
}
