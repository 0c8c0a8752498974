//! CreateTable/UpdateTable's table options — `TableClass`, `SSESpecification`,
//! `OnDemandThroughput`, `WarmThroughput` (of the table and of each GSI) and
//! `GlobalTableSettingsReplicationMode` — validated with AWS's messages, stored on the table and
//! reported by DescribeTable (`TableClassSummary`, `SSEDescription`, `OnDemandThroughput`,
//! `WarmThroughput`, `GlobalTableSettingsReplicationMode`). Sources of every message:
//! docs/dynamodb-differences.md, "Table options".
//!
//! A request is read in two steps: [`Requested::parse`] (shape only, before the store lock) and
//! then checked against the table ([`check_update`]) before anything changes, so a refused
//! UpdateTable leaves the table as it was.

use serde_json::{Value, json};

use crate::dynamodb::input;
use crate::protocol::AwsError;

/// AWS's initial throughput of an on-demand table: the floor of its `WarmThroughput`.
const ON_DEMAND_WARM: (i64, i64) = (12_000, 4_000);
const ON_DEMAND_INITIAL_DOC: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html#on-demand-capacity-mode-initial";

fn invalid(detail: &str) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

/// Which KMS key encrypts a table that `SSESpecification` enabled.
#[derive(Debug, Clone, PartialEq)]
pub enum KmsKey {
    /// The account's AWS managed key (`alias/aws/dynamodb`).
    Managed,
    /// A customer key, as the ARN DescribeTable reports.
    Arn(String),
}

/// `OnDemandThroughput`'s two ceilings (absent members are `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnDemand {
    pub read: Option<i64>,
    pub write: Option<i64>,
}

impl OnDemand {
    fn members(&self) -> [(&'static str, Option<i64>); 2] {
        [
            ("MaxReadRequestUnits", self.read),
            ("MaxWriteRequestUnits", self.write),
        ]
    }

    fn is_empty(&self) -> bool {
        self.read.is_none() && self.write.is_none()
    }

    pub fn to_json(&self) -> Value {
        let mut out = json!({});
        for (member, value) in self.members() {
            if let Some(value) = value {
                input::set_member(&mut out, member, json!(value));
            }
        }
        out
    }
}

/// `WarmThroughput`'s two figures as given (absent members are `None`).
#[derive(Debug, Clone, Default)]
pub struct Warm {
    pub read: Option<i64>,
    pub write: Option<i64>,
}

/// What the table keeps of its options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub table_class: Option<String>,
    /// When UpdateTable last changed the class (`TableClassSummary.LastUpdateDateTime`).
    pub table_class_updated: Option<f64>,
    /// The KMS key's ARN; `None`: encrypted with the AWS owned key (no `SSEDescription`).
    pub sse: Option<String>,
    pub on_demand: Option<OnDemand>,
    /// Read and write units per second.
    pub warm: Option<(i64, i64)>,
    pub settings_replication: Option<String>,
}

/// The options a request carries, read before the lock.
#[derive(Debug, Default)]
pub struct Requested {
    pub table_class: Option<String>,
    /// `Some((enabled, key))`: the specification's effect.
    pub sse: Option<(bool, Option<KmsKey>)>,
    pub on_demand: Option<OnDemand>,
    pub warm: Option<Warm>,
    pub settings_replication: Option<String>,
}

impl Requested {
    /// Reads the options of a CreateTable or UpdateTable request (shapes and enums only).
    pub fn parse(request: &Value, ctx: &crate::Context) -> Result<Requested, AwsError> {
        let table_class = input::opt_enum(
            request,
            "TableClass",
            &["STANDARD", "STANDARD_INFREQUENT_ACCESS"],
        )?;
        let sse = match structure(request, "SSESpecification")? {
            Some(spec) => Some(parse_sse(&spec, ctx)?),
            None => None,
        };
        let settings = input::opt_enum(
            request,
            "GlobalTableSettingsReplicationMode",
            &["ENABLED", "DISABLED", "ENABLED_WITH_OVERRIDES"],
        )?;
        Ok(Requested {
            table_class: table_class.map(str::to_owned),
            sse,
            on_demand: parse_on_demand(request)?,
            warm: parse_warm(request)?,
            settings_replication: settings.map(str::to_owned),
        })
    }

    /// Whether UpdateTable has anything of these options to do.
    pub fn any(&self) -> bool {
        self.table_class.is_some()
            || self.sse.is_some()
            || self.on_demand.is_some()
            || self.warm.is_some()
            || self.settings_replication.is_some()
    }
}

/// A structure member as a value of its own (read through the one decoder).
fn structure(owner: &Value, member: &str) -> Result<Option<Value>, AwsError> {
    Ok(input::opt_object(owner, member)?.map(|map| Value::Object(map.clone())))
}

