//! Where DynamoDB Local is known to answer differently from AWS. Each entry names the case, and
//! docs/dynamodb-differences.md gives the evidence; the emulator answers like AWS there.

use super::wire::{Answer, Request};

/// The reason a mismatch is excused, or `None` when it is a real mismatch.
pub fn excused(request: &Request, ours: &Answer, local: &Answer) -> Option<&'static str> {
    if local.status == 500
        && ours.code.as_deref() == Some("SerializationException")
        && serde_json::from_str::<serde_json::Value>(&request.body).is_err()
    {
        return Some("DynamoDB Local answers a body that is not JSON with 500 InternalFailure");
    }
    None
}
