//! The aws backend (`--backend aws`): the scenarios against a real AWS account, never by
//! default. Credentials and region come from the SDK's default chain (environment, shared
//! profile, web identity, container and instance roles); the account from STS
//! `GetCallerIdentity`. Every resource is named under a run prefix `orderlab-<run id>-`
//! (`${Prefix}` in app/), so one run never touches another's resources, and the snapshots do
//! not see it ([`crate::snapshot::normalise::run_names`]).
//!
//! A run: the IAM roles app/ names are created first ([`roles`]), the SES sender checked
//! verified, then the usual provisioning (whose waits retry what AWS's eventual consistency
//! refuses for a while: `crate::stack::eventually`); stopping the backend — after a pass, a
//! failure or a signal — deletes everything under the prefix, in dependency order
//! ([`sweep`]), which is also `orderlab teardown --prefix P` for leftovers ([`teardown`]).
//!
//! `--aws-endpoint-url URL` sends every request to another
//! endpoint instead: a test aid, for the embedded emulator in its AWS-strict mode
//! (`orderlab emulate --strict-aws`, `tests/aws_backend.rs`).

pub mod roles;
pub mod sweep;
pub mod teardown;

use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_config::{BehaviorVersion, SdkConfig};

use super::{Running, StopFuture, TargetFuture};
use crate::stack::aws_error::AwsResultExt;
use crate::stack::{Clients, Settings};

/// What `--backend aws` is given besides the default credential chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// Every request to this URL instead of AWS's endpoints (a test aid).
    pub endpoint_url: Option<String>,
    /// The run id of the prefix; random when None.
    pub run_id: Option<String>,
}

/// The aws backend's command-line flags (shared by `scenario` and `teardown`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AwsArgs {
    /// With `--backend aws`: send every request to URL instead of AWS — a test aid, for the
    /// emulator in its AWS-strict mode (`orderlab emulate --strict-aws`).
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    pub aws_endpoint_url: Option<String>,
    /// With `--backend aws`: the run id in the resource prefix `orderlab-<ID>-` (lowercase
    /// letters and digits, 1 to 16) [default: random].
    #[arg(long, value_name = "ID", value_parser = parse_run_id)]
    pub aws_run_id: Option<String>,
}

impl AwsArgs {
    /// The options these flags give.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            endpoint_url: self.aws_endpoint_url.clone(),
            run_id: self.aws_run_id.clone(),
        }
    }

    /// Puts these flags into `backend` when it is `aws`; an error when they were given for
    /// another backend.
    pub fn apply(&self, backend: &mut super::BackendKind) -> Result<(), String> {
        match backend {
            super::BackendKind::Aws(options) => *options = self.options(),
            _ if self.aws_endpoint_url.is_some() || self.aws_run_id.is_some() => {
                return Err("--aws-endpoint-url and --aws-run-id need --backend aws".to_owned());
            }
            _ => {}
        }
        Ok(())
    }
}

fn parse_url(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.trim_end_matches('/').to_owned())
    } else {
        Err(format!(
            "{text:?} is not an http:// or https:// endpoint URL"
        ))
    }
}

/// A run id: 1 to 16 lowercase ASCII letters and digits.
pub fn parse_run_id(text: &str) -> Result<String, String> {
    let valid = (1..=16).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a run id (1 to 16 lowercase letters and digits)"
        ))
    }
}

/// `orderlab-<run id>-`
pub fn run_prefix(run_id: &str) -> String {
    format!("orderlab-{run_id}-")
}

/// A random run id: 8 lowercase hex digits.
fn random_run_id() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// The SDK configuration of the default chain, with `endpoint_url` when given; fails when no
/// region is configured.
pub async fn sdk_config(endpoint_url: Option<&str>) -> anyhow::Result<SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        bail!(
            "the aws backend needs a region: set AWS_REGION (or AWS_DEFAULT_REGION), or a \
             region in the profile AWS_PROFILE names"
        );
    }
    Ok(config)
}

/// The clients of every service the stack uses, IAM and STS included.
#[derive(Clone, Debug)]
pub struct Account {
    pub clients: Clients,
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
}

impl Account {
    pub fn new(config: &SdkConfig) -> Account {
        Account {
            clients: Clients::from_config(config),
            iam: aws_sdk_iam::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
            region: config.region().map(ToString::to_string).unwrap_or_default(),
        }
    }

    /// The account id the credentials belong to (STS `GetCallerIdentity`).
    pub async fn account_id(&self) -> anyhow::Result<String> {
        let identity = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .aws_context(|| "GetCallerIdentity")?;
        identity
            .account()
            .map(str::to_owned)
            .context("GetCallerIdentity returned no account")
    }
}

