//! The history event types the engine records, as an enum named like AWS's
//! `HistoryEventType` (botocore's `stepfunctions` model): every call site names a variant, so a
//! misspelt event type cannot compile. [`EventType::name`] is the type's text in
//! GetExecutionHistory (the variant's own name).

use crate::sfn::asl::StateKind;

/// Declares the enum and its names from one list, so a variant and its text cannot differ.
macro_rules! event_types {
    ($($variant:ident),* $(,)?) => {
        /// A history event's `type`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventType {
            $($variant),*
        }

        impl EventType {
            /// The type as GetExecutionHistory shows it (`TaskScheduled`).
            pub fn name(self) -> &'static str {
                match self {
                    $(EventType::$variant => stringify!($variant)),*
                }
            }
        }
    };
}

event_types! {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionTimedOut,
    ExecutionAborted,
    PassStateEntered,
    PassStateExited,
    ChoiceStateEntered,
    ChoiceStateExited,
    WaitStateEntered,
    WaitStateExited,
    SucceedStateEntered,
    SucceedStateExited,
    FailStateEntered,
    TaskStateEntered,
    TaskStateExited,
    MapStateEntered,
    MapStateExited,
    ParallelStateEntered,
    ParallelStateExited,
    TaskScheduled,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TaskFailed,
    TaskTimedOut,
    LambdaFunctionScheduled,
    LambdaFunctionStarted,
    LambdaFunctionSucceeded,
    LambdaFunctionFailed,
    MapStateStarted,
    MapStateSucceeded,
    MapStateFailed,
    MapIterationStarted,
    MapIterationSucceeded,
    MapIterationFailed,
    MapRunStarted,
    MapRunSucceeded,
    MapRunFailed,
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    EvaluationFailed,
    MapIterationAborted,
    TaskStateAborted,
    WaitStateAborted,
    MapStateAborted,
    ParallelStateAborted,
}

impl EventType {
    /// `<Type>StateEntered` for a state of `kind`.
    pub fn state_entered(kind: &StateKind) -> EventType {
        match kind {
            StateKind::Pass { .. } => EventType::PassStateEntered,
            StateKind::Task { .. } => EventType::TaskStateEntered,
            StateKind::Choice { .. } => EventType::ChoiceStateEntered,
            StateKind::Wait(_) => EventType::WaitStateEntered,
            StateKind::Succeed => EventType::SucceedStateEntered,
            StateKind::Fail { .. } => EventType::FailStateEntered,
            StateKind::Map { .. } => EventType::MapStateEntered,
            StateKind::Parallel { .. } => EventType::ParallelStateEntered,
        }
    }

    /// `<Type>StateExited` for a state of `kind`; a Fail state is never exited.
    pub fn state_exited(kind: &StateKind) -> Option<EventType> {
        match kind {
            StateKind::Pass { .. } => Some(EventType::PassStateExited),
            StateKind::Task { .. } => Some(EventType::TaskStateExited),
            StateKind::Choice { .. } => Some(EventType::ChoiceStateExited),
            StateKind::Wait(_) => Some(EventType::WaitStateExited),
            StateKind::Succeed => Some(EventType::SucceedStateExited),
            StateKind::Fail { .. } => None,
            StateKind::Map { .. } => Some(EventType::MapStateExited),
            StateKind::Parallel { .. } => Some(EventType::ParallelStateExited),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_variants() {
        assert_eq!(EventType::TaskScheduled.name(), "TaskScheduled");
        assert_eq!(EventType::MapIterationFailed.name(), "MapIterationFailed");
        assert_eq!(
            EventType::state_entered(&StateKind::Succeed).name(),
            "SucceedStateEntered"
        );
        assert_eq!(
            EventType::state_exited(&StateKind::Succeed).map(EventType::name),
            Some("SucceedStateExited")
        );
    }
}
