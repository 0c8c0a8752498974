//! Everything under a prefix, found by listing every service the stack uses and filtering by
//! name ([`inventory`]), and deleted in dependency order ([`teardown`]): rules (targets
//! first), REST APIs, event source mappings, state machines (running executions stopped
//! first), functions, tables, SES identities, IAM roles (inline policies deleted and managed
//! ones detached first). What AWS deletes in the background (tables, mappings, state
//! machines) is waited for, bounded; what is still listed afterwards is reported as left.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_sfn::types::ExecutionStatus;

use super::Account;
use crate::run::pages::Pages;
use crate::stack::aws_error::AwsResultExt;

/// How often the lists are read again while AWS deletes in the background.
const LIST_INTERVAL: Duration = Duration::from_secs(2);

/// One resource under the prefix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// `rule`, `rest-api`, `event-source-mapping`, `state-machine`, `function`, `table`,
    /// `ses-identity`, `role` — the deletion order.
    pub kind: Kind,
    /// The name (the id for a REST API and a mapping: they have no unique name).
    pub id: String,
    /// What a person reads: the name, and for an API or a mapping what it belongs to.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Rule,
    RestApi,
    EventSourceMapping,
    StateMachine,
    Function,
    Table,
    SesIdentity,
    Role,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Rule => "rule",
            Kind::RestApi => "rest-api",
            Kind::EventSourceMapping => "event-source-mapping",
            Kind::StateMachine => "state-machine",
            Kind::Function => "function",
            Kind::Table => "table",
            Kind::SesIdentity => "ses-identity",
            Kind::Role => "role",
        }
    }
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.word(), self.label)
    }
}

fn found(kind: Kind, id: impl Into<String>, label: impl Into<String>) -> Found {
    Found {
        kind,
        id: id.into(),
        label: label.into(),
    }
}

/// `rule a, table b, …`
pub fn describe(items: &[Found]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a teardown did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub deleted: Vec<Found>,
    /// Deletions that failed: the resource and why.
    pub failed: Vec<String>,
    /// Still listed after the deletions and the waits.
    pub left: Vec<Found>,
}

/// Every resource of every service the stack uses whose name starts with `prefix`, in
/// deletion order.
pub async fn inventory(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let mut all = Vec::new();
    all.extend(rules(account, prefix).await?);
    all.extend(rest_apis(account, prefix).await?);
    all.extend(mappings(account, prefix).await?);
    all.extend(state_machines(account, prefix).await?);
    all.extend(functions(account, prefix).await?);
    all.extend(tables(account, prefix).await?);
    all.extend(ses_identities(account, prefix).await?);
    all.extend(roles(account, prefix).await?);
    all.sort();
    Ok(all)
}

/// Deletes everything under `prefix` (`on_deleted` sees each as it goes), waits up to
/// `bound` for what AWS deletes in the background, and lists again.
pub async fn teardown(
    account: &Account,
    prefix: &str,
    bound: Duration,
    mut on_deleted: impl FnMut(&Found),
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    for item in inventory(account, prefix).await? {
        match delete(account, &item, bound).await {
            Ok(()) => {
                on_deleted(&item);
                outcome.deleted.push(item);
            }
            Err(err) => outcome.failed.push(format!("{item}: {err:#}")),
        }
    }
    // Wait while what is still listed is only what AWS is deleting in the background.
    let deadline = Instant::now().checked_add(bound);
    loop {
        outcome.left = inventory(account, prefix).await?;
        let deleting = outcome
            .left
            .iter()
            .all(|item| outcome.deleted.contains(item));
        let late = deadline.is_none_or(|deadline| Instant::now() >= deadline);
        if outcome.left.is_empty() || !deleting || late {
            return Ok(outcome);
        }
        tokio::time::sleep(LIST_INTERVAL).await;
    }
}

