//! The plan: every fault worth trying, read from the state machine's definition. For each Task
//! state (nested Map and Parallel bodies included) the base scenario enters, every error its
//! Retry and Catch clauses name (`States.ALL` stands for any error, so it adds none) plus
//! `States.Timeout` and `States.TaskFailed`, each at every attempt index `0..=budget` — the
//! budget being the `MaxAttempts` of the retrier that would retry that error (0 when none
//! does). "Attempt k of S throws E" is the mock index key `"0"` (k = 0) or `"0-k"`: the
//! earlier attempts throw too, so attempt k is reached through the retry path, and attempt
//! `budget` exhausts the retrier and reaches the Catch.
//!
//! Variants are ordered so that a truncated plan (`--max-variants`) still spreads over every
//! state and error: first each error at its last attempt (the Catch path), then each at
//! attempt 0, then the attempts in between.

use std::collections::BTreeSet;

use crate::coverage::model::{MAX_LISTED_ATTEMPTS, Model, State, StateType, matching_name};
use crate::scenario::{Fault, FaultResponse, FaultTarget};

/// `States.ALL` matches every error; it is not an error anything throws.
const ALL: &str = "States.ALL";
/// Errors every Task can end with, whatever its clauses name.
pub const ALWAYS: [&str; 2] = ["States.Timeout", "States.TaskFailed"];

/// One fault to try: attempt `attempt` (0-based) of `state` ends with `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The state's id in the model (`ReleaseStock/ReturnItemStock` in a Map body).
    pub state_id: String,
    /// The state's name, as the mock and the history name it.
    pub state: String,
    pub error: String,
    pub attempt: u32,
    /// The retry budget for this error at this state (the retrier's `MaxAttempts`, 0 when no
    /// retrier matches it).
    pub budget: u32,
}

impl Variant {
    /// The fault the variant adds to the base scenario.
    pub fn fault(&self) -> Fault {
        let invocations = if self.attempt == 0 {
            "0".to_owned()
        } else {
            format!("0-{}", self.attempt)
        };
        let response = if self.error == "States.Timeout" {
            FaultResponse::Timeout
        } else {
            FaultResponse::Throw {
                error: self.error.clone(),
                cause: format!(
                    "injected by orderlab explore: attempt {} of {} throws {}",
                    self.attempt, self.state, self.error
                ),
            }
        };
        Fault {
            target: FaultTarget::State(self.state.clone()),
            invocations,
            response,
        }
    }

    /// `ProcessPayment throws Lambda.ServiceException at attempts 0–3 (retries exhausted)`.
    pub fn describe(&self) -> String {
        let attempts = if self.attempt == 0 {
            "attempt 0".to_owned()
        } else {
            format!("attempts 0–{}", self.attempt)
        };
        let what = if self.error == "States.Timeout" {
            "times out".to_owned()
        } else {
            format!("throws {}", self.error)
        };
        let path = if self.attempt >= self.budget {
            if self.budget == 0 {
                " (not retried)"
            } else {
                " (retries exhausted)"
            }
        } else {
            " (then succeeds)"
        };
        format!("{} {what} at {attempts}{path}", self.state_id)
    }

    /// The variant's scenario name: `<base>-<state>-<error>-<attempt>`, letters, digits and
    /// `-` only.
    pub fn name(&self, base: &str) -> String {
        format!(
            "{base}-{}-{}-{}",
            slug(&self.state_id),
            slug(&self.error),
            self.attempt
        )
    }
}

/// `Lambda.ServiceException` → `Lambda-ServiceException`; `Stock?` → `Stock`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A Task state the plan leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub state_id: String,
    pub reason: String,
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub variants: Vec<Variant>,
    /// Task states not faulted (the base scenario never enters them).
    pub skipped: Vec<Skipped>,
    /// Variants left out by `--max-variants`.
    pub truncated: Vec<Variant>,
}

/// Which states to fault: all the base scenario enters, or those `only` names (by name or
/// id).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub max_variants: usize,
}

/// The plan for a base scenario that entered `entered` (state ids).
pub fn plan(model: &Model, entered: &BTreeSet<String>, selection: &Selection) -> Plan {
    let mut plan = Plan::default();
    let mut per_state = Vec::new();
    for state in model.states.iter().filter(|s| s.kind == StateType::Task) {
        let wanted = selection.only.is_empty()
            || selection
                .only
                .iter()
                .any(|name| *name == state.name || *name == state.id);
        if !wanted {
            continue;
        }
        if !entered.contains(&state.id) {
            plan.skipped.push(Skipped {
                state_id: state.id.clone(),
                reason: "the base scenario never enters it (a fault there takes a fault elsewhere first)"
                    .to_owned(),
            });
            continue;
        }
        per_state.push(variants_of(state));
    }
    let mut ordered = order(per_state);
    let keep = selection.max_variants.min(ordered.len());
    plan.truncated = ordered.split_off(keep);
    plan.variants = ordered;
    plan
}

/// The errors to throw at `state`, in definition order, without duplicates.
pub fn errors_of(state: &State) -> Vec<String> {
    let named = state
        .retry
        .iter()
        .flat_map(|r| r.errors.iter())
        .chain(state.catch.iter().flat_map(|c| c.errors.iter()))
        .map(String::as_str)
        .chain(ALWAYS);
    let mut errors: Vec<String> = Vec::new();
    for error in named {
        if error != ALL && !errors.iter().any(|e| e == error) {
            errors.push(error.to_owned());
        }
    }
    errors
}

