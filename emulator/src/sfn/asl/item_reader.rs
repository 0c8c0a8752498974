//! A distributed Map's `ItemReader`: where the items come from when they are not the state
//! input (an S3 object read with `s3:getObject` as CSV / JSON / JSONL / MANIFEST / PARQUET,
//! or the objects `s3:listObjectsV2` lists), with its `ReaderConfig` (InputType,
//! CSVHeaderLocation, CSVHeaders, CSVDelimiter, MaxItems / MaxItemsPath) and its
//! `Parameters` (JSONPath) or `Arguments` (JSONata). Parsed and checked here (the
//! InvalidDefinition problems CreateStateMachine reports); read by `engine/item_reader.rs`.

use serde_json::{Map, Value};

use super::model::Dynamic;
use super::syntax::pointer;

/// The resources an ItemReader may name.
pub const GET_OBJECT: &str = "arn:aws:states:::s3:getObject";
pub const LIST_OBJECTS: &str = "arn:aws:states:::s3:listObjectsV2";

/// AWS's ceiling on `MaxItems`.
pub const MAX_ITEMS: u64 = 100_000_000;

const READER_FIELDS: &[&str] = &["Resource", "ReaderConfig", "Parameters", "Arguments"];
const CONFIG_FIELDS: &[&str] = &[
    "InputType",
    "CSVHeaderLocation",
    "CSVHeaders",
    "CSVDelimiter",
    "MaxItems",
    "MaxItemsPath",
    "ManifestType",
];
const INPUT_TYPES: &[&str] = &["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"];
const DELIMITERS: &[&str] = &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"];

/// `ReaderConfig.InputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    Csv,
    Json,
    Jsonl,
    Manifest,
    Parquet,
}

/// A checked `ItemReader`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemReader {
    pub resource: String,
    /// None for `s3:listObjectsV2`, which lists objects rather than reading one.
    pub input_type: Option<InputType>,
    /// `CSVHeaders` when `CSVHeaderLocation` is GIVEN; None for FIRST_ROW (the default).
    pub csv_headers: Option<Vec<String>>,
    /// The delimiter byte (`CSVDelimiter`, COMMA by default).
    pub csv_delimiter: u8,
    /// `MaxItems`, `MaxItemsPath` or a JSONata `MaxItems`; None reads every item.
    pub max_items: Option<Dynamic<u64>>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata): the S3 request.
    pub parameters: Option<Value>,
}

/// Parses `ItemReader` found at `at`; pushes every problem.
pub fn parse(
    value: &Value,
    at: &str,
    jsonata: bool,
    distributed: bool,
    problems: &mut Vec<String>,
) -> Option<ItemReader> {
    let object = distributed_object(
        "ItemReader",
        value,
        READER_FIELDS,
        at,
        distributed,
        problems,
    )?;
    let (wanted, unwanted) = if jsonata {
        ("Arguments", "Parameters")
    } else {
        ("Parameters", "Arguments")
    };
    if object.contains_key(unwanted) {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field '{unwanted}' is not supported for the query language {} at {at}/{unwanted}",
            if jsonata { "JSONata" } else { "JSONPath" }
        ));
    }
    let resource = resource(object, at, problems)?;
    let empty = Map::new();
    let config_at = format!("{at}/ReaderConfig");
    let config = match object.get("ReaderConfig") {
        None => &empty,
        Some(Value::Object(config)) => config,
        Some(_) => {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: Expected an object at {config_at}"
            ));
            &empty
        }
    };
    unknown_fields(config, CONFIG_FIELDS, &config_at, problems);
    let input_type = input_type(config, &resource, &config_at, problems);
    let csv_headers = csv_headers(config, input_type, &config_at, problems);
    Some(ItemReader {
        resource,
        input_type,
        csv_headers,
        csv_delimiter: delimiter(config, input_type, &config_at, problems),
        max_items: max_items(config, jsonata, &config_at, problems),
        parameters: object.get(wanted).cloned(),
    })
}

/// A distributed Map's object field (`ItemReader`, `ItemBatcher`) found at `at`: `None` when it
/// is not an object; a problem when the Map is not distributed and one per unknown field.
pub(super) fn distributed_object<'v>(
    field: &str,
    value: &'v Value,
    known: &[&str],
    at: &str,
    distributed: bool,
    problems: &mut Vec<String>,
) -> Option<&'v Map<String, Value>> {
    let Some(object) = value.as_object() else {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Expected an object at {}",
            pointer(at)
        ));
        return None;
    };
    if !distributed {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field '{field}' is only supported in 'DISTRIBUTED' processing mode at {}",
            pointer(at)
        ));
    }
    unknown_fields(object, known, at, problems);
    Some(object)
}

