//! Global-table members, refused: the emulator is one account in one region, so a replica or
//! witness in another region, or a source table in another account, cannot be reached.
//! `ReplicaUpdates`, `MultiRegionConsistency` and `GlobalTableWitnessUpdates` (UpdateTable) and
//! `GlobalTableSourceArn` (CreateTable) are each answered with the error AWS gives for a region
//! that cannot be used or a replica that is not there — never accepted and ignored. Evidence:
//! docs/dynamodb-differences.md, "Global tables".

use serde_json::Value;

use crate::dynamodb::input;
use crate::protocol::AwsError;

fn region_unreachable(region: &str) -> AwsError {
    AwsError::validation(format!(
        "Failed to access the region: \u{2018}{region}\u{2019}. User is missing the permissions since the region is disabled."
    ))
}

/// One action of `ReplicaUpdates` or `GlobalTableWitnessUpdates`.
enum Action<'a> {
    Create(&'a str),
    Update(&'a str),
    Delete(&'a str),
}

/// The actions of a replica or witness update list (`[]` and `[{}]` refused as AWS does).
fn actions<'a>(
    request: &'a Value,
    member: &str,
    kinds: &[&str],
) -> Result<Option<Vec<Action<'a>>>, AwsError> {
    let Some(list) = input::opt_array(request, member)? else {
        return Ok(None);
    };
    if list.is_empty() {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '[]' at '{}' failed to satisfy constraint: Member must have length greater than or equal to 1",
            crate::protocol::error::lower_camel(member)
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    for update in list {
        let action = kinds.iter().find_map(|kind| {
            update
                .get(*kind)
                .filter(|v| !v.is_null())
                .map(|v| (*kind, v))
        });
        let Some((kind, body)) = action else {
            return Err(AwsError::validation(
                "There are no actions specified in the Replica Update Action of the request.",
            ));
        };
        let region = input::req_str(body, "RegionName")?;
        out.push(match kind {
            "Create" => Action::Create(region),
            "Update" => Action::Update(region),
            _ => Action::Delete(region),
        });
    }
    Ok(Some(out))
}

/// UpdateTable's global-table members: read and refused. `Ok` only when none is present.
pub fn refuse_update(request: &Value, ctx: &crate::Context) -> Result<(), AwsError> {
    let replicas = actions(request, "ReplicaUpdates", &["Create", "Update", "Delete"])?;
    let consistency = input::opt_enum(request, "MultiRegionConsistency", &["EVENTUAL", "STRONG"])?;
    let witnesses = actions(request, "GlobalTableWitnessUpdates", &["Create", "Delete"])?;
    for action in replicas.iter().flatten() {
        refuse_replica(action, ctx)?;
    }
    let creates_replica = replicas
        .iter()
        .flatten()
        .any(|a| matches!(a, Action::Create(_)));
    if consistency.is_some() && !creates_replica {
        return Err(AwsError::validation(
            "Only Replica Create actions are supported when MultiRegionConsistency parameter is provided.",
        ));
    }
    if let Some(witnesses) = witnesses {
        if consistency != Some("STRONG") {
            return Err(AwsError::validation(
                "MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates parameter is present.",
            ));
        }
        for action in &witnesses {
            refuse_witness(action, ctx)?;
        }
    }
    Ok(())
}

/// A replica action: the local region is refused as AWS refuses it; another region cannot be
/// reached to create a replica in, and holds none to update or delete.
fn refuse_replica(action: &Action<'_>, ctx: &crate::Context) -> Result<(), AwsError> {
    let (Action::Create(region) | Action::Update(region) | Action::Delete(region)) = action;
    if *region == ctx.region {
        return Err(AwsError::validation(
            "Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.",
        ));
    }
    Err(match action {
        Action::Create(region) => region_unreachable(region),
        _ => AwsError::validation(format!(
            "Update global table operation failed because one or more replicas were not part of the global table. Please retry the request without these replicas: [{region}]."
        )),
    })
}

fn refuse_witness(action: &Action<'_>, _ctx: &crate::Context) -> Result<(), AwsError> {
    Err(match action {
        Action::Create(region) | Action::Update(region) => region_unreachable(region),
        Action::Delete(region) => AwsError::validation(format!(
            "Update global table operation failed because one or more witnesses were not part of the global table. Please retry the request without these witnesses: [{region}]."
        )),
    })
}

/// CreateTable's `GlobalTableSourceArn`: the source of a multi-account global table lives in
/// another account and region, which this emulator does not have. Refused; `Ok` when absent.
pub fn refuse_source(request: &Value, ctx: &crate::Context) -> Result<(), AwsError> {
    let Some(arn) = input::opt_str(request, "GlobalTableSourceArn")? else {
        return Ok(());
    };
    let region = arn.split(':').nth(3).filter(|r| !r.is_empty());
    Err(match region {
        Some(region) if region != ctx.region => region_unreachable(region),
        _ => AwsError::validation(format!(
            "One or more parameter values were invalid: Invalid resource Arn: {arn}"
        )),
    })
}
