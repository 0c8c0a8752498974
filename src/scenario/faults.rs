//! Validating a scenario's `faults` and `mock_config`: each fault names exactly one target
//! (`function` or `state`), an invocation index (`"0"`, `"1-2"` or `all`) and exactly one
//! response (`throw`, `timeout: true` or `return`); a MockConfigFile must be readable JSON.

use std::path::Path;

use serde_saphyr::Spanned;

use super::load::ScenarioError;
use super::model::{Fault, FaultResponse, FaultSpec, FaultTarget};

/// Every fault, validated, in the order written.
pub fn validate_faults(path: &Path, specs: Vec<FaultSpec>) -> Result<Vec<Fault>, ScenarioError> {
    specs
        .into_iter()
        .map(|spec| validate_fault(path, spec))
        .collect()
}

fn validate_fault(path: &Path, spec: FaultSpec) -> Result<Fault, ScenarioError> {
    let at = spec.invocations.referenced;
    let target = match (spec.function, spec.state) {
        (Some(function), None) => FaultTarget::Function(non_empty(path, function, "function")?),
        (None, Some(state)) => FaultTarget::State(non_empty(path, state, "state")?),
        _ => {
            return Err(ScenarioError::at(
                path,
                at,
                "a fault names exactly one of `function` or `state`",
            ));
        }
    };
    let invocations = index_key(&spec.invocations.value).ok_or_else(|| {
        ScenarioError::at(
            path,
            at,
            format!(
                "invocations {:?} is not \"N\", \"N-M\" (0-based) or \"all\"",
                spec.invocations.value
            ),
        )
    })?;
    let response = match (spec.throw, spec.timeout, spec.return_value) {
        (Some(throw), None | Some(false), None) if !throw.error.is_empty() => {
            FaultResponse::Throw {
                error: throw.error,
                cause: throw.cause,
            }
        }
        (None, Some(true), None) => FaultResponse::Timeout,
        (None, None | Some(false), Some(value)) => FaultResponse::Return(value),
        _ => {
            return Err(ScenarioError::at(
                path,
                at,
                "a fault gives exactly one of `throw: {error, cause}`, `timeout: true` or `return`",
            ));
        }
    };
    Ok(Fault {
        target,
        invocations,
        response,
    })
}

fn non_empty(path: &Path, name: Spanned<String>, what: &str) -> Result<String, ScenarioError> {
    if name.value.trim().is_empty() {
        Err(ScenarioError::at(
            path,
            name.referenced,
            format!("{what} must not be empty"),
        ))
    } else {
        Ok(name.value)
    }
}

/// `all` → `*`; `"3"`, `"1-2"` as they are (first ≤ last).
fn index_key(text: &str) -> Option<String> {
    let text = text.trim();
    if text == "all" || text == "*" {
        return Some("*".to_owned());
    }
    let (first, last) = text.split_once('-').unwrap_or((text, text));
    let first: u32 = first.trim().parse().ok()?;
    let last: u32 = last.trim().parse().ok()?;
    (first <= last).then(|| {
        if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        }
    })
}

/// Reads the MockConfigFile `spec` names (relative to the scenario file).
pub fn read_mock_config(
    path: &Path,
    spec: Spanned<String>,
) -> Result<serde_json::Value, ScenarioError> {
    let file = path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(&spec.value);
    let text = std::fs::read_to_string(&file).map_err(|err| {
        ScenarioError::at(
            path,
            spec.referenced,
            format!("cannot read mock_config {}: {err}", file.display()),
        )
    })?;
    let document: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
        ScenarioError::at(
            path,
            spec.referenced,
            format!("mock_config {} is not JSON: {err}", file.display()),
        )
    })?;
    if document.get("StateMachines").is_none_or(|v| !v.is_object()) {
        return Err(ScenarioError::at(
            path,
            spec.referenced,
            format!(
                "mock_config {} has no StateMachines object (not a MockConfigFile)",
                file.display()
            ),
        ));
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::index_key;

    #[test]
    fn index_keys() {
        assert_eq!(index_key("all").as_deref(), Some("*"));
        assert_eq!(index_key("0").as_deref(), Some("0"));
        assert_eq!(index_key("1-2").as_deref(), Some("1-2"));
        assert_eq!(index_key("2-2").as_deref(), Some("2"));
        assert_eq!(index_key("2-1"), None);
        assert_eq!(index_key("-1"), None);
        assert_eq!(index_key("x"), None);
    }
}
