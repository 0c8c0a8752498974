//! Coverage over a whole run: every state and transition of the [`Model`] with the scenario
//! and order of each execution that covered it; the printed summary (figures, then what is
//! uncovered, by name) and `coverage.json` say the same thing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::history::Observed;
use super::model::{Model, Transition};

/// An execution that covered something.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub scenario: String,
    pub order: String,
}

/// One thing that can be covered, and who covered it.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub what: T,
    pub hits: Vec<Hit>,
}

impl<T> Item<T> {
    pub fn covered(&self) -> bool {
        !self.hits.is_empty()
    }
}

/// Covered out of total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub covered: usize,
    pub total: usize,
}

impl Figure {
    /// Rounded to one decimal, as printed and written (100 when there is nothing to cover).
    pub fn percent(self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        let tenths = (self.covered * 1000 + self.total / 2) / self.total;
        tenths as f64 / 10.0
    }

    /// Whether this is below `min` percent (exactly, not rounded).
    pub fn below(self, min: f64) -> bool {
        (self.covered as f64) * 100.0 < min * (self.total as f64)
    }
}

/// Coverage accumulated over executions.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub states: Vec<Item<String>>,
    pub transitions: Vec<Item<Transition>>,
    /// What histories did that the definition does not explain, and where.
    pub unmatched: BTreeMap<String, Vec<Hit>>,
    pub executions: usize,
}

impl Coverage {
    /// Nothing covered yet.
    pub fn new(model: &Model) -> Coverage {
        Coverage {
            states: model
                .states
                .iter()
                .map(|s| Item {
                    what: s.id.clone(),
                    hits: Vec::new(),
                })
                .collect(),
            transitions: model
                .transitions
                .iter()
                .map(|t| Item {
                    what: t.clone(),
                    hits: Vec::new(),
                })
                .collect(),
            unmatched: BTreeMap::new(),
            executions: 0,
        }
    }

    /// Adds what one execution (of `scenario`, for `order`) covered.
    pub fn add(&mut self, scenario: &str, order: &str, observed: &Observed) {
        let hit = || Hit {
            scenario: scenario.to_owned(),
            order: order.to_owned(),
        };
        self.executions += 1;
        for item in &mut self.states {
            if observed.states.contains(&item.what) {
                item.hits.push(hit());
            }
        }
        for item in &mut self.transitions {
            if observed.transitions.contains(&item.what) {
                item.hits.push(hit());
            }
        }
        let known: Vec<&Transition> = self.transitions.iter().map(|i| &i.what).collect();
        for transition in &observed.transitions {
            if !known.contains(&transition) {
                // A retry past MAX_LISTED_ATTEMPTS, say: seen, but not in the list.
                let message = format!("{transition} is not among the listed transitions");
                self.unmatched.entry(message).or_default().push(hit());
            }
        }
        for message in &observed.unmatched {
            self.unmatched
                .entry(message.clone())
                .or_default()
                .push(hit());
        }
    }

    pub fn state_figure(&self) -> Figure {
        figure(&self.states)
    }

    pub fn transition_figure(&self) -> Figure {
        figure(&self.transitions)
    }

    pub fn uncovered_states(&self) -> Vec<&str> {
        self.states
            .iter()
            .filter(|i| !i.covered())
            .map(|i| i.what.as_str())
            .collect()
    }

