//! What the variants found, against the baseline: the transitions they covered that the
//! baseline (the scenario set as written) did not, and for every transition still uncovered
//! the reason no single fault reaches it — a clause shadowed by an earlier one, a Choice
//! decided by the data, a state only entered after another fault, a variant not run.

use std::collections::{BTreeMap, BTreeSet};

use crate::coverage::model::{StateType, matching_name};
use crate::coverage::{Coverage, Model, Transition, observe};
use crate::suite::ScenarioReport;

/// Everything `report` covered, over all its executions.
pub fn covered_by(
    model: &Model,
    report: &ScenarioReport,
) -> (BTreeSet<String>, BTreeSet<Transition>) {
    let mut states = BTreeSet::new();
    let mut transitions = BTreeSet::new();
    for (_, events) in &report.histories {
        let observed = observe(model, events);
        states.extend(observed.states);
        transitions.extend(observed.transitions);
    }
    (states, transitions)
}

/// The transitions `coverage` covered.
pub fn covered_set(coverage: &Coverage) -> BTreeSet<Transition> {
    coverage
        .transitions
        .iter()
        .filter(|i| i.covered())
        .map(|i| i.what.clone())
        .collect()
}

/// The states `coverage` covered.
pub fn entered_set(coverage: &Coverage) -> BTreeSet<String> {
    coverage
        .states
        .iter()
        .filter(|i| i.covered())
        .map(|i| i.what.clone())
        .collect()
}

/// Newly covered transitions (in definition order), each with the variants that covered it.
pub fn newly_covered(
    model: &Model,
    baseline: &BTreeSet<Transition>,
    variants: &[ScenarioReport],
) -> Vec<(Transition, Vec<String>)> {
    let mut by: BTreeMap<Transition, Vec<String>> = BTreeMap::new();
    for report in variants {
        let (_, covered) = covered_by(model, report);
        for transition in covered.difference(baseline) {
            by.entry(transition.clone())
                .or_default()
                .push(report.name.clone());
        }
    }
    model
        .transitions
        .iter()
        .filter_map(|t| by.remove(t).map(|names| (t.clone(), names)))
        .collect()
}

/// What the reasons read: which states were entered at all, by the base scenario, and which
/// faulted states had variants left out.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub base: String,
    /// States any run entered (baseline or variant).
    pub entered: BTreeSet<String>,
    /// States the base scenario entered (the ones faulted).
    pub base_entered: BTreeSet<String>,
    /// States with variants planned but not run (`--max-variants`, `--time-limit`, errors).
    pub not_run: BTreeSet<String>,
    /// States with variants planned (the base entered them and `--state` selected them).
    pub faulted: BTreeSet<String>,
}

/// Every transition `covered` lacks, with the reason, in definition order.
pub fn unreached(
    model: &Model,
    covered: &BTreeSet<Transition>,
    context: &Context,
) -> Vec<(Transition, String)> {
    model
        .transitions
        .iter()
        .filter(|t| !covered.contains(t))
        .map(|t| (t.clone(), why(model, t, context)))
        .collect()
}

/// Why no run took `transition`.
pub fn why(model: &Model, transition: &Transition, context: &Context) -> String {
    let id = transition.state();
    let Some(state) = model.state(id) else {
        return "its state is not in the definition".to_owned();
    };
    if let Some(reason) = shadowed(model, transition) {
        return reason;
    }
    if !context.entered.contains(id) {
        return format!(
            "{id} is never entered: not by the baseline, nor by {} with one fault",
            context.base
        );
    }
    let fault_path = matches!(
        transition,
        Transition::Retry { .. } | Transition::Catch { .. }
    );
    match transition {
        Transition::ChoiceRule { .. } | Transition::ChoiceDefault { .. } => {
            return format!(
                "decided by the data {id} reads: a fault ends a Task, it does not change its output"
            );
        }
        _ if fault_path && state.kind.is_container() => {
            return format!(
                "{id} fails only when its body does after the body's own retries; the body's \
                 Tasks are faulted only where {} enters them",
                context.base
            );
        }
        _ if fault_path && !context.base_entered.contains(id) => {
            return format!(
                "{id} is entered only after a fault elsewhere: this error there takes two \
                 faults (explore adds one)"
            );
        }
        _ => {}
    }
    if fault_path && state.kind == StateType::Task && !context.faulted.contains(id) {
        return format!("{id} was not faulted (--state selects other states)");
    }
    if context.not_run.contains(id) {
        return format!(
            "some variants faulting {id} were not run (--max-variants, --time-limit or an error)"
        );
    }
    match transition {
        Transition::Next { .. } | Transition::End { .. } if state.kind == StateType::Task => {
            format!("{id} never succeeded in a run that entered it")
        }
        _ => "no run took it".to_owned(),
    }
}

