//! The semantic checks behind InvalidDefinition: StartAt and every transition name an existing
//! state, non-terminal states say where to go, Choice states have rules. Recurses into Map
//! iterators and Parallel branches, each of which is its own scope.

use super::model::{Definition, StateKind};
use super::syntax::pointer;

/// Pushes every problem of `definition` (found at JSON pointer `at`).
pub fn check(definition: &Definition, at: &str, problems: &mut Vec<String>) {
    if !definition.start_at.is_empty() && !definition.states.contains_key(&definition.start_at) {
        problems.push(format!(
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: {} at {}",
            definition.start_at,
            pointer(&format!("{at}/StartAt"))
        ));
    }
    for (name, state) in &definition.states {
        let state_at = format!("{at}/States/{name}");
        let target = |field: &str, next: &str, problems: &mut Vec<String>| {
            if !definition.states.contains_key(next) {
                problems.push(format!(
                    "MISSING_TRANSITION_TARGET: Missing 'Next' target: {next} at {state_at}/{field}"
                ));
            }
        };
        if let Some(next) = &state.common.next {
            target("Next", next, problems);
        }
        for (i, catcher) in state.common.catch.iter().enumerate() {
            target(&format!("Catch[{i}]/Next"), &catcher.next, problems);
        }
        let terminal = matches!(
            state.kind,
            StateKind::Choice { .. } | StateKind::Succeed | StateKind::Fail { .. }
        );
        if !terminal && state.common.next.is_none() && !state.common.end {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: The field 'Next' or 'End' is required at {state_at}"
            ));
        }
        match &state.kind {
            StateKind::Choice { choices, default } => {
                if choices.is_empty() {
                    problems.push(format!(
                        "SCHEMA_VALIDATION_FAILED: The field 'Choices' should have at least 1 item at {state_at}/Choices"
                    ));
                }
                for (i, choice) in choices.iter().enumerate() {
                    target(&format!("Choices[{i}]/Next"), &choice.next, problems);
                }
                if let Some(default) = default {
                    target("Default", default, problems);
                }
            }
            StateKind::Map { processor, .. } => {
                check(processor, &format!("{state_at}/ItemProcessor"), problems)
            }
            StateKind::Parallel { branches } => {
                for (i, branch) in branches.iter().enumerate() {
                    check(branch, &format!("{state_at}/Branches[{i}]"), problems);
                }
            }
            _ => {}
        }
    }
}

/// What an EXPRESS machine may not hold (only the request-response pattern runs there): a
/// callback (`.waitForTaskToken`) Task, here or in a Map or Parallel body.
pub fn check_express(definition: &Definition, at: &str, problems: &mut Vec<String>) {
    for (name, state) in &definition.states {
        let state_at = format!("{at}/States/{name}");
        match &state.kind {
            StateKind::Task { resource, .. } if resource.ends_with(".waitForTaskToken") => {
                problems.push(format!(
                    "SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration at {state_at}/Resource"
                ));
            }
            StateKind::Map { processor, .. } => {
                check_express(processor, &format!("{state_at}/ItemProcessor"), problems);
            }
            StateKind::Parallel { branches } => {
                for (i, branch) in branches.iter().enumerate() {
                    check_express(branch, &format!("{state_at}/Branches[{i}]"), problems);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_definition;

    #[test]
    fn unknown_next_target_is_named() {
        let err =
            parse_definition(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}"#)
                .unwrap_err();
        assert_eq!(
            err,
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next'"
        );
    }

    #[test]
    fn missing_start_at_is_reported() {
        let err = parse_definition(r#"{"States":{"A":{"Type":"Pass","End":true}}}"#).unwrap_err();
        assert!(err.contains("'StartAt' is required"), "{err}");
    }

    #[test]
    fn a_valid_machine_parses() {
        let def = parse_definition(
            r#"{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"B"}],"Default":"B"},"B":{"Type":"Succeed"}}}"#,
        )
        .unwrap();
        assert_eq!(def.states.len(), 2);
    }
}
