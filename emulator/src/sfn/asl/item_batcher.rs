//! A distributed Map's `ItemBatcher`: each child workflow gets a batch of items
//! (`{"BatchInput": …, "Items": [...]}`) instead of one item. `MaxItemsPerBatch` and
//! `MaxInputBytesPerBatch` bound a batch (literal, `…Path` in JSONPath, a JSONata expression in
//! JSONata); `BatchInput` is a payload template (`.$` fields) or JSONata template. Parsed and
//! checked here (the InvalidDefinition problems CreateStateMachine reports); the batching is
//! `engine/item_batcher.rs`.
//!
//! AWS's words, as ValidateStateMachineDefinition answers them (measured by the floci
//! emulator's issue #3733 in us-east-1): `Minimum value is 0`, `Maximum value is 262144`,
//! `There should only be one of the following fields: [MaxItemsPerBatch,
//! MaxItemsPerBatchPath]`, `The QueryLanguage is set to 'JSONata', but field
//! 'MaxItemsPerBatchPath' is only supported for the 'JSONPath' QueryLanguage` and
//! `Value is not a Reference Path`; `Field 'X' is not supported` for an unknown field.

use serde_json::{Map, Value};

use super::model::Dynamic;
use super::syntax::{is_reference_path, pointer};

/// AWS's ceiling on `MaxInputBytesPerBatch` (256 KiB), also the size of a batch when no
/// byte limit is given.
pub const MAX_INPUT_BYTES: u64 = 262_144;

/// The ceiling on `MaxItemsPerBatch` (AWS publishes none; a batch can hold no more items
/// than a reader reads, `ReaderConfig.MaxItems` at most 100,000,000).
pub const MAX_ITEMS: u64 = 100_000_000;

const FIELDS: &[&str] = &[
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
    "BatchInput",
];

/// A checked `ItemBatcher`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch`, `MaxItemsPerBatchPath` or a JSONata `MaxItemsPerBatch`.
    pub max_items: Option<Dynamic<u64>>,
    /// `MaxInputBytesPerBatch`, its path or a JSONata one; [`MAX_INPUT_BYTES`] when absent.
    pub max_bytes: Option<Dynamic<u64>>,
    /// `BatchInput`: a payload template (JSONPath) or JSONata template, evaluated once
    /// against the state input and given to every batch.
    pub batch_input: Option<Value>,
}

/// Parses `ItemBatcher` found at `at`; pushes every problem.
pub fn parse(
    value: &Value,
    at: &str,
    jsonata: bool,
    distributed: bool,
    problems: &mut Vec<String>,
) -> Option<ItemBatcher> {
    let object = super::item_reader::distributed_object(
        "ItemBatcher",
        value,
        FIELDS,
        at,
        distributed,
        problems,
    )?;
    let limits = ["MaxItemsPerBatch", "MaxInputBytesPerBatch"];
    if !limits
        .iter()
        .any(|f| object.contains_key(*f) || object.contains_key(&format!("{f}Path")))
    {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: At least one of the following fields should be present: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath] at {}",
            pointer(at)
        ));
    }
    let batch_input = object.get("BatchInput").cloned();
    if let Some(template) = &batch_input {
        check_batch_input(template, &format!("{at}/BatchInput"), jsonata, problems);
    }
    Some(ItemBatcher {
        max_items: limit(object, "MaxItemsPerBatch", MAX_ITEMS, jsonata, at, problems),
        max_bytes: limit(
            object,
            "MaxInputBytesPerBatch",
            MAX_INPUT_BYTES,
            jsonata,
            at,
            problems,
        ),
        batch_input,
    })
}

/// `BatchInput` must be an object (a payload template); in JSONPath its `.$` fields must be
/// paths or intrinsic calls.
fn check_batch_input(template: &Value, at: &str, jsonata: bool, problems: &mut Vec<String>) {
    if jsonata && template.is_string() {
        return;
    }
    if !template.is_object() {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Expected an object at {}",
            pointer(at)
        ));
        return;
    }
    if !jsonata {
        super::bounds::check_template(template, at, problems);
    }
}

