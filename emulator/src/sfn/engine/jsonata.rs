//! The JSONata query language (jsonata-core): `{% … %}` expressions with `$states`
//! (`input`, `context`, `result`, `errorOutput`) and the execution's variables bound, and
//! JSONata templates (objects/arrays whose string leaves may be expressions). Errors are
//! States.QueryEvaluationError with AWS's wording.
//!
//! Bounded: an expression nesting brackets deeper than
//! [`crate::sfn::asl::syntax::MAX_EXPRESSION_NESTING`] is refused before the (recursive) parser
//! sees it; evaluation recursion stops at jsonata-core's built-in depth limit (U1001) and
//! evaluation time at [`EVALUATION_LIMIT_MS`]; and an evaluation runs off the async worker
//! threads, so a slow one stalls no other request.

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::parser;
use jsonata_core::value::JValue;
use serde_json::{Map, Value};

use super::paths::{PathError, to_text};
use super::{context, entropy, intrinsics};
use crate::ids::Ids;
use crate::sfn::asl::syntax::nesting_error;

/// Wall-clock limit of one evaluation, so a runaway expression fails the state instead of
/// hanging the execution.
const EVALUATION_LIMIT_MS: u64 = 10_000;

/// Runs CPU-heavy `work` without holding up the async worker it was called from: on a
/// multi-threaded runtime the worker hands its other tasks to another thread meanwhile
/// (`block_in_place`). On a current-thread runtime (which cannot do that) it just runs.
pub fn off_the_workers<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// What an expression can see: `$states` and the variables in scope.
pub struct Scope<'a> {
    pub states: Value,
    pub vars: &'a Map<String, Value>,
}

/// The expression inside `{% … %}`, if `text` is one.
pub fn expression(text: &str) -> Option<&str> {
    text.strip_prefix("{%")?.strip_suffix("%}").map(str::trim)
}

pub fn query_error(message: impl Into<String>) -> PathError {
    PathError {
        error: "States.QueryEvaluationError",
        message: message.into(),
    }
}

/// Evaluates `expr`; `Ok(None)` when it yields nothing (undefined).
pub fn evaluate(expr: &str, field: &str, scope: &Scope<'_>) -> Result<Option<Value>, PathError> {
    let threw = |detail: &str| {
        query_error(format!(
            "The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. {detail}"
        ))
    };
    if let Some(message) = nesting_error(expr) {
        return Err(threw(&message));
    }
    let result = off_the_workers(|| match parser::parse(expr) {
        Ok(ast) => run(&ast, scope),
        Err(e) => Outcome::Threw(e.to_string()),
    });
    match result {
        Outcome::Undefined => Ok(None),
        Outcome::Function => Err(query_error(format!(
            "The JSONata expression '{expr}' specified for the field '{field}' returned an unsupported result type."
        ))),
        Outcome::Value(value) => Ok(Some(value)),
        Outcome::Threw(detail) => Err(threw(&detail)),
    }
}

/// What an evaluation produced.
enum Outcome {
    Undefined,
    Function,
    Value(Value),
    /// The detail of an error (AWS's wording of jsonata's message).
    Threw(String),
}

/// Evaluates a parsed expression with `$states` and the variables bound (on any thread).
fn run(ast: &jsonata_core::ast::AstNode, scope: &Scope<'_>) -> Outcome {
    let mut context = Context::new();
    context.bind("states".to_owned(), JValue::from(scope.states.clone()));
    for (name, value) in scope.vars {
        context.bind(name.clone(), JValue::from(value.clone()));
    }
    let options = EvaluatorOptions {
        timeout_ms: Some(EVALUATION_LIMIT_MS),
        ..EvaluatorOptions::default()
    };
    let mut evaluator = Evaluator::with_options(context, options);
    register_step_functions_fns(&mut evaluator);
    register_deterministic_builtins(&mut evaluator);
    // Step Functions evaluates with no context item: data comes from $states and variables.
    let result = match evaluator.evaluate(ast, &JValue::Undefined) {
        Ok(result) => result,
        Err(e) => return Outcome::Threw(aws_message(e.message()).to_owned()),
    };
    if result.is_undefined() {
        return Outcome::Undefined;
    }
    if result.is_function() {
        return Outcome::Function;
    }
    let parsed = result
        .to_json_string()
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
    match parsed {
        Ok(value) => Outcome::Value(value),
        Err(detail) => Outcome::Threw(detail),
    }
}