/// The retry budget of `error` at `state`: the `MaxAttempts` of the first retrier matching
/// it (as Step Functions picks it), at most [`MAX_LISTED_ATTEMPTS`].
pub fn budget(state: &State, error: &str) -> u32 {
    state
        .retry
        .iter()
        .find(|r| matching_name(&r.errors, error, true).is_some())
        .map_or(0, |r| r.max_attempts.min(MAX_LISTED_ATTEMPTS))
}

/// Every (error, attempt) of one state, grouped by error.
fn variants_of(state: &State) -> Vec<Vec<Variant>> {
    errors_of(state)
        .into_iter()
        .map(|error| {
            let budget = budget(state, &error);
            (0..=budget)
                .map(|attempt| Variant {
                    state_id: state.id.clone(),
                    state: state.name.clone(),
                    error: error.clone(),
                    attempt,
                    budget,
                })
                .collect()
        })
        .collect()
}

/// Round 0: every error's last attempt; round 1: attempt 0 of those with retries; then
/// attempts 1, 2, … — each round in state and error order.
fn order(per_state: Vec<Vec<Vec<Variant>>>) -> Vec<Variant> {
    let rank = |v: &Variant| -> (u32, u32) {
        if v.attempt == v.budget {
            (0, 0)
        } else {
            (1, v.attempt)
        }
    };
    let mut flat: Vec<(usize, Variant)> = per_state
        .into_iter()
        .flatten()
        .flatten()
        .enumerate()
        .collect();
    flat.sort_by_key(|(index, v)| (rank(v), *index));
    flat.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFINITION: &str = r#"{
      "StartAt": "Pay",
      "States": {
        "Pay": {"Type": "Task", "Resource": "x", "Next": "Map",
          "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2},
                    {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
          "Catch": [{"ErrorEquals": ["Declined"], "Next": "Map"},
                    {"ErrorEquals": ["States.ALL"], "Next": "Map"}]},
        "Map": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Give",
          "States": {"Give": {"Type": "Task", "Resource": "y", "End": true}}}},
        "Never": {"Type": "Task", "Resource": "z", "End": true}
      }
    }"#;

    fn model() -> Model {
        Model::from_text(DEFINITION).unwrap()
    }

    fn entered(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn every_named_error_at_every_attempt_up_to_its_budget() {
        let plan = plan(
            &model(),
            &entered(&["Pay", "Map", "Map/Give"]),
            &Selection {
                only: vec![],
                max_variants: 100,
            },
        );
        let listed: Vec<(String, String, u32)> = plan
            .variants
            .iter()
            .map(|v| (v.state_id.clone(), v.error.clone(), v.attempt))
            .collect();
        let want = |s: &str, e: &str, a| (s.to_owned(), e.to_owned(), a);
        // Busy has 2 retries (attempts 0..=2); the rest are not retried (States.ALL's
        // retrier has MaxAttempts 0); Map/Give has no clauses but the two it always can.
        for expected in [
            want("Pay", "Busy", 0),
            want("Pay", "Busy", 1),
            want("Pay", "Busy", 2),
            want("Pay", "Declined", 0),
            want("Pay", "States.Timeout", 0),
            want("Pay", "States.TaskFailed", 0),
            want("Map/Give", "States.Timeout", 0),
            want("Map/Give", "States.TaskFailed", 0),
        ] {
            assert!(listed.contains(&expected), "{expected:?} in {listed:?}");
        }
        assert_eq!(listed.len(), 8, "{listed:?}");
        assert!(
            !listed.iter().any(|(_, e, _)| e == "States.ALL"),
            "{listed:?}"
        );
        // The last attempt of each error comes first.
        assert_eq!(listed[0], want("Pay", "Busy", 2));
        assert_eq!(
            plan.skipped,
            vec![Skipped {
                state_id: "Never".into(),
                reason: "the base scenario never enters it (a fault there takes a fault elsewhere first)".into()
            }]
        );
    }

    #[test]
    fn max_variants_and_state_selection_bound_the_plan() {
        let plan = plan(
            &model(),
            &entered(&["Pay", "Map/Give"]),
            &Selection {
                only: vec!["Pay".into()],
                max_variants: 2,
            },
        );
        assert_eq!(plan.variants.len(), 2);
        assert!(plan.variants.iter().all(|v| v.state == "Pay"));
        assert_eq!(plan.truncated.len(), 4);
        // The two kept reach the catch: Busy exhausted, Declined not retried.
        assert!(plan.variants.iter().all(|v| v.attempt == v.budget));
    }

    #[test]
    fn faults_and_names() {
        let variant = Variant {
            state_id: "Release/Give".into(),
            state: "Give".into(),
            error: "Lambda.ServiceException".into(),
            attempt: 2,
            budget: 3,
        };
        assert_eq!(variant.fault().invocations, "0-2");
        assert_eq!(
            variant.name("happy-path"),
            "happy-path-Release-Give-Lambda-ServiceException-2"
        );
        assert_eq!(
            variant.describe(),
            "Release/Give throws Lambda.ServiceException at attempts 0–2 (then succeeds)"
        );
        let timeout = Variant {
            error: "States.Timeout".into(),
            attempt: 0,
            budget: 0,
            ..variant
        };
        assert_eq!(timeout.fault().response, FaultResponse::Timeout);
        assert_eq!(timeout.fault().invocations, "0");
        assert!(crate::scenario::is_valid_name(&timeout.name("p")));
    }
}
