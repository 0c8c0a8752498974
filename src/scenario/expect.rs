//! Validating a scenario's `expect:` and `invariants:` blocks: status counts (exact or as
//! ranges) name statuses the application has and are not given twice; skipped invariants name
//! built-in ones and say why.

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::Spanned;

use super::load::ScenarioError;
use super::model::{Expectations, InvariantsSpec};
use crate::invariants::{self, CountRange};

/// What `expect:` asks for: exact statuses (the older form) and counts as ranges.
pub(super) type Expected = (
    Option<BTreeMap<String, usize>>,
    BTreeMap<String, CountRange>,
);

/// Checks `expect:`; a status given both in `statuses` and in `counts`, an unknown status
/// or a range whose `min` is above its `max` is an error at the `counts` block.
pub(super) fn validate_expect(
    path: &Path,
    expect: Option<Expectations>,
) -> Result<Expected, ScenarioError> {
    let Some(expect) = expect else {
        return Ok((None, BTreeMap::new()));
    };
    let Some(Spanned {
        value: counts,
        referenced,
        ..
    }) = expect.counts
    else {
        return Ok((Some(expect.statuses), BTreeMap::new()));
    };
    let at = |message: String| ScenarioError::at(path, referenced, message);
    for (status, range) in &counts {
        if !invariants::STATUSES.contains(&status.as_str()) {
            return Err(at(format!(
                "counts: unknown order status {status} (the statuses are {})",
                invariants::STATUSES.join(", ")
            )));
        }
        if expect.statuses.contains_key(status) {
            return Err(at(format!(
                "counts: {status} is also under statuses: give it once"
            )));
        }
        if let (Some(min), Some(max)) = (range.min, range.max)
            && min > max
        {
            return Err(at(format!(
                "counts: {status} has min {min} above max {max}"
            )));
        }
    }
    Ok((Some(expect.statuses), counts))
}

/// Checks `invariants.skip`: every name is a built-in invariant and every reason is given.
pub(super) fn validate_skips(
    path: &Path,
    spec: Option<InvariantsSpec>,
) -> Result<BTreeMap<String, String>, ScenarioError> {
    let Some(Spanned {
        value: skips,
        referenced,
        ..
    }) = spec.and_then(|spec| spec.skip)
    else {
        return Ok(BTreeMap::new());
    };
    for (name, reason) in &skips {
        if invariants::built_in(name).is_none() {
            return Err(ScenarioError::at(
                path,
                referenced,
                format!(
                    "invariants.skip: unknown invariant {name} (the built-in invariants are {})",
                    invariants::names().join(", ")
                ),
            ));
        }
        if reason.trim().is_empty() {
            return Err(ScenarioError::at(
                path,
                referenced,
                format!("invariants.skip: {name} needs a reason"),
            ));
        }
    }
    Ok(skips)
}
