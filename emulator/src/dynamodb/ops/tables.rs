//! Table operations: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable (its
//! GSI creates and deletes are in [`super::gsi_updates`], tags in [`super::tags`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::dynamodb::DynamoDb;
use crate::dynamodb::store::Store;
use crate::dynamodb::streams::StreamLog;
use crate::dynamodb::table::{KeySchema, StreamSpec, Table};
use crate::dynamodb::{index, input};

use super::table_options::{self, Changing, Requested};
use super::{global_tables, gsi_updates, resource_policy, tags};
use crate::protocol::AwsError;

fn table_not_found(name: &str) -> AwsError {
    AwsError::new(
        400,
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {name} not found"),
    )
}

fn invalid_param(detail: &str) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

pub fn create_table(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let definitions = attribute_definitions(request)?;
    let key = key_schema(request, &definitions)?;
    let billing_mode =
        input::opt_enum(request, "BillingMode", &["PROVISIONED", "PAY_PER_REQUEST"])?
            .unwrap_or("PROVISIONED");
    let provisioned = provisioned_throughput(request, billing_mode)?;
    let stream = stream_spec(request)?;
    let deletion_protection = input::opt_bool(request, "DeletionProtectionEnabled")?;
    let ctx = db.context();
    let requested = Requested::parse(request, ctx)?;
    global_tables::refuse_source(request, ctx)?;
    let policy = input::opt_str(request, "ResourcePolicy")?;
    if let Some(document) = policy {
        resource_policy::check_document(document)?;
    }
    let arn = ctx.arn("dynamodb", &format!("table/{name}"));
    let indexes = index::from_create_request(request, &arn, &key, &definitions, billing_mode)?;
    let mut table_tags = BTreeMap::new();
    if let Some(given) = tags::parse_tags(request)? {
        tags::apply_tags(&mut table_tags, given)?;
    }
    let created = ctx.clock.now_epoch_seconds();
    let store = db.store();
    let mut registry = store.registry_mut();
    if registry.contains_key(name) {
        return Err(AwsError::new(
            400,
            "ResourceInUseException",
            format!("Table already exists: {name}"),
        ));
    }
    let managed = managed_key_arn(ctx, store);
    let options = table_options::for_create(requested, billing_mode, &provisioned, &managed)?;
    let policy = policy.map(|document| resource_policy::Policy {
        document: document.to_owned(),
        revision: store.new_policy_revision(ctx.clock.now_epoch_millis()),
    });
    let mut table = Table {
        name: name.to_owned(),
        arn,
        table_id: ctx.ids.uuid().to_string(),
        created,
        key,
        attribute_definitions: request["AttributeDefinitions"].clone(),
        billing_mode: billing_mode.to_owned(),
        pay_per_request_since: (billing_mode == "PAY_PER_REQUEST").then_some(created),
        provisioned,
        stream: None,
        latest_stream_arn: None,
        latest_stream_label: None,
        ttl_attribute: None,
        items: BTreeMap::new(),
        indexes,
        tags: table_tags,
        deletion_protection: deletion_protection.unwrap_or(false),
        options,
        policy,
        stream_slots: BTreeMap::new(),
        deleted: false,
    };
    if let Some(spec) = stream {
        enable_stream(ctx, store, &mut table, spec);
    }
    let description = describe(&table, None);
    registry.insert(name.to_owned(), Arc::new(RwLock::new(table)));
    Ok(json!({ "TableDescription": description }))
}

fn enable_stream(ctx: &crate::Context, store: &Store, table: &mut Table, spec: StreamSpec) {
    if spec.enabled {
        let log = StreamLog::new(
            ctx,
            &table.name,
            table.key.clone(),
            &spec.view_type,
            store.upcoming_sequence(),
        );
        table.latest_stream_arn = Some(log.arn.clone());
        table.latest_stream_label = Some(log.label.clone());
        store.add_stream(log);
    }
    table.stream = Some(spec);
}

fn attribute_definitions(request: &Value) -> Result<BTreeMap<String, String>, AwsError> {
    let mut definitions = BTreeMap::new();
    for definition in input::req_array(request, "AttributeDefinitions")? {
        let name = input::req_str(definition, "AttributeName")?;
        let kind = input::opt_enum(definition, "AttributeType", &["S", "N", "B"])?
            .ok_or_else(|| input::missing("AttributeType"))?;
        definitions.insert(name.to_owned(), kind.to_owned());
    }
    Ok(definitions)
}

