//! What infrastructure tools read besides the resources themselves, through the AWS SDKs:
//! tags on Lambda functions, state machines, EventBridge rules and API Gateway APIs and
//! stages; Lambda's versions, aliases, code signing and concurrency; Step Functions' versions
//! and aliases; API Gateway's deployment and stage life cycle.

mod support;

use aws_sdk_sfn::types::Tag as SfnTag;

#[tokio::test]
async fn lambda_tags_versions_and_empty_configurations() {
    let emulator = support::start().await;
    let client = aws_sdk_lambda::Client::new(&support::sdk_config(&emulator).await);
    let created = support::create_test_function(&client, "tagged", 3, &[]).await;
    let arn = created.function_arn().unwrap().to_owned();
    client
        .tag_resource()
        .resource(&arn)
        .tags("a", "1")
        .tags("b", "2")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource(&arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(&arn).send().await.unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(
        (tags.len(), tags.get("b").map(String::as_str)),
        (1, Some("2"))
    );
    let function = client
        .get_function()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        function.tags().unwrap().get("b").map(String::as_str),
        Some("2")
    );

    let versions = client
        .list_versions_by_function()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = versions
        .versions()
        .iter()
        .map(|v| v.version().unwrap())
        .collect();
    assert_eq!(listed, ["$LATEST"]);
    let aliases = client
        .list_aliases()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    assert!(aliases.aliases().is_empty());
    let signing = client
        .get_function_code_signing_config()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (signing.function_name(), signing.code_signing_config_arn()),
        ("tagged", "")
    );
    let concurrency = client
        .get_function_concurrency()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(concurrency.reserved_concurrent_executions(), None);

    let missing = client
        .list_versions_by_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        missing.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
}

#[tokio::test]
async fn state_machine_tags_and_empty_version_lists() {
    let emulator = support::start().await;
    let client = aws_sdk_sfn::Client::new(&support::sdk_config(&emulator).await);
    let created = client
        .create_state_machine()
        .name("m")
        .role_arn("arn:aws:iam::000000000000:role/r")
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .tags(SfnTag::builder().key("a").value("1").build())
        .send()
        .await
        .unwrap();
    let arn = created.state_machine_arn();
    let tag = SfnTag::builder().key("b").value("2").build();
    client
        .tag_resource()
        .resource_arn(arn)
        .tags(tag)
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(pairs, [("b", "2")]);
    let versions = client
        .list_state_machine_versions()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(versions.state_machine_versions().is_empty());
    let aliases = client
        .list_state_machine_aliases()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(aliases.state_machine_aliases().is_empty());
    let published = client
        .create_state_machine()
        .name("p")
        .role_arn("arn:aws:iam::000000000000:role/r")
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .publish(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        published.into_service_error().meta().code(),
        Some("ValidationException")
    );
    let gone = client
        .list_tags_for_resource()
        .resource_arn("arn:aws:states:us-east-1:000000000000:stateMachine:none")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        gone.into_service_error().meta().code(),
        Some("ResourceNotFound")
    );
}

#[tokio::test]
async fn rule_tags_follow_the_rule() {
    let emulator = support::start().await;
    let client = aws_sdk_eventbridge::Client::new(&support::sdk_config(&emulator).await);
    let tag = |k: &str, v: &str| {
        aws_sdk_eventbridge::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    let rule = client
        .put_rule()
        .name("r")
        .event_pattern(r#"{"source":["x"]}"#)
        .tags(tag("a", "1"))
        .send()
        .await
        .unwrap();
    let arn = rule.rule_arn().unwrap();
    client
        .tag_resource()
        .resource_arn(arn)
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["b"]);
    client.delete_rule().name("r").send().await.unwrap();
    let gone = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap_err();
    let gone = gone.into_service_error();
    assert_eq!(gone.meta().code(), Some("ResourceNotFoundException"));
    assert_eq!(
        gone.meta().message(),
        Some("Rule r does not exist on EventBus default.")
    );
}

#[tokio::test]
async fn api_gateway_stages_deployments_and_tags() {
    let emulator = support::start().await;
    let client = aws_sdk_apigateway::Client::new(&support::sdk_config(&emulator).await);
    let api = client
        .create_rest_api()
        .name("a")
        .tags("a", "1")
        .send()
        .await
        .unwrap();
    let id = api.id().unwrap();
    assert_eq!(api.tags().unwrap().get("a").map(String::as_str), Some("1"));
    let deployment = client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("")
        .send()
        .await
        .unwrap();
    let did = deployment.id().unwrap();
    assert!(
        client
            .get_stages()
            .rest_api_id(id)
            .send()
            .await
            .unwrap()
            .item()
            .is_empty()
    );
    assert_eq!(
        client
            .get_deployment()
            .rest_api_id(id)
            .deployment_id(did)
            .send()
            .await
            .unwrap()
            .id(),
        Some(did)
    );
    client
        .create_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .deployment_id(did)
        .tags("s", "1")
        .send()
        .await
        .unwrap();
    let stage_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{id}/stages/prod");
    client
        .tag_resource()
        .resource_arn(&stage_arn)
        .tags("t", "2")
        .send()
        .await
        .unwrap();
    let tags = client
        .get_tags()
        .resource_arn(&stage_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    let busy = client
        .delete_deployment()
        .rest_api_id(id)
        .deployment_id(did)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        busy.into_service_error().meta().code(),
        Some("BadRequestException")
    );
    client
        .delete_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    client
        .delete_deployment()
        .rest_api_id(id)
        .deployment_id(did)
        .send()
        .await
        .unwrap();
    let gone = client
        .get_deployment()
        .rest_api_id(id)
        .deployment_id(did)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        gone.into_service_error().meta().code(),
        Some("NotFoundException")
    );
}
