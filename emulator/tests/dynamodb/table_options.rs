//! Request members that used to be accepted and ignored (issue #11), through the SDK:
//! `ReturnItemCollectionMetrics` on every write, `DeletionProtectionEnabled`, and
//! CreateTable/UpdateTable's table options: `TableClass`, `SSESpecification`,
//! `OnDemandThroughput` and `WarmThroughput` (table and GSI), `GlobalTableSettingsReplicationMode`.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, BillingMode, GlobalSecondaryIndex, GlobalTableSettingsReplicationMode,
    KeyType, LocalSecondaryIndex, OnDemandThroughput, Projection, ProjectionType,
    ProvisionedThroughput, Put, PutRequest, ReturnItemCollectionMetrics, ScalarAttributeType,
    SseSpecification, SseStatus, SseType, TableClass, TableDescription, TableStatus,
    TransactWriteItem, WarmThroughput, WriteRequest,
};

use super::{attr, code_and_message, create, key, s, start};

const S: ScalarAttributeType = ScalarAttributeType::S;

/// `coll`: pk/sk with a local index `by_l` (pk, l; all attributes).
async fn create_with_lsi(client: &Client) {
    client
        .create_table()
        .table_name("coll")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", S))
        .attribute_definitions(attr("sk", S))
        .attribute_definitions(attr("l", S))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_l")
                .key_schema(key("pk", KeyType::Hash))
                .key_schema(key("l", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

fn item(pairs: &[(&str, &str)]) -> HashMap<String, AV> {
    pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect()
}

fn collection_of(pk: &str) -> HashMap<String, AV> {
    item(&[("pk", pk)])
}

#[tokio::test]
async fn single_writes_answer_item_collection_metrics_on_a_table_with_an_lsi() {
    let (_emulator, client) = start().await;
    create_with_lsi(&client).await;
    let size = ReturnItemCollectionMetrics::Size;
    let put = client
        .put_item()
        .table_name("coll")
        .set_item(Some(item(&[("pk", "a"), ("sk", "1"), ("l", "x")])))
        .return_item_collection_metrics(size.clone())
        .send()
        .await
        .unwrap();
    let metrics = put.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("a")));
    assert_eq!(metrics.size_estimate_range_gb(), [0.0, 1.0]);
    let update = client
        .update_item()
        .table_name("coll")
        .set_key(Some(item(&[("pk", "b"), ("sk", "1")])))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", s("z"))
        .return_item_collection_metrics(size.clone())
        .send()
        .await
        .unwrap();
    let metrics = update.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("b")));
    let delete = client
        .delete_item()
        .table_name("coll")
        .set_key(Some(item(&[("pk", "a"), ("sk", "1")])))
        .return_item_collection_metrics(size)
        .send()
        .await
        .unwrap();
    let metrics = delete.item_collection_metrics().expect("metrics");
    assert_eq!(metrics.item_collection_key(), Some(&collection_of("a")));
    assert_eq!(metrics.size_estimate_range_gb(), [0.0, 1.0]);
    let none = client
        .put_item()
        .table_name("coll")
        .set_item(Some(item(&[("pk", "a"), ("sk", "1")])))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::None)
        .send()
        .await
        .unwrap();
    assert!(none.item_collection_metrics().is_none());
}

#[tokio::test]
async fn a_table_without_an_lsi_answers_no_metrics() {
    let (_emulator, client) = start().await;
    create(&client, "plain", None).await;
    let put = client
        .put_item()
        .table_name("plain")
        .set_item(Some(item(&[("pk", "a")])))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert!(put.item_collection_metrics().is_none());
}

