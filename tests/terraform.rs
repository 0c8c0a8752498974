//! examples/terraform against a fresh emulator: `terraform init` from the local provider
//! mirror, `apply`, `plan -detailed-exitcode` (no changes), one order through the
//! Terraform-built stack to COMPLETED, then `destroy`, after which no resource is left.
//!
//! Needs the `terraform` CLI on PATH and the hashicorp/aws 5.100.0 provider in a filesystem
//! mirror (`ORDERLAB_TF_PLUGIN_DIR`, default `/opt/tf-plugins`); without them the test prints
//! why and passes without running. Terraform runs in a temporary copy of the configuration
//! with its CLI config, data dir and state there, with checkpoint calls off: it talks only to
//! the emulator on loopback. Every step is bounded; a Terraform process still running when a
//! step times out (or the test fails) is killed. Real time: the Lambdas run as processes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use orderlab::stack::Clients;
use serde_json::{Value, json};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");
const PROVIDER: &str = "registry.terraform.io/hashicorp/aws/5.100.0";

/// The mirror directory, or why the test cannot run.
fn prerequisites() -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join("terraform").is_file()))
        .unwrap_or(false);
    if !on_path {
        return Err("no `terraform` on PATH".into());
    }
    let mirror = std::env::var_os("ORDERLAB_TF_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    if !mirror.join(PROVIDER).is_dir() {
        return Err(format!(
            "no {PROVIDER} in the provider mirror {} (set ORDERLAB_TF_PLUGIN_DIR)",
            mirror.display()
        ));
    }
    Ok(mirror)
}

/// A Terraform working directory: the configuration copied into a temp dir, with the CLI
/// configuration (filesystem mirror only) and data dir beside it.
struct Workspace {
    dir: tempfile::TempDir,
    vars: Vec<String>,
}

