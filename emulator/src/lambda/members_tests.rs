//! Unit tests of `members.rs`: refusals by name, defaults accepted, model checks, honoured
//! settings written back, revisions, Invoke's headers and AddPermission's conditions.

use super::*;
use crate::protocol::members::Dialect;

fn refuse(input: Value, operation: Operation) -> Result<(), AwsError> {
    refuse_unsupported(&Members::with(&input, Dialect::Lambda), operation)
}

fn settings(input: Value) -> Result<Settings, AwsError> {
    let mut settings = Settings::default();
    settings.apply(&Members::with(&input, Dialect::Lambda))?;
    Ok(settings)
}

#[test]
fn members_needing_what_the_emulator_does_not_run_are_refused_by_name() {
    let cases = [
        (
            "VpcConfig",
            json!({"VpcConfig": {"SubnetIds": ["subnet-1"]}}),
        ),
        (
            "VpcConfig",
            json!({"VpcConfig": {"SecurityGroupIds": ["sg-1"]}}),
        ),
        (
            "VpcConfig",
            json!({"VpcConfig": {"Ipv6AllowedForDualStack": true}}),
        ),
        (
            "Layers",
            json!({"Layers": ["arn:aws:lambda:us-east-1:000000000000:layer:l:1"]}),
        ),
        (
            "FileSystemConfigs",
            json!({"FileSystemConfigs": [{"Arn": "a", "LocalMountPath": "/mnt/x"}]}),
        ),
        (
            "DeadLetterConfig",
            json!({"DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:q"}}),
        ),
        ("ImageConfig", json!({"ImageConfig": {"Command": ["x"]}})),
        (
            "SnapStart",
            json!({"SnapStart": {"ApplyOn": "PublishedVersions"}}),
        ),
        (
            "CapacityProviderConfig",
            json!({"CapacityProviderConfig": {"LambdaManagedInstancesCapacityProviderConfig": {}}}),
        ),
        (
            "DurableConfig",
            json!({"DurableConfig": {"RetentionPeriodInDays": 1}}),
        ),
        ("PackageType", json!({"PackageType": "Image"})),
        (
            "CodeSigningConfigArn",
            json!({"CodeSigningConfigArn": "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"}),
        ),
        (
            "TenancyConfig",
            json!({"TenancyConfig": {"TenantIsolationMode": "PER_TENANT"}}),
        ),
        ("Publish", json!({"Publish": true})),
        ("PublishTo", json!({"PublishTo": "LATEST_PUBLISHED"})),
    ];
    for (member, input) in cases {
        let error = refuse(input.clone(), Operation::CreateFunction).unwrap_err();
        assert_eq!(error.status, 400, "{input}");
        assert_eq!(error.code, "InvalidParameterValueException", "{input}");
        assert!(
            error.message.starts_with(&format!("{member}: "))
                && error.message.ends_with("not supported by this emulator"),
            "{}",
            error.message
        );
    }
}

#[test]
fn default_and_empty_values_pass_as_terraform_sends_them() {
    let defaults = json!({
        "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [], "Ipv6AllowedForDualStack": false},
        "Layers": [], "FileSystemConfigs": [], "DeadLetterConfig": {"TargetArn": ""},
        "ImageConfig": {}, "SnapStart": {"ApplyOn": "None"}, "PackageType": "Zip",
        "CodeSigningConfigArn": "", "Publish": false, "TenancyConfig": {},
        "CapacityProviderConfig": {}, "KMSKeyArn": "",
        "TracingConfig": {"Mode": "PassThrough"}, "EphemeralStorage": {"Size": 512},
    });
    refuse(defaults.clone(), Operation::CreateFunction).unwrap();
    assert_eq!(settings(defaults).unwrap(), Settings::default());
}

#[test]
fn enums_and_ranges_come_from_the_model() {
    let error = refuse(json!({"PackageType": "Docker"}), Operation::CreateFunction).unwrap_err();
    assert_eq!(error.code, "ValidationException");
    assert!(
        error.message.contains("at 'packageType'"),
        "{}",
        error.message
    );
    for (input, path) in [
        (
            json!({"EphemeralStorage": {"Size": 511}}),
            "ephemeralStorage.size",
        ),
        (
            json!({"EphemeralStorage": {"Size": 10241}}),
            "ephemeralStorage.size",
        ),
        (json!({"EphemeralStorage": {}}), "ephemeralStorage.size"),
        (
            json!({"TracingConfig": {"Mode": "On"}}),
            "tracingConfig.mode",
        ),
        (
            json!({"LoggingConfig": {"LogFormat": "XML"}}),
            "loggingConfig.logFormat",
        ),
        (
            json!({"LoggingConfig": {"LogGroup": "a b"}}),
            "loggingConfig.logGroup",
        ),
        (json!({"KMSKeyArn": "key"}), "kMSKeyArn"),
    ] {
        let error = settings(input.clone()).unwrap_err();
        assert_eq!(error.code, "ValidationException", "{input}");
        assert!(
            error.message.contains(&format!("at '{path}'")),
            "{}",
            error.message
        );
    }
}

