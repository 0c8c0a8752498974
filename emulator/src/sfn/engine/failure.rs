//! A States error as the engine carries it: the error name, the cause, and its [`Origin`] —
//! which part of the execution raised it. Retry and Catch match on the name
//! ([`super::retry::matches`]); the run loop decides from the origin whether a failure is the
//! state's own processing error (EvaluationFailed, Map/ParallelStateFailed); history events
//! show the name and cause ([`Failure::details`]).

use serde_json::{Value, json};

/// Who raised a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The processing of a state's own fields (paths, templates, JSONata, Wait and Timeout
    /// values, payload nesting): the cause begins "An error occurred while executing the
    /// state '<state>' (entered at the event id #<entered_id>). ".
    Processing { state: String, entered_id: u64 },
    /// What a state's type itself raises: a Fail state's Error/Cause, a Choice that matched
    /// nothing, a Map over its tolerated failures, a result over the payload quota.
    State { state: String },
    /// A Task's integration (or the mock standing in for it): `resource` is the Task's
    /// `Resource`, filled in by the Task once the call returns ([`Failure::raised_by_resource`]).
    Integration { resource: String },
    /// The execution: its `TimeoutSeconds`, StopExecution, the history limit, a missing state,
    /// an internal error.
    Execution,
}

/// A States error: its name, cause and origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
    pub origin: Origin,
    /// A callback Task's `HeartbeatSeconds` ran out: the error is `States.Timeout`, as AWS
    /// records it, and Retry/Catch match it by `States.HeartbeatTimeout` too.
    pub heartbeat: bool,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>, origin: Origin) -> Failure {
        Failure {
            error: error.into(),
            cause: cause.into(),
            origin,
            heartbeat: false,
        }
    }

    /// A callback Task that got no heartbeat within its `HeartbeatSeconds`.
    pub fn heartbeat_timeout() -> Failure {
        Failure {
            heartbeat: true,
            ..Failure::of_integration("States.Timeout", "")
        }
    }

    /// Raised by the state `state`'s type (see [`Origin::State`]).
    pub fn of_state(state: &str, error: impl Into<String>, cause: impl Into<String>) -> Failure {
        let origin = Origin::State {
            state: state.to_owned(),
        };
        Failure::new(error, cause, origin)
    }

    /// Raised by an integration; the calling Task names the resource.
    pub fn of_integration(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        let origin = Origin::Integration {
            resource: String::new(),
        };
        Failure::new(error, cause, origin)
    }

    /// Raised by the execution itself.
    pub fn of_execution(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure::new(error, cause, Origin::Execution)
    }

    /// An integration failure attributed to the Task resource that was called; a failure of
    /// another origin is left as it is.
    pub fn raised_by_resource(mut self, resource: &str) -> Failure {
        if let Origin::Integration { resource: named } = &mut self.origin
            && named.is_empty()
        {
            resource.clone_into(named);
        }
        self
    }

    /// True when the state `state` entered at event `entered_id` raised this while processing
    /// its own fields.
    pub fn is_processing_of(&self, state: &str, entered_id: u64) -> bool {
        matches!(&self.origin, Origin::Processing { state: s, entered_id: id }
            if s == state && *id == entered_id)
    }

    /// `{"Error", "Cause"}`, what a Catch places with its ResultPath.
    pub fn to_output(&self) -> Value {
        json!({ "Error": self.error, "Cause": self.cause })
    }

    /// `{error, cause}` with empty parts left out, as AWS writes failure details.
    pub fn details(&self) -> Value {
        let mut details = serde_json::Map::new();
        if !self.error.is_empty() {
            details.insert("error".into(), json!(self.error));
        }
        if !self.cause.is_empty() {
            details.insert("cause".into(), json!(self.cause));
        }
        Value::Object(details)
    }
}

/// `{error, cause}` with empty parts left out, as AWS writes failure details.
pub fn failure_details(failure: &Failure) -> Value {
    failure.details()
}

/// What an execution whose history reached 25,000 events fails with (AWS's error and cause).
pub fn history_limit() -> Failure {
    Failure::of_execution("States.Runtime", crate::sfn::history::LIMIT_CAUSE)
}

/// What an execution that outlived its `TimeoutSeconds` fails with.
pub fn execution_timeout() -> Failure {
    Failure::of_execution("States.Timeout", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_is_named_once_and_only_for_integrations() {
        let called = Failure::of_integration("Lambda.Unknown", "x").raised_by_resource("arn:f");
        assert_eq!(
            called.origin,
            Origin::Integration {
                resource: "arn:f".into()
            }
        );
        assert_eq!(called.clone().raised_by_resource("arn:g"), called);
        let own = Failure::new(
            "States.Runtime",
            "…",
            Origin::Processing {
                state: "S".into(),
                entered_id: 2,
            },
        );
        assert_eq!(own.clone().raised_by_resource("arn:f"), own);
        assert!(own.is_processing_of("S", 2));
        assert!(!own.is_processing_of("S", 3));
        assert!(!called.is_processing_of("S", 2));
    }

    #[test]
    fn details_leave_out_empty_parts() {
        assert_eq!(
            execution_timeout().details(),
            json!({"error": "States.Timeout"})
        );
        assert_eq!(
            Failure::of_state("F", "", "why").details(),
            json!({"cause": "why"})
        );
    }
}
