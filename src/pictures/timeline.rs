//! One execution's history as a timeline: a row per event with its time on the emulator's
//! clock (seconds after the first event), the state it belongs to and its error; a failed
//! attempt is marked `retried` when another attempt of the same state follows, `caught` when
//! the execution went on elsewhere. Plus a strip: each state's span as a bar, each failure
//! as a red tick.

use serde::Serialize;

use crate::coverage::{Event, EventKind};
use crate::run::Moment;

/// A row of the history table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub time: String,
    pub event: String,
    pub state: String,
    pub detail: String,
    /// `entered`, `failed`, `retried`, `caught` or empty.
    pub class: &'static str,
}

/// A state's span on the strip.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub x: f64,
    pub w: f64,
    pub title: String,
}

/// A failure's tick on the strip.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    pub title: String,
}

/// The rows of an execution's history.
pub fn rows(history: &[Event], moments: &[Moment]) -> Vec<Row> {
    let mut current = String::new();
    let mut rows = Vec::with_capacity(history.len());
    for (index, (event, moment)) in history.iter().zip(moments).enumerate() {
        let (class, detail) = match &event.kind {
            EventKind::StateEntered { name, .. } => {
                current = name.clone();
                ("entered", String::new())
            }
            EventKind::StateExited { name } => {
                current = name.clone();
                ("", String::new())
            }
            EventKind::Failed { error } => {
                let error = error
                    .clone()
                    .unwrap_or_else(|| "(no error name)".to_owned());
                match after_failure(history.get(index + 1..).unwrap_or_default()) {
                    "retried" => ("retried", format!("{error} — retried")),
                    "caught" => ("caught", format!("{error} — caught")),
                    _ => ("failed", error),
                }
            }
            _ => ("", String::new()),
        };
        rows.push(Row {
            time: format!("+{:.3} s", moment.seconds),
            event: moment.event_type.clone(),
            state: current.clone(),
            detail,
            class,
        });
    }
    rows
}

/// What followed a failed attempt: another attempt before the state was left (`retried`), a
/// state entered afterwards (`caught`), or neither (`failed`).
fn after_failure(rest: &[Event]) -> &'static str {
    for event in rest {
        match event.kind {
            EventKind::AttemptStarted => return "retried",
            EventKind::StateEntered { .. } => return "caught",
            EventKind::StateExited { .. } => {
                return if rest
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::StateEntered { .. }))
                {
                    "caught"
                } else {
                    "failed"
                };
            }
            _ => {}
        }
    }
    "failed"
}

/// Width of the strip in pixels.
pub const STRIP_WIDTH: f64 = 900.0;

/// The strip's bars and ticks, time scaled to [`STRIP_WIDTH`].
pub fn strip(history: &[Event], moments: &[Moment]) -> (Vec<Segment>, Vec<Tick>) {
    let end = moments.iter().map(|m| m.seconds).fold(0.0_f64, f64::max);
    let x = |seconds: f64| {
        if end > 0.0 {
            (seconds / end * STRIP_WIDTH * 10.0).round() / 10.0
        } else {
            0.0
        }
    };
    let mut segments = Vec::new();
    let mut ticks = Vec::new();
    let mut open: Vec<(String, f64)> = Vec::new();
    for (event, moment) in history.iter().zip(moments) {
        match &event.kind {
            EventKind::StateEntered { name, .. } => open.push((name.clone(), moment.seconds)),
            EventKind::StateExited { name } => {
                if let Some(at) = open.iter().rposition(|(n, _)| n == name) {
                    let (name, from) = open.remove(at);
                    segments.push(Segment {
                        x: x(from),
                        w: (x(moment.seconds) - x(from)).max(2.0),
                        title: format!("{name}: +{from:.3} s to +{:.3} s", moment.seconds),
                    });
                }
            }
            EventKind::Failed { error } => ticks.push(Tick {
                x: x(moment.seconds),
                title: format!(
                    "+{:.3} s: {}",
                    moment.seconds,
                    error.as_deref().unwrap_or("failure")
                ),
            }),
            _ => {}
        }
    }
    (segments, ticks)
}
