//! The state machine as a graph: a node per state (nested Map and Parallel bodies included), a
//! start and an end node, and an edge per way of leaving a state — each `Next`, Choice rule
//! and `Default`, Catch and Retry clause, Map iteration, Parallel branch and end. Laid out once
//! by layout-rs (a maintained Sugiyama-style layout library: ranking, crossing reduction,
//! coordinate assignment) and recorded as plain shapes, each tied to the node or edge it
//! draws, so every picture of the report colours the same layout its own way.

use std::collections::{BTreeSet, HashMap};

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::{Point, get_size_for_str, pad_shape_scalar};
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::coverage::{Model, Observed, Transition};

/// The key of the start node.
pub const START: &str = "start";
/// The key of the edge from the start node to `StartAt`.
pub const START_EDGE: &str = "edge:start";
/// The key of the end node.
pub const END: &str = "end";

/// What a shape draws: `state:<id>`, `edge:<edge key>`, [`START`] or [`END`].
pub type Key = String;

/// The key of a state's node.
pub fn state_key(id: &str) -> Key {
    format!("state:{id}")
}

/// The key of the edge a transition travels (a Retry clause's attempts and a Catch clause's
/// errors share one edge).
pub fn edge_key(transition: &Transition) -> Key {
    match transition {
        Transition::Next { from, to } => format!("edge:next:{from}:{to}"),
        Transition::ChoiceRule { state, rule, .. } => format!("edge:rule:{state}:{rule}"),
        Transition::ChoiceDefault { state, .. } => format!("edge:default:{state}"),
        Transition::Catch { state, clause, .. } => format!("edge:catch:{state}:{clause}"),
        Transition::Retry { state, clause, .. } => format!("edge:retry:{state}:{clause}"),
        Transition::MapIteration { state } => format!("edge:iteration:{state}"),
        Transition::ParallelBranch { state, branch } => format!("edge:branch:{state}:{branch}"),
        Transition::End { state } => format!("edge:end:{state}"),
    }
}

/// Every key one execution's walk touched: states entered, edges travelled, start and end.
pub fn keys_of(model: &Model, observed: &Observed) -> BTreeSet<Key> {
    let mut keys: BTreeSet<Key> = observed.states.iter().map(|id| state_key(id)).collect();
    keys.extend(observed.transitions.iter().map(edge_key));
    if model
        .start
        .as_ref()
        .is_some_and(|s| observed.states.contains(s))
    {
        keys.insert(START.to_owned());
        keys.insert(START_EDGE.to_owned());
    }
    let ended_at_top = observed.transitions.iter().any(|t| {
        matches!(t, Transition::End { state } if model.state(state).is_some_and(|s| s.parent.is_none()))
    });
    if ended_at_top {
        keys.insert(END.to_owned());
    }
    keys
}

/// One drawn shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Ellipse {
        cx: f64,
        cy: f64,
        rx: f64,
        ry: f64,
    },
    /// An SVG path (`d`), with arrow heads at its start and/or end.
    Path {
        d: String,
        start: bool,
        end: bool,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
    },
}

/// A shape and what it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub key: Key,
    pub mark: Mark,
}

/// The laid-out graph.
#[derive(Debug, Clone, Default)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    /// Every node and edge key with its human name (`VerifyStock`, `VerifyStock catch 1
    /// [States.ALL] → MarkFailed`), in drawing order.
    pub names: Vec<(Key, String)>,
}

/// A node or edge to lay out: its key, its label and, for an edge, its ends (node keys).
pub(super) struct Part {
    pub key: Key,
    pub label: String,
    pub name: String,
    pub ends: Option<(Key, Key)>,
}

