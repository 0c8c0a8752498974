//! Provisioning the application in `app/` through the AWS SDK for Rust, exactly as it would be
//! done against AWS: SES identity → tables → functions → stream mapping → state machine →
//! rule → REST API. Every backend gets the same calls.

pub mod api;
pub mod artifacts;
pub mod aws_error;
pub mod functions;
pub mod rule;
pub mod state_machine;
pub mod substitute;
pub mod tables;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::stack::aws_error::AwsResultExt;
use anyhow::Context as _;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use serde::de::DeserializeOwned;

pub use substitute::Substitutions;

/// One SDK client per service, all pointed at the same endpoint.
#[derive(Clone, Debug)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub ses: aws_sdk_ses::Client,
}

impl Clients {
    pub async fn new(endpoint: &str, region: &str) -> Clients {
        Clients::from_config(&sdk_config(endpoint, region).await)
    }

    /// The clients of one SDK configuration (the aws backend's default chain).
    pub fn from_config(config: &SdkConfig) -> Clients {
        Clients {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            sfn: aws_sdk_sfn::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
            apigateway: aws_sdk_apigateway::Client::new(config),
            ses: aws_sdk_ses::Client::new(config),
        }
    }
}

/// The one SDK configuration: the endpoint, a fixed region and static test credentials.
pub async fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("test", "test", None, None, "orderlab"))
        .load()
        .await
}

/// What the deployment is parameterised by.
#[derive(Debug, Clone)]
pub struct Settings {
    pub app_dir: PathBuf,
    pub prefix: String,
    pub region: String,
    pub account_id: String,
    pub sender_email: String,
    pub payment_seed: u64,
    pub payment_approval_rate: String,
}

impl Settings {
    /// The defaults of app/README.md for the application in `app_dir`, with the scenario's
    /// seed.
    pub fn new(app_dir: &Path, payment_seed: u64) -> Settings {
        Settings {
            app_dir: app_dir.to_owned(),
            prefix: "alex-".to_owned(),
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            sender_email: "orders@alex.example".to_owned(),
            payment_seed,
            payment_approval_rate: "0.8".to_owned(),
        }
    }

    pub fn orders_table(&self) -> String {
        format!("{}orders", self.prefix)
    }

    pub fn inventory_table(&self) -> String {
        format!("{}inventory", self.prefix)
    }

    /// The placeholders known before anything is deployed.
    pub fn base_substitutions(&self) -> Substitutions {
        let mut subs = Substitutions::new();
        subs.set("Prefix", &self.prefix)
            .set("AccountId", &self.account_id)
            .set("Region", &self.region)
            .set("SenderEmail", &self.sender_email)
            .set("PaymentSeed", self.payment_seed.to_string())
            .set("PaymentApprovalRate", &self.payment_approval_rate)
            .set("OrdersTable", self.orders_table())
            .set("InventoryTable", self.inventory_table());
        subs
    }
}

/// The deployed stack: what the run phase needs to know.
#[derive(Debug, Clone)]
pub struct Stack {
    pub orders_table: String,
    pub inventory_table: String,
    pub state_machine_arn: String,
    pub orders_url: String,
    pub sender_email: String,
}

impl Stack {
    /// The state machine's name (the last part of its ARN).
    pub fn state_machine_name(&self) -> &str {
        self.state_machine_arn
            .rsplit(':')
            .next()
            .unwrap_or(&self.state_machine_arn)
    }
}

/// Shared by the provisioning steps: clients, settings, the wait bound and the placeholder
/// values known so far.
pub struct Provisioner<'a> {
    pub clients: &'a Clients,
    pub settings: &'a Settings,
    pub timeout: Duration,
    subs: Mutex<Substitutions>,
}

