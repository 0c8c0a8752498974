//! `orderlab emulate`: the embedded emulator served on its own, as a drop-in local endpoint
//! for the AWS CLI, SDKs and Terraform — its flags ([`EmulateArgs`]) and [`run`], which serves
//! until SIGINT or SIGTERM and shuts down within [`STOP_BOUND`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::output::{error_line, is_closed_pipe, write_out};
use crate::run::STOP_BOUND;
use crate::stop::Stop;

/// Exit codes, as the rest of the command line uses them.
const PASSED: u8 = 0;
const ERROR: u8 = 2;

/// The flags of `orderlab emulate`.
#[derive(clap::Args)]
pub struct EmulateArgs {
    /// Port to listen on; 0 picks a free one (the first line printed names it).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Also accept requests whose `Host` header names HOST (repeatable; loopback names are
    /// always accepted).
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Also accept requests sent by a web page from ORIGIN, e.g. `http://localhost:3000`
    /// (repeatable; requests with another `Origin` header are refused).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// A Step Functions Local MockConfigFile to load at start: `StartExecution` with
    /// `stateMachineArn` = `<arn>#<TestCase>` runs that test case's mocks.
    #[arg(long, value_name = "FILE", env = "SFN_MOCK_CONFIG")]
    pub mock_config: Option<PathBuf>,
    /// The 12-digit account id every ARN of every service names (Step Functions Local uses
    /// 123456789012).
    #[arg(long, value_name = "ID", env = "ORDERLAB_ACCOUNT_ID", default_value = "000000000000",
          value_parser = parse_account_id)]
    pub account_id: String,
    /// AWS-strict mode, a test aid: roles must exist and trust the service before
    /// CreateFunction, CreateStateMachine and PutTargets use them, and created names must
    /// start with `--strict-prefix`.
    #[arg(long)]
    pub strict_aws: bool,
    /// With `--strict-aws`: the prefix every created name must start with.
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "orderlab-",
        requires = "strict_aws"
    )]
    pub strict_prefix: String,
}

/// An AWS account id: exactly 12 digits.
fn parse_account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not an account id (12 digits)"))
    }
}

/// Reads and parses the MockConfigFile; errors name the file (and the line and column of
/// a JSON syntax error).
fn read_mock_config(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|err| format!("{shown}: cannot read: {err}"))?;
    serde_json::from_str(&text).map_err(|err| {
        format!(
            "{shown}:{}:{}: not a JSON MockConfigFile: {err}",
            err.line(),
            err.column()
        )
    })
}

/// Serves the emulator until SIGINT or SIGTERM (or until stdout is closed before the banner
/// is read), then shuts it down within [`STOP_BOUND`].
pub async fn run(args: EmulateArgs, stop: Stop) -> u8 {
    let bind = SocketAddr::new(args.host, args.port);
    let sfn_mock_config = match args.mock_config.as_deref().map(read_mock_config) {
        Some(Err(message)) => {
            error_line(&format!("error: {message}"));
            return ERROR;
        }
        Some(Ok(document)) => Some(document),
        None => None,
    };
    let config = orderlab_emulator::Config {
        bind,
        allow_hosts: args.allow_hosts,
        allow_origins: args.allow_origins,
        account_id: args.account_id,
        sfn_mock_config,
        strict_aws: args.strict_aws.then(|| orderlab_emulator::StrictAws {
            prefix: args.strict_prefix.clone(),
        }),
        ..orderlab_emulator::Config::default()
    };
    let emulator = match orderlab_emulator::Emulator::start(config).await {
        Ok(emulator) => emulator,
        Err(err)
            if err.kind() == std::io::ErrorKind::InvalidInput && args.mock_config.is_some() =>
        {
            let file = args.mock_config.unwrap_or_default();
            error_line(&format!("error: {}: {err}", file.display()));
            return ERROR;
        }
        Err(err) => {
            error_line(&format!("error: cannot listen on {bind}: {err}"));
            return ERROR;
        }
    };
    let _trim = crate::trim::start();
    let endpoint = emulator.endpoint();
    // One write, so that a reader taking only the first line (`| head -1`) still gets it all.
    let banner = format!(
        "orderlab emulator listening on {endpoint}\n  \
         export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1\n  \
         aws --endpoint-url {endpoint} dynamodb list-tables\n\
         Ctrl-C (or SIGTERM) to stop\n"
    );
    let code = match write_out(&banner) {
        Ok(()) => stop.requested().await.exit_code(),
        Err(err) if is_closed_pipe(&err) => PASSED,
        Err(err) => {
            error_line(&format!("error: cannot write to stdout: {err}"));
            ERROR
        }
    };
    if tokio::time::timeout(STOP_BOUND, emulator.shutdown())
        .await
        .is_err()
    {
        error_line(&format!(
            "orderlab: the emulator did not shut down within {} s",
            STOP_BOUND.as_secs_f64()
        ));
    }
    code
}
