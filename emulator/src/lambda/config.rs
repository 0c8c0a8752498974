//! A function's configuration as Lambda reports it (FunctionConfiguration), how CreateFunction
//! and UpdateFunctionConfiguration input is validated into it, and how a function reference
//! (name, partial ARN, full ARN, with or without qualifier) resolves to a name.

use std::time::SystemTime;

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::Context;
use crate::protocol::AwsError;
use crate::protocol::members::{Dialect, Members};

use super::members::{self, Operation, Settings};

#[derive(Debug, Clone)]
pub struct FunctionConfig {
    pub name: String,
    pub arn: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub timeout: u64,
    pub memory_size: u64,
    pub environment: Option<IndexMap<String, String>>,
    pub architectures: Vec<String>,
    pub code_size: u64,
    pub code_sha256: String,
    pub last_modified: String,
    pub revision_id: String,
    /// The other honoured members ([`members`]).
    pub settings: Settings,
}

impl FunctionConfig {
    /// Validates CreateFunction's input (the code is handled separately).
    pub fn from_create(ctx: &Context, input: &Value) -> Result<FunctionConfig, AwsError> {
        let members = Members::with(input, Dialect::Lambda);
        let name = members.required_str("FunctionName")?;
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \
                 (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?\
                 (function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
            )));
        }
        let role = members.required_str("Role")?;
        let architectures = architectures(&members)?.unwrap_or_else(|| vec!["x86_64".to_owned()]);
        let mut config = FunctionConfig {
            arn: ctx.arn("lambda", &format!("function:{name}")),
            name: name.to_owned(),
            runtime: members
                .str("Runtime")?
                .unwrap_or("provided.al2023")
                .to_owned(),
            role: role.to_owned(),
            handler: String::new(),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            architectures,
            code_size: 0,
            code_sha256: String::new(),
            last_modified: String::new(),
            revision_id: String::new(),
            settings: Settings::default(),
        };
        config.apply(&members, Operation::CreateFunction)?;
        config.touch(ctx);
        Ok(config)
    }

    /// Applies the fields UpdateFunctionConfiguration may set.
    pub fn apply_update(&mut self, input: &Value) -> Result<(), AwsError> {
        let members = Members::with(input, Dialect::Lambda);
        self.apply(&members, Operation::UpdateFunctionConfiguration)
    }

    /// Applies the fields `operation` may set, after refusing what the emulator cannot honour.
    fn apply(&mut self, members: &Members<'_>, operation: Operation) -> Result<(), AwsError> {
        if let Some(timeout) = members.u64_in("Timeout", 1, 900)? {
            self.timeout = timeout;
        }
        if let Some(memory) = members.u64_in("MemorySize", 128, 10240)? {
            self.memory_size = memory;
        }
        if let Some(env) = members.structure("Environment")? {
            self.environment = Some(parse_environment(&env)?);
        }
        // Lengths from Lambda's API model (botocore lambda-2015-03-31: Handler max 128,
        // Description max 256); `_HANDLER` reaches the bootstrap's environment.
        if let Some(handler) = members.str_len("Handler", 0, 128)? {
            if handler.chars().any(char::is_whitespace) {
                let bound = "Member must satisfy regular expression pattern: [^\\s]+";
                return Err(members.constraint("Handler", handler, bound));
            }
            self.handler = handler.to_owned();
        }
        if let Some(description) = members.str_len("Description", 0, 256)? {
            self.description = description.to_owned();
        }
        if let Some(role) = members.str("Role")? {
            check_role(members, role)?;
            self.role = role.to_owned();
        }
        if let Some(runtime) = members.enumeration("Runtime", &RUNTIMES)? {
            self.runtime = runtime.to_owned();
        }
        members::refuse_unsupported(members, operation)?;
        self.settings.apply(members)
    }

    /// Marks a change: new LastModified and RevisionId.
    pub fn touch(&mut self, ctx: &Context) {
        self.last_modified = last_modified(ctx.clock.now());
        self.revision_id = ctx.ids.uuid().to_string();
    }

    /// The FunctionConfiguration shape.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "FunctionName": self.name,
            "FunctionArn": self.arn,
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "LastModified": self.last_modified,
            "CodeSha256": self.code_sha256,
            "Version": "$LATEST",
            "RevisionId": self.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": self.architectures,
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        });
        if let Some(object) = out.as_object_mut() {
            self.settings.write(&self.name, object);
            if let Some(env) = &self.environment {
                object.insert("Environment".into(), json!({ "Variables": env }));
            }
        }
        out
    }
}

