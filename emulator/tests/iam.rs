//! IAM and STS over the query protocol (form bodies told apart from SES by the signature's
//! credential scope): roles, inline and managed policies, attachments, instance profiles,
//! tags, AWS's delete conflicts and errors; GetCallerIdentity.

mod support;

/// Sends `Action=…` form `params` to `service` (iam, sts or ses), signed in shape.
async fn call(endpoint: &str, service: &str, params: &[(&str, &str)]) -> (u16, String) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, \
                 SignedHeaders=host, Signature=0"
            ),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

async fn iam(endpoint: &str, params: &[(&str, &str)]) -> (u16, String) {
    call(endpoint, "iam", params).await
}

#[tokio::test]
async fn sts_names_the_emulators_account_root() {
    let emulator = support::start().await;
    let (status, body) = call(
        &emulator.endpoint(),
        "sts",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account></GetCallerIdentityResult>"), "{body}");
    let (status, body) = call(&emulator.endpoint(), "sts", &[("Action", "AssumeRoot")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    assert!(body.contains("Could not find operation AssumeRoot for version 2011-06-15"));
}

#[tokio::test]
async fn roles_are_stored_returned_and_refused_as_aws_does() {
    let emulator = support::start().await;
    let url = emulator.endpoint();
    let create = [
        ("Action", "CreateRole"),
        ("RoleName", "app-role"),
        ("Path", "/service/"),
        ("AssumeRolePolicyDocument", TRUST),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "orders"),
    ];
    let (status, body) = iam(&url, &create).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Arn>arn:aws:iam::000000000000:role/service/app-role</Arn>"));
    assert!(body.contains("<RoleId>AROA"), "{body}");
    let (status, body) = iam(&url, &create).await;
    assert_eq!(
        (status, body.contains("<Code>EntityAlreadyExists</Code>")),
        (409, true)
    );
    assert!(body.contains("Role with name app-role already exists."));

    let (_, body) = iam(&url, &[("Action", "GetRole"), ("RoleName", "app-role")]).await;
    assert!(
        body.contains("<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22"),
        "{body}"
    );
    assert!(body.contains("<Tags><member><Key>team</Key><Value>orders</Value></member></Tags>"));
    let (status, body) = iam(&url, &[("Action", "GetRole"), ("RoleName", "nope")]).await;
    assert_eq!(status, 404);
    assert!(
        body.contains(
            "<Code>NoSuchEntity</Code><Message>The role with name nope cannot be found.</Message>"
        ),
        "{body}"
    );
    let (status, body) = iam(&url, &[("Action", "GetRole"), ("RoleName", "a b")]).await;
    assert_eq!(
        (status, body.contains("<Code>ValidationError</Code>")),
        (400, true),
        "{body}"
    );

    let put = [
        ("Action", "PutRolePolicy"),
        ("RoleName", "app-role"),
        ("PolicyName", "inline"),
        (
            "PolicyDocument",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        ),
    ];
    assert_eq!(iam(&url, &put).await.0, 200);
    let (_, body) = iam(
        &url,
        &[("Action", "ListRolePolicies"), ("RoleName", "app-role")],
    )
    .await;
    assert!(
        body.contains(
            "<PolicyNames><member>inline</member></PolicyNames><IsTruncated>false</IsTruncated>"
        ),
        "{body}"
    );
    let bad = [
        ("Action", "PutRolePolicy"),
        ("RoleName", "app-role"),
        ("PolicyName", "bad"),
        ("PolicyDocument", "{not json"),
    ];
    let (status, body) = iam(&url, &bad).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<Code>MalformedPolicyDocument</Code>"),
        "{body}"
    );

    let delete = [("Action", "DeleteRole"), ("RoleName", "app-role")];
    let (status, body) = iam(&url, &delete).await;
    assert_eq!(status, 409);
    assert!(
        body.contains("Cannot delete entity, must delete policies first."),
        "{body}"
    );
    let remove = [
        ("Action", "DeleteRolePolicy"),
        ("RoleName", "app-role"),
        ("PolicyName", "inline"),
    ];
    assert_eq!(iam(&url, &remove).await.0, 200);
    assert_eq!(iam(&url, &delete).await.0, 200);
    let (_, body) = iam(&url, &[("Action", "ListRoles")]).await;
    assert!(body.contains("<Roles></Roles>"), "{body}");
}

#[tokio::test]
async fn managed_policies_attach_version_and_block_deletes() {
    let emulator = support::start().await;
    let url = emulator.endpoint();
    let role = [
        ("Action", "CreateRole"),
        ("RoleName", "r"),
        ("AssumeRolePolicyDocument", TRUST),
    ];
    assert_eq!(iam(&url, &role).await.0, 200);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let (_, body) = iam(
        &url,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "p"),
            ("PolicyDocument", document),
        ],
    )
    .await;
    let arn = "arn:aws:iam::000000000000:policy/p";
    assert!(body.contains(&format!("<Arn>{arn}</Arn>")), "{body}");
    assert!(
        body.contains(
            "<DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0</AttachmentCount>"
        ),
        "{body}"
    );

    for policy in [
        arn,
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ] {
        let attach = [
            ("Action", "AttachRolePolicy"),
            ("RoleName", "r"),
            ("PolicyArn", policy),
        ];
        assert_eq!(iam(&url, &attach).await.0, 200);
    }
    let missing = [
        ("Action", "AttachRolePolicy"),
        ("RoleName", "r"),
        ("PolicyArn", "arn:aws:iam::000000000000:policy/none"),
    ];
    let (status, body) = iam(&url, &missing).await;
    assert_eq!(status, 404);
    assert!(body.contains(
        "Policy arn:aws:iam::000000000000:policy/none does not exist or is not attachable."
    ));
    let (_, body) = iam(
        &url,
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", "r")],
    )
    .await;
    assert!(
        body.contains("<member><PolicyName>p</PolicyName>"),
        "{body}"
    );
    assert!(
        body.contains("<PolicyName>AWSLambdaBasicExecutionRole</PolicyName>"),
        "{body}"
    );
    let (_, body) = iam(&url, &[("Action", "GetPolicy"), ("PolicyArn", arn)]).await;
    assert!(
        body.contains("<AttachmentCount>1</AttachmentCount>"),
        "{body}"
    );

    let version = [
        ("Action", "CreatePolicyVersion"),
        ("PolicyArn", arn),
        ("PolicyDocument", document),
        ("SetAsDefault", "true"),
    ];
    let (_, body) = iam(&url, &version).await;
    assert!(
        body.contains("<VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion>"),
        "{body}"
    );
    let (_, body) = iam(
        &url,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", arn),
            ("VersionId", "v1"),
        ],
    )
    .await;
    assert!(body.contains("<Document>%7B%22Version%22"), "{body}");
    assert!(
        body.contains("<IsDefaultVersion>false</IsDefaultVersion>"),
        "{body}"
    );

    let delete = [("Action", "DeletePolicy"), ("PolicyArn", arn)];
    let (status, body) = iam(&url, &delete).await;
    assert_eq!(status, 409);
    assert!(
        body.contains("Cannot delete a policy attached to entities."),
        "{body}"
    );
    let (status, body) = iam(&url, &[("Action", "DeleteRole"), ("RoleName", "r")]).await;
    assert_eq!(status, 409);
    assert!(body.contains("must detach all policies first"), "{body}");
    let detach = [
        ("Action", "DetachRolePolicy"),
        ("RoleName", "r"),
        ("PolicyArn", arn),
    ];
    assert_eq!(iam(&url, &detach).await.0, 200);
    let (status, body) = iam(&url, &delete).await;
    assert_eq!(status, 409);
    assert!(
        body.contains("This policy has more than one version."),
        "{body}"
    );
    let drop_v1 = [
        ("Action", "DeletePolicyVersion"),
        ("PolicyArn", arn),
        ("VersionId", "v1"),
    ];
    assert_eq!(iam(&url, &drop_v1).await.0, 200);
    assert_eq!(iam(&url, &delete).await.0, 200);
    let (_, body) = iam(&url, &[("Action", "ListPolicies"), ("Scope", "Local")]).await;
    assert!(body.contains("<Policies></Policies>"), "{body}");
}