#[tokio::test]
async fn an_unknown_metrics_value_is_refused_as_aws_refuses_it() {
    let (_emulator, client) = start().await;
    create(&client, "plain", None).await;
    let expected = (
        "ValidationException".to_owned(),
        "1 validation error detected: Value 'BYTES' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]".to_owned(),
    );
    let bad = || ReturnItemCollectionMetrics::from("BYTES");
    let put = client
        .put_item()
        .table_name("plain")
        .set_item(Some(item(&[("pk", "a")])))
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&put), expected);
    let batch = client
        .batch_write_item()
        .request_items("plain", vec![put_request(&[("pk", "a")])])
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&batch), expected);
    let transact = client
        .transact_write_items()
        .transact_items(transact_put("plain", &[("pk", "a")]))
        .return_item_collection_metrics(bad())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&transact), expected);
}

fn put_request(pairs: &[(&str, &str)]) -> WriteRequest {
    WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item(pairs)))
                .build()
                .unwrap(),
        )
        .build()
}

fn transact_put(table: &str, pairs: &[(&str, &str)]) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item(pairs)))
                .build()
                .unwrap(),
        )
        .build()
}

/// The per-table map: only the LSI table, one entry per item collection touched.
fn assert_per_table(
    metrics: Option<&HashMap<String, Vec<aws_sdk_dynamodb::types::ItemCollectionMetrics>>>,
) {
    let metrics = metrics.expect("metrics");
    assert_eq!(metrics.keys().collect::<Vec<_>>(), ["coll"]);
    let mut keys: Vec<_> = metrics["coll"]
        .iter()
        .map(|m| m.item_collection_key().unwrap()["pk"].clone())
        .collect();
    keys.sort_by_key(|k| k.as_s().unwrap().clone());
    assert_eq!(keys, [s("c"), s("d")]);
    assert!(
        metrics["coll"]
            .iter()
            .all(|m| m.size_estimate_range_gb() == [0.0, 1.0])
    );
}

#[tokio::test]
async fn batch_and_transaction_answer_metrics_per_table() {
    let (_emulator, client) = start().await;
    create_with_lsi(&client).await;
    create(&client, "plain", None).await;
    let batch = client
        .batch_write_item()
        .request_items(
            "coll",
            vec![
                put_request(&[("pk", "c"), ("sk", "1")]),
                put_request(&[("pk", "c"), ("sk", "2")]),
                put_request(&[("pk", "d"), ("sk", "1")]),
            ],
        )
        .request_items("plain", vec![put_request(&[("pk", "c")])])
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert_per_table(batch.item_collection_metrics());
    let transact = client
        .transact_write_items()
        .transact_items(transact_put("coll", &[("pk", "c"), ("sk", "3")]))
        .transact_items(transact_put("coll", &[("pk", "d"), ("sk", "3")]))
        .transact_items(transact_put("plain", &[("pk", "d")]))
        .return_item_collection_metrics(ReturnItemCollectionMetrics::Size)
        .send()
        .await
        .unwrap();
    assert_per_table(transact.item_collection_metrics());
    let without = client
        .batch_write_item()
        .request_items("coll", vec![put_request(&[("pk", "e"), ("sk", "1")])])
        .send()
        .await
        .unwrap();
    assert!(without.item_collection_metrics().is_none());
}

#[tokio::test]
async fn a_protected_table_cannot_be_deleted_until_protection_is_lifted() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "kept")
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();
    let described = client
        .describe_table()
        .table_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.table().unwrap().deletion_protection_enabled(),
        Some(true)
    );
    let refused = client
        .delete_table()
        .table_name("kept")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&refused),
        (
            "ValidationException".to_owned(),
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.".to_owned()
        )
    );
    let updated = client
        .update_table()
        .table_name("kept")
        .deletion_protection_enabled(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated
            .table_description()
            .unwrap()
            .deletion_protection_enabled(),
        Some(false)
    );
    client
        .delete_table()
        .table_name("kept")
        .send()
        .await
        .expect("deleted once unprotected");
}

// --- Table options: TableClass, SSESpecification, OnDemandThroughput, WarmThroughput,
// GlobalTableSettingsReplicationMode (each accepted and ignored before).

