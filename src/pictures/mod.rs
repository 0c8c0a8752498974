//! Pictures of every run: `--report <dir>` writes a self-contained HTML report
//! (`<dir>/index.html`: inline CSS and SVG, no script, nothing fetched) and `--summary <file>`
//! GitHub-flavoured Markdown for CI job summaries.
//!
//! The state machine is laid out once by layout-rs ([`graph`]); the overview colours its
//! states and edges by coverage, and each scenario gets one picture per distinct path its
//! orders took, that path highlighted. Per order the report shows each execution's history
//! as a timeline on the emulator's (virtual) clock with retries and caught errors marked
//! ([`timeline`]), then the tables before and after, the e-mails and, for a failed
//! comparison, the snapshot diff ([`html`]). Everything is rendered through minijinja
//! templates (`templates/`) with HTML auto-escaping on for every template, the SVGs
//! included; Markdown is escaped by its own filters ([`summary`]).

pub mod graph;
mod html;
mod summary;
#[cfg(test)]
mod tests;
mod timeline;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use minijinja::{AutoEscape, Environment};

use crate::coverage::{Coverage, Model};
use crate::suite::ScenarioReport;

pub use html::render as render_html;
pub use summary::render as render_summary;

/// The report's file inside `--report <dir>`.
pub const REPORT_FILE: &str = "index.html";

/// The templates, HTML-escaped whatever their name (`.svg` included).
fn templates() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".md") {
            AutoEscape::None
        } else {
            AutoEscape::Html
        }
    });
    env.add_template("report.html", include_str!("templates/report.html"))?;
    env.add_template("graph.svg", include_str!("templates/graph.svg"))?;
    env.add_template("strip.svg", include_str!("templates/strip.svg"))?;
    env.add_template("summary.md", include_str!("templates/summary.md"))?;
    summary::add_filters(&mut env);
    Ok(env)
}

/// What the HTML report needs besides the scenario reports.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub model: &'a Model,
    pub coverage: &'a Coverage,
    /// `virtual` or `wall`: which clock the histories' times are on.
    pub clock: &'a str,
}

/// Writes `<dir>/index.html`; returns its path.
pub fn write_report(
    dir: &Path,
    context: Context<'_>,
    reports: &[ScenarioReport],
) -> anyhow::Result<PathBuf> {
    let html = render_html(context, reports)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Writes the Markdown summary to `file`.
pub fn write_summary(
    file: &Path,
    model: &Model,
    coverage: &Coverage,
    reports: &[ScenarioReport],
) -> anyhow::Result<()> {
    let text = render_summary(model, coverage, reports)?;
    std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))
}
