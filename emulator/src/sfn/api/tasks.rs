//! SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: what a callback's worker answers
//! with its task token ([`crate::sfn::callbacks`]). Members are checked as botocore's
//! `stepfunctions` model bounds them, in its order: `taskToken` 1–2,048 characters, `output`
//! at most 256 KiB of UTF-8 and JSON (`InvalidOutput` otherwise), `error` at most 256
//! characters, `cause` at most 32,768. Settling a token wakes its waiting Task at once — on the
//! virtual clock through the scheduler's signal, so the Task runs next without time passing.

use serde_json::{Value, json};

use crate::protocol::AwsError;
use crate::protocol::members::Members;
use crate::sfn::StepFunctions;
use crate::sfn::callbacks::{Outcome, signal};
use crate::sfn::engine::limits::MAX_PAYLOAD_BYTES;

/// `SensitiveError`'s and `SensitiveCause`'s bounds.
const MAX_ERROR: usize = 256;
const MAX_CAUSE: usize = 32_768;

impl StepFunctions {
    pub(crate) fn send_task_success(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let token = task_token(&members)?;
        let output = members.sensitive_str("output", MAX_PAYLOAD_BYTES)?;
        let output = members.require("output", output)?;
        let output = serde_json::from_str(output).map_err(|err| {
            AwsError::new(400, "InvalidOutput", format!("Invalid Output: '{err}'"))
        })?;
        self.settle(token, Outcome::Success(output))
    }

    pub(crate) fn send_task_failure(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let token = task_token(&members)?;
        let error = members
            .sensitive_str("error", MAX_ERROR)?
            .unwrap_or_default();
        let cause = members
            .sensitive_str("cause", MAX_CAUSE)?
            .unwrap_or_default();
        let outcome = Outcome::Failure {
            error: error.to_owned(),
            cause: cause.to_owned(),
        };
        self.settle(token, outcome)
    }

    pub(crate) fn send_task_heartbeat(&self, input: &Value) -> Result<Value, AwsError> {
        let members = Members::of(input);
        let token = task_token(&members)?;
        let now = self.ctx.clock.now();
        self.ctx.callbacks.heartbeat(token, now)?;
        Ok(json!({}))
    }

    fn settle(&self, token: &str, outcome: Outcome) -> Result<Value, AwsError> {
        let wake = self.ctx.callbacks.settle(token, outcome)?;
        wake.notify_one();
        self.ctx.sched.notify(&signal(token));
        Ok(json!({}))
    }

    /// Closes the task tokens of a stopped execution: SendTask* with them answers
    /// `TaskTimedOut`, as AWS does.
    pub(crate) fn close_tokens_of(&self, execution_arn: &str) {
        for token in self.ctx.callbacks.close_execution(execution_arn) {
            self.ctx.sched.forget(&signal(&token));
        }
    }
}

fn task_token<'a>(members: &Members<'a>) -> Result<&'a str, AwsError> {
    members.require("taskToken", members.str_len("taskToken", 1, 2048)?)
}