fn key_schema(
    request: &Value,
    definitions: &BTreeMap<String, String>,
) -> Result<KeySchema, AwsError> {
    let key = KeySchema::parse(request, definitions, "keySchema")?;
    if definitions.len() != key.attrs().count()
        && request.get("GlobalSecondaryIndexes").is_none()
        && request.get("LocalSecondaryIndexes").is_none()
    {
        return Err(invalid_param(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    Ok(key)
}

fn provisioned_throughput(request: &Value, billing_mode: &str) -> Result<Value, AwsError> {
    let given = input::opt_object(request, "ProvisionedThroughput")?;
    match (billing_mode, given) {
        ("PROVISIONED", None) => Err(invalid_param(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )),
        ("PROVISIONED", Some(throughput)) => Ok(json!({
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": throughput.get("ReadCapacityUnits").cloned().unwrap_or(json!(0)),
            "WriteCapacityUnits": throughput.get("WriteCapacityUnits").cloned().unwrap_or(json!(0)),
        })),
        (_, Some(_)) => Err(invalid_param(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        )),
        (_, None) => Ok(json!({
            "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
        })),
    }
}

fn stream_spec(request: &Value) -> Result<Option<StreamSpec>, AwsError> {
    let Some(spec) = request.get("StreamSpecification").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let enabled =
        input::opt_bool(spec, "StreamEnabled")?.ok_or_else(|| input::missing("StreamEnabled"))?;
    let view_type = input::opt_enum(
        spec,
        "StreamViewType",
        &["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"],
    )?;
    match (enabled, view_type) {
        (true, None) => Err(AwsError::validation(
            "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true",
        )),
        (false, Some(_)) => Err(AwsError::validation(
            "One or more parameter values were invalid: StreamViewType cannot be specified when StreamEnabled is false",
        )),
        (_, view_type) => Ok(Some(StreamSpec {
            enabled,
            view_type: view_type.unwrap_or_default().to_owned(),
        })),
    }
}

/// The ARN of the account's AWS managed KMS key for DynamoDB (`alias/aws/dynamodb`).
fn managed_key_arn(ctx: &crate::Context, store: &Store) -> String {
    ctx.arn("kms", &format!("key/{}", store.managed_kms_key(&ctx.ids)))
}

/// `TableDescription` as DescribeTable (and Create/Delete) return it.
pub(super) fn describe(table: &Table, status: Option<&str>) -> Value {
    describe_changing(table, status, &Changing::default())
}

/// `TableDescription` with the options an UpdateTable call is still changing.
fn describe_changing(table: &Table, status: Option<&str>, changing: &Changing) -> Value {
    let mut description = json!({
        "AttributeDefinitions": table.attribute_definitions,
        "TableName": table.name,
        "KeySchema": table.key.to_json(),
        "TableStatus": status.unwrap_or("ACTIVE"),
        "CreationDateTime": table.created,
        "ProvisionedThroughput": table.provisioned,
        "TableSizeBytes": table.size_bytes(),
        "ItemCount": table.items.len(),
        "TableArn": table.arn,
        "TableId": table.table_id,
        "DeletionProtectionEnabled": table.deletion_protection,
    });
    if let Some(since) = table.pay_per_request_since {
        input::set_member(
            &mut description,
            "BillingModeSummary",
            json!({
                "BillingMode": table.billing_mode,
                "LastUpdateToPayPerRequestDateTime": since,
            }),
        );
    }
    if let Some(spec) = &table.stream {
        input::set_member(
            &mut description,
            "StreamSpecification",
            if spec.enabled {
                json!({"StreamEnabled": true, "StreamViewType": spec.view_type})
            } else {
                json!({"StreamEnabled": false})
            },
        );
    }
    for (member, global) in [
        ("LocalSecondaryIndexes", false),
        ("GlobalSecondaryIndexes", true),
    ] {
        let described: Vec<Value> = table
            .indexes
            .iter()
            .filter(|i| i.global == global)
            .map(|i| i.describe(table))
            .collect();
        if !described.is_empty() {
            input::set_member(&mut description, member, Value::Array(described));
        }
    }
    if let (Some(arn), Some(label)) = (&table.latest_stream_arn, &table.latest_stream_label) {
        input::set_member(&mut description, "LatestStreamArn", json!(arn));
        input::set_member(&mut description, "LatestStreamLabel", json!(label));
    }
    table_options::describe(&table.options, changing, &mut description);
    description
}

pub fn describe_table(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let tables = db.handles([name]);
    let state = tables.read();
    let table = state.get(name).ok_or_else(|| table_not_found(name))?;
    Ok(json!({ "Table": describe(table, None) }))
}

pub fn list_tables(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let limit = input::opt_int(request, "Limit")?.unwrap_or(100);
    let bound = match limit {
        ..1 => Some("greater than or equal to 1"),
        101.. => Some("less than or equal to 100"),
        _ => None,
    };
    if let Some(bound) = bound {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {bound}"
        )));
    }
    let start = input::opt_str(request, "ExclusiveStartTableName")?;
    if let Some(start) = start {
        input::table_name(&json!({ "TableName": start })).map_err(|mut err| {
            err.message = err
                .message
                .replace("at 'tableName'", "at 'exclusiveStartTableName'");
            err
        })?;
    }
    let registry = db.store().registry();
    let names: Vec<&String> = registry
        .keys()
        .filter(|n| start.is_none_or(|s| n.as_str() > s))
        .collect();
    let page: Vec<&String> = names.iter().take(limit as usize).copied().collect();
    let mut output = json!({ "TableNames": page });
    if names.len() > page.len()
        && let Some(last) = page.last()
    {
        input::set_member(&mut output, "LastEvaluatedTableName", json!(last));
    }
    Ok(output)
}

