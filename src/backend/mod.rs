//! Backends: who serves the AWS endpoint the harness talks to. Every backend yields the same
//! thing — an endpoint URL and a way to stop — so the rest of the harness has one code path.
//! Each backend is one module implementing [`Running`] plus one [`BackendKind`] variant:
//! `embedded`, `localstack` (testcontainers), `endpoint=<URL>`, `aws` (a real account: its
//! own clients, run prefix and IAM roles through [`Running::target`], a teardown as its stop).

pub mod aws;
mod embedded;
mod endpoint;
pub mod localstack;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use crate::stack::{Clients, Settings};

pub use embedded::Embedded;
pub use endpoint::External;

/// Which backend to use, as chosen on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendKind {
    /// The emulator in-process on an ephemeral loopback port.
    Embedded,
    /// LocalStack in a container started through testcontainers.
    LocalStack,
    /// Anything already running that speaks the AWS APIs.
    Endpoint(String),
    /// A real AWS account (the default credential chain), every name under a run prefix.
    Aws(aws::AwsOptions),
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(text: &str) -> Result<BackendKind, String> {
        match text {
            "embedded" => Ok(BackendKind::Embedded),
            "localstack" => Ok(BackendKind::LocalStack),
            "aws" => Ok(BackendKind::Aws(aws::AwsOptions::default())),
            _ => match text.strip_prefix("endpoint=") {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    Ok(BackendKind::Endpoint(url.trim_end_matches('/').to_owned()))
                }
                Some(url) => Err(format!(
                    "endpoint URL must start with http:// or https://, got {url:?}"
                )),
                None => Err(format!(
                    "unknown backend {text:?}: expected `embedded`, `localstack`, `aws` or `endpoint=<URL>`"
                )),
            },
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendKind::Embedded => f.write_str("embedded"),
            BackendKind::LocalStack => f.write_str("localstack"),
            BackendKind::Endpoint(url) => write!(f, "endpoint={url}"),
            BackendKind::Aws(_) => f.write_str("aws"),
        }
    }
}

/// Options that only some backends use.
#[derive(Debug, Clone, Copy, Default)]
pub struct BackendOptions {
    /// Run the embedded emulator on the wall clock instead of its virtual clock.
    pub real_time: bool,
    /// The embedded emulator's scheduler seed (the scenario's `schedule_seed`).
    pub seed: u64,
}

/// A future that stops a backend.
pub type StopFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A future yielding the clients and settings a run deploys with.
pub type TargetFuture = Pin<Box<dyn Future<Output = anyhow::Result<(Clients, Settings)>> + Send>>;

/// A started backend.
pub trait Running: Send {
    /// The AWS endpoint URL (`http://127.0.0.1:PORT`), without a trailing slash.
    fn endpoint(&self) -> &str;
    /// Stops the backend and releases everything it started.
    fn stop(self: Box<Self>) -> StopFuture;
    /// How long [`Running::stop`] may take.
    fn stop_bound(&self) -> Duration {
        crate::run::STOP_BOUND
    }
    /// The clients and settings a run deploys with, given the application's defaults: by
    /// default the endpoint with static test credentials and the defaults unchanged.
    fn target(&self, settings: Settings, _timeout: Duration) -> TargetFuture {
        let endpoint = self.endpoint().to_owned();
        Box::pin(async move {
            let clients = Clients::new(&endpoint, &settings.region).await;
            Ok((clients, settings))
        })
    }
}

/// Starts the chosen backend.
pub async fn start(
    kind: &BackendKind,
    options: BackendOptions,
) -> anyhow::Result<Box<dyn Running>> {
    match kind {
        BackendKind::Embedded => Ok(Box::new(Embedded::start(options).await?)),
        BackendKind::LocalStack => Ok(Box::new(localstack::LocalStackBackend::start().await?)),
        BackendKind::Endpoint(url) => Ok(Box::new(External::new(url))),
        BackendKind::Aws(options) => Ok(Box::new(aws::AwsBackend::start(options).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_names() {
        assert_eq!("embedded".parse(), Ok(BackendKind::Embedded));
        assert_eq!(
            "endpoint=http://localhost:4566/".parse(),
            Ok(BackendKind::Endpoint("http://localhost:4566".to_owned()))
        );
        assert!("endpoint=localhost".parse::<BackendKind>().is_err());
        assert_eq!(
            "aws".parse(),
            Ok(BackendKind::Aws(aws::AwsOptions::default()))
        );
        assert_eq!(
            BackendKind::Aws(aws::AwsOptions::default()).to_string(),
            "aws"
        );
        let err = "docker".parse::<BackendKind>().unwrap_err();
        assert!(err.contains("unknown backend \"docker\""), "{err}");
    }
}
