//! orderlab's embedded AWS emulator.
//!
//! One HTTP server on one loopback port answers the AWS APIs the order pipeline uses —
//! DynamoDB, DynamoDB Streams, Step Functions, EventBridge, Lambda, API Gateway (REST) and
//! SES v1 — with AWS's wire protocols, shapes and error codes, so unmodified AWS SDKs and the
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
//! Layout: [`server`] accepts requests and routes them by protocol ([`protocol`]) to one
//! module per service. Services own their state and never call each other directly: every
//! cross-service delivery (stream → Lambda, rule → state machine, state → Lambda/DynamoDB)
//! goes through [`bus::Bus`]. Nothing reads the wall clock except through [`clock::Clock`].

pub mod apigateway;
pub mod bus;
pub mod clock;
pub mod control;
pub mod dynamodb;
pub mod events;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz;
pub mod lambda;
pub mod protocol;
pub mod server;
pub mod ses;
pub mod sfn;

use std::net::SocketAddr;
use std::sync::Arc;

pub use clock::{Clock, ClockMode};

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            clock: ClockMode::Real,
        }
    }
}

/// What every service is given: where it lives, the clock, and the bus to reach the others.
pub struct Context {
    pub region: String,
    pub account_id: String,
    pub clock: Clock,
    pub bus: bus::Bus,
    /// The emulator's own endpoint (`http://127.0.0.1:PORT`), known once the listener is bound.
    pub endpoint: String,
    /// Injected function faults and state mocks (`POST /_orderlab/faults`).
    pub function_faults: lambda::faults::FunctionFaults,
    pub state_mocks: sfn::mock::Mocks,
}

impl Context {
    /// `arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

/// Every service of one emulator instance.
pub struct Services {
    pub dynamodb: Arc<dynamodb::DynamoDb>,
    pub dynamodb_streams: Arc<dynamodb::streams::StreamsApi>,
    pub sfn: Arc<sfn::StepFunctions>,
    pub events: Arc<events::EventBridge>,
    pub lambda: Arc<lambda::Lambda>,
    pub apigateway: Arc<apigateway::ApiGateway>,
    pub ses: Arc<ses::Ses>,
}

impl Services {
    fn new(ctx: &Arc<Context>) -> Arc<Services> {
        let (dynamodb, dynamodb_streams) = dynamodb::DynamoDb::new(ctx.clone());
        let services = Arc::new(Services {
            dynamodb,
            dynamodb_streams,
            sfn: sfn::StepFunctions::new(ctx.clone()),
            events: events::EventBridge::new(ctx.clone()),
            lambda: lambda::Lambda::new(ctx.clone()),
            apigateway: apigateway::ApiGateway::new(ctx.clone()),
            ses: ses::Ses::new(ctx.clone()),
        });
        ctx.bus.connect(&services);
        services
    }
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] still stops the server and
/// kills every Lambda process it started, but `shutdown` waits for them to be reaped.
pub struct Emulator {
    addr: SocketAddr,
    ctx: Arc<Context>,
    services: Arc<Services>,
    server: server::ServerHandle,
}

impl Emulator {
    /// Binds the listener, creates every service and starts serving.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let ctx = Arc::new(Context {
            region: config.region,
            account_id: config.account_id,
            clock: Clock::new(config.clock),
            bus: bus::Bus::default(),
            endpoint: format!("http://{addr}"),
            function_faults: Default::default(),
            state_mocks: Default::default(),
        });
        let services = Services::new(&ctx);
        let server = server::serve(listener, services.clone());
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

    /// Direct access to the services, for tests and control routes.
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Stops accepting requests, then stops every Lambda process and waits until it is reaped.
    pub async fn shutdown(self) {
        self.server.stop().await;
        self.services.lambda.shutdown().await;
    }
}
