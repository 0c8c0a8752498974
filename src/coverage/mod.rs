//! State-machine coverage: which states and transitions of the application's ASL definition
//! the scenarios exercised. [`model`] lists what can be covered (from the definition),
//! [`history`] what one execution covered (from its history, read through the SDK), and
//! [`report`] adds them up per scenario and order, prints the summary and writes
//! `coverage.json`.

pub mod chains;
pub mod choice;
pub mod history;
pub mod model;
pub mod report;

#[cfg(test)]
mod concurrent_tests;
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

/// The coverage of every execution in `reports`, each credited to its scenario and order.
pub fn of_reports(model: &Model, reports: &[crate::suite::ScenarioReport]) -> Coverage {
    let mut coverage = Coverage::new(model);
    for report in reports {
        for (order, events) in &report.histories {
            coverage.add(&report.name, order, &observe(model, events));
        }
    }
    coverage
}

/// The figures alone (for `--json`'s report): covered, total and percent of each.
pub fn figures_json(coverage: &Coverage) -> serde_json::Value {
    let figure = |f: report::Figure| serde_json::json!({"covered": f.covered, "total": f.total, "percent": f.percent()});
    serde_json::json!({
        "executions": coverage.executions,
        "states": figure(coverage.state_figure()),
        "transitions": figure(coverage.transition_figure()),
    })
}