fn unknown_fields(
    object: &Map<String, Value>,
    known: &[&str],
    at: &str,
    problems: &mut Vec<String>,
) {
    for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Field '{key}' is not supported at {}",
            pointer(at)
        ));
    }
}

fn resource(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) -> Option<String> {
    let Some(resource) = object.get("Resource").and_then(Value::as_str) else {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field 'Resource' is required but was missing at {at}"
        ));
        return None;
    };
    if resource != GET_OBJECT && resource != LIST_OBJECTS {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Value is not a supported ItemReader resource: '{resource}' (expected '{GET_OBJECT}' or '{LIST_OBJECTS}') at {at}/Resource"
        ));
        return None;
    }
    Some(resource.to_owned())
}

fn input_type(
    config: &Map<String, Value>,
    resource: &str,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<InputType> {
    let Some(value) = config.get("InputType") else {
        if resource == GET_OBJECT {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: The field 'InputType' is required when the ItemReader Resource is '{GET_OBJECT}' at {at}"
            ));
        }
        return None;
    };
    let parsed = match value.as_str() {
        Some("CSV") => InputType::Csv,
        Some("JSON") => InputType::Json,
        Some("JSONL") => InputType::Jsonl,
        Some("MANIFEST") => InputType::Manifest,
        Some("PARQUET") => InputType::Parquet,
        _ => {
            problems.push(enum_problem("InputType", INPUT_TYPES, at));
            return None;
        }
    };
    if resource == LIST_OBJECTS {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field 'InputType' is not supported when the ItemReader Resource is '{LIST_OBJECTS}' at {at}/InputType"
        ));
    }
    Some(parsed)
}

fn enum_problem(field: &str, allowed: &[&str], at: &str) -> String {
    format!(
        "SCHEMA_VALIDATION_FAILED: The value for the field '{field}' must be one of {allowed:?} at {at}/{field}"
    )
}

fn only_for_csv(field: &str, at: &str) -> String {
    format!(
        "SCHEMA_VALIDATION_FAILED: The field '{field}' is only supported when InputType is 'CSV' at {at}/{field}"
    )
}

fn csv_headers(
    config: &Map<String, Value>,
    input_type: Option<InputType>,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<Vec<String>> {
    let csv = input_type == Some(InputType::Csv);
    let location = config.get("CSVHeaderLocation");
    for field in ["CSVHeaderLocation", "CSVHeaders"] {
        if !csv && config.contains_key(field) {
            problems.push(only_for_csv(field, at));
        }
    }
    let given = match location.map(|v| v.as_str()) {
        None | Some(Some("FIRST_ROW")) => false,
        Some(Some("GIVEN")) => true,
        Some(_) => {
            problems.push(enum_problem(
                "CSVHeaderLocation",
                &["FIRST_ROW", "GIVEN"],
                at,
            ));
            false
        }
    };
    let headers = config.get("CSVHeaders");
    match (given, headers) {
        (false, Some(_)) if csv => {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: The field 'CSVHeaders' is only supported when CSVHeaderLocation is 'GIVEN' at {at}/CSVHeaders"
            ));
            None
        }
        (true, None) => {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: The field 'CSVHeaders' is required when CSVHeaderLocation is 'GIVEN' at {at}"
            ));
            None
        }
        (true, Some(value)) => {
            let names: Option<Vec<String>> = value
                .as_array()
                .filter(|names| !names.is_empty())
                .and_then(|names| {
                    names
                        .iter()
                        .map(|name| name.as_str().map(str::to_owned))
                        .collect()
                });
            if names.is_none() {
                problems.push(format!(
                    "SCHEMA_VALIDATION_FAILED: The value for the field 'CSVHeaders' must be a non-empty array of strings at {at}/CSVHeaders"
                ));
            }
            names
        }
        _ => None,
    }
}

