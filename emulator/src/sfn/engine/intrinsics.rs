//! Intrinsic functions (`States.Format(...)` and friends): evaluating a call parsed by
//! [`crate::sfn::asl::intrinsic`], and the functions.
//!
//! Bounded: calls nest at most [`intrinsic::MAX_CALL_NESTING`] deep (the parser and the
//! evaluator recurse once per level), and no function does more than linear work in its
//! arguments.

use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::Digest;

use super::paths::{PathError, read, to_text};
use crate::ids::Ids;
use crate::sfn::asl::intrinsic::{self, Arg};

fn invalid(expr: &str) -> PathError {
    PathError::runtime(format!(
        "The value for the field is not a valid intrinsic function call: '{expr}'"
    ))
}

/// Parses an intrinsic call expression (the whole text must be one call).
fn parse(expr: &str) -> Result<Arg, PathError> {
    intrinsic::parse(expr).ok_or_else(|| invalid(expr))
}

/// Evaluates an intrinsic call expression against the state's input and context object.
pub fn evaluate(expr: &str, input: &Value, context: &Value) -> Result<Value, PathError> {
    eval_arg(&parse(expr)?, input, context)
}

fn eval_arg(arg: &Arg, input: &Value, context: &Value) -> Result<Value, PathError> {
    match arg {
        Arg::Literal(value) => Ok(value.clone()),
        Arg::Path(path) => read(path, path, input, context),
        Arg::Call(name, args) => {
            let values = args
                .iter()
                .map(|a| eval_arg(a, input, context))
                .collect::<Result<Vec<_>, _>>()?;
            call_function(name, &values)
        }
    }
}

fn bad_args(name: &str) -> PathError {
    PathError::intrinsic(format!("Invalid arguments in {name}"))
}

fn string_arg<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a str, PathError> {
    args.get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| bad_args(name))
}

fn int_arg(name: &str, args: &[Value], i: usize) -> Result<i64, PathError> {
    let value = args.get(i).ok_or_else(|| bad_args(name))?;
    value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
        .ok_or_else(|| bad_args(name))
}

/// A number rounded half up, like Java's Math.round (MathAdd accepts decimals).
fn rounded_arg(name: &str, args: &[Value], i: usize) -> Result<i64, PathError> {
    let value = args
        .get(i)
        .and_then(Value::as_f64)
        .ok_or_else(|| bad_args(name))?;
    Ok((value + 0.5).floor() as i64)
}

fn array_arg<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a Vec<Value>, PathError> {
    args.get(i)
        .and_then(Value::as_array)
        .ok_or_else(|| bad_args(name))
}