/// A started aws backend: its clients, its prefix, the bound on its teardown.
pub struct AwsBackend {
    account: Account,
    prefix: String,
    /// The override URL, or empty for AWS itself (no single endpoint).
    endpoint: String,
}

/// How long the teardown of a run may take (AWS deletes tables and mappings in the background
/// and throttles `DeleteRestApi`).
pub const TEARDOWN_BOUND: Duration = Duration::from_secs(300);

impl AwsBackend {
    pub async fn start(options: &AwsOptions) -> anyhow::Result<AwsBackend> {
        let config = sdk_config(options.endpoint_url.as_deref()).await?;
        let run_id = options.run_id.clone().unwrap_or_else(random_run_id);
        let prefix = run_prefix(&run_id);
        crate::output::error_line(&format!(
            "aws backend: resources under {prefix} (leftovers: orderlab teardown --prefix {prefix} --backend aws)"
        ));
        Ok(AwsBackend {
            account: Account::new(&config),
            prefix,
            endpoint: options.endpoint_url.clone().unwrap_or_default(),
        })
    }
}

impl Running for AwsBackend {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn stop(self: Box<Self>) -> StopFuture {
        Box::pin(async move {
            let removed =
                sweep::teardown(&self.account, &self.prefix, TEARDOWN_BOUND, |_| {}).await;
            match removed {
                Ok(outcome) if outcome.left.is_empty() => crate::output::error_line(&format!(
                    "aws backend: {} resource(s) deleted, nothing left under {}",
                    outcome.deleted.len(),
                    self.prefix
                )),
                Ok(outcome) => crate::output::error_line(&format!(
                    "aws backend: {} resource(s) under {} are left ({}); run `orderlab teardown --prefix {} --backend aws`",
                    outcome.left.len(),
                    self.prefix,
                    sweep::describe(&outcome.left),
                    self.prefix
                )),
                Err(err) => crate::output::error_line(&format!(
                    "aws backend: teardown of {} failed: {err:#}; run `orderlab teardown --prefix {} --backend aws`",
                    self.prefix, self.prefix
                )),
            }
        })
    }

    fn stop_bound(&self) -> Duration {
        TEARDOWN_BOUND + Duration::from_secs(10)
    }

    fn target(&self, mut settings: Settings, timeout: Duration) -> TargetFuture {
        let account = self.account.clone();
        let prefix = self.prefix.clone();
        let on_aws = self.endpoint.is_empty();
        Box::pin(async move {
            if on_aws {
                runnable_executables()?;
            }
            settings.account_id = account.account_id().await?;
            settings.region = account.region.clone();
            settings.prefix = prefix.clone();
            settings.sender_email = std::env::var("ORDERLAB_SENDER_EMAIL")
                .ok()
                .filter(|address| !address.trim().is_empty())
                .unwrap_or_else(|| format!("{prefix}orders@alex.example"));
            roles::create_roles(&account, &settings).await?;
            roles::sender_verified(&account.clients, &settings.sender_email, timeout).await?;
            Ok((account.clients, settings))
        })
    }
}

/// On AWS the functions run as x86_64 Linux (`provided.al2023`): the executables built for
/// the host run there only when the host is x86_64 Linux, or when `ORDERLAB_LAMBDA_DIR` holds
/// executables built for it.
fn runnable_executables() -> anyhow::Result<()> {
    let host_fits = cfg!(all(target_os = "linux", target_arch = "x86_64"));
    if host_fits || std::env::var_os("ORDERLAB_LAMBDA_DIR").is_some() {
        return Ok(());
    }
    bail!(
        "the functions run on AWS as x86_64 Linux (provided.al2023) and this host is not: build \
         them with `cargo zigbuild --target x86_64-unknown-linux-gnu.2.34 -p orderlab-lambdas \
         --bins` and set ORDERLAB_LAMBDA_DIR to the directory holding them"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_short_lowercase_words() {
        assert_eq!(parse_run_id("t1"), Ok("t1".to_owned()));
        assert!(parse_run_id("").is_err());
        assert!(parse_run_id("Upper").is_err());
        assert!(parse_run_id("a-b").is_err());
        assert!(parse_run_id(&"x".repeat(17)).is_err());
        assert_eq!(run_prefix("t1"), "orderlab-t1-");
        let random = random_run_id();
        assert_eq!(parse_run_id(&random), Ok(random.clone()));
    }

    #[test]
    fn endpoint_urls_are_http() {
        assert_eq!(
            parse_url("http://127.0.0.1:4566/"),
            Ok("http://127.0.0.1:4566".to_owned())
        );
        assert!(parse_url("127.0.0.1:4566").is_err());
    }
}