async fn describe(client: &Client, name: &str) -> TableDescription {
    client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

fn invalid(detail: &str) -> (String, String) {
    (
        "ValidationException".to_owned(),
        format!("One or more parameter values were invalid: {detail}"),
    )
}

#[tokio::test]
async fn table_class_is_described_and_updated() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "cold")
        .table_class(TableClass::StandardInfrequentAccess)
        .send()
        .await
        .unwrap();
    let summary = describe(&client, "cold").await.table_class_summary.unwrap();
    assert_eq!(
        summary.table_class(),
        Some(&TableClass::StandardInfrequentAccess)
    );
    assert!(summary.last_update_date_time().is_none());
    client
        .update_table()
        .table_name("cold")
        .table_class(TableClass::Standard)
        .send()
        .await
        .unwrap();
    let summary = describe(&client, "cold").await.table_class_summary.unwrap();
    assert_eq!(summary.table_class(), Some(&TableClass::Standard));
    assert!(summary.last_update_date_time().is_some());
    create(&client, "plain", None).await;
    assert!(
        describe(&client, "plain")
            .await
            .table_class_summary
            .is_none()
    );
    let bad = super::create_request(&client, "bad")
        .table_class(TableClass::from("COLD"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&bad).1,
        "1 validation error detected: Value 'COLD' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]"
    );
}

fn sse(enabled: Option<bool>, kind: Option<SseType>, key: Option<&str>) -> SseSpecification {
    SseSpecification::builder()
        .set_enabled(enabled)
        .set_sse_type(kind)
        .set_kms_master_key_id(key.map(str::to_owned))
        .build()
}

#[tokio::test]
async fn sse_with_the_aws_managed_key_is_described_as_kms() {
    let (_emulator, client) = start().await;
    for name in ["enc1", "enc2"] {
        super::create_request(&client, name)
            .sse_specification(sse(Some(true), None, None))
            .send()
            .await
            .unwrap();
    }
    let first = describe(&client, "enc1").await.sse_description.unwrap();
    assert_eq!(first.status(), Some(&SseStatus::Enabled));
    assert_eq!(first.sse_type(), Some(&SseType::Kms));
    let arn = first.kms_master_key_arn().unwrap();
    let id = arn
        .strip_prefix("arn:aws:kms:us-east-1:000000000000:key/")
        .expect("a key ARN in the account");
    assert!(uuid_like(id), "{arn}");
    let second = describe(&client, "enc2").await.sse_description.unwrap();
    assert_eq!(
        second.kms_master_key_arn(),
        Some(arn),
        "one managed key per account"
    );
    super::create_request(&client, "cmk")
        .sse_specification(sse(
            Some(true),
            Some(SseType::Kms),
            Some("1234abcd-12ab-34cd-56ef-1234567890ab"),
        ))
        .send()
        .await
        .unwrap();
    let cmk = describe(&client, "cmk").await.sse_description.unwrap();
    assert_eq!(
        cmk.kms_master_key_arn(),
        Some("arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    );
    create(&client, "owned", None).await;
    assert!(describe(&client, "owned").await.sse_description.is_none());
}

fn uuid_like(id: &str) -> bool {
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn sse_specifications_aws_refuses_are_refused() {
    let (_emulator, client) = start().await;
    let cases = [
        (
            sse(Some(true), Some(SseType::Aes256), None),
            "SSEType AES256 is not supported",
        ),
        (
            sse(Some(false), Some(SseType::Kms), None),
            "SSEType can not be specified if Enabled is false",
        ),
        (
            sse(Some(false), None, Some("k")),
            "KMSMasterKeyId can not be specified if Enabled is false",
        ),
        (
            sse(Some(true), None, Some("k")),
            "SSEType KMS is required if KMSMasterKeyId is specified",
        ),
    ];
    for (spec, message) in cases {
        let err = super::create_request(&client, "refused")
            .sse_specification(spec)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code_and_message(&err), invalid(message));
    }
}

#[tokio::test]
async fn sse_is_enabled_and_disabled_by_update_table() {
    let (_emulator, client) = start().await;
    create(&client, "sse_t", None).await;
    let update = |spec| {
        client
            .update_table()
            .table_name("sse_t")
            .sse_specification(spec)
            .send()
    };
    let already = update(sse(Some(false), None, None)).await.unwrap_err();
    assert_eq!(
        code_and_message(&already),
        invalid("Table is already encrypted by default")
    );
    let enabling = update(sse(Some(true), None, None)).await.unwrap();
    let answer = enabling.table_description.unwrap().sse_description.unwrap();
    assert_eq!(answer.status(), Some(&SseStatus::Updating));
    let now = describe(&client, "sse_t").await.sse_description.unwrap();
    assert_eq!(now.status(), Some(&SseStatus::Enabled));
    let arn = now.kms_master_key_arn().unwrap().to_owned();
    let same = update(sse(Some(true), Some(SseType::Kms), Some(&arn)))
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&same),
        invalid(
            "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key"
        )
    );
    let disabling = update(sse(Some(false), None, None)).await.unwrap();
    let answer = disabling
        .table_description
        .unwrap()
        .sse_description
        .unwrap();
    assert_eq!(answer.status(), Some(&SseStatus::Updating));
    assert_eq!(answer.kms_master_key_arn(), Some(arn.as_str()));
    assert!(describe(&client, "sse_t").await.sse_description.is_none());
}

