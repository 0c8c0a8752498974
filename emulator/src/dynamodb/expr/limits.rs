//! DynamoDB's limits on one expression (DynamoDB developer guide, "Service quotas",
//! Expression parameters), with the messages DynamoDB answers (observed with DynamoDB Local
//! 3.3.1; AWS documents the limits, not the wording):
//!
//! - at most 4 KB (`Expression size has exceeded the maximum allowed size`; condition kinds add
//!   `; expression size: N`). The size is counted as Java counts a string's length — UTF-16
//!   code units — which is how DynamoDB Local measures it (`😀` × 2049 is "size: 4098");
//! - at most 300 operators or functions (`The expression contains too many operators;
//!   operator count: 301` — DynamoDB stops counting at the first one too many). Comparators,
//!   `BETWEEN`, `IN`, `AND`, `OR`, `NOT`, every function and `+`/`-` count; an update's `=`,
//!   its clauses and parentheses do not;
//! - at most 100 operands for `IN` (`The IN operator is provided with too many operands;
//!   number of operands: N`);
//! - document paths at most 32 levels deep (`The document path has too many nesting levels;
//!   nesting levels: N`).
//!
//! The operator limit also bounds everything that recurses over a parsed expression: every
//! level of a condition tree is an operator, so once a tree has passed [`check_operators`] it
//! is at most 301 levels deep.

use super::invalid;
use crate::protocol::AwsError;

/// The longest expression, in UTF-16 code units.
pub const MAX_EXPRESSION_SIZE: usize = 4096;
/// The most operators and functions in one expression.
pub const MAX_OPERATORS: usize = 300;
/// The most operands of one `IN`.
pub const MAX_IN_OPERANDS: usize = 100;
/// The deepest document path.
pub const MAX_PATH_LEVELS: usize = 32;

/// Whether `kind` is one of the condition kinds, whose size error names the size.
fn is_condition(kind: &str) -> bool {
    matches!(
        kind,
        "ConditionExpression" | "FilterExpression" | "KeyConditionExpression"
    )
}

/// Refuses an expression over 4 KB, counting without copying it.
pub fn check_size(source: &str, kind: &str) -> Result<(), AwsError> {
    // Cheap bounds first: UTF-16 length lies between len/3 and len bytes.
    if source.len() <= MAX_EXPRESSION_SIZE {
        return Ok(());
    }
    let size = source.encode_utf16().count();
    if size <= MAX_EXPRESSION_SIZE {
        return Ok(());
    }
    let detail = if is_condition(kind) {
        format!("Expression size has exceeded the maximum allowed size; expression size: {size}")
    } else {
        "Expression size has exceeded the maximum allowed size;".to_owned()
    };
    Err(invalid(kind, detail))
}

/// Refuses an expression with more than 300 operators and functions.
pub fn check_operators(count: usize, kind: &str) -> Result<(), AwsError> {
    if count <= MAX_OPERATORS {
        return Ok(());
    }
    Err(invalid(
        kind,
        format!(
            "The expression contains too many operators; operator count: {}",
            MAX_OPERATORS + 1
        ),
    ))
}

/// The error for an `IN` with more than 100 operands, if it has.
pub fn in_operands_error(count: usize, kind: &str) -> Option<AwsError> {
    (count > MAX_IN_OPERANDS).then(|| {
        invalid(
            kind,
            format!(
                "The IN operator is provided with too many operands; number of operands: {count}"
            ),
        )
    })
}

/// The error for a document path more than 32 levels deep, if it is.
pub fn path_levels_error(levels: usize, kind: &str) -> Option<AwsError> {
    (levels > MAX_PATH_LEVELS).then(|| {
        invalid(
            kind,
            format!("The document path has too many nesting levels; nesting levels: {levels}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_utf16_units() {
        assert!(check_size(&"a".repeat(4096), "ConditionExpression").is_ok());
        assert_eq!(
            check_size(&"a".repeat(4097), "ConditionExpression")
                .unwrap_err()
                .message,
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"
        );
        assert_eq!(
            check_size(&"a".repeat(5000), "UpdateExpression")
                .unwrap_err()
                .message,
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
        );
        // 2048 two-byte characters are 2048 units; 2049 astral characters are 4098.
        assert!(check_size(&"é".repeat(2100), "FilterExpression").is_ok());
        assert!(
            check_size(&"😀".repeat(2049), "FilterExpression")
                .unwrap_err()
                .message
                .ends_with("expression size: 4098")
        );
    }

    #[test]
    fn operator_count_names_the_first_one_too_many() {
        assert!(check_operators(300, "ConditionExpression").is_ok());
        assert_eq!(
            check_operators(100_000, "FilterExpression")
                .unwrap_err()
                .message,
            "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
        );
    }
}
