//! The IAM roles app/ names, created before anything uses them: the functions' role
//! (`${Prefix}lambda-role` in functions.json: trusts `lambda.amazonaws.com`; the two tables,
//! the orders stream, `events:PutEvents`, SES sending, its log groups), the state machine's
//! (`${Prefix}states-role` in state-machine.json: trusts `states.amazonaws.com`;
//! `lambda:InvokeFunction` on the run's functions, `dynamodb:UpdateItem` for the service
//! integrations) and the rule target's (`${Prefix}events-role` in rule.json: trusts
//! `events.amazonaws.com`; `states:StartExecution` on the run's state machines). Each
//! permission is scoped to the run prefix. And the SES sender, verified before the run.

use std::time::Duration;

use anyhow::bail;
use serde_json::{Value, json};

use super::Account;
use crate::stack::aws_error::AwsResultExt;
use crate::stack::{Clients, Poll, Settings};

/// The name of each inline policy the run puts on its roles.
pub const POLICY_NAME: &str = "orderlab-run";

/// One role: its name, the service that assumes it, its permissions.
pub struct RoleSpec {
    pub name: String,
    pub service: &'static str,
    pub statements: Vec<Value>,
}

/// The three roles for `settings` (its prefix, region and account).
pub fn role_specs(settings: &Settings) -> Vec<RoleSpec> {
    let (region, account, prefix) = (&settings.region, &settings.account_id, &settings.prefix);
    let tables = format!("arn:aws:dynamodb:{region}:{account}:table/{prefix}*");
    let functions = format!("arn:aws:lambda:{region}:{account}:function:{prefix}*");
    let machines = format!("arn:aws:states:{region}:{account}:stateMachine:{prefix}*");
    let logs = format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{prefix}*");
    vec![
        RoleSpec {
            name: format!("{prefix}lambda-role"),
            service: "lambda.amazonaws.com",
            statements: vec![
                allow(
                    &[
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:ConditionCheckItem",
                        "dynamodb:Query",
                        "dynamodb:Scan",
                        "dynamodb:BatchGetItem",
                        "dynamodb:BatchWriteItem",
                    ],
                    json!([tables.clone()]),
                ),
                allow(
                    &[
                        "dynamodb:DescribeStream",
                        "dynamodb:GetRecords",
                        "dynamodb:GetShardIterator",
                        "dynamodb:ListStreams",
                    ],
                    json!([format!("{tables}/stream/*")]),
                ),
                allow(
                    &["events:PutEvents"],
                    json!([format!(
                        "arn:aws:events:{region}:{account}:event-bus/default"
                    )]),
                ),
                allow(&["ses:SendEmail", "ses:SendRawEmail"], json!("*")),
                allow(
                    &[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ],
                    json!([logs.clone(), format!("{logs}:*")]),
                ),
            ],
        },
        RoleSpec {
            name: format!("{prefix}states-role"),
            service: "states.amazonaws.com",
            statements: vec![
                allow(
                    &["lambda:InvokeFunction"],
                    json!([functions.clone(), format!("{functions}:*")]),
                ),
                allow(
                    &["dynamodb:UpdateItem", "dynamodb:GetItem"],
                    json!([tables]),
                ),
            ],
        },
        RoleSpec {
            name: format!("{prefix}events-role"),
            service: "events.amazonaws.com",
            statements: vec![allow(&["states:StartExecution"], json!([machines]))],
        },
    ]
}

fn allow(actions: &[&str], resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resource})
}

