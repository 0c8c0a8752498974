//! The GitHub-flavoured Markdown summary (`--summary <file>`, for `$GITHUB_STEP_SUMMARY`): a
//! table of results and a Mermaid flowchart of the state machine, covered edges solid and
//! green, the others dashed. Table cells and Mermaid labels are escaped by the `cell` and
//! `mermaid` filters (pipes, line breaks, HTML's special characters, quotes).

use std::collections::{BTreeSet, HashMap};

use minijinja::{Environment, context};

use super::graph;
use super::html::{covered_keys, figure};
use crate::coverage::{Coverage, Model};
use crate::suite::{Outcome, ScenarioReport};

/// Registers the `cell` and `mermaid` filters.
pub(super) fn add_filters(env: &mut Environment) {
    env.add_filter("cell", |text: String| cell(&text));
    env.add_filter("mermaid", |text: String| mermaid(&text));
}

/// Text safe inside a Markdown table cell.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push_str("&#96;"),
            other => out.push(other),
        }
    }
    out
}

/// Text safe inside a quoted Mermaid label (Mermaid's `#…;` entity codes).
pub fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

/// The summary's Markdown.
pub fn render(
    model: &Model,
    coverage: &Coverage,
    reports: &[ScenarioReport],
) -> anyhow::Result<String> {
    let env = super::templates()?;
    let covered = covered_keys(model, coverage);
    let parts = graph::parts(model);
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut nodes = Vec::new();
    for part in parts.iter().filter(|p| p.ends.is_none()) {
        let id = format!("n{}", ids.len());
        let (open, close) = if part.key == graph::START || part.key == graph::END {
            ("((", "))")
        } else {
            ("[", "]")
        };
        let class = class_of(&covered, &part.key);
        nodes.push(context! { id, open, close, class, label => part.label.clone() });
        ids.insert(&part.key, format!("n{}", ids.len()));
    }
    let mut edges = Vec::new();
    let mut covered_links = Vec::new();
    for part in &parts {
        let Some((from, to)) = &part.ends else {
            continue;
        };
        let (Some(from), Some(to)) = (ids.get(from.as_str()), ids.get(to.as_str())) else {
            continue;
        };
        let taken = covered.contains(&part.key);
        if taken {
            covered_links.push(edges.len().to_string());
        }
        let arrow = if taken { "-->" } else { "-.->" };
        edges.push(
            context! { from => from.clone(), to => to.clone(), arrow, label => part.label.clone() },
        );
    }
    let count = |o| reports.iter().filter(|r| r.outcome == o).count();
    let scenarios: Vec<minijinja::Value> = reports
        .iter()
        .map(|r| {
            let icon = match r.outcome {
                Outcome::Passed => "✅",
                Outcome::Failed => "❌",
                Outcome::Error => "⚠️",
            };
            let message = r.message.lines().next().unwrap_or_default();
            context! { name => r.name.clone(), outcome => r.outcome.label(), icon, message }
        })
        .collect();
    Ok(env.get_template("summary.md")?.render(context! {
        scenarios, nodes, edges,
        covered_links => covered_links.join(","),
        passed => count(Outcome::Passed), failed => count(Outcome::Failed),
        errors => count(Outcome::Error),
        coverage => context! {
            executions => coverage.executions,
            states => figure(coverage.state_figure()),
            transitions => figure(coverage.transition_figure()),
        },
    })? + "\n")
}

fn class_of(covered: &BTreeSet<graph::Key>, key: &str) -> &'static str {
    if covered.contains(key) {
        "covered"
    } else {
        "uncovered"
    }
}