impl Workspace {
    fn new(mirror: &Path, endpoint: &str, zips: &Path) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir(&config).unwrap();
        let example = Path::new(PROJECT).join("examples/terraform");
        for entry in std::fs::read_dir(&example).unwrap().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".tf") || name == ".terraform.lock.hcl" {
                std::fs::copy(entry.path(), config.join(&*name)).unwrap();
            }
        }
        let cli = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = {:?}\n    include = \
             [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = \
             [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
            mirror.display().to_string()
        );
        std::fs::write(dir.path().join("cli.tfrc"), cli).unwrap();
        let vars = vec![
            format!("endpoint={endpoint}"),
            format!("lambda_zip_dir={}", zips.display()),
            format!("app_dir={}", Path::new(PROJECT).join("app").display()),
        ];
        Workspace { dir, vars }
    }

    /// Runs `terraform ARGS` (plus `-var`s for plan/apply/destroy) within `limit`; the exit
    /// code and the output.
    async fn terraform(&self, args: &[&str], limit: Duration) -> (i32, String) {
        let mut command = tokio::process::Command::new("terraform");
        command
            .current_dir(self.dir.path().join("config"))
            .args(args)
            .arg("-no-color")
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("TF_DATA_DIR", self.dir.path().join("data"))
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("TF_LOG")
            .kill_on_drop(true);
        if args[0] != "output" {
            command.arg("-input=false");
        }
        if args[0] != "init" && args[0] != "output" {
            for var in &self.vars {
                command.arg(format!("-var={var}"));
            }
        }
        let started = Instant::now();
        let output = tokio::time::timeout(limit, command.output())
            .await
            .unwrap_or_else(|_| panic!("terraform {args:?} still running after {limit:?}"))
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("terraform {} took {:?}", args[0], started.elapsed());
        (output.status.code().unwrap_or(-1), text)
    }

    async fn must(&self, args: &[&str], limit: Duration) -> String {
        let (code, text) = self.terraform(args, limit).await;
        assert_eq!(code, 0, "terraform {args:?} failed:\n{text}");
        text
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terraform_builds_runs_and_destroys_the_stack() {
    let mirror = match prerequisites() {
        Ok(mirror) => mirror,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let zips = tempfile::tempdir().unwrap();
    let app_dir = Path::new(PROJECT).join("app");
    let written = tokio::task::spawn_blocking({
        let out = zips.path().to_owned();
        move || orderlab::stack::artifacts::write_zips(&app_dir, &out)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(written.len(), 6, "{written:?}");

    let emulator = orderlab_emulator::Emulator::start(orderlab_emulator::Config::default())
        .await
        .unwrap();
    let endpoint = emulator.endpoint();
    let work = Workspace::new(&mirror, &endpoint, zips.path());
    let minutes = |n: u64| Duration::from_secs(60 * n);

    work.must(&["init", "-lockfile=readonly"], minutes(2)).await;
    work.must(&["apply", "-auto-approve"], minutes(5)).await;
    let (code, plan) = work
        .terraform(&["plan", "-detailed-exitcode"], minutes(2))
        .await;
    assert_eq!(code, 0, "the plan after apply is not empty:\n{plan}");

    let outputs: Value = serde_json::from_str(&work.must(&["output", "-json"], minutes(1)).await)
        .expect("terraform output -json");
    let clients = Clients::new(&endpoint, "us-east-1").await;
    order_completes(&clients, &outputs).await;

    work.must(&["destroy", "-auto-approve"], minutes(5)).await;
    nothing_left(&clients, &endpoint).await;
    emulator.shutdown().await;
}

fn output<'a>(outputs: &'a Value, name: &str) -> &'a str {
    outputs[name]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no output {name}: {outputs}"))
}

/// Stocks one item, posts one order to the stage URL and waits (60 s at most) until the
/// order is COMPLETED and its execution SUCCEEDED.
async fn order_completes(clients: &Clients, outputs: &Value) {
    clients
        .dynamodb
        .put_item()
        .table_name(output(outputs, "inventory_table"))
        .item("item_id", AttributeValue::S("keyboard".into()))
        .item("name", AttributeValue::S("Mechanical keyboard".into()))
        .item("price", AttributeValue::N("120.50".into()))
        .item("stock", AttributeValue::N("10".into()))
        .send()
        .await
        .unwrap();
    let body = json!({
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "items": [{"item_id": "keyboard", "quantity": 1}],
        "payment_token": "tok_approve",
    });
    let response = reqwest::Client::new()
        .post(output(outputs, "orders_url"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    let order_id = accepted["order_id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(60);
    let machine = output(outputs, "state_machine_arn");
    loop {
        let item = clients
            .dynamodb
            .get_item()
            .table_name(output(outputs, "orders_table"))
            .key("order_id", AttributeValue::S(order_id.clone()))
            .send()
            .await
            .unwrap();
        let status = item
            .item()
            .and_then(|item| item.get("status"))
            .and_then(|status| status.as_s().ok())
            .cloned();
        let executions = clients
            .sfn
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
            .unwrap();
        let statuses: Vec<String> = executions
            .executions()
            .iter()
            .map(|e| e.status().as_str().to_owned())
            .collect();
        if status.as_deref() == Some("COMPLETED") && statuses == ["SUCCEEDED"] {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "order {order_id} is {status:?}, executions {statuses:?} after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A query-protocol call (IAM) with a SigV4-shaped Authorization header (the emulator checks
/// its shape, not the signature).
async fn query(endpoint: &str, service: &str, body: &str) -> String {
    reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, \
                 SignedHeaders=host, Signature=0"
            ),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// After destroy: no table, function, mapping, state machine, rule, API, identity, role or
/// customer managed policy.
async fn nothing_left(clients: &Clients, endpoint: &str) {
    let tables = clients.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), [] as [String; 0]);
    let functions = clients.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty(), "{functions:?}");
    let mappings = clients
        .lambda
        .list_event_source_mappings()
        .send()
        .await
        .unwrap();
    assert!(mappings.event_source_mappings().is_empty(), "{mappings:?}");
    let machines = clients.sfn.list_state_machines().send().await.unwrap();
    assert!(machines.state_machines().is_empty(), "{machines:?}");
    let rules = clients.events.list_rules().send().await.unwrap();
    assert!(rules.rules().is_empty(), "{rules:?}");
    let apis = clients.apigateway.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty(), "{apis:?}");
    let identities = clients.ses.list_identities().send().await.unwrap();
    assert!(identities.identities().is_empty(), "{identities:?}");

    let roles = query(endpoint, "iam", "Action=ListRoles&Version=2010-05-08").await;
    assert!(roles.contains("<Roles></Roles>"), "{roles}");
    let policies = query(
        endpoint,
        "iam",
        "Action=ListPolicies&Scope=Local&Version=2010-05-08",
    )
    .await;
    assert!(policies.contains("<Policies></Policies>"), "{policies}");
    let caller = query(
        endpoint,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert!(
        caller.contains("<Account>000000000000</Account>"),
        "{caller}"
    );
}
