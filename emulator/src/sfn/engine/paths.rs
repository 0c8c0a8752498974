//! JSONPath input and output processing: InputPath, Parameters/ItemSelector/ResultSelector
//! payload templates (`".$"` keys holding paths or intrinsic calls), ResultPath (including
//! `null`) and OutputPath. `$$` paths read the context object.
//!
//! Paths other than plain `$.a['b'][0]` references go to `serde_json_path`, a recursive
//! parser whose time doubles with each nested filter: a path [`too_complex`] for it is never
//! handed to it (CreateStateMachine refuses it; at run time it selects nothing).

use serde_json::{Map, Value};

use super::context::{VARIABLES_KEY, strip_variables};
use super::intrinsics;
use crate::jsonpath::too_complex;
use crate::sfn::asl::model::PathField;
use crate::sfn::asl::syntax::{PathStep, reference_steps};

/// Why processing failed: the States error name and the message (without the
/// "An error occurred while executing the state…" prefix the state runner adds).
#[derive(Debug, Clone, PartialEq)]
pub struct PathError {
    pub error: &'static str,
    pub message: String,
}

impl PathError {
    pub fn runtime(message: impl Into<String>) -> PathError {
        PathError {
            error: "States.Runtime",
            message: message.into(),
        }
    }

    pub fn intrinsic(message: impl Into<String>) -> PathError {
        PathError {
            error: "States.IntrinsicFailure",
            message: message.into(),
        }
    }
}

/// Compact JSON text, as AWS quotes inputs in its messages.
pub fn to_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn not_found(path: &str, field: &str, input: &Value) -> PathError {
    PathError::runtime(format!(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{}'",
        to_text(input)
    ))
}

/// Evaluates a JSONPath on `input`; `None` when it selects nothing.
pub fn select(input: &Value, path: &str) -> Option<Value> {
    if let Some(steps) = reference_steps(path) {
        let mut current = input;
        for step in steps {
            current = match step {
                PathStep::Key(key) => current.as_object()?.get(&key)?,
                PathStep::Index(index) => current.as_array()?.get(index)?,
            };
        }
        return Some(current.clone());
    }
    if too_complex(path) {
        return None;
    }
    let parsed = serde_json_path::JsonPath::parse(path).ok()?;
    let found: Vec<Value> = parsed.query(input).all().into_iter().cloned().collect();
    Some(Value::Array(found))
}

/// Where a path reads from: `$$…` the context object, `$name…` a variable, `$…` the input.
pub fn source<'v>(path: &str, input: &'v Value, context: &'v Value) -> (Value, String) {
    let Some(rest) = path.strip_prefix('$') else {
        return (input.clone(), path.to_owned());
    };
    if rest.starts_with('$') {
        return (strip_variables(context.clone()), rest.to_owned());
    }
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return (input.clone(), path.to_owned());
    }
    let (name, tail) = rest.split_at_checked(name_len).unwrap_or((rest, ""));
    let value = context
        .get(VARIABLES_KEY)
        .and_then(|vars| vars.get(name))
        .cloned();
    match value {
        Some(value) => (value, format!("${tail}")),
        None => (Value::Null, "$.\u{0}undefined".to_owned()),
    }
}

/// Resolves a path (`$…`, `$$…`, `$name…`); `None` when it selects nothing.
pub fn resolve(path: &str, input: &Value, context: &Value) -> Option<Value> {
    let (source, effective) = source(path, input, context);
    select(&source, &effective)
}

/// Reads `path` (`$…` from `input`, `$$…` from `context`, `$name…` a variable) for the
/// field named `field`.
pub fn read(path: &str, field: &str, input: &Value, context: &Value) -> Result<Value, PathError> {
    let (source, effective) = source(path, input, context);
    select(&source, &effective).ok_or_else(|| not_found(path, field, &source))
}

/// Applies InputPath (or any `$`/null path field) to the state input.
pub fn apply_input_path(
    field: &PathField,
    name: &str,
    input: &Value,
    context: &Value,
) -> Result<Value, PathError> {
    match field {
        PathField::Default => Ok(input.clone()),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(path) => read(path, name, input, context).map_err(|_| invalid_path(path)),
    }
}

/// AWS's wording when InputPath, OutputPath or ItemsPath selects nothing.
pub fn invalid_path(path: &str) -> PathError {
    PathError::runtime(format!(
        "Invalid path '{path}' : No results for path: {}",
        bracketed(path)
    ))
}

/// `$.a.b` → `$['a']['b']`, the form AWS quotes paths in.
pub fn bracketed(path: &str) -> String {
    let mut out = String::from("$");
    for key in path
        .trim_start_matches('$')
        .split('.')
        .filter(|k| !k.is_empty())
    {
        out.push_str(&format!("['{key}']"));
    }
    out
}