fn parse_on_demand(owner: &Value) -> Result<Option<OnDemand>, AwsError> {
    let Some(given) = structure(owner, "OnDemandThroughput")? else {
        return Ok(None);
    };
    let given = &given;
    Ok(Some(OnDemand {
        read: input::opt_int(given, "MaxReadRequestUnits")?,
        write: input::opt_int(given, "MaxWriteRequestUnits")?,
    }))
}

fn parse_warm(owner: &Value) -> Result<Option<Warm>, AwsError> {
    let Some(given) = structure(owner, "WarmThroughput")? else {
        return Ok(None);
    };
    let given = &given;
    Ok(Some(Warm {
        read: input::opt_int(given, "ReadUnitsPerSecond")?,
        write: input::opt_int(given, "WriteUnitsPerSecond")?,
    }))
}

/// `SSESpecification`: `Enabled`, `SSEType` (only `KMS` is supported) and `KMSMasterKeyId`,
/// in AWS's order of checks.
fn parse_sse(spec: &Value, ctx: &crate::Context) -> Result<(bool, Option<KmsKey>), AwsError> {
    let enabled = input::opt_bool(spec, "Enabled")?;
    let sse_type = input::opt_enum(spec, "SSEType", &["AES256", "KMS"])?;
    let key = input::opt_str(spec, "KMSMasterKeyId")?;
    if enabled == Some(false) {
        if sse_type.is_some() {
            return Err(invalid("SSEType can not be specified if Enabled is false"));
        }
        if key.is_some() {
            return Err(invalid(
                "KMSMasterKeyId can not be specified if Enabled is false",
            ));
        }
    }
    if sse_type == Some("AES256") {
        return Err(invalid("SSEType AES256 is not supported"));
    }
    if key.is_some() && sse_type != Some("KMS") {
        return Err(invalid(
            "SSEType KMS is required if KMSMasterKeyId is specified",
        ));
    }
    let on = enabled == Some(true) || sse_type == Some("KMS");
    Ok((
        on,
        on.then(|| key.map_or(KmsKey::Managed, |k| kms_key(k, ctx))),
    ))
}

/// The key a `KMSMasterKeyId` names, as DescribeTable reports it: an ARN as given, a key id as
/// its key ARN; `alias/aws/dynamodb` (or its ARN) is the AWS managed key. Other aliases are
/// reported as alias ARNs: the emulator has no KMS to resolve them (docs/dynamodb-differences.md).
fn kms_key(id: &str, ctx: &crate::Context) -> KmsKey {
    let managed_alias = ctx.arn("kms", "alias/aws/dynamodb");
    if id == "alias/aws/dynamodb" || id == managed_alias {
        KmsKey::Managed
    } else if id.starts_with("arn:") {
        KmsKey::Arn(id.to_owned())
    } else if id.starts_with("alias/") {
        KmsKey::Arn(ctx.arn("kms", id))
    } else {
        KmsKey::Arn(ctx.arn("kms", &format!("key/{id}")))
    }
}

/// The on-demand ceilings of a new table (or GSI, `owner` naming it in messages as `table` or
/// `index NAME`): refused on a provisioned table, each member at least 1; `{}` is no ceiling.
pub fn create_on_demand(
    given: Option<OnDemand>,
    billing_mode: &str,
    owner: &str,
) -> Result<Option<OnDemand>, AwsError> {
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Ok(None);
    };
    for (member, value) in given.members() {
        if value.is_some() && billing_mode == "PROVISIONED" {
            return Err(invalid(&format!(
                "{member} for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."
            )));
        }
    }
    for (member, value) in given.members() {
        if value.is_some_and(|v| v < 1) {
            return Err(out_of_range(member, owner));
        }
    }
    Ok(Some(given))
}

fn out_of_range(member: &str, owner: &str) -> AwsError {
    invalid(&format!(
        "Requested {member} for OnDemandThroughput for {owner} is outside of valid range"
    ))
}

/// The warm throughput a new table (or GSI) starts with: at least on-demand's initial
/// throughput, or the provisioned capacity; absent members take that floor.
pub fn create_warm(
    given: Option<Warm>,
    provisioned: &Value,
    billing_mode: &str,
    owner: &str,
) -> Result<Option<(i64, i64)>, AwsError> {
    let Some(given) = given.filter(|w| w.read.is_some() || w.write.is_some()) else {
        return Ok(None);
    };
    let provisioned_mode = billing_mode == "PROVISIONED";
    let floor = if provisioned_mode {
        capacity(provisioned)
    } else {
        ON_DEMAND_WARM
    };
    for (member, value, min, capacity) in [
        (
            "ReadUnitsPerSecond",
            given.read,
            floor.0,
            "ReadCapacityUnits",
        ),
        (
            "WriteUnitsPerSecond",
            given.write,
            floor.1,
            "WriteCapacityUnits",
        ),
    ] {
        if value.is_some_and(|v| v < min) {
            return Err(invalid(&if provisioned_mode {
                format!(
                    "Requested {member} for WarmThroughput for {owner} is lower than {capacity} of ProvisionedThroughput"
                )
            } else {
                format!(
                    "Requested {member} for WarmThroughput for {owner} is lower than initial throughput for OnDemand. See: {ON_DEMAND_INITIAL_DOC}"
                )
            }));
        }
    }
    Ok(Some((
        given.read.unwrap_or(floor.0),
        given.write.unwrap_or(floor.1),
    )))
}