#[test]
fn honoured_settings_are_kept_and_written_back() {
    let settings = settings(json!({
        "EphemeralStorage": {"Size": 2048},
        "TracingConfig": {"Mode": "Active"},
        "KMSKeyArn": "arn:aws:kms:us-east-1:000000000000:key/k",
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "LogGroup": "/custom/g"},
    }))
    .unwrap();
    let mut object = Map::new();
    settings.write("f", &mut object);
    assert_eq!(object["EphemeralStorage"], json!({"Size": 2048}));
    assert_eq!(object["TracingConfig"], json!({"Mode": "Active"}));
    assert_eq!(
        object["KMSKeyArn"],
        "arn:aws:kms:us-east-1:000000000000:key/k"
    );
    assert_eq!(
        object["LoggingConfig"],
        json!({"LogFormat": "JSON", "LogGroup": "/custom/g", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO"})
    );
    assert_eq!(
        settings.environment(),
        vec![
            ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG".to_owned())
        ]
    );
    let mut object = Map::new();
    Settings::default().write("f", &mut object);
    assert_eq!(
        object["LoggingConfig"],
        json!({"LogFormat": "Text", "LogGroup": "/aws/lambda/f"})
    );
    assert!(!object.contains_key("KMSKeyArn"));
}

#[test]
fn log_levels_need_the_json_format() {
    let error = settings(json!({"LoggingConfig": {"ApplicationLogLevel": "INFO"}})).unwrap_err();
    assert_eq!(error.code, "InvalidParameterValueException");
    assert!(
        error
            .message
            .starts_with("LogLevel is not supported when LogFormat is set to \"Text\"")
    );
    let mut json_logs = settings(json!({"LoggingConfig": {"LogFormat": "JSON"}})).unwrap();
    assert_eq!(json_logs.logging.application_level.as_deref(), Some("INFO"));
    let back = json!({"LoggingConfig": {"LogFormat": "Text"}});
    json_logs
        .apply(&Members::with(&back, Dialect::Lambda))
        .unwrap();
    assert_eq!(json_logs.logging, Settings::default().logging);
}

#[test]
fn code_sources_other_than_a_zip_are_refused() {
    for (member, input) in [
        ("S3Bucket", json!({"S3Bucket": "bucket", "S3Key": "k.zip"})),
        ("S3Key", json!({"S3Key": "k.zip"})),
        (
            "ImageUri",
            json!({"ImageUri": "000000000000.dkr.ecr.us-east-1.amazonaws.com/r:1"}),
        ),
        (
            "SourceKMSKeyArn",
            json!({"SourceKMSKeyArn": "arn:aws:kms:us-east-1:000000000000:key/k"}),
        ),
    ] {
        let error = refuse_code_sources(&Members::with(&input, Dialect::Lambda)).unwrap_err();
        assert_eq!(error.code, "InvalidParameterValueException");
        assert!(
            error.message.starts_with(&format!("{member}: ")),
            "{}",
            error.message
        );
    }
    let short = json!({"S3Bucket": "ab"});
    let error = refuse_code_sources(&Members::with(&short, Dialect::Lambda)).unwrap_err();
    assert_eq!(error.code, "ValidationException");
    assert!(
        refuse_code_sources(&Members::with(
            &json!({"ZipFile": "UEs=", "SourceKMSKeyArn": ""}),
            Dialect::Lambda
        ))
        .is_ok()
    );
}

#[test]
fn revisions_and_invoke_headers() {
    assert!(check_revision(None, "r1").is_ok());
    assert!(check_revision(Some("r1"), "r1").is_ok());
    let error = check_revision(Some("r0"), "r1").unwrap_err();
    assert_eq!(
        (error.status, error.code.as_str()),
        (412, "PreconditionFailedException")
    );
    let headers = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    assert!(check_invoke_headers(headers(&[("x-amz-log-type", "None")])).is_ok());
    let error = check_invoke_headers(headers(&[("x-amz-log-type", "Tail")])).unwrap_err();
    assert!(
        error.message.starts_with("LogType: Tail"),
        "{}",
        error.message
    );
    let error = check_invoke_headers(headers(&[("x-amz-log-type", "All")])).unwrap_err();
    assert_eq!(error.code, "ValidationException");
    let error = check_invoke_headers(headers(&[("x-amz-client-context", "e30=")])).unwrap_err();
    assert!(
        error.message.starts_with("ClientContext: "),
        "{}",
        error.message
    );
}

#[test]
fn permission_members_become_aws_s_conditions() {
    let input = json!({
        "SourceArn": "arn:aws:execute-api:us-east-1:000000000000:a/*", "SourceAccount": "000000000000",
        "PrincipalOrgID": "o-abcdefghij", "EventSourceToken": "tok.1", "FunctionUrlAuthType": "NONE",
    });
    let condition = permission_conditions(&Members::with(&input, Dialect::Lambda)).unwrap();
    assert_eq!(
        condition["ArnLike"]["AWS:SourceArn"],
        "arn:aws:execute-api:us-east-1:000000000000:a/*"
    );
    assert_eq!(
        condition["StringEquals"]["aws:PrincipalOrgID"],
        "o-abcdefghij"
    );
    assert_eq!(
        condition["StringEquals"]["lambda:FunctionUrlAuthType"],
        "NONE"
    );
    for bad in [
        json!({"StatementId": "a b"}),
        json!({"Action": "lambda:Invoke:Function"}),
        json!({"SourceAccount": "12"}),
        json!({"PrincipalOrgID": "org-123456789012"}),
        json!({"FunctionUrlAuthType": "IAM"}),
    ] {
        let error = permission_conditions(&Members::with(&bad, Dialect::Lambda)).unwrap_err();
        assert_eq!(error.code, "ValidationException", "{bad}");
    }
}
