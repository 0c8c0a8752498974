//! Resource-based policies (CreateTable's `ResourcePolicy`, Put/Get/DeleteResourcePolicy with
//! revision ids) and the global-table members the one-region emulator refuses
//! (`ReplicaUpdates`, `MultiRegionConsistency`, `GlobalTableWitnessUpdates`,
//! `GlobalTableSourceArn`), through the SDK, with AWS's messages.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    CreateGlobalTableWitnessGroupMemberAction, CreateReplicationGroupMemberAction,
    DeleteReplicationGroupMemberAction, GlobalTableWitnessGroupUpdate, MultiRegionConsistency,
    ReplicationGroupUpdate,
};

use super::{code_and_message, create, start};

const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/pol";

fn policy(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"000000000000"}},"Action":["{action}"],"Resource":"{ARN}"}}]}}"#
    )
}

fn not_found(detail: &str) -> (String, String) {
    (
        "PolicyNotFoundException".to_owned(),
        format!("Resource-based policy not found for the provided ResourceArn: {detail}"),
    )
}

async fn put(
    client: &Client,
    document: &str,
    expected: Option<&str>,
) -> Result<String, (String, String)> {
    client
        .put_resource_policy()
        .resource_arn(ARN)
        .policy(document)
        .set_expected_revision_id(expected.map(str::to_owned))
        .send()
        .await
        .map(|out| out.revision_id.unwrap())
        .map_err(|e| code_and_message(&e))
}

async fn get(client: &Client) -> Result<(String, String), (String, String)> {
    client
        .get_resource_policy()
        .resource_arn(ARN)
        .send()
        .await
        .map(|out| (out.policy.unwrap(), out.revision_id.unwrap()))
        .map_err(|e| code_and_message(&e))
}

#[tokio::test]
async fn a_policy_given_at_create_is_read_back_and_revised() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "pol")
        .resource_policy(policy("dynamodb:GetItem"))
        .send()
        .await
        .unwrap();
    let (document, first) = get(&client).await.unwrap();
    assert_eq!(document, policy("dynamodb:GetItem"));
    assert_eq!(
        put(&client, &policy("dynamodb:GetItem"), None).await,
        Ok(first.clone())
    );
    let second = put(&client, &policy("dynamodb:PutItem"), Some(&first))
        .await
        .unwrap();
    assert!(second.parse::<u64>().unwrap() > first.parse::<u64>().unwrap());
    assert_eq!(
        get(&client).await.unwrap(),
        (policy("dynamodb:PutItem"), second.clone())
    );
    let stale = put(&client, &policy("dynamodb:Query"), Some(&first)).await;
    assert_eq!(
        stale,
        Err(not_found(&format!(
            "Requested update for policy with revision id {first}, but the policy associated to target table pol has revision id {second}."
        )))
    );
    let none_expected = put(&client, &policy("dynamodb:Query"), Some("NO_POLICY")).await;
    assert_eq!(
        none_expected,
        Err(not_found(&format!(
            "Requested policy update expecting none to be present for table pol, but a policy exists with revision id {second}."
        )))
    );
}

#[tokio::test]
async fn delete_is_idempotent_and_checks_the_expected_revision() {
    let (_emulator, client) = start().await;
    create(&client, "pol", None).await;
    assert_eq!(get(&client).await, Err(not_found(ARN)));
    let revision = put(&client, &policy("dynamodb:*"), Some("NO_POLICY"))
        .await
        .unwrap();
    let delete = |expected: Option<&str>| {
        client
            .delete_resource_policy()
            .resource_arn(ARN)
            .set_expected_revision_id(expected.map(str::to_owned))
            .send()
    };
    let stale = delete(Some("1")).await.unwrap_err();
    assert_eq!(
        code_and_message(&stale),
        not_found(&format!(
            "Requested update for policy with revision id 1, but the policy associated to target table pol has revision id {revision}."
        ))
    );
    let deleted = delete(Some(&revision)).await.unwrap();
    assert_eq!(deleted.revision_id(), Some(revision.as_str()));
    assert_eq!(get(&client).await, Err(not_found(ARN)));
    let again = delete(None).await.unwrap();
    assert_eq!(again.revision_id(), None);
}

