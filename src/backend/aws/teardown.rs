//! `orderlab teardown --prefix P [--backend aws|endpoint=URL]`: deletes whatever a run left
//! under P in every service the stack uses ([`super::sweep`]), printing a line per resource
//! deleted; exit 0 when nothing under P is left, 1 when something is, 2 when the account
//! cannot be reached or the prefix is too broad to be a run's.

use std::time::Duration;

use crate::backend::BackendKind;
use crate::output::{error_line, write_out};
use crate::stack::Clients;

use super::{Account, AwsArgs, sweep};

/// `orderlab teardown`'s flags.
#[derive(clap::Args, Debug, Clone)]
pub struct TeardownArgs {
    /// Delete every resource whose name starts with PREFIX (a run's, e.g. `orderlab-1a2b3c4d-`:
    /// at least 5 characters, ending with `-`).
    #[arg(long, value_parser = parse_prefix)]
    pub prefix: String,
    /// Where the leftovers are: `aws` (the default credential chain and region) or
    /// `endpoint=<URL>` (LocalStack, `orderlab emulate`).
    #[arg(long, default_value = "aws")]
    pub backend: BackendKind,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Bound, in seconds, on the wait for what AWS deletes in the background.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// A prefix narrow enough to be one run's: at least 5 characters of letters, digits, `-`,
/// `_` and `.`, ending with `-`.
pub fn parse_prefix(text: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if text.len() >= 5 && text.ends_with('-') && text.chars().all(allowed) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a run prefix (at least 5 letters, digits, `-`, `_` or `.`, ending \
             with `-`, e.g. orderlab-1a2b3c4d-)"
        ))
    }
}

/// Runs the command; the exit code.
pub async fn command(args: TeardownArgs) -> u8 {
    let account = match account(&args).await {
        Ok(account) => account,
        Err(err) => {
            error_line(&format!("error: {err:#}"));
            return 2;
        }
    };
    let bound = Duration::from_secs(args.timeout);
    let printed = |item: &sweep::Found| {
        let _ = write_out(&format!("deleted {item}\n"));
    };
    match sweep::teardown(&account, &args.prefix, bound, printed).await {
        Ok(outcome) => {
            for failure in &outcome.failed {
                error_line(&format!("error: {failure}"));
            }
            if outcome.left.is_empty() {
                let _ = write_out(&format!(
                    "nothing left under {} ({} deleted)\n",
                    args.prefix,
                    outcome.deleted.len()
                ));
                0
            } else {
                error_line(&format!(
                    "left under {}: {}",
                    args.prefix,
                    sweep::describe(&outcome.left)
                ));
                1
            }
        }
        Err(err) => {
            error_line(&format!("error: {err:#}"));
            2
        }
    }
}

async fn account(args: &TeardownArgs) -> anyhow::Result<Account> {
    match &args.backend {
        BackendKind::Aws(_) => {
            let config = super::sdk_config(args.aws.aws_endpoint_url.as_deref()).await?;
            Ok(Account::new(&config))
        }
        BackendKind::Endpoint(url) => {
            let config = crate::stack::sdk_config(url, "us-east-1").await;
            Ok(Account {
                clients: Clients::from_config(&config),
                iam: aws_sdk_iam::Client::new(&config),
                sts: aws_sdk_sts::Client::new(&config),
                region: "us-east-1".to_owned(),
            })
        }
        other => anyhow::bail!(
            "nothing outlives a run on the {other} backend: teardown takes --backend aws or \
             --backend endpoint=<URL>"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_must_be_a_runs() {
        assert!(parse_prefix("orderlab-t1-").is_ok());
        assert!(parse_prefix("alex-").is_ok());
        for broad in ["", "a", "a-", "orderlab", "x y-", "*-abc-"] {
            assert!(parse_prefix(broad).is_err(), "{broad:?}");
        }
    }
}