/// Calls the intrinsic `name` (`States.…`) on evaluated arguments.
pub fn call_function(name: &str, args: &[Value]) -> Result<Value, PathError> {
    match name {
        "States.Format" => format(name, args),
        "States.StringToJson" => {
            let text = string_arg(name, args, 0)?;
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(text)
                .map(without_negative_zero)
                .map_err(|_| bad_args(name))
        }
        "States.JsonToString" => Ok(json!(to_text(args.first().ok_or_else(|| bad_args(name))?))),
        "States.Array" => Ok(Value::Array(args.to_vec())),
        "States.ArrayPartition" => {
            let size = int_arg(name, args, 1)?;
            if size <= 0 {
                return Err(bad_args(name));
            }
            let size = usize::try_from(size).map_err(|_| bad_args(name))?;
            let chunks = array_arg(name, args, 0)?
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect();
            Ok(Value::Array(chunks))
        }
        "States.ArrayContains" => {
            let needle = args.get(1).ok_or_else(|| bad_args(name))?;
            Ok(json!(array_arg(name, args, 0)?.contains(needle)))
        }
        "States.ArrayRange" => array_range(name, args),
        "States.ArrayGetItem" => {
            let index = usize::try_from(int_arg(name, args, 1)?).map_err(|_| bad_args(name))?;
            array_arg(name, args, 0)?
                .get(index)
                .cloned()
                .ok_or_else(|| bad_args(name))
        }
        "States.ArrayLength" => Ok(json!(array_arg(name, args, 0)?.len())),
        "States.ArrayUnique" => Ok(Value::Array(unique(array_arg(name, args, 0)?))),
        "States.Base64Encode" => Ok(json!(
            base64::engine::general_purpose::STANDARD.encode(string_arg(name, args, 0)?)
        )),
        "States.Base64Decode" => base64::engine::general_purpose::STANDARD
            .decode(string_arg(name, args, 0)?)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|s| json!(s))
            .ok_or_else(|| bad_args(name)),
        "States.Hash" => hash(name, args),
        "States.JsonMerge" => {
            let mut merged: Map<String, Value> = args
                .first()
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| bad_args(name))?;
            let right = args
                .get(1)
                .and_then(Value::as_object)
                .ok_or_else(|| bad_args(name))?;
            merged.extend(right.clone());
            Ok(Value::Object(merged))
        }
        "States.MathRandom" => {
            let bound = |i: usize| {
                args.get(i)
                    .and_then(Value::as_f64)
                    .map(|n| n.trunc() as i64)
                    .ok_or_else(|| bad_args(name))
            };
            let (start, end) = (i128::from(bound(0)?), i128::from(bound(1)?));
            if end <= start || args.len() > 3 {
                return Err(bad_args(name));
            }
            // The optional third argument is a seed: the same seed, the same number. Without
            // one, the number comes from the execution's seeded stream.
            let random = match args.get(2) {
                Some(_) => Ids::new(bound(2)? as u64).next_u64(),
                None => super::entropy::current().ids.next_u64(),
            };
            let random = i128::from(random);
            // start ≤ start + random % (end - start) < end, so it fits an i64 again.
            let value =
                i64::try_from(start + random % (end - start)).map_err(|_| bad_args(name))?;
            Ok(json!(value))
        }
        "States.MathAdd" => {
            let sum = rounded_arg(name, args, 0)?
                .checked_add(rounded_arg(name, args, 1)?)
                .ok_or_else(|| bad_args(name))?;
            Ok(json!(sum))
        }
        "States.StringSplit" => {
            let delimiters: Vec<char> = string_arg(name, args, 1)?.chars().collect();
            let parts = string_arg(name, args, 0)?
                .split(delimiters.as_slice())
                .filter(|p| !p.is_empty())
                .map(|p| json!(p))
                .collect();
            Ok(Value::Array(parts))
        }
        "States.UUID" => Ok(json!(super::entropy::current().ids.uuid().to_string())),
        other => Err(PathError::intrinsic(format!(
            "The intrinsic function '{other}' is not supported"
        ))),
    }
}

/// The distinct items of `items`, first occurrences in order. Linear: items are compared by a
/// canonical text (object keys sorted, as Java's map equality ignores their order).
fn unique(items: &[Value]) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .filter(|item| seen.insert(canonical_text(item)))
        .cloned()
        .collect()
}

/// `value` as JSON text with every object's keys sorted.
fn canonical_text(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", to_text(&json!(k)), canonical_text(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_text).collect();
            format!("[{}]", inner.join(","))
        }
        other => to_text(other),
    }
}

/// AWS parses integers, so `-0` comes back as `0`.
fn without_negative_zero(value: Value) -> Value {
    match value {
        Value::Number(n) if n.to_string() == "-0" => json!(0),
        Value::Array(items) => Value::Array(items.into_iter().map(without_negative_zero).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, without_negative_zero(v)))
                .collect(),
        ),
        other => other,
    }
}

fn format(name: &str, args: &[Value]) -> Result<Value, PathError> {
    let template = string_arg(name, args, 0)?;
    let mut values = args.get(1..).unwrap_or_default().iter();
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                let value = values.next().ok_or_else(|| bad_args(name))?;
                out.push_str(&java_text(value));
            }
            c => out.push(c),
        }
    }
    if values.next().is_some() {
        return Err(bad_args(name));
    }
    Ok(json!(out))
}