fn delimiter(
    config: &Map<String, Value>,
    input_type: Option<InputType>,
    at: &str,
    problems: &mut Vec<String>,
) -> u8 {
    let Some(value) = config.get("CSVDelimiter") else {
        return b',';
    };
    if input_type != Some(InputType::Csv) {
        problems.push(only_for_csv("CSVDelimiter", at));
    }
    match value.as_str() {
        Some("COMMA") => b',',
        Some("PIPE") => b'|',
        Some("SEMICOLON") => b';',
        Some("SPACE") => b' ',
        Some("TAB") => b'\t',
        _ => {
            problems.push(enum_problem("CSVDelimiter", DELIMITERS, at));
            b','
        }
    }
}

fn max_items(
    config: &Map<String, Value>,
    jsonata: bool,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<Dynamic<u64>> {
    if config.contains_key("MaxItems") && config.contains_key("MaxItemsPath") {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Only one of 'MaxItems' or 'MaxItemsPath' can be present at {at}"
        ));
    }
    if let Some(path) = config.get("MaxItemsPath") {
        return match path.as_str() {
            Some(path) if !jsonata && super::syntax::is_valid_path(path) => {
                Some(Dynamic::Path(path.to_owned()))
            }
            _ => {
                problems.push(format!(
                    "SCHEMA_VALIDATION_FAILED: The value for the field 'MaxItemsPath' must be a valid JSONPath at {at}/MaxItemsPath"
                ));
                None
            }
        };
    }
    match config.get("MaxItems")? {
        Value::String(text) if jsonata => Some(Dynamic::Jsonata(text.clone())),
        value => match value.as_u64().filter(|n| *n <= MAX_ITEMS) {
            Some(n) => Some(Dynamic::Literal(n)),
            None => {
                problems.push(format!(
                    "SCHEMA_VALIDATION_FAILED: The value for the field 'MaxItems' must be an integer between 0 and {MAX_ITEMS} at {at}/MaxItems"
                ));
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(reader: Value, jsonata: bool) -> Vec<String> {
        let mut problems = Vec::new();
        parse(
            &reader,
            "/States/M/ItemReader",
            jsonata,
            true,
            &mut problems,
        );
        problems
    }

    #[test]
    fn a_csv_reader_with_given_headers_parses() {
        let mut found = Vec::new();
        let reader = parse(
            &json!({"Resource": GET_OBJECT, "Parameters": {"Bucket": "b", "Key": "k"},
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN",
                                     "CSVHeaders": ["a", "b"], "CSVDelimiter": "PIPE", "MaxItems": 2}}),
            "",
            false,
            true,
            &mut found,
        )
        .unwrap();
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(reader.csv_headers, Some(vec!["a".into(), "b".into()]));
        assert_eq!(reader.csv_delimiter, b'|');
        assert_eq!(reader.max_items, Some(Dynamic::Literal(2)));
    }

    #[test]
    fn malformed_readers_are_refused() {
        let cases = [
            (
                json!({"Resource": "arn:aws:states:::s3:putObject"}),
                "supported ItemReader resource",
            ),
            (json!({"Resource": GET_OBJECT}), "'InputType' is required"),
            (
                json!({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "XML"}}),
                "must be one of",
            ),
            (
                json!({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON", "CSVDelimiter": "TAB"}}),
                "only supported when InputType is 'CSV'",
            ),
            (
                json!({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}}),
                "'CSVHeaders' is required",
            ),
            (
                json!({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON", "MaxItems": -1}}),
                "'MaxItems' must be an integer",
            ),
            (
                json!({"Resource": GET_OBJECT, "ReaderConfig": {"InputType": "JSON", "MaxItems": 1, "MaxItemsPath": "$.n"}}),
                "Only one of 'MaxItems'",
            ),
            (
                json!({"Resource": LIST_OBJECTS, "Arguments": {}}),
                "'Arguments' is not supported",
            ),
            (
                json!({"Resource": LIST_OBJECTS, "Bogus": 1}),
                "Field 'Bogus' is not supported",
            ),
        ];
        for (reader, expected) in cases {
            let found = problems(reader.clone(), false);
            assert!(
                found.iter().any(|p| p.contains(expected)),
                "{reader}: {found:?}"
            );
        }
    }

    #[test]
    fn an_inline_map_may_not_read() {
        let mut found = Vec::new();
        parse(
            &json!({"Resource": LIST_OBJECTS}),
            "/States/M/ItemReader",
            false,
            false,
            &mut found,
        );
        assert!(
            found[0].contains("only supported in 'DISTRIBUTED'"),
            "{found:?}"
        );
    }
}