/// Deletes one resource (and what only it holds).
async fn delete(account: &Account, item: &Found, bound: Duration) -> anyhow::Result<()> {
    let c = &account.clients;
    let id = item.id.as_str();
    match item.kind {
        Kind::Rule => {
            let targets = c
                .events
                .list_targets_by_rule()
                .rule(id)
                .send()
                .await
                .aws_context(|| format!("ListTargetsByRule {id}"))?;
            let ids: Vec<String> = targets
                .targets()
                .iter()
                .map(|t| t.id().to_owned())
                .collect();
            if !ids.is_empty() {
                c.events
                    .remove_targets()
                    .rule(id)
                    .set_ids(Some(ids))
                    .send()
                    .await
                    .aws_context(|| format!("RemoveTargets {id}"))?;
            }
            c.events
                .delete_rule()
                .name(id)
                .send()
                .await
                .aws_context(|| format!("DeleteRule {id}"))?;
        }
        Kind::RestApi => {
            // AWS allows one DeleteRestApi per 30 s per account: retried while throttled.
            crate::stack::eventually(bound, &["TooManyRequests"], || async {
                c.apigateway
                    .delete_rest_api()
                    .rest_api_id(id)
                    .send()
                    .await
                    .aws_context(|| format!("DeleteRestApi {id}"))
            })
            .await?;
        }
        Kind::EventSourceMapping => {
            c.lambda
                .delete_event_source_mapping()
                .uuid(id)
                .send()
                .await
                .aws_context(|| format!("DeleteEventSourceMapping {id}"))?;
        }
        Kind::StateMachine => {
            stop_executions(account, id).await?;
            c.sfn
                .delete_state_machine()
                .state_machine_arn(id)
                .send()
                .await
                .aws_context(|| format!("DeleteStateMachine {id}"))?;
        }
        Kind::Function => {
            c.lambda
                .delete_function()
                .function_name(id)
                .send()
                .await
                .aws_context(|| format!("DeleteFunction {id}"))?;
        }
        Kind::Table => {
            c.dynamodb
                .delete_table()
                .table_name(id)
                .send()
                .await
                .aws_context(|| format!("DeleteTable {id}"))?;
        }
        Kind::SesIdentity => {
            c.ses
                .delete_identity()
                .identity(id)
                .send()
                .await
                .aws_context(|| format!("DeleteIdentity {id}"))?;
        }
        Kind::Role => delete_role(account, id).await?,
    }
    Ok(())
}

async fn stop_executions(account: &Account, machine_arn: &str) -> anyhow::Result<()> {
    let sfn = &account.clients.sfn;
    let mut pages = Pages::new("ListExecutions");
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .list_executions()
            .state_machine_arn(machine_arn)
            .status_filter(ExecutionStatus::Running)
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| format!("ListExecutions {machine_arn}"))?;
        for execution in page.executions() {
            sfn.stop_execution()
                .execution_arn(execution.execution_arn())
                .cause("orderlab teardown")
                .send()
                .await
                .aws_context(|| format!("StopExecution {}", execution.execution_arn()))?;
        }
        match pages.next(
            token.as_ref(),
            page.next_token().map(str::to_owned).as_ref(),
        )? {
            Some(next) => token = Some(next),
            None => return Ok(()),
        }
    }
}

async fn delete_role(account: &Account, name: &str) -> anyhow::Result<()> {
    let iam = &account.iam;
    let inline = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .aws_context(|| format!("ListRolePolicies {name}"))?;
    for policy in inline.policy_names() {
        iam.delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .aws_context(|| format!("DeleteRolePolicy {name} {policy}"))?;
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .aws_context(|| format!("ListAttachedRolePolicies {name}"))?;
    for policy in attached.attached_policies() {
        let arn = policy.policy_arn().unwrap_or_default();
        iam.detach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .aws_context(|| format!("DetachRolePolicy {name} {arn}"))?;
    }
    iam.delete_role()
        .role_name(name)
        .send()
        .await
        .aws_context(|| format!("DeleteRole {name}"))?;
    Ok(())
}

async fn rules(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let events = &account.clients.events;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListRules");
    let mut token: Option<String> = None;
    loop {
        let page = events
            .list_rules()
            .name_prefix(prefix)
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| "ListRules")?;
        for rule in page.rules() {
            let name = rule.name().unwrap_or_default();
            if name.starts_with(prefix) {
                out.push(found(Kind::Rule, name, name));
            }
        }
        match pages.next(
            token.as_ref(),
            page.next_token().map(str::to_owned).as_ref(),
        )? {
            Some(next) => token = Some(next),
            None => return Ok(out),
        }
    }
}

async fn rest_apis(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let gateway = &account.clients.apigateway;
    let mut out = Vec::new();
    let mut pages = Pages::new("GetRestApis");
    let mut position: Option<String> = None;
    loop {
        let page = gateway
            .get_rest_apis()
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
            .aws_context(|| "GetRestApis")?;
        for api in page.items() {
            let name = api.name().unwrap_or_default();
            if name.starts_with(prefix) {
                let id = api.id().unwrap_or_default();
                out.push(found(Kind::RestApi, id, format!("{name} ({id})")));
            }
        }
        match pages.next(
            position.as_ref(),
            page.position().map(str::to_owned).as_ref(),
        )? {
            Some(next) => position = Some(next),
            None => return Ok(out),
        }
    }
}