/// The nodes and edges of `model`.
pub(super) fn parts(model: &Model) -> Vec<Part> {
    let node = |key: Key, label: &str| Part {
        key,
        label: label.to_owned(),
        name: label.to_owned(),
        ends: None,
    };
    let mut parts = vec![node(START.to_owned(), "start"), node(END.to_owned(), "end")];
    parts.extend(model.states.iter().map(|s| Part {
        name: s.id.clone(),
        ..node(state_key(&s.id), &s.name)
    }));
    if let Some(start) = &model.start {
        parts.push(Part {
            key: START_EDGE.to_owned(),
            label: String::new(),
            name: format!("start → {start}"),
            ends: Some((START.to_owned(), state_key(start))),
        });
    }
    let mut seen = BTreeSet::new();
    for transition in &model.transitions {
        let key = edge_key(transition);
        if !seen.insert(key.clone()) {
            continue;
        }
        if let Some((from, to, label)) = ends(model, transition) {
            parts.push(Part {
                key,
                label,
                name: edge_name(model, transition),
                ends: Some((from, to)),
            });
        }
    }
    parts
}

/// A transition's edge name: the transition's own, less the error and attempt that several
/// transitions of one clause differ in.
fn edge_name(model: &Model, transition: &Transition) -> String {
    let state = model.state(transition.state());
    let errors = |names: Option<&Vec<String>>| names.map(|n| n.join(", ")).unwrap_or_default();
    match transition {
        Transition::Retry {
            state: id, clause, ..
        } => {
            let names = errors(state.and_then(|s| s.retry.get(*clause)).map(|r| &r.errors));
            format!("{id} retry {} [{names}]", clause + 1)
        }
        Transition::Catch {
            state: id,
            clause,
            to,
            ..
        } => {
            let names = errors(state.and_then(|s| s.catch.get(*clause)).map(|c| &c.errors));
            format!("{id} catch {} [{names}] → {to}", clause + 1)
        }
        other => other.to_string(),
    }
}

/// (from node, to node, label) of a transition's edge.
fn ends(model: &Model, transition: &Transition) -> Option<(Key, Key, String)> {
    let state = model.state(transition.state())?;
    let from = state_key(&state.id);
    Some(match transition {
        Transition::Next { to, .. } => (from, state_key(to), String::new()),
        Transition::ChoiceRule { rule, to, .. } => {
            (from, state_key(to), format!("rule {}", rule + 1))
        }
        Transition::ChoiceDefault { to, .. } => (from, state_key(to), "default".to_owned()),
        Transition::Catch { clause, to, .. } => {
            (from, state_key(to), format!("catch {}", clause + 1))
        }
        Transition::Retry { clause, .. } => (from.clone(), from, format!("retry {}", clause + 1)),
        Transition::MapIteration { .. } => (
            from,
            state_key(state.bodies.first()?),
            "iteration".to_owned(),
        ),
        Transition::ParallelBranch { branch, .. } => (
            from,
            state_key(state.bodies.get(*branch)?),
            format!("branch {}", branch + 1),
        ),
        Transition::End { .. } => match &state.parent {
            None => (from, END.to_owned(), String::new()),
            Some(parent) => (from, state_key(&parent.state), "done".to_owned()),
        },
    })
}

const FONT: usize = 14;

/// Lays `model` out (top to bottom) and records the shapes. layout-rs asserts on graphs it
/// cannot lay out; such a panic is an error here, not a crash of the report.
pub fn draw(model: &Model) -> anyhow::Result<Drawing> {
    let parts = parts(model);
    let laid = std::panic::catch_unwind(|| lay_out(&parts));
    let mut recorder =
        laid.map_err(|_| anyhow::anyhow!("layout-rs could not lay the state machine out"))?;
    let names = parts
        .iter()
        .map(|p| (p.key.clone(), p.name.clone()))
        .collect();
    recorder.drawing.names = names;
    Ok(recorder.drawing)
}

