//! Which of Lambda's function members the emulator honours and which it refuses — none is
//! dropped. CreateFunction, UpdateFunctionConfiguration, UpdateFunctionCode and Invoke read
//! their members from botocore's model (lambda-2015-03-31); `docs/lambda-members.md` has the
//! table of decisions.
//!
//! Honoured here (stored, answered by GetFunctionConfiguration, and where the runtime sees it,
//! passed on): `EphemeralStorage`, `TracingConfig`, `LoggingConfig` (`AWS_LAMBDA_LOG_FORMAT`
//! and `AWS_LAMBDA_LOG_LEVEL` reach the bootstrap), `KMSKeyArn`, `RevisionId` preconditions.
//! Refused with `InvalidParameterValueException` (the shape `esm_config` uses for mappings):
//! what would need something the emulator does not run — VPCs, layers, EFS, container images,
//! S3 code, code signing, dead-letter queues, SnapStart, published versions, capacity
//! providers, durable functions, tenancy, per-invocation log tails, client contexts. Default
//! and empty values of refused members are accepted, as infrastructure tools send them.

use serde_json::{Map, Value, json};

use crate::protocol::AwsError;
use crate::protocol::members::Members;

/// The settings honoured beyond what `config.rs` keeps itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `EphemeralStorage.Size`, MB of `/tmp` (512 to 10,240).
    pub ephemeral_storage: u64,
    /// `TracingConfig.Mode`: `PassThrough` or `Active` (reported; no traces are recorded).
    pub tracing_mode: String,
    /// `KMSKeyArn`: the key the environment would be encrypted with (stored and reported).
    pub kms_key_arn: Option<String>,
    pub logging: Logging,
}

/// `LoggingConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logging {
    /// `Text` or `JSON`.
    pub format: String,
    /// Only with `JSON` (Lambda's default then: `INFO`).
    pub application_level: Option<String>,
    pub system_level: Option<String>,
    /// `None`: Lambda's default, `/aws/lambda/NAME`.
    pub group: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            ephemeral_storage: 512,
            tracing_mode: "PassThrough".to_owned(),
            kms_key_arn: None,
            logging: Logging {
                format: "Text".to_owned(),
                application_level: None,
                system_level: None,
                group: None,
            },
        }
    }
}

const TRACING_MODES: [&str; 2] = ["Active", "PassThrough"];
const LOG_FORMATS: [&str; 2] = ["JSON", "Text"];
const APPLICATION_LOG_LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const SYSTEM_LOG_LEVELS: [&str; 3] = ["DEBUG", "INFO", "WARN"];

/// `InvalidParameterValueException` (400).
pub fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "InvalidParameterValueException", message)
}

/// The refusal of a member the emulator cannot honour.
fn not_emulated(member: &str, what: &str) -> AwsError {
    invalid(format!("{member}: {what} not supported by this emulator"))
}

impl Settings {
    /// Applies the honoured members of CreateFunction or UpdateFunctionConfiguration.
    pub fn apply(&mut self, members: &Members<'_>) -> Result<(), AwsError> {
        if let Some(storage) = members.structure("EphemeralStorage")? {
            let size = storage.u64_in("Size", 512, 10_240)?;
            self.ephemeral_storage = storage.require("Size", size)?;
        }
        if let Some(tracing) = members.structure("TracingConfig")?
            && let Some(mode) = tracing.enumeration("Mode", &TRACING_MODES)?
        {
            self.tracing_mode = mode.to_owned();
        }
        if let Some(key) = kms_key_arn(members, "KMSKeyArn")? {
            self.kms_key_arn = (!key.is_empty()).then(|| key.to_owned());
        }
        if let Some(logging) = members.structure("LoggingConfig")? {
            self.logging.apply(&logging)?;
        }
        Ok(())
    }

    /// The members of FunctionConfiguration these settings answer with.
    pub fn write(&self, function_name: &str, object: &mut Map<String, Value>) {
        object.insert(
            "EphemeralStorage".into(),
            json!({"Size": self.ephemeral_storage}),
        );
        object.insert("TracingConfig".into(), json!({"Mode": self.tracing_mode}));
        if let Some(key) = &self.kms_key_arn {
            object.insert("KMSKeyArn".into(), json!(key));
        }
        object.insert("LoggingConfig".into(), self.logging.to_json(function_name));
    }

