//! orderlab's embedded AWS emulator.
//!
//! One HTTP server on one loopback port answers the AWS APIs the order pipeline uses —
//! DynamoDB, DynamoDB Streams, Step Functions, EventBridge, Lambda, API Gateway (REST),
//! SES v1, IAM and STS — with AWS's wire protocols, shapes and error codes, so unmodified AWS SDKs and the
//! AWS CLI can talk to it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = orderlab_emulator::Emulator::start(orderlab_emulator::Config::default()).await?;
//! println!("AWS_ENDPOINT_URL={}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The public API is this page: [`Emulator`], [`Config`] (with [`StrictAws`], the AWS-strict
//! test mode) and the [`Clock`]. Everything else is private; clients reach the services the
//! way any AWS client does, over HTTP.
//!
//! Layout: `server` accepts requests and routes them by protocol (`protocol`) to one module
//! per service. Services own their state and never call each other directly: every
//! cross-service delivery (stream → Lambda, rule → state machine, state → Lambda/DynamoDB)
//! goes through `bus::Bus`. Nothing reads the wall clock except through [`Clock`].

// Nothing a client sends may panic the emulator: outside tests, no unwrap/expect/panic, no
// unchecked indexing or string slicing (a request handler's panic is still contained by
// `server`, but it is a bug, not a way to answer).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::string_slice
    )
)]

mod apigateway;
mod background;
mod bus;
mod clock;
mod control;
mod dynamodb;
mod events;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz;
mod heavy;
mod iam;
mod ids;
mod jsonpath;
mod lambda;
mod protocol;
mod sched;
mod server;
mod ses;
mod sfn;
mod strict;
mod sts;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, ClockMode};
pub use strict::StrictAws;

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on. Loopback with an ephemeral port unless told otherwise.
    pub bind: SocketAddr,
    /// The region every ARN and response names.
    pub region: String,
    /// The 12-digit account id every ARN names.
    pub account_id: String,
    /// Real time, or a virtual clock on which waits and back-off take no wall time.
    pub clock: ClockMode,
    /// Host names (with or without port) accepted in `Host` besides the loopback ones
    /// (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`); `"*"` accepts any. Every other
    /// host is refused with a 403, so a web page cannot reach the emulator by DNS rebinding.
    pub allow_hosts: Vec<String>,
    /// Origins (`https://example.com`, or `null`) whose requests are accepted; `"*"` accepts
    /// any. A request with any other `Origin` header (a web page's) is refused with a 403.
    pub allow_origins: Vec<String>,
    /// A Step Functions Local MockConfigFile document loaded at start (`--mock-config`,
    /// `SFN_MOCK_CONFIG`): `StartExecution` on `<arn>#<TestCase>` runs that test case.
    /// A document that is not a valid MockConfigFile fails [`Emulator::start`] with
    /// `InvalidInput` and a message naming what is wrong.
    pub sfn_mock_config: Option<serde_json::Value>,
    /// The seed of every id and random value the emulator makes up (`ids.rs`) and, on the
    /// virtual clock, of the scheduler that decides in which order concurrent work runs
    /// (executions, deliveries, stream batches): the same seed, the same ids and order.
    pub seed: u64,
    /// The AWS-strict mode (a test aid, off by default): roles must exist and trust the
    /// service before CreateFunction, CreateStateMachine and a Step Functions PutTargets use
    /// them, and every created name must start with the prefix (`strict.rs`).
    pub strict_aws: Option<StrictAws>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            clock: ClockMode::Real,
            allow_hosts: Vec::new(),
            allow_origins: Vec::new(),
            sfn_mock_config: None,
            seed: 0,
            strict_aws: None,
        }
    }
}

/// What every service is given: where it lives, the clock, and the bus to reach the others.
pub(crate) struct Context {
    pub region: String,
    pub account_id: String,
    pub clock: Clock,
    /// What runs when on the virtual clock (`sched.rs`); off in real time.
    pub sched: sched::Scheduler,
    pub bus: bus::Bus,
    /// Where work no request waits for runs (executions, event deliveries).
    pub background: background::Background,
    /// The emulator's own endpoint (`http://127.0.0.1:PORT`), known once the listener is bound.
    pub endpoint: String,
    /// Injected function faults and state mocks (`POST /_orderlab/faults`).
    pub function_faults: lambda::faults::FunctionFaults,
    pub state_mocks: sfn::mock::Mocks,
    /// Open task tokens of the callback pattern (`sfn/callbacks.rs`).
    pub callbacks: sfn::callbacks::Callbacks,
    /// The AWS-strict mode, when on (`strict.rs`).
    pub strict_aws: Option<StrictAws>,
    /// Every id and random value the emulator makes up, seeded by [`Config::seed`] (`ids.rs`).
    pub ids: ids::Ids,
}

impl Context {
    /// A context for unit tests: us-east-1, account 000000000000, a virtual clock.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Context {
        Context {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            sched: sched::Scheduler::new(false, 0, Default::default()),
            clock: Clock::new(ClockMode::Virtual),
            bus: bus::Bus::default(),
            background: background::Background::start().expect("background thread"),
            endpoint: "http://127.0.0.1:1".into(),
            function_faults: Default::default(),
            state_mocks: Default::default(),
            callbacks: Default::default(),
            strict_aws: None,
            ids: ids::Ids::new(0),
        }
    }

    /// `arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