impl Provisioner<'_> {
    /// `app/<file>` with placeholders substituted.
    pub fn read_app_text(&self, file: &str) -> anyhow::Result<String> {
        let path = self.settings.app_dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let subs = self.subs.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        subs.apply(&format!("app/{file}"), &text)
    }

    /// `app/<file>` substituted and parsed.
    pub fn read_app_json<T: DeserializeOwned>(&self, file: &str) -> anyhow::Result<T> {
        let text = self.read_app_text(file)?;
        serde_json::from_str(&text).with_context(|| format!("app/{file} has an unexpected shape"))
    }

    fn learn(&self, name: &str, value: &str) {
        if let Ok(mut subs) = self.subs.lock() {
            subs.set(name, value);
        }
    }
}

/// Deploys the whole application; `timeout` bounds each wait for a resource to be ready.
pub async fn provision(
    clients: &Clients,
    endpoint: &str,
    settings: &Settings,
    timeout: Duration,
) -> anyhow::Result<Stack> {
    let p = Provisioner {
        clients,
        settings,
        timeout,
        subs: Mutex::new(settings.base_substitutions()),
    };
    verify_sender(clients, &settings.sender_email).await?;
    let streams = tables::create_tables(&p).await?;
    let functions = functions::create_functions(&p).await?;
    for (name, arn) in functions::arn_substitutions(&functions) {
        p.learn(&name, &arn);
    }
    functions::create_event_sources(&p, &streams).await?;
    let state_machine_arn = state_machine::create_state_machine(&p).await?;
    p.learn("StateMachineArn", &state_machine_arn);
    rule::create_rule(&p).await?;
    let api = api::create_api(&p, &functions).await?;
    Ok(Stack {
        orders_table: settings.orders_table(),
        inventory_table: settings.inventory_table(),
        state_machine_arn,
        orders_url: api.invoke_url(endpoint, &settings.region, "/orders"),
        sender_email: settings.sender_email.clone(),
    })
}

/// `VerifyEmailIdentity` for the sender unless it is verified already (on AWS each call
/// mails the address a new link).
async fn verify_sender(clients: &Clients, sender: &str) -> anyhow::Result<()> {
    let attributes = clients
        .ses
        .get_identity_verification_attributes()
        .identities(sender)
        .send()
        .await
        .aws_context(|| format!("GetIdentityVerificationAttributes {sender}"))?;
    let verified = attributes
        .verification_attributes()
        .get(sender)
        .is_some_and(|a| a.verification_status().as_str() == "Success");
    if !verified {
        clients
            .ses
            .verify_email_identity()
            .email_address(sender)
            .send()
            .await
            .aws_context(|| "VerifyEmailIdentity")?;
    }
    Ok(())
}

/// Runs `call` until it succeeds, retrying with a bounded back-off (0.5 s doubling to 8 s)
/// while its error contains one of `transient` and `bound` has not passed: what AWS refuses
/// for a while after a change elsewhere (a new IAM role not yet assumable, a throttled
/// delete). Any other error is returned at once.
pub async fn eventually<T, F, Fut>(
    bound: Duration,
    transient: &[&str],
    mut call: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let deadline = Instant::now().checked_add(bound);
    let mut delay = Duration::from_millis(500);
    loop {
        let err = match call().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let text = format!("{err:#}");
        let retry = transient.iter().any(|pattern| text.contains(pattern));
        let left = deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
        });
        if !retry || left.is_zero() {
            return Err(err);
        }
        tracing::info!(%text, ?delay, "retrying what AWS refuses until a change propagates");
        tokio::time::sleep(delay.min(left)).await;
        delay = (delay * 2).min(Duration::from_secs(8));
    }
}

/// Polling every 50 ms until a deadline.
pub struct Poll {
    /// None: further away than an `Instant` can say (`--timeout` near `u64::MAX`).
    deadline: Option<Instant>,
}

impl Poll {
    pub const INTERVAL: Duration = Duration::from_millis(50);

    pub fn new(timeout: Duration) -> Poll {
        Poll {
            deadline: Instant::now().checked_add(timeout),
        }
    }

    /// Sleeps one interval; false once the deadline has passed.
    pub async fn again(&mut self) -> bool {
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return false;
        }
        tokio::time::sleep(Poll::INTERVAL).await;
        true
    }
}