/// JSONata's impure built-ins, on the execution's seeded stream and clock ([`entropy`]) rather
/// than the OS's randomness and the wall clock: `$random()`, `$shuffle(array)`, `$now()` and
/// `$millis()` (the time the evaluation started, as in jsonata-js).
fn register_deterministic_builtins(evaluator: &mut Evaluator) {
    let entropy = entropy::current();
    let millis = entropy.now_millis();
    let no_arguments = |name: &str, args: &[JValue]| {
        if args.is_empty() {
            Ok(())
        } else {
            Err(EvaluatorError::EvaluationError(format!(
                "T0410: {name}() takes no arguments"
            )))
        }
    };
    let stream = entropy.clone();
    let _ = evaluator.register_fn_override("random", move |args: &[JValue]| {
        no_arguments("random", args)?;
        Ok(JValue::from(stream.ids.unit()))
    });
    let _ = evaluator.register_fn_override("now", move |args: &[JValue]| {
        no_arguments("now", args)?;
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis);
        Ok(JValue::from(context::iso8601(at)))
    });
    let _ = evaluator.register_fn_override("millis", move |args: &[JValue]| {
        no_arguments("millis", args)?;
        Ok(JValue::from(millis as f64))
    });
    let _ = evaluator.register_fn_override("shuffle", move |args: &[JValue]| {
        let array = match args {
            [JValue::Array(array)] => array.to_vec(),
            [value] if value.is_undefined() || value.is_null() => return Ok(value.clone()),
            [value] => vec![value.clone()],
            _ => {
                return Err(EvaluatorError::EvaluationError(
                    "shuffle() requires exactly 1 argument".to_owned(),
                ));
            }
        };
        Ok(JValue::from(shuffled(array, &entropy.ids)))
    });
}

/// Fisher–Yates over `items`, drawing from `ids`.
fn shuffled(mut items: Vec<JValue>, ids: &Ids) -> Vec<JValue> {
    for i in (1..items.len()).rev() {
        let j = (ids.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

/// The functions Step Functions adds to JSONata, backed by the matching intrinsics.
fn register_step_functions_fns(evaluator: &mut Evaluator) {
    for (name, intrinsic) in [
        ("partition", "States.ArrayPartition"),
        ("range", "States.ArrayRange"),
        ("hash", "States.Hash"),
        ("parse", "States.StringToJson"),
        ("uuid", "States.UUID"),
    ] {
        let _ = evaluator.register_fn(name, move |args: &[JValue]| {
            let args: Vec<Value> = args.iter().map(Value::from).collect();
            let result = intrinsics::call_function(intrinsic, &args)
                .map_err(|e| EvaluatorError::EvaluationError(e.message))?;
            let mut result = JValue::from(result);
            if intrinsic == "States.ArrayRange" {
                // AWS's $range yields a JSONata sequence: a single number is not wrapped.
                result.mark_sequence();
            }
            Ok(result)
        });
    }
}

/// AWS's wording of a jsonata error (it names no function in T1006).
fn aws_message(message: &str) -> &str {
    if message.starts_with("T1006:") {
        return message.split(": $").next().unwrap_or(message);
    }
    message
}

/// Evaluates an expression that must yield a value.
pub fn evaluate_defined(expr: &str, field: &str, scope: &Scope<'_>) -> Result<Value, PathError> {
    evaluate(expr, field, scope)?.ok_or_else(|| {
        query_error(format!(
            "The JSONata expression '{expr}' specified for the field '{field}' returned nothing (undefined)."
        ))
    })
}

/// Instantiates a JSONata template: string leaves that are `{% … %}` are evaluated.
pub fn template(value: &Value, field: &str, scope: &Scope<'_>) -> Result<Value, PathError> {
    match value {
        Value::String(text) => match expression(text) {
            Some(expr) => evaluate_defined(expr, field, scope),
            None => Ok(value.clone()),
        },
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, item) in object {
                out.insert(
                    key.clone(),
                    template(item, &format!("{field}/{key}"), scope)?,
                );
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| template(item, &format!("{field}[{i}]"), scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// JSON type name as AWS's JSONata messages spell it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `Expected 'array', but was 'number' for value: 1`-style detail.
pub fn unexpected_type(expr: &str, field: &str, expected: &str, value: &Value) -> PathError {
    query_error(format!(
        "The JSONata expression '{expr}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
        type_name(value),
        to_text(value)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(vars: &Map<String, Value>) -> Scope<'_> {
        Scope {
            states: json!({"input": {"a": [1, 2, 3]}}),
            vars,
        }
    }

    #[test]
    fn evaluates_states_and_variables() {
        let mut vars = Map::new();
        vars.insert("x".into(), json!(10));
        let out = evaluate_defined("$sum($states.input.a) + $x", "Output", &scope(&vars)).unwrap();
        assert_eq!(out, json!(16));
    }

    #[test]
    fn calling_a_non_function_is_t1006() {
        let vars = Map::new();
        let err = evaluate("$randomSeeded(1)", "Output", &scope(&vars)).unwrap_err();
        assert_eq!(
            err.message,
            "The JSONata expression '$randomSeeded(1)' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function"
        );
    }

    #[test]
    fn undefined_is_a_query_evaluation_error() {
        let vars = Map::new();
        let err = template(&json!({"r": "{% $nope %}"}), "Output", &scope(&vars)).unwrap_err();
        assert_eq!(err.error, "States.QueryEvaluationError");
        assert_eq!(
            err.message,
            "The JSONata expression '$nope' specified for the field 'Output/r' returned nothing (undefined)."
        );
    }
}
