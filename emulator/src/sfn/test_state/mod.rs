//! TestState (`AWSStepFunctions.TestState`, served by AWS on the `sync-` host prefix): runs
//! one state — a single state definition, or the state `stateName` of a whole machine —
//! with the engine that runs executions, and answers `status` (SUCCEEDED, FAILED,
//! RETRIABLE, CAUGHT_ERROR), `nextState`, `output`, `error`/`cause` and, at DEBUG/TRACE,
//! `inspectionData`.
//!
//! - [`request`]: the request's members and AWS's checks, in AWS's error shapes.
//! - [`fields`]: `mock.fieldValidationMode` against the services' API models.
//! - [`scope`]: the mock, context and no-waiting overrides the engine consults.
//! - [`run`]: the run and the decision (retry, catch) it reports.
//! - [`reader`]: a distributed Map's items from `mapItemReaderData`.
//! - [`inspect`]: the `inspectionData` member.

pub mod fields;
pub mod inspect;
pub mod reader;
pub mod request;
pub mod run;
pub mod scope;

use serde_json::Value;

use crate::protocol::AwsError;
use crate::sfn::StepFunctions;

impl StepFunctions {
    pub(crate) async fn test_state(&self, input: &Value) -> Result<Value, AwsError> {
        let request = request::parse(input)?;
        Ok(run::test(self, request).await)
    }
}