/// Mappings whose function is under the prefix (a mapping has no name of its own).
async fn mappings(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let lambda = &account.clients.lambda;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListEventSourceMappings");
    let mut marker: Option<String> = None;
    loop {
        let page = lambda
            .list_event_source_mappings()
            .set_marker(marker.clone())
            .send()
            .await
            .aws_context(|| "ListEventSourceMappings")?;
        for mapping in page.event_source_mappings() {
            let function = mapping
                .function_arn()
                .and_then(|arn| arn.split(":function:").nth(1))
                .and_then(|rest| rest.split(':').next())
                .unwrap_or_default();
            if function.starts_with(prefix) {
                let uuid = mapping.uuid().unwrap_or_default();
                out.push(found(
                    Kind::EventSourceMapping,
                    uuid,
                    format!("{uuid} (→ {function})"),
                ));
            }
        }
        match pages.next(
            marker.as_ref(),
            page.next_marker().map(str::to_owned).as_ref(),
        )? {
            Some(next) => marker = Some(next),
            None => return Ok(out),
        }
    }
}

async fn state_machines(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let sfn = &account.clients.sfn;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListStateMachines");
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .list_state_machines()
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| "ListStateMachines")?;
        for machine in page.state_machines() {
            if machine.name().starts_with(prefix) {
                let arn = machine.state_machine_arn();
                out.push(found(Kind::StateMachine, arn, machine.name()));
            }
        }
        match pages.next(
            token.as_ref(),
            page.next_token().map(str::to_owned).as_ref(),
        )? {
            Some(next) => token = Some(next),
            None => return Ok(out),
        }
    }
}

async fn functions(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let lambda = &account.clients.lambda;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListFunctions");
    let mut marker: Option<String> = None;
    loop {
        let page = lambda
            .list_functions()
            .set_marker(marker.clone())
            .send()
            .await
            .aws_context(|| "ListFunctions")?;
        for function in page.functions() {
            let name = function.function_name().unwrap_or_default();
            if name.starts_with(prefix) {
                out.push(found(Kind::Function, name, name));
            }
        }
        match pages.next(
            marker.as_ref(),
            page.next_marker().map(str::to_owned).as_ref(),
        )? {
            Some(next) => marker = Some(next),
            None => return Ok(out),
        }
    }
}

async fn tables(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let dynamodb = &account.clients.dynamodb;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListTables");
    let mut start: Option<String> = None;
    loop {
        let page = dynamodb
            .list_tables()
            .set_exclusive_start_table_name(start.clone())
            .send()
            .await
            .aws_context(|| "ListTables")?;
        for name in page.table_names() {
            if name.starts_with(prefix) {
                out.push(found(Kind::Table, name, name));
            }
        }
        let next = page.last_evaluated_table_name().map(str::to_owned);
        match pages.next(start.as_ref(), next.as_ref())? {
            Some(next) => start = Some(next),
            None => return Ok(out),
        }
    }
}

/// SES identities (addresses or domains) starting with the prefix, case-insensitively.
async fn ses_identities(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let ses = &account.clients.ses;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListIdentities");
    let mut token: Option<String> = None;
    let lower = prefix.to_ascii_lowercase();
    loop {
        let page = ses
            .list_identities()
            .set_next_token(token.clone())
            .send()
            .await
            .aws_context(|| "ListIdentities")?;
        for identity in page.identities() {
            if identity.to_ascii_lowercase().starts_with(&lower) {
                out.push(found(Kind::SesIdentity, identity, identity));
            }
        }
        match pages.next(
            token.as_ref(),
            page.next_token().map(str::to_owned).as_ref(),
        )? {
            Some(next) => token = Some(next),
            None => return Ok(out),
        }
    }
}

async fn roles(account: &Account, prefix: &str) -> anyhow::Result<Vec<Found>> {
    let iam = &account.iam;
    let mut out = Vec::new();
    let mut pages = Pages::new("ListRoles");
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_roles()
            .set_marker(marker.clone())
            .send()
            .await
            .aws_context(|| "ListRoles")?;
        for role in page.roles() {
            if role.role_name().starts_with(prefix) {
                out.push(found(Kind::Role, role.role_name(), role.role_name()));
            }
        }
        let next = page
            .marker()
            .map(str::to_owned)
            .filter(|_| page.is_truncated());
        match pages
            .next(marker.as_ref(), next.as_ref())
            .context("ListRoles")?
        {
            Some(next) => marker = Some(next),
            None => return Ok(out),
        }
    }
}