fn on_demand(read: Option<i64>, write: Option<i64>) -> OnDemandThroughput {
    OnDemandThroughput::builder()
        .set_max_read_request_units(read)
        .set_max_write_request_units(write)
        .build()
}

fn ceilings(table: &TableDescription) -> (Option<i64>, Option<i64>) {
    let given = table.on_demand_throughput().expect("OnDemandThroughput");
    (
        given.max_read_request_units(),
        given.max_write_request_units(),
    )
}

#[tokio::test]
async fn on_demand_throughput_is_kept_merged_and_checked() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "capped")
        .on_demand_throughput(on_demand(Some(10), None))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ceilings(&describe(&client, "capped").await),
        (Some(10), None)
    );
    let update = |read, write| {
        client
            .update_table()
            .table_name("capped")
            .on_demand_throughput(on_demand(read, write))
            .send()
    };
    update(None, Some(5)).await.unwrap();
    assert_eq!(
        ceilings(&describe(&client, "capped").await),
        (Some(10), Some(5))
    );
    update(Some(-1), None).await.unwrap();
    assert_eq!(
        ceilings(&describe(&client, "capped").await),
        (Some(-1), Some(5))
    );
    let zero = update(Some(0), None).await.unwrap_err();
    let range =
        "Requested MaxReadRequestUnits for OnDemandThroughput for table is outside of valid range";
    assert_eq!(code_and_message(&zero), invalid(range));
    let at_create = super::create_request(&client, "minus")
        .on_demand_throughput(on_demand(Some(-1), Some(-1)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_and_message(&at_create), invalid(range));
    let provisioned = client
        .create_table()
        .table_name("prov")
        .attribute_definitions(attr("pk", S))
        .key_schema(key("pk", KeyType::Hash))
        .provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(1)
                .write_capacity_units(1)
                .build()
                .unwrap(),
        )
        .on_demand_throughput(on_demand(None, Some(3)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&provisioned),
        invalid(
            "MaxWriteRequestUnits for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."
        )
    );
}

fn warm(read: Option<i64>, write: Option<i64>) -> WarmThroughput {
    WarmThroughput::builder()
        .set_read_units_per_second(read)
        .set_write_units_per_second(write)
        .build()
}