/// Every service of one emulator instance.
pub(crate) struct Services {
    pub dynamodb: Arc<dynamodb::DynamoDb>,
    pub dynamodb_streams: Arc<dynamodb::streams::StreamsApi>,
    pub sfn: Arc<sfn::StepFunctions>,
    pub events: Arc<events::EventBridge>,
    pub lambda: Arc<lambda::Lambda>,
    pub apigateway: Arc<apigateway::ApiGateway>,
    pub ses: Arc<ses::Ses>,
    pub iam: Arc<iam::Iam>,
    pub sts: Arc<sts::Sts>,
}

impl Services {
    fn new(ctx: &Arc<Context>, access: &Arc<protocol::access::Access>) -> Arc<Services> {
        let (dynamodb, dynamodb_streams) = dynamodb::DynamoDb::new(ctx.clone());
        let services = Arc::new(Services {
            dynamodb,
            dynamodb_streams,
            sfn: sfn::StepFunctions::new(ctx.clone()),
            events: events::EventBridge::new(ctx.clone()),
            lambda: lambda::Lambda::with_access(ctx.clone(), access.clone()),
            apigateway: apigateway::ApiGateway::new(ctx.clone()),
            ses: ses::Ses::new(ctx.clone()),
            iam: iam::Iam::new(ctx.clone()),
            sts: sts::Sts::new(ctx.clone()),
        });
        ctx.bus.connect(&services);
        services
    }
}

/// How long [`Emulator::shutdown`] lets in-flight requests finish once every Lambda process
/// is gone, before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How long [`Emulator::shutdown`] waits for Lambda processes to be killed and reaped.
const REAP_GRACE: Duration = Duration::from_secs(2);

/// A running emulator. [`Emulator::shutdown`] stops it within about three seconds whatever is
/// in flight: the server stops accepting, every process any function started is killed (its
/// whole tree, including `setsid` grandchildren) and reaped, in-flight requests get a moment
/// to answer, and every unpacked code directory is removed. Dropping it without `shutdown`
/// does the same without waiting.
pub struct Emulator {
    addr: SocketAddr,
    ctx: Arc<Context>,
    services: Arc<Services>,
    server: server::ServerHandle,
}

impl Emulator {
    /// Binds the listener, creates every service and starts serving.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        lambda::process::become_subreaper();
        let state_mocks = sfn::mock::Mocks::default();
        if let Some(document) = &config.sfn_mock_config {
            state_mocks
                .load_with(document, sfn::mock::Defaults::ActiveOnly)
                .map_err(|message| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
                })?;
        }
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let clock = Clock::new(config.clock);
        let ctx = Arc::new(Context {
            region: config.region,
            account_id: config.account_id,
            sched: sched::Scheduler::new(
                config.clock == ClockMode::Virtual,
                config.seed,
                clock.offset_handle(),
            ),
            clock,
            bus: bus::Bus::default(),
            background: background::Background::start()?,
            endpoint: format!("http://{addr}"),
            function_faults: Default::default(),
            state_mocks,
            callbacks: Default::default(),
            strict_aws: config.strict_aws,
            ids: ids::Ids::new(config.seed),
        });
        let access = Arc::new(protocol::access::Access::new(
            &config.allow_hosts,
            &config.allow_origins,
        ));
        let services = Services::new(&ctx, &access);
        let server = server::serve(listener, services.clone(), access);
        tracing::info!(%addr, "emulator listening");
        Ok(Emulator {
            addr,
            ctx,
            services,
            server,
        })
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, for `AWS_ENDPOINT_URL` or an SDK's `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The clock every service reads: tests move virtual time with [`Clock::advance`].
    pub fn clock(&self) -> &Clock {
        &self.ctx.clock
    }

    /// The pid of every Lambda `bootstrap` process this emulator has started (diagnostics, and
    /// tests that check processes are reaped).
    pub fn lambda_process_ids(&self) -> Vec<u32> {
        self.services.lambda.process_ids()
    }

    /// Stops accepting requests, kills every Lambda process (and all they started) and waits
    /// until each is reaped, lets in-flight requests answer briefly, then drops them; removes
    /// every unpacked code directory. Bounded: about three seconds at most.
    pub async fn shutdown(mut self) {
        self.server.signal_stop();
        let lambda = &self.services.lambda;
        if self
            .ctx
            .clock
            .real_timeout(REAP_GRACE, lambda.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("Lambda processes not reaped in time; killing them without waiting");
            lambda.shutdown_now();
        }
        self.server.stop(&self.ctx.clock, SHUTDOWN_GRACE).await;
        let background = self.ctx.background.stop_and_wait();
        if self
            .ctx
            .clock
            .real_timeout(REAP_GRACE, background)
            .await
            .is_err()
        {
            tracing::warn!("background work not stopped in time; leaving it to end by itself");
        }
    }
}

impl Drop for Emulator {
    /// Stops the server and kills every Lambda process tree without waiting (a no-op after
    /// [`Emulator::shutdown`]).
    fn drop(&mut self) {
        self.server.abort();
        self.ctx.background.stop();
        self.services.lambda.shutdown_now();
    }
}