    /// What the bootstrap's environment learns of these settings (Lambda's
    /// `AWS_LAMBDA_LOG_FORMAT` and, with JSON logs, `AWS_LAMBDA_LOG_LEVEL`).
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("AWS_LAMBDA_LOG_FORMAT", self.logging.format.clone())];
        if let Some(level) = &self.logging.application_level {
            env.push(("AWS_LAMBDA_LOG_LEVEL", level.clone()));
        }
        env
    }
}

impl Logging {
    fn apply(&mut self, members: &Members<'_>) -> Result<(), AwsError> {
        let format = members.enumeration("LogFormat", &LOG_FORMATS)?;
        let application = members.enumeration("ApplicationLogLevel", &APPLICATION_LOG_LEVELS)?;
        let system = members.enumeration("SystemLogLevel", &SYSTEM_LOG_LEVELS)?;
        let group = members.str_len("LogGroup", 1, 512)?;
        if let Some(group) = group
            && !group
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c))
        {
            return Err(members.constraint(
                "LogGroup",
                group,
                "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
            ));
        }
        let format = format.unwrap_or(&self.format);
        if format == "Text" && (application.is_some() || system.is_some()) {
            return Err(invalid(
                "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel \
                 from your request or change the LogFormat to \"Json\" and try again.",
            ));
        }
        if format == "Text" {
            self.application_level = None;
            self.system_level = None;
        } else {
            let keep = |given: Option<&str>, had: &Option<String>| {
                given
                    .map(str::to_owned)
                    .or_else(|| had.clone())
                    .or(Some("INFO".to_owned()))
            };
            self.application_level = keep(application, &self.application_level);
            self.system_level = keep(system, &self.system_level);
        }
        self.format = format.to_owned();
        if let Some(group) = group {
            self.group = Some(group.to_owned());
        }
        Ok(())
    }

    fn to_json(&self, function_name: &str) -> Value {
        let group = self
            .group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{function_name}"));
        let mut out = json!({"LogFormat": self.format, "LogGroup": group});
        let levels = [
            ("ApplicationLogLevel", &self.application_level),
            ("SystemLogLevel", &self.system_level),
        ];
        for (name, level) in levels {
            if let (Some(level), Some(object)) = (level, out.as_object_mut()) {
                object.insert(name.into(), json!(level));
            }
        }
        out
    }
}

/// A `KMSKeyArn`-shaped member: empty, or `arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*`.
fn kms_key_arn<'a>(members: &Members<'a>, member: &str) -> Result<Option<&'a str>, AwsError> {
    let Some(key) = members.str(member)? else {
        return Ok(None);
    };
    let matches = key.is_empty()
        || super::config::after_arn_partition(key)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(service, _)| {
                !service.is_empty()
                    && service
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
            });
    if matches {
        return Ok(Some(key));
    }
    Err(members.constraint(
        member,
        key,
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()",
    ))
}

/// Which operation's members are being read (they differ a little).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateFunction,
    UpdateFunctionConfiguration,
}

/// Refuses the members of CreateFunction or UpdateFunctionConfiguration the emulator cannot
/// honour; their empty or default values pass.
pub fn refuse_unsupported(members: &Members<'_>, operation: Operation) -> Result<(), AwsError> {
    refuse_vpc(members)?;
    for (member, what) in [
        ("Layers", "layers are"),
        ("FileSystemConfigs", "file systems (EFS) are"),
    ] {
        if members
            .array(member)?
            .is_some_and(|items| !items.is_empty())
        {
            return Err(not_emulated(member, what));
        }
    }
    if let Some(dlq) = members.structure("DeadLetterConfig")?
        && dlq.str("TargetArn")?.is_some_and(|arn| !arn.is_empty())
    {
        return Err(not_emulated(
            "DeadLetterConfig",
            "dead-letter queues (SQS, SNS) are",
        ));
    }
    refuse_image_config(members)?;
    if let Some(snap) = members.structure("SnapStart")?
        && snap.enumeration("ApplyOn", &["PublishedVersions", "None"])? == Some("PublishedVersions")
    {
        return Err(not_emulated(
            "SnapStart",
            "SnapStart (it applies to published versions, which the emulator does not publish) is",
        ));
    }
    refuse_present(members, "CapacityProviderConfig", "capacity providers are")?;
    refuse_present(members, "DurableConfig", "durable functions are")?;
    if operation == Operation::CreateFunction {
        refuse_create_only(members)?;
    }
    Ok(())
}