pub fn delete_table(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let store = db.store();
    let tables = store.handles([name]);
    let mut state = tables.write();
    let table = state.table_mut(name).map_err(|_| table_not_found(name))?;
    if table.deletion_protection {
        return Err(AwsError::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    // Lock order: the table, then the registry, then its stream (see `store`).
    store.registry_mut().remove(name);
    table.deleted = true;
    store.disable_stream(table.latest_stream_arn.as_ref());
    Ok(json!({ "TableDescription": describe(table, Some("DELETING")) }))
}

/// UpdateTable: billing mode, throughput, stream settings, deletion protection, one GSI
/// create or delete, the table options ([`table_options`]); global-table members refused
/// ([`global_tables`]).
pub fn update_table(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let name = input::table_name(request)?;
    let stream = stream_spec(request)?;
    let billing_mode =
        input::opt_enum(request, "BillingMode", &["PROVISIONED", "PAY_PER_REQUEST"])?;
    let gsi_change = gsi_updates::parse(request)?;
    let throughput_given = input::opt_object(request, "ProvisionedThroughput")?.is_some();
    let deletion_protection = input::opt_bool(request, "DeletionProtectionEnabled")?;
    let ctx = db.context();
    let requested = Requested::parse(request, ctx)?;
    let global = [
        "ReplicaUpdates",
        "MultiRegionConsistency",
        "GlobalTableWitnessUpdates",
    ]
    .iter()
    .any(|m| request.get(*m).is_some_and(|v| !v.is_null()));
    if stream.is_none()
        && billing_mode.is_none()
        && gsi_change.is_none()
        && !throughput_given
        && deletion_protection.is_none()
        && !requested.any()
        && !global
    {
        return Err(AwsError::validation("Nothing to update"));
    }
    let store = db.store();
    let managed = managed_key_arn(ctx, store);
    let tables = store.handles([name]);
    let mut state = tables.write();
    let table = state.table_mut(name).map_err(|_| table_not_found(name))?;
    global_tables::refuse_update(request, ctx)?;
    if let Some(change) = &gsi_change {
        gsi_updates::check(table, request, change)?;
    }
    let mode_after = billing_mode.unwrap_or(&table.billing_mode).to_owned();
    let provisioned_after = match billing_mode {
        Some(mode) => provisioned_throughput(request, mode)?,
        None => table.provisioned.clone(),
    };
    let current = table_options::Current {
        options: &table.options,
        billing_mode: &mode_after,
        provisioned: &provisioned_after,
    };
    table_options::check_update(&requested, &current)?;
    if let Some(mode) = billing_mode {
        table.provisioned = provisioned_after;
        if mode == "PAY_PER_REQUEST" && table.billing_mode != mode {
            table.pay_per_request_since = Some(ctx.clock.now_epoch_seconds());
        }
        table.billing_mode = mode.to_owned();
    }
    if let Some(spec) = stream {
        let currently = table.stream.as_ref().is_some_and(|s| s.enabled);
        match (currently, spec.enabled) {
            (true, true) => {
                return Err(invalid_param(&format!(
                    "Table already has an enabled stream: {}",
                    table.arn
                )));
            }
            (false, false) => return Err(invalid_param("Stream is already disabled")),
            (true, false) => {
                store.disable_stream(table.latest_stream_arn.as_ref());
                // A disabled stream leaves no StreamSpecification (as DynamoDB Local shows).
                table.stream = None;
            }
            (false, true) => enable_stream(ctx, store, table, spec),
        }
    }
    let transient = match &gsi_change {
        Some(change) => gsi_updates::apply(table, request, change)?,
        None => None,
    };
    if let Some(protection) = deletion_protection {
        table.deletion_protection = protection;
    }
    let at = table_options::UpdateContext {
        billing_mode: &mode_after,
        provisioned: &table.provisioned,
        now: ctx.clock.now_epoch_seconds(),
        managed_arn: &managed,
    };
    let changing = table_options::apply_update(requested, &mut table.options, &at);
    let mut description = describe_changing(table, None, &changing);
    if let Some(transient) = &transient {
        gsi_updates::show_transient(&mut description, table, transient);
    }
    Ok(json!({ "TableDescription": description }))
}
