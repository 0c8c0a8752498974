//! The HTML report's view: the scenario reports turned into plain, serialisable values for
//! `templates/report.html` — the overview graph coloured by coverage, per scenario one graph
//! per distinct path (its orders listed), each order's executions as timelines, the tables
//! before and after, the e-mails and the snapshot diff.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::Value;

use super::graph::{self, Drawing, Key, Mark};
use super::{Context, timeline};
use crate::coverage::{Coverage, Model, Transition, observe};
use crate::run::ExecutionRecord;
use crate::suite::{Outcome, RunDetails, ScenarioReport};

/// How a picture colours the graph.
pub(super) enum Colouring<'a> {
    /// Covered keys green, the others red.
    Coverage(&'a BTreeSet<Key>),
    /// The keys of one path highlighted, the rest dimmed.
    Path(&'a BTreeSet<Key>),
}

#[derive(Serialize)]
struct ShapeView {
    kind: &'static str,
    key: String,
    class: String,
    title: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    d: String,
    start: bool,
    end: bool,
    text: String,
}

/// One picture of `drawing` as SVG text (rendered by `graph.svg`).
pub(super) fn picture(
    env: &Environment,
    drawing: &Drawing,
    id: &str,
    colouring: &Colouring,
) -> anyhow::Result<String> {
    let names: HashMap<&str, &str> = drawing
        .names
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    let shapes: Vec<ShapeView> = drawing
        .shapes
        .iter()
        .map(|shape| shape_view(shape, &names, colouring))
        .collect();
    let (picture, label) = match colouring {
        Colouring::Coverage(_) => ("coverage", "the state machine coloured by coverage"),
        Colouring::Path(_) => ("path", "the state machine with one path highlighted"),
    };
    Ok(env.get_template("graph.svg")?.render(context! {
        id, picture, label, shapes => ser(&shapes),
        width => drawing.width.ceil(), height => drawing.height.ceil(),
    })?)
}

fn shape_view(
    shape: &graph::Shape,
    names: &HashMap<&str, &str>,
    colouring: &Colouring,
) -> ShapeView {
    let is_edge = shape.key.starts_with("edge:");
    let mut view = ShapeView {
        kind: "text",
        key: shape.key.clone(),
        class: String::new(),
        title: names
            .get(shape.key.as_str())
            .copied()
            .unwrap_or("")
            .to_owned(),
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
        d: String::new(),
        start: false,
        end: false,
        text: String::new(),
    };
    let role = match &shape.mark {
        Mark::Rect { x, y, w, h } => {
            (view.kind, view.x, view.y, view.w, view.h) = ("rect", *x, *y, *w, *h);
            "node"
        }
        Mark::Ellipse { cx, cy, rx, ry } => {
            (view.kind, view.x, view.y, view.w, view.h) = ("ellipse", *cx, *cy, *rx, *ry);
            "node"
        }
        Mark::Path { d, start, end } => {
            (view.kind, view.start, view.end) = ("path", *start, *end);
            view.d = d.clone();
            "edge"
        }
        Mark::Text { x, y, text } => {
            (view.x, view.y) = (*x, *y);
            view.text = text.clone();
            if is_edge { "label edge" } else { "label" }
        }
    };
    let state = match colouring {
        Colouring::Coverage(keys) if keys.contains(&shape.key) => "covered",
        Colouring::Coverage(_) => "uncovered",
        Colouring::Path(keys) if keys.contains(&shape.key) => "taken",
        Colouring::Path(_) => "dim",
    };
    view.class = format!("{role} {state}");
    view
}

/// The keys `coverage` covered.
pub(super) fn covered_keys(model: &Model, coverage: &Coverage) -> BTreeSet<Key> {
    let mut keys: BTreeSet<Key> = coverage
        .states
        .iter()
        .filter(|item| item.covered())
        .map(|item| graph::state_key(&item.what))
        .collect();
    keys.extend(
        coverage
            .transitions
            .iter()
            .filter(|item| item.covered())
            .map(|item| graph::edge_key(&item.what)),
    );
    if model
        .start
        .as_ref()
        .is_some_and(|s| keys.contains(&graph::state_key(s)))
    {
        keys.insert(graph::START.to_owned());
        keys.insert(graph::START_EDGE.to_owned());
    }
    let top_end = coverage.transitions.iter().any(|item| {
        item.covered()
            && matches!(&item.what, Transition::End { state }
                if model.state(state).is_some_and(|s| s.parent.is_none()))
    });
    if top_end {
        keys.insert(graph::END.to_owned());
    }
    keys
}

/// `"3/5 (60.0%)"`.
pub(super) fn figure(f: crate::coverage::report::Figure) -> String {
    format!("{}/{} ({:.1}%)", f.covered, f.total, f.percent())
}

/// The whole report.
pub fn render(context: Context<'_>, reports: &[ScenarioReport]) -> anyhow::Result<String> {
    let env = super::templates()?;
    let drawing = graph::draw(context.model)?;
    let covered = covered_keys(context.model, context.coverage);
    let overview = picture(&env, &drawing, "overview", &Colouring::Coverage(&covered))?;
    let mut scenarios = Vec::with_capacity(reports.len());
    for (index, report) in reports.iter().enumerate() {
        scenarios.push(scenario_view(&env, &drawing, context, report, index)?);
    }
    let count = |o| reports.iter().filter(|r| r.outcome == o).count();
    let coverage = context.coverage;
    Ok(env.get_template("report.html")?.render(context! {
        scenarios, overview,
        passed => count(Outcome::Passed), failed => count(Outcome::Failed),
        errors => count(Outcome::Error),
        coverage => context! {
            executions => coverage.executions,
            states => figure(coverage.state_figure()),
            transitions => figure(coverage.transition_figure()),
        },
        uncovered => coverage.uncovered_states().into_iter().map(str::to_owned)
            .chain(coverage.uncovered_transitions()).collect::<Vec<String>>(),
    })?)
}

#[derive(Serialize)]
struct PathView {
    summary: String,
    orders: Vec<String>,
    svg: String,
}

#[derive(Serialize)]
struct OrderView {
    id: String,
    status: String,
    steps: String,
    path_index: usize,
    executions: Vec<ExecutionView>,
}

#[derive(Serialize)]
struct ExecutionView {
    status: String,
    error: String,
    cause: String,
    span: String,
    strip: String,
    moves: Vec<String>,
    rows: Vec<timeline::Row>,
}

fn scenario_view(
    env: &Environment,
    drawing: &Drawing,
    context: Context<'_>,
    report: &ScenarioReport,
    index: usize,
) -> anyhow::Result<minijinja::Value> {
    let anchor = format!("s{index}-{}", report.name);
    let (paths, orders) = match &report.details {
        Some(details) => orders_and_paths(env, drawing, context, details, &anchor)?,
        None => (Vec::new(), Vec::new()),
    };
    let details = report.details.as_deref();
    Ok(context! {
        name => report.name.clone(), anchor, description => report.description.clone(),
        outcome => report.outcome.label(), message => report.message.clone(),
        problems => details.map(|d| d.problems.clone()).unwrap_or_default(),
        paths => ser(&paths), orders => ser(&orders),
        tables => details.map(tables).unwrap_or_default(),
        emails => details.map(|d| d.collected.emails.iter().map(|m| context! {
            to => m.to.clone(), subject => m.subject.clone(), body => m.body.clone(),
        }).collect::<Vec<_>>()).unwrap_or_default(),
        diff => details.and_then(|d| d.diff.as_deref()).map(diff_lines).unwrap_or_default(),
        clock => context.clock,
    })
}

/// The distinct paths the orders took (each drawn once) and every order's view.
fn orders_and_paths(
    env: &Environment,
    drawing: &Drawing,
    context: Context<'_>,
    details: &RunDetails,
    anchor: &str,
) -> anyhow::Result<(Vec<PathView>, Vec<OrderView>)> {
    let mut groups: Vec<(BTreeSet<Key>, String, Vec<String>)> = Vec::new();
    let mut orders = Vec::new();
    for outcome in &details.collected.orders {
        let id = &outcome.submission.order_id;
        if outcome.executions.is_empty() {
            continue;
        }
        let mut keys = BTreeSet::new();
        for execution in &outcome.executions {
            keys.extend(graph::keys_of(
                context.model,
                &observe(context.model, &execution.history),
            ));
        }
        let steps = outcome
            .executions
            .first()
            .map(|e| e.path.join(" → "))
            .unwrap_or_default();
        let path_index = match groups.iter().position(|(k, ..)| *k == keys) {
            Some(at) => at,
            None => {
                groups.push((keys, steps.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        if let Some((.., ids)) = groups.get_mut(path_index) {
            ids.push(id.clone());
        }
        let status = details
            .collected
            .order_item(&details.orders_table, id)
            .and_then(|item| item.get("status"))
            .map_or_else(|| "(not in the table)".to_owned(), cell);
        orders.push(OrderView {
            id: id.clone(),
            status,
            steps,
            path_index,
            executions: outcome
                .executions
                .iter()
                .map(|e| execution_view(env, context, e))
                .collect::<anyhow::Result<_>>()?,
        });
    }
    let mut paths = Vec::with_capacity(groups.len());
    for (index, (keys, summary, ids)) in groups.iter().enumerate() {
        let id = format!("{anchor}-path-{index}");
        let svg = picture(env, drawing, &id, &Colouring::Path(keys))?;
        paths.push(PathView {
            summary: summary.clone(),
            orders: ids.clone(),
            svg,
        });
    }
    Ok((paths, orders))
}

fn execution_view(
    env: &Environment,
    context: Context<'_>,
    execution: &ExecutionRecord,
) -> anyhow::Result<ExecutionView> {
    let (segments, failures) = timeline::strip(&execution.history, &execution.moments);
    let span = format!("{:.3} s", execution.history_span_seconds);
    let strip = env.get_template("strip.svg")?.render(context! {
        segments => ser(&segments), failures => ser(&failures), width => timeline::STRIP_WIDTH, end => span.clone(),
    })?;
    let moves = observe(context.model, &execution.history)
        .transitions
        .iter()
        .filter(|t| matches!(t, Transition::Retry { .. } | Transition::Catch { .. }))
        .map(Transition::to_string)
        .collect();
    Ok(ExecutionView {
        status: execution.status.clone(),
        error: execution.error.clone().unwrap_or_default(),
        cause: execution.cause.clone().unwrap_or_default(),
        span,
        strip,
        moves,
        rows: timeline::rows(&execution.history, &execution.moments),
    })
}

/// A serialisable value for a template.
fn ser<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

/// A JSON value as a table cell: strings as they are, anything else as compact JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Both phases' tables: columns the union of the items' attributes.
fn tables(details: &RunDetails) -> Vec<minijinja::Value> {
    vec![
        phase("before the orders", &details.collected.tables_before),
        phase("after the run", &details.collected.tables),
    ]
}

fn phase(when: &str, tables: &BTreeMap<String, Vec<Value>>) -> minijinja::Value {
    let views: Vec<minijinja::Value> = tables
        .iter()
        .map(|(name, items)| {
            let columns: BTreeSet<String> = items
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|item| item.keys().cloned())
                .collect();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    columns
                        .iter()
                        .map(|c| item.get(c).map(cell).unwrap_or_default())
                        .collect()
                })
                .collect();
            context! { name, columns, rows }
        })
        .collect();
    context! { when, tables => views }
}

/// The diff's lines, each with its class (`add`, `del`, `hunk` or none).
fn diff_lines(diff: &str) -> Vec<minijinja::Value> {
    diff.lines()
        .map(|line| {
            let class = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => "add",
                Some('-') if !line.starts_with("---") => "del",
                Some('@') => "hunk",
                _ => "",
            };
            context! { class, text => line }
        })
        .collect()
}