/// One of the two limits: the literal, its `…Path` twin (JSONPath only) or, in JSONata, an
/// expression; a literal in `0..=max`.
fn limit(
    object: &Map<String, Value>,
    field: &str,
    max: u64,
    jsonata: bool,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<Dynamic<u64>> {
    let path_field = format!("{field}Path");
    if object.contains_key(field) && object.contains_key(&path_field) {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: There should only be one of the following fields: [{field}, {path_field}] at {}",
            pointer(at)
        ));
    }
    if let Some(path) = object.get(&path_field) {
        let field_at = pointer(&format!("{at}/{path_field}"));
        if jsonata {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field '{path_field}' is only supported for the 'JSONPath' QueryLanguage at {field_at}"
            ));
            return None;
        }
        return match path.as_str().filter(|path| is_reference_path(path)) {
            Some(path) => Some(Dynamic::Path(path.to_owned())),
            None => {
                problems.push(format!(
                    "SCHEMA_VALIDATION_FAILED: Value is not a Reference Path at {field_at}"
                ));
                None
            }
        };
    }
    let value = object.get(field)?;
    let field_at = pointer(&format!("{at}/{field}"));
    if let (true, Value::String(text)) = (jsonata, value) {
        return Some(Dynamic::Jsonata(text.clone()));
    }
    let problem = match value {
        Value::Number(n) if n.as_u64().is_some_and(|n| n <= max) => {
            return n.as_u64().map(Dynamic::Literal);
        }
        Value::Number(n) if n.as_f64().is_some_and(|n| n < 0.0) => "Minimum value is 0".into(),
        Value::Number(n) if n.as_f64().is_some_and(|n| n > max as f64) => {
            format!("Maximum value is {max}")
        }
        _ => "Expected an integer".into(),
    };
    problems.push(format!("SCHEMA_VALIDATION_FAILED: {problem} at {field_at}"));
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(batcher: Value, jsonata: bool, distributed: bool) -> Vec<String> {
        let mut problems = Vec::new();
        parse(
            &batcher,
            "/States/M/ItemBatcher",
            jsonata,
            distributed,
            &mut problems,
        );
        problems
    }

    #[test]
    fn the_three_forms_of_a_limit_parse() {
        let mut found = Vec::new();
        let batcher = parse(
            &json!({"MaxItemsPerBatch": 3, "MaxInputBytesPerBatchPath": "$.bytes",
                    "BatchInput": {"a.$": "$.a"}}),
            "",
            false,
            true,
            &mut found,
        )
        .unwrap();
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(batcher.max_items, Some(Dynamic::Literal(3)));
        assert_eq!(batcher.max_bytes, Some(Dynamic::Path("$.bytes".into())));
        let batcher = parse(
            &json!({"MaxItemsPerBatch": "{% $states.input.n %}"}),
            "",
            true,
            true,
            &mut found,
        )
        .unwrap();
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(
            batcher.max_items,
            Some(Dynamic::Jsonata("{% $states.input.n %}".into()))
        );
        assert_eq!(batcher.max_bytes, None);
    }

    #[test]
    fn malformed_batchers_are_refused_in_aws_words() {
        let at = "/States/M/ItemBatcher";
        let cases = [
            (
                json!({"MaxItemsPerBatch": -1}),
                false,
                format!("Minimum value is 0 at {at}/MaxItemsPerBatch"),
            ),
            (
                json!({"MaxInputBytesPerBatch": 262_145}),
                false,
                format!("Maximum value is 262144 at {at}/MaxInputBytesPerBatch"),
            ),
            (
                json!({"MaxItemsPerBatch": 1.5}),
                false,
                format!("Expected an integer at {at}/MaxItemsPerBatch"),
            ),
            (
                json!({"MaxItemsPerBatch": 1, "MaxItemsPerBatchPath": "$.n"}),
                false,
                format!(
                    "There should only be one of the following fields: [MaxItemsPerBatch, MaxItemsPerBatchPath] at {at}"
                ),
            ),
            (
                json!({"MaxItemsPerBatchPath": "$.n"}),
                true,
                format!(
                    "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPerBatchPath' is only supported for the 'JSONPath' QueryLanguage at {at}/MaxItemsPerBatchPath"
                ),
            ),
            (
                json!({"MaxInputBytesPerBatchPath": "$$.Execution.Input.n"}),
                false,
                format!("Value is not a Reference Path at {at}/MaxInputBytesPerBatchPath"),
            ),
            (
                json!({"BatchInput": {"a": 1}}),
                false,
                format!(
                    "At least one of the following fields should be present: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath] at {at}"
                ),
            ),
            (
                json!({"MaxItemsPerBatch": 1, "Bogus": 1}),
                false,
                format!("Field 'Bogus' is not supported at {at}"),
            ),
            (
                json!({"MaxItemsPerBatch": 1, "BatchInput": [1]}),
                false,
                format!("Expected an object at {at}/BatchInput"),
            ),
            (
                json!({"MaxItemsPerBatch": 1, "BatchInput": {"a.$": "$.a["}}),
                false,
                format!(
                    "The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call at {at}/BatchInput"
                ),
            ),
        ];
        for (batcher, jsonata, expected) in cases {
            let found = problems(batcher.clone(), jsonata, true);
            let expected = format!("SCHEMA_VALIDATION_FAILED: {expected}");
            assert_eq!(found, vec![expected], "{batcher}");
        }
    }

    #[test]
    fn an_inline_map_may_not_batch() {
        let found = problems(json!({"MaxItemsPerBatch": 2}), false, false);
        assert_eq!(
            found,
            vec![
                "SCHEMA_VALIDATION_FAILED: The field 'ItemBatcher' is only supported in 'DISTRIBUTED' processing mode at /States/M/ItemBatcher"
            ]
        );
    }
}