/// Read and write capacity units of a `ProvisionedThroughput` description.
fn capacity(provisioned: &Value) -> (i64, i64) {
    let units = |member: &str| provisioned.get(member).and_then(Value::as_i64).unwrap_or(0);
    (units("ReadCapacityUnits"), units("WriteCapacityUnits"))
}

/// A new table's options (after its billing mode and throughput are known).
/// `managed_arn` is the ARN of the account's AWS managed key.
pub fn for_create(
    requested: Requested,
    billing_mode: &str,
    provisioned: &Value,
    managed_arn: &str,
) -> Result<Options, AwsError> {
    Ok(Options {
        table_class: requested.table_class,
        table_class_updated: None,
        sse: requested
            .sse
            .and_then(|(_, key)| key)
            .map(|key| key_arn(&key, managed_arn)),
        on_demand: create_on_demand(requested.on_demand, billing_mode, "table")?,
        warm: create_warm(requested.warm, provisioned, billing_mode, "table")?,
        settings_replication: requested.settings_replication,
    })
}

/// The table as UpdateTable finds it: what [`check_update`] compares the request with.
pub struct Current<'a> {
    pub options: &'a Options,
    /// The billing mode the table will have after this call.
    pub billing_mode: &'a str,
    pub provisioned: &'a Value,
}

/// Checks UpdateTable's options against the table, in AWS's words, changing nothing.
pub fn check_update(requested: &Requested, current: &Current<'_>) -> Result<(), AwsError> {
    if let Some(on_demand) = &requested.on_demand {
        check_on_demand_update(on_demand, current.billing_mode)?;
    }
    if let Some(warm) = &requested.warm {
        check_warm_update(warm, current)?;
    }
    if let Some((enabled, key)) = &requested.sse {
        check_sse_update(*enabled, key.as_ref(), current.options)?;
    }
    if requested.settings_replication.as_deref() == Some("ENABLED_WITH_OVERRIDES") {
        return Err(AwsError::validation(
            "Value 'ENABLED_WITH_OVERRIDES' at 'GlobalTableSettingsReplicationMode' failed to satisfy constraint: Only ENABLED and DISABLED settings replication are supported for a Regional Table.",
        ));
    }
    Ok(())
}

/// AWS answers an empty `OnDemandThroughput` or `WarmThroughput` on UpdateTable with a bare
/// 500 (measured; docs/dynamodb-differences.md).
fn empty_update_member() -> AwsError {
    AwsError::internal("")
}

fn check_on_demand_update(given: &OnDemand, billing_mode: &str) -> Result<(), AwsError> {
    if given.is_empty() {
        return Err(empty_update_member());
    }
    for (member, value) in given.members() {
        if value.is_some() && billing_mode == "PROVISIONED" {
            return Err(invalid(&format!(
                "{member} for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED"
            )));
        }
    }
    for (member, value) in given.members() {
        if value.is_some_and(|v| v == 0 || v < -1) {
            return Err(out_of_range(member, "table"));
        }
    }
    Ok(())
}

fn current_warm(current: &Current<'_>) -> (i64, i64) {
    current.options.warm.unwrap_or_else(|| {
        if current.billing_mode == "PROVISIONED" {
            capacity(current.provisioned)
        } else {
            ON_DEMAND_WARM
        }
    })
}

fn check_warm_update(given: &Warm, current: &Current<'_>) -> Result<(), AwsError> {
    if given.read.is_none() && given.write.is_none() {
        return Err(empty_update_member());
    }
    let (read, write) = current_warm(current);
    for (member, value, now) in [
        ("ReadUnitsPerSecond", given.read, read),
        ("WriteUnitsPerSecond", given.write, write),
    ] {
        if value.is_some_and(|v| v < now) {
            return Err(invalid(&format!(
                "Requested {member} for WarmThroughput for table is lower than current WarmThroughput, decreasing WarmThroughput is not supported"
            )));
        }
    }
    Ok(())
}

