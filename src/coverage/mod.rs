//! State-machine coverage: which states and transitions of the application's ASL definition
//! the scenarios exercised. [`model`] lists what can be covered (from the definition),
//! [`history`] what one execution covered (from its history, read through the SDK), and
//! [`report`] adds them up per scenario and order, prints the summary and writes
//! `coverage.json`.

pub mod history;
pub mod model;
pub mod report;

#[cfg(test)]
mod tests;

use std::path::Path;

use anyhow::Context as _;

pub use history::{Event, EventKind, Observed, observe};
pub use model::{Model, Transition};
pub use report::Coverage;

/// The model of the application's state machine: `app/state-machine.json` names the
/// definition file beside it.
pub fn load_model(app_dir: &Path) -> anyhow::Result<Model> {
    let spec_path = app_dir.join("state-machine.json");
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&spec_path)
            .with_context(|| format!("cannot read {}", spec_path.display()))?,
    )
    .with_context(|| format!("{} is not JSON", spec_path.display()))?;
    let file = spec
        .get("DefinitionFile")
        .and_then(serde_json::Value::as_str)
        .with_context(|| format!("{} names no DefinitionFile", spec_path.display()))?;
    let path = app_dir.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Model::from_text(&text).with_context(|| format!("{}", path.display()))
}
