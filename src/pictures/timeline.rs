//! One execution's history as a timeline: a row per event with its time on the emulator's
//! clock (seconds after the first event), the state it belongs to and its error; a failed
//! attempt is marked `retried` when another attempt of the same state follows, `caught` when
//! the execution went on elsewhere — both read along the event's chain ([`Chains`]), as
//! concurrent Map iterations and Parallel branches interleave. Plus a strip: each state's span as a bar, each failure
//! as a red tick.

use serde::Serialize;

use crate::coverage::chains::Chains;
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

/// The rows of an execution's history. A row's state, and what followed a failure, are read
/// along the event's chain: concurrent Map iterations and Parallel branches interleave.
pub fn rows(history: &[Event], moments: &[Moment]) -> Vec<Row> {
    let chains = Chains::new(history);
    let states = chains.states();
    let mut rows = Vec::with_capacity(history.len());
    for (index, ((event, moment), state)) in history.iter().zip(moments).zip(states).enumerate() {
        let (class, detail) = match &event.kind {
            EventKind::StateEntered { .. } => ("entered", String::new()),
            EventKind::Failed { error } => {
                let error = error
                    .clone()
                    .unwrap_or_else(|| "(no error name)".to_owned());
                match after_failure(chains.after(index)) {
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
            state,
            detail,
            class,
        });
    }
    rows
}

/// What followed a failed attempt on its chain: another attempt before the state was left
/// (`retried`), a state entered afterwards (`caught`), or neither (`failed`).
fn after_failure<'e>(mut rest: impl Iterator<Item = &'e Event>) -> &'static str {
    for event in rest.by_ref() {
        match event.kind {
            EventKind::AttemptStarted => return "retried",
            EventKind::StateEntered { .. } => return "caught",
            EventKind::StateExited { .. } => break,
            _ => {}
        }
    }
    if rest.any(|e| matches!(e.kind, EventKind::StateEntered { .. })) {
        "caught"
    } else {
        "failed"
    }
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
    let chains = Chains::new(history);
    for (index, (event, moment)) in history.iter().zip(moments).enumerate() {
        match &event.kind {
            EventKind::StateExited { name } => {
                if let Some(from) = chains.entered(index).and_then(|i| moments.get(i)) {
                    let from = from.seconds;
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