    /// The uncovered transitions by name, consecutive retry attempts of one clause and
    /// error folded into one line (`attempts 2–3`).
    pub fn uncovered_transitions(&self) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut run: Option<(String, u32, u32)> = None;
        let flush = |run: &mut Option<(String, u32, u32)>, lines: &mut Vec<String>| {
            if let Some((head, first, last)) = run.take() {
                lines.push(if first == last {
                    format!("{head} attempt {first}")
                } else {
                    format!("{head} attempts {first}–{last}")
                });
            }
        };
        for item in self.transitions.iter().filter(|i| !i.covered()) {
            if let Transition::Retry {
                state,
                clause,
                error,
                attempt,
            } = &item.what
            {
                let head = format!("{state} retry {} [{error}]", clause + 1);
                match &mut run {
                    Some((h, _, last)) if *h == head && *last + 1 == *attempt => *last = *attempt,
                    _ => {
                        flush(&mut run, &mut lines);
                        run = Some((head, *attempt, *attempt));
                    }
                }
                continue;
            }
            flush(&mut run, &mut lines);
            lines.push(item.what.to_string());
        }
        flush(&mut run, &mut lines);
        lines
    }

    /// The human summary: the figures, then everything uncovered by name.
    pub fn summary(&self) -> String {
        let (states, transitions) = (self.state_figure(), self.transition_figure());
        let mut text = format!(
            "coverage over {} execution{}:\n  states       {}/{} ({:.1}%)\n  transitions  {}/{} ({:.1}%)\n",
            self.executions,
            if self.executions == 1 { "" } else { "s" },
            states.covered,
            states.total,
            states.percent(),
            transitions.covered,
            transitions.total,
            transitions.percent(),
        );
        let uncovered = self.uncovered_states();
        if !uncovered.is_empty() {
            let _ = writeln!(text, "  uncovered states: {}", uncovered.join(", "));
        }
        let uncovered = self.uncovered_transitions();
        if !uncovered.is_empty() {
            let _ = writeln!(text, "  uncovered transitions:");
            for line in uncovered {
                let _ = writeln!(text, "    {line}");
            }
        }
        if !self.unmatched.is_empty() {
            let _ = writeln!(text, "  not explained by the definition:");
            for (message, hits) in &self.unmatched {
                let _ = writeln!(text, "    {message} ({} execution(s))", hits.len());
            }
        }
        text
    }

    /// Why the run falls short of `min` percent (states or transitions), listing what is
    /// uncovered; None when both reach it.
    pub fn shortfall(&self, min: f64) -> Option<String> {
        let (states, transitions) = (self.state_figure(), self.transition_figure());
        let mut short = Vec::new();
        if states.below(min) {
            short.push(format!("states {:.1}%", states.percent()));
        }
        if transitions.below(min) {
            short.push(format!("transitions {:.1}%", transitions.percent()));
        }
        if short.is_empty() {
            return None;
        }
        let mut text = format!("coverage below {min}%: {}", short.join(", "));
        for state in self.uncovered_states() {
            let _ = write!(text, "\n  uncovered state: {state}");
        }
        for line in self.uncovered_transitions() {
            let _ = write!(text, "\n  uncovered transition: {line}");
        }
        Some(text)
    }

    /// `coverage.json`: the figures as printed, then every item with its hits.
    pub fn to_json(&self) -> Value {
        let hits = |hits: &[Hit]| -> Value {
            hits.iter()
                .map(|h| json!({"scenario": h.scenario, "order": h.order}))
                .collect()
        };
        let states: Vec<Value> = self
            .states
            .iter()
            .map(|i| json!({"id": i.what, "covered": i.covered(), "hits": hits(&i.hits)}))
            .collect();
        let transitions: Vec<Value> = self
            .transitions
            .iter()
            .map(|i| {
                let mut entry = serde_json::to_value(&i.what).unwrap_or(Value::Null);
                if let Some(object) = entry.as_object_mut() {
                    object.insert("name".into(), json!(i.what.to_string()));
                    object.insert("covered".into(), json!(i.covered()));
                    object.insert("hits".into(), hits(&i.hits));
                }
                entry
            })
            .collect();
        let unmatched: Vec<Value> = self
            .unmatched
            .iter()
            .map(|(message, h)| json!({"message": message, "hits": hits(h)}))
            .collect();
        let (s, t) = (self.state_figure(), self.transition_figure());
        json!({
            "executions": self.executions,
            "states": {"covered": s.covered, "total": s.total, "percent": s.percent(),
                       "uncovered": self.uncovered_states(), "items": states},
            "transitions": {"covered": t.covered, "total": t.total, "percent": t.percent(),
                            "uncovered": self.uncovered_transitions(), "items": transitions},
            "unmatched": unmatched,
        })
    }
}

fn figure<T>(items: &[Item<T>]) -> Figure {
    Figure {
        covered: items.iter().filter(|i| i.covered()).count(),
        total: items.len(),
    }
}