/// The members only CreateFunction has.
fn refuse_create_only(members: &Members<'_>) -> Result<(), AwsError> {
    if members.enumeration("PackageType", &["Zip", "Image"])? == Some("Image") {
        return Err(not_emulated(
            "PackageType",
            "container image functions (PackageType Image) are",
        ));
    }
    if members
        .str_len("CodeSigningConfigArn", 0, 200)?
        .is_some_and(|arn| !arn.is_empty())
    {
        return Err(not_emulated("CodeSigningConfigArn", "code signing is"));
    }
    if let Some(tenancy) = members.structure("TenancyConfig")? {
        tenancy.enumeration("TenantIsolationMode", &["PER_TENANT"])?;
        if tenancy.has("TenantIsolationMode") {
            return Err(not_emulated("TenancyConfig", "tenant isolation is"));
        }
    }
    refuse_publishing(members)
}

/// `Publish: true` and `PublishTo` (CreateFunction, UpdateFunctionCode): a function has
/// `$LATEST` only (ListVersionsByFunction lists nothing else).
pub fn refuse_publishing(members: &Members<'_>) -> Result<(), AwsError> {
    if members.bool("Publish")? == Some(true) {
        return Err(not_emulated(
            "Publish",
            "publishing versions (a function has $LATEST only) is",
        ));
    }
    if members
        .enumeration("PublishTo", &["LATEST_PUBLISHED"])?
        .is_some()
    {
        return Err(not_emulated(
            "PublishTo",
            "publishing versions (a function has $LATEST only) is",
        ));
    }
    Ok(())
}

/// `VpcConfig` with subnets or security groups (or dual-stack) is refused; empty lists pass.
fn refuse_vpc(members: &Members<'_>) -> Result<(), AwsError> {
    let Some(vpc) = members.structure("VpcConfig")? else {
        return Ok(());
    };
    let subnets = vpc.str_list("SubnetIds")?.unwrap_or_default();
    let groups = vpc.str_list("SecurityGroupIds")?.unwrap_or_default();
    if subnets.len() > 16 {
        let shown = format!("[{}]", subnets.join(", "));
        let bound = "Member must have length less than or equal to 16";
        return Err(vpc.constraint("SubnetIds", &shown, bound));
    }
    if groups.len() > 5 {
        let shown = format!("[{}]", groups.join(", "));
        let bound = "Member must have length less than or equal to 5";
        return Err(vpc.constraint("SecurityGroupIds", &shown, bound));
    }
    let dual_stack = vpc.bool("Ipv6AllowedForDualStack")?.unwrap_or(false);
    if !subnets.is_empty() || !groups.is_empty() || dual_stack {
        return Err(not_emulated("VpcConfig", "VPC networking is"));
    }
    Ok(())
}

/// `ImageConfig` with an entry point, command or working directory is refused.
fn refuse_image_config(members: &Members<'_>) -> Result<(), AwsError> {
    let Some(image) = members.structure("ImageConfig")? else {
        return Ok(());
    };
    let entry = image.str_list("EntryPoint")?.unwrap_or_default();
    let command = image.str_list("Command")?.unwrap_or_default();
    let directory = image.str_len("WorkingDirectory", 0, 1000)?.unwrap_or("");
    if !entry.is_empty() || !command.is_empty() || !directory.is_empty() {
        return Err(not_emulated(
            "ImageConfig",
            "container image functions (ImageConfig) are",
        ));
    }
    Ok(())
}

/// A structure member refused whenever it holds anything.
fn refuse_present(members: &Members<'_>, member: &str, what: &str) -> Result<(), AwsError> {
    if members.object(member)?.is_some_and(|o| !o.is_empty()) {
        return Err(not_emulated(member, what));
    }
    Ok(())
}

/// The code's sources other than `ZipFile` (CreateFunction's `Code`, UpdateFunctionCode's top
/// level): S3 (the emulator runs no S3), container images, a customer key for the zip.
pub fn refuse_code_sources(code: &Members<'_>) -> Result<(), AwsError> {
    code.str_len("S3Bucket", 3, 63)?;
    code.str_len("S3Key", 1, 1024)?;
    code.str_len("S3ObjectVersion", 1, 1024)?;
    for member in ["S3Bucket", "S3Key", "S3ObjectVersion"] {
        if code.has(member) {
            return Err(not_emulated(
                member,
                "code from S3 (the emulator runs no S3) is",
            ));
        }
    }
    if code.str("ImageUri")?.is_some() {
        return Err(not_emulated("ImageUri", "container image functions are"));
    }
    if kms_key_arn(code, "SourceKMSKeyArn")?.is_some_and(|key| !key.is_empty()) {
        return Err(not_emulated(
            "SourceKMSKeyArn",
            "customer managed keys for the code package are",
        ));
    }
    Ok(())
}

