//! TransactWriteItems' `ClientRequestToken`: the ledger of tokens seen in the last ten minutes
//! and what each one's request was.
//!
//! AWS (TransactWriteItems API reference): a token is valid for 10 minutes after the first
//! request that uses it completes; an identical request with it in that window succeeds
//! without making changes, a request with other parameters gets
//! `IdempotentParameterMismatchException`. Observed with DynamoDB Local, where AWS is silent:
//! only a committed transaction binds its token (a request that fails validation or is
//! cancelled leaves the token free), and `ReturnConsumedCapacity` /
//! `ReturnItemCollectionMetrics` are not part of the parameters.
//! Time is the emulator's clock, so a virtual clock moves tokens out of the window.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::dynamodb::input;
use crate::protocol::AwsError;

/// How long a token stays bound to its request.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// Members that may differ between an original request and its retry.
const NOT_PARAMETERS: [&str; 3] = [
    "ClientRequestToken",
    "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics",
];

#[derive(Debug)]
struct Entry {
    parameters: Value,
    completed_at: SystemTime,
}

/// What a token says about the request carrying it.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Unknown or expired: run the transaction.
    Run,
    /// An identical retry of a committed transaction: succeed without changes.
    AlreadyCommitted,
    /// The token belongs to a different request.
    Mismatch,
}

#[derive(Debug, Default)]
pub struct TokenLedger {
    entries: HashMap<String, Entry>,
}

impl TokenLedger {
    pub fn verdict(&self, token: &str, request: &Value, now: SystemTime) -> Verdict {
        let Some(entry) = self.entries.get(token).filter(|e| within_window(e, now)) else {
            return Verdict::Run;
        };
        if entry.parameters == parameters(request) {
            Verdict::AlreadyCommitted
        } else {
            Verdict::Mismatch
        }
    }

    /// Binds `token` to the committed `request` from `now`, forgetting tokens whose window
    /// has passed.
    pub fn record(&mut self, token: &str, request: &Value, now: SystemTime) {
        self.entries.retain(|_, e| within_window(e, now));
        self.entries.insert(
            token.to_owned(),
            Entry {
                parameters: parameters(request),
                completed_at: now,
            },
        );
    }
}

fn within_window(entry: &Entry, now: SystemTime) -> bool {
    now.duration_since(entry.completed_at)
        .map_or(true, |age| age < WINDOW)
}

fn parameters(request: &Value) -> Value {
    let mut parameters = request.clone();
    if let Some(members) = parameters.as_object_mut() {
        for member in NOT_PARAMETERS {
            members.remove(member);
        }
    }
    parameters
}

/// The request's token, checked against the API's length constraint (1 to 36 characters).
pub fn client_request_token(request: &Value) -> Result<Option<&str>, AwsError> {
    let Some(token) = input::opt_str(request, "ClientRequestToken")? else {
        return Ok(None);
    };
    let length = token.chars().count();
    let bound = match length {
        0 => "greater than or equal to 1",
        37.. => "less than or equal to 36",
        _ => return Ok(Some(token)),
    };
    Err(AwsError::validation(format!(
        "1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length {bound}"
    )))
}

/// AWS's error for a token reused with other parameters (DynamoDB Local sends no message
/// text, and AWS documents none).
pub fn mismatch() -> AwsError {
    AwsError::new(400, "IdempotentParameterMismatchException", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn identical_retry_of_a_commit_is_recognised_until_the_window_ends() {
        let mut ledger = TokenLedger::default();
        let request = json!({"TransactItems": [1], "ClientRequestToken": "t"});
        ledger.record("t", &request, at(1000));
        let retry = json!({"TransactItems": [1], "ClientRequestToken": "t", "ReturnConsumedCapacity": "TOTAL"});
        assert_eq!(
            ledger.verdict("t", &retry, at(1599)),
            Verdict::AlreadyCommitted
        );
        assert_eq!(ledger.verdict("t", &retry, at(1600)), Verdict::Run);
    }

    #[test]
    fn other_parameters_are_a_mismatch() {
        let mut ledger = TokenLedger::default();
        let request = json!({"TransactItems": [1]});
        ledger.record("t", &request, at(0));
        assert_eq!(
            ledger.verdict("t", &json!({"TransactItems": [2]}), at(1)),
            Verdict::Mismatch
        );
        assert_eq!(ledger.verdict("u", &request, at(1)), Verdict::Run);
    }

    #[test]
    fn token_length_is_constrained() {
        assert!(client_request_token(&json!({"ClientRequestToken": ""})).is_err());
        let long = "x".repeat(37);
        let err = client_request_token(&json!({ "ClientRequestToken": long })).unwrap_err();
        assert!(err.message.ends_with("less than or equal to 36"), "{err}");
        assert_eq!(
            client_request_token(&json!({"ClientRequestToken": "abc"})).unwrap(),
            Some("abc")
        );
    }
}