/// `Environment`: its `Variables`, a map of strings (a value of another type is Lambda's
/// `InvalidRequestContentException`, from the decoder).
fn parse_environment(env: &Members) -> Result<IndexMap<String, String>, AwsError> {
    let mut out = IndexMap::new();
    for (key, value) in env.string_map("Variables")?.unwrap_or_default() {
        out.insert(key.to_owned(), value.to_owned());
    }
    let reserved: Vec<&str> = out
        .keys()
        .map(String::as_str)
        .filter(|key| is_reserved_variable(key))
        .collect();
    if !reserved.is_empty() {
        return Err(AwsError::new(
            400,
            "InvalidParameterValueException",
            format!(
                "Lambda was unable to configure your environment variables because the \
                 environment variables you have provided contains reserved keys that are \
                 currently not supported for modification. Reserved keys used in this request: \
                 {}",
                reserved.join(", ")
            ),
        ));
    }
    check_environment_size(&out)?;
    Ok(out)
}

/// Lambda's runtimes, in the order of botocore's model (lambda-2015-03-31 `Runtime`, botocore
/// 1.43.11). Every function runs its package's `bootstrap`, as the OS-only runtimes do; the
/// value reaches the bootstrap as `AWS_EXECUTION_ENV`, so it is checked before it is kept.
const RUNTIMES: [&str; 46] = [
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
    "ruby4.0",
];

/// `RoleArn`'s pattern in Lambda's model:
/// `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`.
fn check_role(members: &Members<'_>, role: &str) -> Result<(), AwsError> {
    let matches = after_arn_partition(role)
        .and_then(|rest| rest.strip_prefix("iam::"))
        .and_then(|rest| rest.split_once(":role"))
        .is_some_and(|(account, name)| {
            let name = name.strip_prefix('/').unwrap_or(name);
            account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_/".contains(c))
        });
    if matches {
        return Ok(());
    }
    Err(members.constraint(
        "Role",
        role,
        "Member must satisfy regular expression pattern: \
         arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
    ))
}

/// What follows `arn:(aws[a-zA-Z-]*)?:` — the ARN prefix Lambda's model patterns share — or
/// `None` when `text` does not start so.
pub(crate) fn after_arn_partition(text: &str) -> Option<&str> {
    let (partition, rest) = text.strip_prefix("arn:")?.split_once(':')?;
    let partition_ok = partition.is_empty()
        || partition
            .strip_prefix("aws")
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_alphabetic() || c == '-'));
    partition_ok.then_some(rest)
}

/// `Architectures`: one of `x86_64` and `arm64` (the model's list holds exactly one).
pub(crate) fn architectures(members: &Members<'_>) -> Result<Option<Vec<String>>, AwsError> {
    let Some(list) = members.str_list("Architectures")? else {
        return Ok(None);
    };
    let shown = format!("[{}]", list.join(", "));
    if list.len() != 1 {
        let bound = if list.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 1"
        };
        return Err(members.constraint("Architectures", &shown, bound));
    }
    if !list.iter().all(|a| ["x86_64", "arm64"].contains(a)) {
        return Err(members.constraint(
            "Architectures",
            &shown,
            "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, \
             arm64]]",
        ));
    }
    Ok(Some(list.into_iter().map(str::to_owned).collect()))
}

/// Lambda's limit on a function's environment: its variables as JSON, at most 4 KB.
const MAX_ENVIRONMENT_BYTES: usize = 4 * 1024;

/// AWS measures the variables serialised as a JSON object and quotes that string back.
fn check_environment_size(vars: &IndexMap<String, String>) -> Result<(), AwsError> {
    let measured = serde_json::to_string(vars).unwrap_or_default();
    if measured.len() <= MAX_ENVIRONMENT_BYTES {
        return Ok(());
    }
    Err(AwsError::new(
        400,
        "InvalidParameterValueException",
        format!(
            "Lambda was unable to configure your environment variables because the environment \
             variables you have provided exceeded the 4KB limit. String measured: {measured}"
        ),
    ))
}

/// The environment variables Lambda sets itself and refuses in a function's configuration
/// (the "reserved" list of Lambda's "Defined runtime environment variables").
const RESERVED_VARIABLES: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Whether `key` is one of Lambda's reserved environment variables.
pub(crate) fn is_reserved_variable(key: &str) -> bool {
    RESERVED_VARIABLES.contains(&key)
}

/// The function name and qualifier named by `reference`: `NAME`, `NAME:QUALIFIER`,
/// `ACCOUNT:function:NAME[:Q]` or `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]`.
pub fn resolve_name(reference: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = reference.split(':').collect();
    let rest: &[&str] = match parts.iter().position(|p| *p == "function") {
        Some(index) => parts.get(index + 1..).unwrap_or_default(),
        None => &parts,
    };
    let name = rest.first().copied().unwrap_or_default().to_owned();
    let qualifier = rest.get(1).map(|q| (*q).to_owned());
    (name, qualifier)
}

/// `2026-11-25T01:02:03.456+0000`, Lambda's LastModified form.
pub fn last_modified(at: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    time::OffsetDateTime::from(at)
        .format(format)
        .unwrap_or_default()
}