fn check_sse_update(
    enabled: bool,
    key: Option<&KmsKey>,
    options: &Options,
) -> Result<(), AwsError> {
    match (&options.sse, enabled, key) {
        (None, false, _) => Err(invalid("Table is already encrypted by default")),
        (Some(now), true, Some(KmsKey::Arn(given))) if now == given => Err(invalid(
            "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key",
        )),
        _ => Ok(()),
    }
}

/// How the UpdateTable answer shows options still changing (AWS reports them `UPDATING`).
#[derive(Default)]
pub struct Changing {
    /// The key of an encryption change (the old one when encryption is being disabled).
    pub sse: Option<String>,
    pub warm: bool,
}

/// Where an update happens: the table's billing mode after it and its throughput, the time
/// (which dates a table-class change) and the ARN of the account's AWS managed key.
pub struct UpdateContext<'a> {
    pub billing_mode: &'a str,
    pub provisioned: &'a Value,
    pub now: f64,
    pub managed_arn: &'a str,
}

/// Applies checked options to the table.
pub fn apply_update(
    requested: Requested,
    options: &mut Options,
    at: &UpdateContext<'_>,
) -> Changing {
    let (billing_mode, provisioned, now) = (at.billing_mode, at.provisioned, at.now);
    let mut changing = Changing::default();
    if let Some(class) = requested.table_class {
        options.table_class = Some(class);
        options.table_class_updated = Some(now);
    }
    if let Some((_, key)) = requested.sse {
        let arn = key.map(|key| key_arn(&key, at.managed_arn));
        changing.sse = arn.clone().or_else(|| options.sse.clone());
        options.sse = arn;
    }
    if billing_mode == "PROVISIONED" {
        options.on_demand = None;
    }
    if let Some(given) = requested.on_demand {
        let stored = options.on_demand.get_or_insert_with(OnDemand::default);
        stored.read = given.read.or(stored.read);
        stored.write = given.write.or(stored.write);
    }
    if let Some(given) = requested.warm {
        let current = Current {
            options,
            billing_mode,
            provisioned,
        };
        let (read, write) = current_warm(&current);
        options.warm = Some((given.read.unwrap_or(read), given.write.unwrap_or(write)));
        changing.warm = true;
    }
    if let Some(mode) = requested.settings_replication {
        options.settings_replication = Some(mode);
    }
    changing
}

/// The ARN DescribeTable reports for a key.
fn key_arn(key: &KmsKey, managed_arn: &str) -> String {
    match key {
        KmsKey::Managed => managed_arn.to_owned(),
        KmsKey::Arn(arn) => arn.clone(),
    }
}

/// Adds the options to a `TableDescription`.
pub fn describe(options: &Options, changing: &Changing, description: &mut Value) {
    if let Some(class) = &options.table_class {
        let mut summary = json!({ "TableClass": class });
        if let Some(updated) = options.table_class_updated {
            input::set_member(&mut summary, "LastUpdateDateTime", json!(updated));
        }
        input::set_member(description, "TableClassSummary", summary);
    }
    let (sse_key, sse_status) = match (&changing.sse, &options.sse) {
        (Some(key), _) => (Some(key), "UPDATING"),
        (None, Some(key)) => (Some(key), "ENABLED"),
        (None, None) => (None, ""),
    };
    if let Some(key) = sse_key {
        input::set_member(
            description,
            "SSEDescription",
            json!({"Status": sse_status, "SSEType": "KMS", "KMSMasterKeyArn": key}),
        );
    }
    if let Some(on_demand) = &options.on_demand {
        input::set_member(description, "OnDemandThroughput", on_demand.to_json());
    }
    if let Some((read, write)) = options.warm {
        let status = if changing.warm { "UPDATING" } else { "ACTIVE" };
        input::set_member(
            description,
            "WarmThroughput",
            json!({"ReadUnitsPerSecond": read, "WriteUnitsPerSecond": write, "Status": status}),
        );
    }
    if let Some(mode) = &options.settings_replication {
        input::set_member(
            description,
            "GlobalTableSettingsReplicationMode",
            json!(mode),
        );
    }
}

/// A GSI's on-demand ceilings and warm throughput (read and write units per second).
pub type IndexThroughput = (Option<OnDemand>, Option<(i64, i64)>);

/// A GSI definition's `OnDemandThroughput` and `WarmThroughput` (CreateTable, UpdateTable's
/// `Create`), checked as the table's are, with the index named in the messages.
pub fn index_throughput(
    definition: &Value,
    name: &str,
    billing_mode: &str,
    provisioned: &Value,
) -> Result<IndexThroughput, AwsError> {
    let owner = format!("index {name}");
    let on_demand = create_on_demand(parse_on_demand(definition)?, billing_mode, &owner)?;
    let warm = create_warm(parse_warm(definition)?, provisioned, billing_mode, &owner)?;
    Ok((on_demand, warm))
}