#[tokio::test]
async fn instance_profiles_hold_one_role_and_block_its_deletion() {
    let emulator = support::start().await;
    let url = emulator.endpoint();
    let role = [
        ("Action", "CreateRole"),
        ("RoleName", "r"),
        ("AssumeRolePolicyDocument", TRUST),
    ];
    assert_eq!(iam(&url, &role).await.0, 200);
    let (_, body) = iam(
        &url,
        &[
            ("Action", "CreateInstanceProfile"),
            ("InstanceProfileName", "ip"),
        ],
    )
    .await;
    assert!(
        body.contains("<Arn>arn:aws:iam::000000000000:instance-profile/ip</Arn>"),
        "{body}"
    );
    let add = [
        ("Action", "AddRoleToInstanceProfile"),
        ("InstanceProfileName", "ip"),
        ("RoleName", "r"),
    ];
    assert_eq!(iam(&url, &add).await.0, 200);
    let (status, _) = iam(&url, &add).await;
    assert_eq!(status, 409);
    let (_, body) = iam(
        &url,
        &[("Action", "ListInstanceProfilesForRole"), ("RoleName", "r")],
    )
    .await;
    assert!(
        body.contains("<InstanceProfileName>ip</InstanceProfileName>"),
        "{body}"
    );
    let (status, body) = iam(&url, &[("Action", "DeleteRole"), ("RoleName", "r")]).await;
    assert_eq!(status, 409);
    assert!(
        body.contains("must remove roles from instance profile first"),
        "{body}"
    );
}

#[tokio::test]
async fn ses_still_answers_form_requests_scoped_to_ses() {
    let emulator = support::start().await;
    let (status, body) = call(&emulator.endpoint(), "ses", &[("Action", "ListIdentities")]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(
            "<ListIdentitiesResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">"
        ),
        "{body}"
    );
    let (status, body) = iam(&emulator.endpoint(), &[("Action", "ListIdentities")]).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("Could not find operation ListIdentities for version 2010-05-08"),
        "{body}"
    );
}