#[tokio::test]
async fn warm_throughput_starts_at_on_demand_floor_and_only_grows() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "warm")
        .warm_throughput(warm(Some(13_000), None))
        .send()
        .await
        .unwrap();
    let described = describe(&client, "warm").await.warm_throughput.unwrap();
    assert_eq!(described.read_units_per_second(), Some(13_000));
    assert_eq!(described.write_units_per_second(), Some(4_000));
    assert_eq!(described.status(), Some(&TableStatus::Active));
    let low = super::create_request(&client, "cold")
        .warm_throughput(warm(Some(1), Some(1)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&low),
        invalid(
            "Requested ReadUnitsPerSecond for WarmThroughput for table is lower than initial throughput for OnDemand. See: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html#on-demand-capacity-mode-initial"
        )
    );
    let update = |read, write| {
        client
            .update_table()
            .table_name("warm")
            .warm_throughput(warm(read, write))
            .send()
    };
    let lower = update(None, Some(3_999)).await.unwrap_err();
    assert_eq!(
        code_and_message(&lower),
        invalid(
            "Requested WriteUnitsPerSecond for WarmThroughput for table is lower than current WarmThroughput, decreasing WarmThroughput is not supported"
        )
    );
    let raised = update(None, Some(5_000)).await.unwrap();
    let answer = raised.table_description.unwrap().warm_throughput.unwrap();
    assert_eq!(answer.status(), Some(&TableStatus::Updating));
    let after = describe(&client, "warm").await.warm_throughput.unwrap();
    assert_eq!(
        (
            after.read_units_per_second(),
            after.write_units_per_second()
        ),
        (Some(13_000), Some(5_000))
    );
}

#[tokio::test]
async fn a_gsi_keeps_its_on_demand_and_warm_throughput() {
    let (_emulator, client) = start().await;
    let index = |warm_read| {
        GlobalSecondaryIndex::builder()
            .index_name("by_g")
            .key_schema(key("g", KeyType::Hash))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .on_demand_throughput(on_demand(Some(7), Some(3)))
            .warm_throughput(warm(Some(warm_read), None))
            .build()
            .unwrap()
    };
    let request = |warm_read| {
        super::create_request(&client, "gsi_t")
            .attribute_definitions(attr("g", S))
            .global_secondary_indexes(index(warm_read))
            .send()
    };
    let low = request(100).await.unwrap_err();
    assert_eq!(
        code_and_message(&low),
        invalid(
            "Requested ReadUnitsPerSecond for WarmThroughput for index by_g is lower than initial throughput for OnDemand. See: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html#on-demand-capacity-mode-initial"
        )
    );
    request(20_000).await.unwrap();
    let table = describe(&client, "gsi_t").await;
    let gsi = &table.global_secondary_indexes()[0];
    let limits = gsi.on_demand_throughput().unwrap();
    assert_eq!(
        (
            limits.max_read_request_units(),
            limits.max_write_request_units()
        ),
        (Some(7), Some(3))
    );
    let warm = gsi.warm_throughput().unwrap();
    assert_eq!(
        (warm.read_units_per_second(), warm.write_units_per_second()),
        (Some(20_000), Some(4_000))
    );
}

#[tokio::test]
async fn settings_replication_mode_is_kept_for_a_regional_table() {
    let (_emulator, client) = start().await;
    super::create_request(&client, "src")
        .global_table_settings_replication_mode(GlobalTableSettingsReplicationMode::Enabled)
        .send()
        .await
        .unwrap();
    let mode = |t: TableDescription| t.global_table_settings_replication_mode;
    assert_eq!(
        mode(describe(&client, "src").await),
        Some(GlobalTableSettingsReplicationMode::Enabled)
    );
    let update = |m| {
        client
            .update_table()
            .table_name("src")
            .global_table_settings_replication_mode(m)
            .send()
    };
    update(GlobalTableSettingsReplicationMode::Disabled)
        .await
        .unwrap();
    assert_eq!(
        mode(describe(&client, "src").await),
        Some(GlobalTableSettingsReplicationMode::Disabled)
    );
    let overrides = update(GlobalTableSettingsReplicationMode::EnabledWithOverrides)
        .await
        .unwrap_err();
    assert_eq!(
        code_and_message(&overrides).1,
        "Value 'ENABLED_WITH_OVERRIDES' at 'GlobalTableSettingsReplicationMode' failed to satisfy constraint: Only ENABLED and DISABLED settings replication are supported for a Regional Table."
    );
}