/// A Retry or Catch clause that never sees an error because an earlier clause of the same
/// state matches it first.
fn shadowed(model: &Model, transition: &Transition) -> Option<String> {
    let state = model.state(transition.state())?;
    let is_task = state.kind == StateType::Task;
    let (kind, lists, clause, error): (&str, Vec<&[String]>, usize, &str) = match transition {
        Transition::Retry { clause, error, .. } => (
            "retry",
            state.retry.iter().map(|r| r.errors.as_slice()).collect(),
            *clause,
            error,
        ),
        Transition::Catch { clause, error, .. } => (
            "catch",
            state.catch.iter().map(|c| c.errors.as_slice()).collect(),
            *clause,
            error,
        ),
        _ => return None,
    };
    // `States.ALL` stands for any error; what it can still see is whatever no earlier clause
    // takes, which a fault with a fresh name would show — so it is shadowed only by an
    // earlier `States.ALL`.
    let probe = if error == "States.ALL" {
        "orderlab.AnyOtherError"
    } else {
        error
    };
    let earlier = lists
        .iter()
        .take(clause)
        .position(|names| matching_name(names, probe, is_task).is_some())?;
    Some(format!(
        "shadowed: {kind} clause {} matches {error} before clause {} can",
        earlier + 1,
        clause + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::from_text(
            r#"{"StartAt": "T", "States": {
              "T": {"Type": "Task", "Resource": "x", "Next": "C",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"},
                          {"ErrorEquals": ["Late"], "Next": "F"}]},
              "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "BooleanEquals": true, "Next": "F"}], "Default": "F"},
              "F": {"Type": "Task", "Resource": "y", "End": true,
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}]}
            }}"#,
        )
        .unwrap()
    }

    fn context(entered: &[&str], base: &[&str]) -> Context {
        Context {
            base: "b".into(),
            entered: entered.iter().map(|s| (*s).to_owned()).collect(),
            base_entered: base.iter().map(|s| (*s).to_owned()).collect(),
            not_run: BTreeSet::new(),
            faulted: base.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn each_unreached_transition_gets_its_reason() {
        let model = model();
        let context = context(&["T", "C", "F"], &["T", "C"]);
        let reasons: BTreeMap<String, String> = unreached(&model, &BTreeSet::new(), &context)
            .into_iter()
            .map(|(t, why)| (t.to_string(), why))
            .collect();
        assert_eq!(
            reasons["T catch 2 [Late] → F"],
            "shadowed: catch clause 1 matches Late before clause 2 can"
        );
        assert!(reasons["C rule 1 → F"].starts_with("decided by the data C reads"));
        assert!(
            reasons["F retry 1 [E] attempt 1"]
                .contains("F is entered only after a fault elsewhere"),
            "{reasons:?}"
        );
        assert_eq!(
            reasons["T → C"],
            "T never succeeded in a run that entered it"
        );
        let nowhere = context_with_nothing();
        assert!(
            why(&model, &Transition::End { state: "F".into() }, &nowhere)
                .starts_with("F is never entered")
        );
    }

    fn context_with_nothing() -> Context {
        context(&[], &[])
    }
}