#[tokio::test]
async fn resource_arns_and_documents_are_checked_as_aws_checks_them() {
    let (_emulator, client) = start().await;
    create(&client, "pol", None).await;
    let get_arn = |arn: &str| client.get_resource_policy().resource_arn(arn).send();
    let invalid = |detail: &str| {
        (
            "ValidationException".to_owned(),
            format!("One or more parameter values were invalid: {detail}"),
        )
    };
    let bare = get_arn("pol").await.unwrap_err();
    assert_eq!(
        code_and_message(&bare),
        invalid("ARNs must start with 'arn:': pol")
    );
    let other_account = get_arn("arn:aws:dynamodb:us-east-1:111111111111:table/pol")
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&other_account).1,
        "This action is only supported by accounts that match the resource owner\u{2019}s account."
    );
    let other_region = "arn:aws:dynamodb:us-west-2:000000000000:table/pol";
    let err = get_arn(other_region).await.unwrap_err();
    assert_eq!(
        code_and_message(&err),
        invalid(&format!("Invalid resource Arn: {other_region}"))
    );
    let index = format!("{ARN}/index/by_g");
    let err = get_arn(&index).await.unwrap_err();
    assert_eq!(
        code_and_message(&err),
        invalid(&format!(
            "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {index}"
        ))
    );
    let missing = get_arn("arn:aws:dynamodb:us-east-1:000000000000:table/nope")
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&missing),
        (
            "ResourceNotFoundException".to_owned(),
            "Requested resource not found: Table: nope not found".to_owned()
        )
    );
    let not_json = put(&client, "{not json", None).await;
    assert_eq!(
        not_json,
        Err(invalid(
            "Invalid policy document: This policy contains invalid Json"
        ))
    );
    let huge = format!(r#"{{"Sid":"{}"}}"#, "x".repeat(20 * 1024));
    assert_eq!(
        put(&client, &huge, None).await,
        Err(invalid("Maximum policy size of 20480 bytes exceeded"))
    );
    let at_create = super::create_request(&client, "bad")
        .resource_policy("[]")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&at_create),
        invalid("Invalid policy document: This policy contains invalid Json")
    );
}

fn validation(message: &str) -> (String, String) {
    ("ValidationException".to_owned(), message.to_owned())
}

#[tokio::test]
async fn replica_and_witness_updates_are_refused_as_for_an_unreachable_region() {
    let (_emulator, client) = start().await;
    create(&client, "regional", None).await;
    let replica = |update| {
        client
            .update_table()
            .table_name("regional")
            .replica_updates(update)
            .send()
    };
    let create_in = |region: &str| {
        ReplicationGroupUpdate::builder()
            .create(
                CreateReplicationGroupMemberAction::builder()
                    .region_name(region)
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let err = replica(create_in("us-west-2")).await.unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation(
            "Failed to access the region: \u{2018}us-west-2\u{2019}. User is missing the permissions since the region is disabled."
        )
    );
    let err = replica(create_in("us-east-1")).await.unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation(
            "Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required."
        )
    );
    let delete = ReplicationGroupUpdate::builder()
        .delete(
            DeleteReplicationGroupMemberAction::builder()
                .region_name("eu-west-1")
                .build()
                .unwrap(),
        )
        .build();
    let err = replica(delete).await.unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation(
            "Update global table operation failed because one or more replicas were not part of the global table. Please retry the request without these replicas: [eu-west-1]."
        )
    );
    let err = replica(ReplicationGroupUpdate::builder().build())
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation("There are no actions specified in the Replica Update Action of the request.")
    );
    let consistency = client
        .update_table()
        .table_name("regional")
        .multi_region_consistency(MultiRegionConsistency::Strong)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&consistency),
        validation(
            "Only Replica Create actions are supported when MultiRegionConsistency parameter is provided."
        )
    );
    let witness = GlobalTableWitnessGroupUpdate::builder()
        .create(
            CreateGlobalTableWitnessGroupMemberAction::builder()
                .region_name("us-east-2")
                .build()
                .unwrap(),
        )
        .build();
    let err = client
        .update_table()
        .table_name("regional")
        .global_table_witness_updates(witness)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation(
            "MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates parameter is present."
        )
    );
}

#[tokio::test]
async fn a_multi_account_replica_is_refused_and_no_table_is_left() {
    let (_emulator, client) = start().await;
    let err = super::create_request(&client, "replica")
        .global_table_source_arn("arn:aws:dynamodb:eu-west-1:111111111111:table/source")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&err),
        validation(
            "Failed to access the region: \u{2018}eu-west-1\u{2019}. User is missing the permissions since the region is disabled."
        )
    );
    let described = client
        .describe_table()
        .table_name("replica")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&described).0, "ResourceNotFoundException");
}