/// `RevisionId`: when given, it must be the function's current one (412
/// `PreconditionFailedException`, in Lambda's words).
pub fn check_revision(given: Option<&str>, current: &str) -> Result<(), AwsError> {
    match given {
        Some(given) if given != current => Err(AwsError::new(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the \
             GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

/// Invoke's headers beyond the invocation type: `X-Amz-Log-Type` (`None`; `Tail` needs
/// per-invocation log capture, which the emulator does not do), `X-Amz-Client-Context`,
/// `X-Amz-Tenant-Id` and `X-Amz-Durable-Execution-Name` (refused).
pub fn check_invoke_headers(header: impl Fn(&str) -> Option<String>) -> Result<(), AwsError> {
    match header("x-amz-log-type").as_deref() {
        None | Some("None") => {}
        Some("Tail") => {
            return Err(not_emulated(
                "LogType",
                "Tail (the last 4 KB of the invocation's log; the emulator does not capture a \
                 function's output per invocation) is",
            ));
        }
        Some(other) => {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{other}' at 'logType' failed to satisfy \
                 constraint: Member must satisfy enum value set: [None, Tail]"
            )));
        }
    }
    for (name, member, what) in [
        (
            "x-amz-client-context",
            "ClientContext",
            "client contexts are",
        ),
        ("x-amz-tenant-id", "TenantId", "tenant isolation is"),
        (
            "x-amz-durable-execution-name",
            "DurableExecutionName",
            "durable functions are",
        ),
    ] {
        if header(name).is_some() {
            return Err(not_emulated(member, what));
        }
    }
    Ok(())
}

/// AddPermission's `StatementId` (1–100 of `[a-zA-Z0-9-_]`) and `Action`
/// (`lambda:*`, `lambda:Name` or `*`), when present (their absence is checked by the caller).
fn check_statement(members: &Members<'_>) -> Result<(), AwsError> {
    if let Some(sid) = members.str_len("StatementId", 1, 100)?
        && !sid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        let bound = "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)";
        return Err(members.constraint("StatementId", sid, bound));
    }
    if let Some(action) = members.str("Action")? {
        let valid = action == "*"
            || action.strip_prefix("lambda:").is_some_and(|name| {
                name == "*" || (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()))
            });
        if !valid {
            let bound =
                "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])";
            return Err(members.constraint("Action", action, bound));
        }
    }
    Ok(())
}

/// AddPermission's members after `StatementId`, `Action` and `Principal`, checked against the
/// model, as the statement's `Condition` (the keys AWS writes): `SourceArn`, `SourceAccount`,
/// `PrincipalOrgID`, `EventSourceToken`, `FunctionUrlAuthType`, `InvokedViaFunctionUrl`.
/// The emulator records a resource policy and reports it; it does not evaluate it.
pub fn permission_conditions(members: &Members<'_>) -> Result<Map<String, Value>, AwsError> {
    check_statement(members)?;
    let mut string_equals = Map::new();
    let mut condition = Map::new();
    if let Some(arn) = members.str("SourceArn")? {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(account) = members.str_len("SourceAccount", 0, 12)? {
        if !account.bytes().all(|b| b.is_ascii_digit()) || account.len() != 12 {
            let bound = "Member must satisfy regular expression pattern: \\d{12}";
            return Err(members.constraint("SourceAccount", account, bound));
        }
        string_equals.insert("AWS:SourceAccount".into(), json!(account));
    }
    if let Some(org) = members.str_len("PrincipalOrgID", 12, 34)? {
        let valid = org.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !valid {
            let bound = "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}";
            return Err(members.constraint("PrincipalOrgID", org, bound));
        }
        string_equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(token) = members.str_len("EventSourceToken", 0, 256)? {
        if token.is_empty()
            || !token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            let bound = "Member must satisfy regular expression pattern: [a-zA-Z0-9._\\-]+";
            return Err(members.constraint("EventSourceToken", token, bound));
        }
        string_equals.insert("lambda:EventSourceToken".into(), json!(token));
    }
    if let Some(auth) = members.enumeration("FunctionUrlAuthType", &["NONE", "AWS_IAM"])? {
        string_equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
    }
    if !string_equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(string_equals));
    }
    if let Some(via_url) = members.bool("InvokedViaFunctionUrl")? {
        condition.insert(
            "Bool".into(),
            json!({ "lambda:InvokedViaFunctionUrl": via_url.to_string() }),
        );
    }
    Ok(condition)
}

#[cfg(test)]
#[path = "members_tests.rs"]
mod tests;