fn lay_out(parts: &[Part]) -> Recorder {
    let mut graph = VisualGraph::new(Orientation::TopToBottom);
    let mut handles = HashMap::new();
    // Each part's index is carried in its style's line colour, which the recorder reads back
    // (layout-rs hands labels to the backend without their element's properties).
    let look = |index: usize| {
        let mut look = StyleAttr::simple();
        look.line_color = Color::new(index as u32);
        look.font_size = FONT;
        look
    };
    for (index, part) in parts.iter().enumerate().filter(|(_, p)| p.ends.is_none()) {
        let shape = if part.key == START || part.key == END {
            ShapeKind::new_circle(&part.label)
        } else {
            ShapeKind::new_box(&part.label)
        };
        let size = pad_shape_scalar(get_size_for_str(&part.label, FONT), 16.0);
        let element = Element::create(shape, look(index), Orientation::TopToBottom, size);
        handles.insert(part.key.clone(), graph.add_node(element));
    }
    for (index, part) in parts.iter().enumerate() {
        let Some((from, to)) = &part.ends else {
            continue;
        };
        if let (Some(from), Some(to)) = (handles.get(from), handles.get(to)) {
            let mut arrow = Arrow::simple(&part.label);
            arrow.look = look(index);
            graph.add_edge(arrow, *from, *to);
        }
    }
    let mut recorder = Recorder {
        keys: parts.iter().map(|p| p.key.clone()).collect(),
        drawing: Drawing::default(),
    };
    graph.do_it(false, false, false, &mut recorder);
    recorder
}

/// A layout-rs backend that records shapes instead of writing SVG.
struct Recorder {
    keys: Vec<Key>,
    drawing: Drawing,
}

impl Recorder {
    /// The key a style carries (see [`lay_out`]).
    fn key(&self, look: &StyleAttr) -> Key {
        let web = look.line_color.to_web_color();
        u32::from_str_radix(web.trim_start_matches('#'), 16)
            .ok()
            .and_then(|index| self.keys.get(index as usize))
            .cloned()
            .unwrap_or_default()
    }

    fn push(&mut self, look: &StyleAttr, mark: Mark, corner: Point) {
        self.drawing.width = self.drawing.width.max(corner.x + 10.0);
        self.drawing.height = self.drawing.height.max(corner.y + 10.0);
        let key = self.key(look);
        self.drawing.shapes.push(Shape { key, mark });
    }
}

impl RenderBackend for Recorder {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _: Option<String>,
        _: Option<ClipHandle>,
    ) {
        let mark = Mark::Rect {
            x: xy.x,
            y: xy.y,
            w: size.x,
            h: size.y,
        };
        self.push(look, mark, xy.add(size));
    }

    fn draw_line(&mut self, start: Point, stop: Point, look: &StyleAttr, _: Option<String>) {
        let d = format!(
            "M {:.1} {:.1} L {:.1} {:.1}",
            start.x, start.y, stop.x, stop.y
        );
        let corner = Point::new(start.x.max(stop.x), start.y.max(stop.y));
        self.push(
            look,
            Mark::Path {
                d,
                start: false,
                end: false,
            },
            corner,
        );
    }

    fn draw_circle(&mut self, xy: Point, size: Point, look: &StyleAttr, _: Option<String>) {
        let mark = Mark::Ellipse {
            cx: xy.x,
            cy: xy.y,
            rx: size.x / 2.0,
            ry: size.y / 2.0,
        };
        self.push(look, mark, xy.add(size.scale(0.5)));
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        let mark = Mark::Text {
            x: xy.x,
            y: xy.y,
            text: text.to_owned(),
        };
        self.push(look, mark, xy);
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        _: Option<String>,
        text: &str,
    ) {
        let (Some(first), Some(second)) = (path.first(), path.get(1)) else {
            return;
        };
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            first.0.x,
            first.0.y,
            first.1.x,
            first.1.y,
            second.0.x,
            second.0.y,
            second.1.x,
            second.1.y
        );
        let mut corner = Point::zero();
        for point in path.iter().skip(2) {
            d.push_str(&format!(
                " S {:.1} {:.1}, {:.1} {:.1}",
                point.0.x, point.0.y, point.1.x, point.1.y
            ));
        }
        for point in path {
            corner = Point::new(
                corner.x.max(point.0.x).max(point.1.x),
                corner.y.max(point.0.y).max(point.1.y),
            );
        }
        self.push(
            look,
            Mark::Path {
                d,
                start: head.0,
                end: head.1,
            },
            corner,
        );
        if !text.is_empty() {
            let mark = Mark::Text {
                x: second.0.x,
                y: second.0.y,
                text: text.to_owned(),
            };
            self.push(look, mark, second.0);
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}