/// How Format renders a value: strings raw, objects and arrays the way Java prints maps and
/// lists (`{a=1, b=[x, y]}`), which is what Step Functions does.
fn java_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(java_text).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(object) => {
            let inner: Vec<String> = object
                .iter()
                .map(|(k, v)| format!("{k}={}", java_text(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => to_text(other),
    }
}

fn array_range(name: &str, args: &[Value]) -> Result<Value, PathError> {
    let (start, end, step) = (
        int_arg(name, args, 0)?,
        int_arg(name, args, 1)?,
        int_arg(name, args, 2)?,
    );
    if step == 0 {
        return Err(bad_args(name));
    }
    let mut items = Vec::new();
    let mut current = start;
    while (step > 0 && current <= end) || (step < 0 && current >= end) {
        items.push(json!(current));
        if items.len() > 1000 {
            return Err(bad_args(name));
        }
        match current.checked_add(step) {
            Some(next) => current = next,
            None => break,
        }
    }
    Ok(Value::Array(items))
}

fn hash(name: &str, args: &[Value]) -> Result<Value, PathError> {
    let data = match args.first().ok_or_else(|| bad_args(name))? {
        Value::String(s) => s.clone(),
        other => to_text(other),
    };
    let digest: Vec<u8> = match string_arg(name, args, 1)? {
        "SHA-256" => sha2::Sha256::digest(data.as_bytes()).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data.as_bytes()).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data.as_bytes()).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data.as_bytes()).to_vec(),
        "MD5" => md5::Md5::digest(data.as_bytes()).to_vec(),
        other => {
            return Err(PathError::intrinsic(format!(
                "The hash algorithm '{other}' is not supported by this emulator"
            )));
        }
    };
    Ok(json!(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str, input: Value) -> Value {
        evaluate(expr, &input, &Value::Null).unwrap()
    }

    #[test]
    fn format_inserts_strings_raw_and_numbers_as_json() {
        assert_eq!(
            eval("States.Format('{}', $.q)", json!({"q": 3})),
            json!("3")
        );
        assert_eq!(
            eval("States.Format('a {} b \\{\\}', 'x')", json!({})),
            json!("a x b {}")
        );
    }

    #[test]
    fn array_functions() {
        assert_eq!(
            eval("States.ArrayRange(1, 9, 2)", json!({})),
            json!([1, 3, 5, 7, 9])
        );
        assert_eq!(
            eval("States.ArrayPartition(States.Array(1,2,3), 2)", json!({})),
            json!([[1, 2], [3]])
        );
        assert_eq!(
            eval("States.ArrayLength($.a)", json!({"a": [1, 2]})),
            json!(2)
        );
        assert_eq!(
            eval("States.ArrayUnique($.a)", json!({"a": [1, 1, 2]})),
            json!([1, 2])
        );
    }

    #[test]
    fn string_and_json_functions() {
        assert_eq!(
            eval("States.StringToJson('{\"a\":1}')", json!({})),
            json!({"a": 1})
        );
        assert_eq!(
            eval("States.JsonToString($.a)", json!({"a": {"b": 1}})),
            json!("{\"b\":1}")
        );
        assert_eq!(
            eval("States.Base64Encode('Hello World')", json!({})),
            json!("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(
            eval("States.StringSplit('1,2,3', ',')", json!({})),
            json!(["1", "2", "3"])
        );
        assert_eq!(eval("States.MathAdd(5, -3)", json!({})), json!(2));
    }

    #[test]
    fn blank_strings_parse_to_null_and_math_add_rounds_half_up() {
        assert_eq!(
            eval("States.StringToJson($.s)", json!({"s": " "})),
            Value::Null
        );
        assert_eq!(
            eval("States.MathAdd($.a, $.b)", json!({"a": -1.5, "b": 1.49})),
            json!(0)
        );
    }

    #[test]
    fn too_deep_calls_fail_the_state() {
        let nested = format!("{}1{}", "States.Array(".repeat(50_000), ")".repeat(50_000));
        let err = evaluate(&nested, &json!({}), &Value::Null).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
    }

    #[test]
    fn unique_is_linear_and_ignores_key_order() {
        let items: Vec<Value> = (0..100_000).map(|i| json!(i % 7)).collect();
        assert_eq!(unique(&items).len(), 7);
        assert_eq!(
            unique(&[json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})]),
            vec![json!({"a": 1, "b": 2})]
        );
    }

    #[test]
    fn extreme_numbers_do_not_overflow() {
        let range = evaluate(
            "States.ArrayRange(9223372036854775806, 9223372036854775807, 5)",
            &json!({}),
            &Value::Null,
        )
        .unwrap();
        assert_eq!(range, json!([9223372036854775806i64]));
        let random = evaluate(
            "States.MathRandom(-9223372036854775808, 9223372036854775807)",
            &json!({}),
            &Value::Null,
        );
        assert!(random.is_ok(), "{random:?}");
    }

    #[test]
    fn bad_arguments_are_intrinsic_failures() {
        let err = evaluate(
            "States.ArrayGetItem($.a, 9)",
            &json!({"a": []}),
            &Value::Null,
        )
        .unwrap_err();
        assert_eq!(err.error, "States.IntrinsicFailure");
    }
}