/// `2026-11-25T01:02:03.456Z`.
pub fn rfc3339_millis(at: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from(at)
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_environment(env: &Value) -> Result<IndexMap<String, String>, AwsError> {
        super::parse_environment(&Members::with(env, Dialect::Lambda))
    }

    #[test]
    fn references_resolve_to_names() {
        assert_eq!(resolve_name("f"), ("f".into(), None));
        assert_eq!(
            resolve_name("f:$LATEST"),
            ("f".into(), Some("$LATEST".into()))
        );
        assert_eq!(resolve_name("000000000000:function:f"), ("f".into(), None));
        assert_eq!(
            resolve_name("arn:aws:lambda:us-east-1:000000000000:function:f:1"),
            ("f".into(), Some("1".into()))
        );
    }

    #[test]
    fn handler_and_description_lengths_are_aws_s() {
        let mut config = FunctionConfig::from_create(
            &Context::for_tests(),
            &json!({"FunctionName": "f", "Role": "arn:aws:iam::000000000000:role/r",
                    "Handler": "h".repeat(128), "Description": "d".repeat(256)}),
        )
        .unwrap();
        let err = config
            .apply_update(&json!({"Handler": "h".repeat(129)}))
            .unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(
            err.message
                .ends_with("at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128"),
            "{err}"
        );
        let err = config
            .apply_update(&json!({"Description": "d".repeat(257)}))
            .unwrap_err();
        assert!(err.message.contains("at 'description'"), "{err}");
        assert_eq!(config.handler.len(), 128);
        let err = config
            .apply_update(&json!({"Handler": "main handler"}))
            .unwrap_err();
        assert!(err.message.contains("pattern: [^\\s]+"), "{err}");
    }

    #[test]
    fn reserved_variables_are_refused_in_request_order() {
        let env =
            json!({"Variables": {"A": "1", "AWS_REGION": "x", "AWS_LAMBDA_RUNTIME_API": "y"}});
        let err = parse_environment(&env).unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(
            err.message.ends_with(
                "Reserved keys used in this request: AWS_REGION, AWS_LAMBDA_RUNTIME_API"
            ),
            "{}",
            err.message
        );
        assert!(parse_environment(&json!({"Variables": {"TZ": "UTC", "PATH": "/x"}})).is_ok());
    }

    #[test]
    fn the_environment_is_limited_to_4_kb_measured_as_json() {
        // {"A":"…"} is 8 bytes of JSON around the value.
        let fits = json!({"Variables": {"A": "x".repeat(4096 - 8)}});
        assert!(parse_environment(&fits).is_ok());
        let over = json!({"Variables": {"A": "x".repeat(4096 - 7)}});
        let err = parse_environment(&over).unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(
            err.message
                .contains("exceeded the 4KB limit. String measured: {\"A\":\"xxx"),
            "{}",
            err.message
        );
    }

    /// Found by the CI soak: a Runtime of a few hundred KB was kept and passed to the
    /// bootstrap as `AWS_EXECUTION_ENV`, and every later start failed with `E2BIG`.
    #[test]
    fn runtime_role_and_architectures_are_checked_against_the_model() {
        let create = |extra: Value| {
            let mut input =
                json!({"FunctionName": "f", "Role": "arn:aws:iam::000000000000:role/r"});
            if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
                input.extend(extra.clone());
            }
            FunctionConfig::from_create(&Context::for_tests(), &input)
        };
        let err = create(json!({"Runtime": "x".repeat(300_000)})).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains("at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs, "), "{}", &err.message[err.message.len() - 200..]);
        let config = create(json!({"Runtime": "python3.12", "Architectures": ["arm64"]})).unwrap();
        assert_eq!(
            (config.runtime.as_str(), config.architectures.as_slice()),
            ("python3.12", &["arm64".to_owned()][..])
        );
        for role in [
            "r",
            "arn:aws:iam::0000:role/r",
            "arn:aws:iam::000000000000:role/",
            "arn:aws:iam::000000000000:user/u",
        ] {
            let err = create(json!({"Role": role})).unwrap_err();
            assert_eq!(err.code, "ValidationException", "{role}");
            assert!(
                err.message.contains(&format!("Value '{role}' at 'role'")),
                "{}",
                err.message
            );
        }
        assert!(
            create(json!({"Role": "arn:aws-cn:iam::123456789012:role/service-role/a.b@c"})).is_ok()
        );
        for list in [json!([]), json!(["x86_64", "arm64"]), json!(["sparc"])] {
            let err = create(json!({"Architectures": list})).unwrap_err();
            assert!(
                err.message.contains("at 'architectures'"),
                "{}",
                err.message
            );
        }
        let mut config = create(json!({})).unwrap();
        assert!(config.apply_update(&json!({"Runtime": "cobol"})).is_err());
        assert_eq!(config.runtime, "provided.al2023");
    }

    #[test]
    fn last_modified_has_lambdas_shape() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        assert_eq!(last_modified(at), "1970-01-01T00:00:01.500+0000");
    }
}