/// Instantiates a payload template: keys ending in `.$` are replaced by the value their path
/// or intrinsic call yields (and lose the suffix); everything else is copied.
pub fn apply_template(
    template: &Value,
    input: &Value,
    context: &Value,
) -> Result<Value, PathError> {
    match template {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object {
                match (key.strip_suffix(".$"), value) {
                    (Some(stripped), Value::String(expr)) => {
                        let resolved = evaluate_expression(expr, key, input, context)?;
                        out.insert(stripped.to_owned(), resolved);
                    }
                    _ => {
                        out.insert(key.clone(), apply_template(value, input, context)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| apply_template(item, input, context))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// A `.$` value: an intrinsic function call or a path.
pub fn evaluate_expression(
    expr: &str,
    field: &str,
    input: &Value,
    context: &Value,
) -> Result<Value, PathError> {
    if expr.starts_with("States.") {
        intrinsics::evaluate(expr, input, context)
    } else {
        read(expr, field, input, context)
    }
}

/// ResultPath: where the state's result goes in its raw input.
pub fn apply_result_path(
    field: &PathField,
    input: &Value,
    result: Value,
) -> Result<Value, PathError> {
    let path = match field {
        PathField::Default => return Ok(result),
        PathField::Null => return Ok(input.clone()),
        PathField::Path(path) if path == "$" => return Ok(result),
        PathField::Path(path) => path,
    };
    let steps = reference_steps(path).ok_or_else(|| {
        PathError::runtime(format!(
            "Invalid path '{path}' specified for the field 'ResultPath'"
        ))
    })?;
    if steps.len() >= super::limits::MAX_NESTING {
        // Placing the result that deep would build a value the engine refuses anyway.
        return Err(unable_to_apply(path, input, &result));
    }
    let mut output = input.clone();
    let mut slot = &mut output;
    for step in steps {
        slot = match step {
            PathStep::Key(key) => {
                if slot.is_null() {
                    *slot = Value::Object(Map::new());
                }
                let Value::Object(object) = slot else {
                    return Err(unable_to_apply(path, input, &result));
                };
                object.entry(key).or_insert(Value::Null)
            }
            PathStep::Index(index) => match slot.as_array_mut().and_then(|a| a.get_mut(index)) {
                Some(item) => item,
                None => return Err(unable_to_apply(path, input, &result)),
            },
        };
    }
    *slot = result;
    Ok(output)
}

fn unable_to_apply(path: &str, input: &Value, result: &Value) -> PathError {
    PathError::runtime(format!(
        "Unable to apply ReferencePath {path} to input {}",
        to_text(if input.is_object() { result } else { input })
    ))
}

/// OutputPath: `$` by default, null yields `{}`.
pub fn apply_output_path(
    field: &PathField,
    output: &Value,
    context: &Value,
) -> Result<Value, PathError> {
    apply_input_path(field, "OutputPath", output, context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonpath::{MAX_PATH_NESTING, nests_deeper_than};
    use serde_json::json;

    #[test]
    fn result_path_creates_nested_objects() {
        let out = apply_result_path(&PathField::Path("$.a.b".into()), &json!({"x": 1}), json!(2))
            .unwrap();
        assert_eq!(out, json!({"x": 1, "a": {"b": 2}}));
    }

    #[test]
    fn result_path_null_keeps_input() {
        let out = apply_result_path(&PathField::Null, &json!({"x": 1}), json!(2)).unwrap();
        assert_eq!(out, json!({"x": 1}));
    }

    #[test]
    fn template_resolves_paths_context_and_intrinsics() {
        let out = apply_template(
            &json!({"a.$": "$.x", "b": {"c.$": "$$.Name"}, "d.$": "States.Format('{}-{}', $.x, $.y)"}),
            &json!({"x": 1, "y": "z"}),
            &json!({"Name": "ctx"}),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 1, "b": {"c": "ctx"}, "d": "1-z"}));
    }

    #[test]
    fn missing_path_names_field_and_input() {
        let err = read("$.nope", "InputPath", &json!({"a": 1}), &Value::Null).unwrap_err();
        assert_eq!(
            err.message,
            "The JSONPath '$.nope' specified for the field 'InputPath' could not be found in the input '{\"a\":1}'"
        );
    }

    #[test]
    fn deeply_nested_filters_are_refused_before_parsing() {
        let deep = format!(
            "$[?({}@ == 1{})]",
            "$[?(".repeat(50_000),
            ")]".repeat(50_000)
        );
        assert!(!crate::sfn::asl::syntax::is_valid_path(&deep));
        assert_eq!(select(&json!([1]), &deep), None);
        let shallow = format!("$[?({}@ == 1{})]", "$[?(".repeat(3), ")]".repeat(3));
        assert!(!nests_deeper_than(&shallow, MAX_PATH_NESTING));
        assert!(nests_deeper_than("$[?(@.a == '((((')]", 1));
        assert!(!nests_deeper_than("$['((((((']", 1));
    }

    #[test]
    fn wildcard_paths_select_arrays() {
        let found = select(&json!({"a": [{"b": 1}, {"b": 2}]}), "$.a[*].b").unwrap();
        assert_eq!(found, json!([1, 2]));
    }
}