/// The trust policy letting `service` assume a role.
pub fn trust_policy(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// Creates every role (described `orderlab run <prefix>`) with its inline policy.
pub async fn create_roles(account: &Account, settings: &Settings) -> anyhow::Result<()> {
    for spec in role_specs(settings) {
        account
            .iam
            .create_role()
            .role_name(&spec.name)
            .assume_role_policy_document(trust_policy(spec.service))
            .description(format!("orderlab run {}", settings.prefix))
            .send()
            .await
            .aws_context(|| format!("CreateRole {}", spec.name))?;
        let document = json!({"Version": "2012-10-17", "Statement": spec.statements});
        account
            .iam
            .put_role_policy()
            .role_name(&spec.name)
            .policy_name(POLICY_NAME)
            .policy_document(document.to_string())
            .send()
            .await
            .aws_context(|| format!("PutRolePolicy {}", spec.name))?;
    }
    Ok(())
}

/// Whether SES can send from `sender`: verified already, or verified within `timeout` after
/// `VerifyEmailIdentity` (AWS mails a link to the address; the SES sandbox also needs every
/// recipient verified).
pub async fn sender_verified(
    clients: &Clients,
    sender: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut poll = Poll::new(timeout);
    let mut asked = false;
    loop {
        let status = verification_status(clients, sender).await?;
        match status.as_deref() {
            Some("Success") => return Ok(()),
            None | Some("Failed") | Some("TemporaryFailure") if !asked => {
                clients
                    .ses
                    .verify_email_identity()
                    .email_address(sender)
                    .send()
                    .await
                    .aws_context(|| format!("VerifyEmailIdentity {sender}"))?;
                asked = true;
                continue;
            }
            _ => {}
        }
        if !poll.again().await {
            bail!(
                "the SES identity {sender} is not verified (status {status:?}) after {} s: open \
                 the link AWS mailed to it, or set ORDERLAB_SENDER_EMAIL to an address verified \
                 in this region (in the SES sandbox every recipient must be verified too)",
                timeout.as_secs()
            );
        }
    }
}

async fn verification_status(clients: &Clients, sender: &str) -> anyhow::Result<Option<String>> {
    let answer = clients
        .ses
        .get_identity_verification_attributes()
        .identities(sender)
        .send()
        .await
        .aws_context(|| format!("GetIdentityVerificationAttributes {sender}"))?;
    Ok(answer
        .verification_attributes()
        .get(sender)
        .map(|attributes| attributes.verification_status().as_str().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_named_as_app_names_them_and_scoped_to_the_prefix() {
        let mut settings = Settings::new(std::path::Path::new("app"), 1);
        settings.prefix = "orderlab-t1-".to_owned();
        settings.account_id = "123456789012".to_owned();
        let specs = role_specs(&settings);
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "orderlab-t1-lambda-role",
                "orderlab-t1-states-role",
                "orderlab-t1-events-role"
            ]
        );
        let events = json!(specs[2].statements).to_string();
        assert!(
            events.contains("arn:aws:states:us-east-1:123456789012:stateMachine:orderlab-t1-*"),
            "{events}"
        );
        let trust: Value = serde_json::from_str(&trust_policy("lambda.amazonaws.com")).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
    }

    #[test]
    fn app_names_exactly_these_roles() {
        let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("app");
        let mut settings = Settings::new(&app, 1);
        settings.prefix = "orderlab-t1-".to_owned();
        let mut subs = settings.base_substitutions();
        subs.set(
            "StateMachineArn",
            "arn:aws:states:us-east-1:0:stateMachine:x",
        );
        let read = |file: &str| -> Value {
            let text = std::fs::read_to_string(app.join(file)).unwrap();
            serde_json::from_str(&subs.apply(file, &text).unwrap()).unwrap()
        };
        let mut named: Vec<String> = read("functions.json")
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["Role"].as_str().unwrap().to_owned())
            .collect();
        named.push(
            read("state-machine.json")["RoleArn"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        for target in read("rule.json")["Targets"].as_array().unwrap() {
            named.push(target["RoleArn"].as_str().unwrap().to_owned());
        }
        named.sort();
        named.dedup();
        let mut created: Vec<String> = role_specs(&settings)
            .iter()
            .map(|spec| format!("arn:aws:iam::000000000000:role/{}", spec.name))
            .collect();
        created.sort();
        assert_eq!(named, created);
    }
}
