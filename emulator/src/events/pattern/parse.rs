//! Parsing and validating event patterns, with the reasons AWS gives for invalid ones
//! (`Event pattern is not valid. Reason: …`).

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{AnythingBut, FieldPattern, Matcher, NumericOp, ObjectPattern, Pattern, Scalar};
use crate::protocol::AwsError;

/// `InvalidEventPatternException` with `reason`.
pub fn invalid(reason: impl std::fmt::Display) -> AwsError {
    AwsError::new(
        400,
        "InvalidEventPatternException",
        format!("Event pattern is not valid. Reason: {reason}"),
    )
}

/// The reason given for a pattern nested deeper than the emulator follows. AWS documents no
/// nesting limit for patterns; this wording is the emulator's own.
const TOO_DEEP: &str = "Filter is nested too deeply";

/// Parses pattern text as PutRule / TestEventPattern receive it. Nesting is bounded: JSON text
/// by serde_json's limit (128), dotted keys by [`super::MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Pattern, AwsError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            invalid(TOO_DEEP)
        } else {
            invalid(json_syntax_reason(text))
        }
    })?;
    let Value::Object(object) = value else {
        return Err(invalid("Filter is not an object"));
    };
    let (expanded, truncated) = super::expand_dotted_keys(Value::Object(object));
    if truncated {
        return Err(invalid(TOO_DEEP));
    }
    let Value::Object(object) = expanded else {
        return Err(invalid("Filter is not an object"));
    };
    Ok(Pattern {
        root: object_pattern(&object)?,
    })
}

/// Jackson's wording for the two syntax errors people hit most.
fn json_syntax_reason(text: &str) -> String {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix('{') {
        let rest = rest.trim_start();
        if let Some(c) = rest.chars().next()
            && c != '"'
            && c != '}'
        {
            return format!(
                "Unexpected character ('{c}' (code {})): was expecting double-quote to start field name",
                c as u32
            );
        }
    }
    let token = first_bad_token(trimmed);
    format!(
        "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    )
}

/// The first bare word that is not a JSON literal.
fn first_bad_token(text: &str) -> String {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| {
            !w.is_empty()
                && !matches!(*w, "true" | "false" | "null")
                && !w.chars().next().is_some_and(|c| c.is_ascii_digit())
                && !inside_string(text, w)
        })
        .unwrap_or_default()
        .to_owned()
}

fn inside_string(text: &str, word: &str) -> bool {
    let Some(before) = text.find(word).and_then(|at| text.get(..at)) else {
        return false;
    };
    before.matches('"').count() % 2 == 1
}

fn object_pattern(object: &Map<String, Value>) -> Result<ObjectPattern, AwsError> {
    let mut pattern = ObjectPattern::default();
    for (key, value) in object {
        if key == "$or" {
            pattern.any_of.push(or_group(value)?);
            continue;
        }
        let field = match value {
            Value::Object(nested) => FieldPattern::Object(object_pattern(nested)?),
            Value::Array(items) => FieldPattern::Leaf(matchers(items)?),
            _ => return Err(invalid(format!("\"{key}\" must be an object or an array"))),
        };
        pattern.fields.push((key.clone(), field));
    }
    Ok(pattern)
}

fn or_group(value: &Value) -> Result<Vec<ObjectPattern>, AwsError> {
    let Some(items) = value.as_array().filter(|a| a.len() >= 2) else {
        return Err(invalid(
            "Or relationship must be an array of at least 2 objects",
        ));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(object) => object_pattern(object),
            _ => Err(invalid(
                "Or relationship must be an array of at least 2 objects",
            )),
        })
        .collect()
}

fn matchers(items: &[Value]) -> Result<Vec<Matcher>, AwsError> {
    if items.is_empty() {
        return Err(invalid("Empty arrays are not allowed"));
    }
    items
        .iter()
        .map(|item| match item {
            Value::Object(rule) => rule_matcher(rule),
            Value::Array(_) => Err(invalid(
                "Match value must be String, number, true, false, or null",
            )),
            scalar => Ok(Matcher::Exact(to_scalar(scalar))),
        })
        .collect()
}

fn to_scalar(value: &Value) -> Scalar {
    match value {
        Value::String(s) => Scalar::String(s.clone()),
        Value::Number(n) => Scalar::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => Scalar::Bool(*b),
        _ => Scalar::Null,
    }
}

/// `{"prefix": …}`, `{"numeric": […]}` and the other content filters.
fn rule_matcher(rule: &Map<String, Value>) -> Result<Matcher, AwsError> {
    let Some((name, value)) = rule.iter().next() else {
        return Err(invalid("Empty objects are not allowed"));
    };
    match name.as_str() {
        "prefix" => affix(value, "prefix", true),
        "suffix" => affix(value, "suffix", false),
        "equals-ignore-case" => match value {
            Value::String(s) => Ok(Matcher::EqualsIgnoreCase(s.clone())),
            _ => Err(invalid("equals-ignore-case match pattern must be a string")),
        },
        "wildcard" => match value {
            Value::String(s) => Ok(Matcher::Wildcard(wildcard(s)?)),
            _ => Err(invalid("wildcard match pattern must be a string")),
        },
        "exists" => match value {
            Value::Bool(b) => Ok(Matcher::Exists(*b)),
            _ => Err(invalid(
                "exists match pattern must be either true or false.",
            )),
        },
        "numeric" => numeric(value),
        "anything-but" => anything_but(value),
        "cidr" => cidr(value),
        other => Err(invalid(format!("Unrecognized match type {other}"))),
    }
}

fn affix(value: &Value, kind: &str, is_prefix: bool) -> Result<Matcher, AwsError> {
    let (text, ignore_case) = match value {
        Value::String(s) => (s.clone(), false),
        Value::Object(inner) => match inner.get("equals-ignore-case") {
            Some(Value::String(s)) if inner.len() == 1 => (s.clone(), true),
            _ => return Err(invalid(format!("{kind} match pattern must be a string"))),
        },
        _ => return Err(invalid(format!("{kind} match pattern must be a string"))),
    };
    Ok(if is_prefix {
        Matcher::Prefix {
            value: text,
            ignore_case,
        }
    } else {
        Matcher::Suffix {
            value: text,
            ignore_case,
        }
    })
}

fn wildcard(text: &str) -> Result<String, AwsError> {
    let chars: Vec<char> = text.chars().collect();
    for (i, window) in chars.windows(2).enumerate() {
        let escaped = i > 0 && chars.get(i - 1) == Some(&'\\');
        if window == ['*', '*'] && !escaped {
            return Err(invalid(format!(
                "Consecutive wildcard characters at pos {}",
                i + 1
            )));
        }
    }
    if text.matches('*').count() > 4 {
        return Err(invalid(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating \
             character sequences after a wildcard character",
        ));
    }
    Ok(text.to_owned())
}

fn numeric(value: &Value) -> Result<Matcher, AwsError> {
    let Value::Array(items) = value else {
        return Err(invalid("Value of numeric must be an array."));
    };
    let mut conditions = Vec::new();
    let (mut lower, mut upper) = (false, false);
    let mut index = 0;
    while let Some(item) = items.get(index) {
        let op_text = item.as_str().unwrap_or_default();
        let op = match op_text {
            "=" => NumericOp::Eq,
            "<" => NumericOp::Lt,
            "<=" => NumericOp::Le,
            ">" => NumericOp::Gt,
            ">=" => NumericOp::Ge,
            _ => {
                return Err(invalid(format!(
                    "Unrecognized numeric range operator: {item}"
                )));
            }
        };
        let bound = items
            .get(index + 1)
            .and_then(Value::as_f64)
            .ok_or_else(|| invalid(format!("Value of {op_text} must be numeric")))?;
        let is_lower = matches!(op, NumericOp::Gt | NumericOp::Ge);
        let is_upper = matches!(op, NumericOp::Lt | NumericOp::Le);
        if (is_lower && lower)
            || (is_upper && upper)
            || (op == NumericOp::Eq && !conditions.is_empty())
        {
            return Err(invalid(format!("Bad numeric range operator: {op_text}")));
        }
        lower |= is_lower;
        upper |= is_upper;
        conditions.push((op, bound));
        index += 2;
    }
    if conditions.is_empty() {
        return Err(invalid("Value of numeric must be an array."));
    }
    Ok(Matcher::Numeric(conditions))
}

fn anything_but(value: &Value) -> Result<Matcher, AwsError> {
    const NOT_SCALAR: &str =
        "Value of anything-but must be an array or single string/number value.";
    let inner = match value {
        Value::String(_) | Value::Number(_) => AnythingBut::Values(vec![to_scalar(value)]),
        Value::Array(items) => {
            if items.iter().any(|v| !(v.is_string() || v.is_number())) {
                return Err(invalid(
                    "Inside anything but list, start|null|boolean is not supported.",
                ));
            }
            AnythingBut::Values(items.iter().map(to_scalar).collect())
        }
        Value::Object(rule) => anything_but_rule(rule)?,
        _ => return Err(invalid(NOT_SCALAR)),
    };
    Ok(Matcher::AnythingBut(inner))
}

fn anything_but_rule(rule: &Map<String, Value>) -> Result<AnythingBut, AwsError> {
    const NOT_SCALAR: &str =
        "Value of anything-but must be an array or single string/number value.";
    let Some((name, value)) = rule.iter().next() else {
        return Err(invalid(NOT_SCALAR));
    };
    match name.as_str() {
        "prefix" | "suffix" => {
            if value.is_object() {
                return Err(invalid(NOT_SCALAR));
            }
            let list = string_list(value, "prefix/suffix match pattern must be a string")?;
            if list.iter().any(String::is_empty) {
                return Err(invalid("Null prefix/suffix not allowed"));
            }
            Ok(if name == "prefix" {
                AnythingBut::Prefix(list)
            } else {
                AnythingBut::Suffix(list)
            })
        }
        "equals-ignore-case" => Ok(AnythingBut::IgnoreCase(string_list(
            value,
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
        )?)),
        "wildcard" => {
            let list = string_list(value, "wildcard match pattern must be a string")?;
            list.iter().try_for_each(|w| wildcard(w).map(drop))?;
            Ok(AnythingBut::Wildcard(list))
        }
        _ => Err(invalid(NOT_SCALAR)),
    }
}

fn string_list(value: &Value, reason: &str) -> Result<Vec<String>, AwsError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(reason)))
            .collect(),
        _ => Err(invalid(reason)),
    }
}

fn cidr(value: &Value) -> Result<Matcher, AwsError> {
    let Value::String(text) = value else {
        return Err(invalid("prefix match pattern must be a string"));
    };
    let Some((address, bits)) = text.split_once('/') else {
        return Err(invalid("Malformed CIDR, one '/' required"));
    };
    let prefix_len: u8 = bits
        .parse()
        .map_err(|_| invalid("Malformed CIDR, mask bits must be an integer"))?;
    let network: IpAddr = address
        .parse()
        .map_err(|_| invalid(format!("Nonstandard IP address: {address}")))?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    if prefix_len > max {
        return Err(invalid(format!(
            "Malformed CIDR, mask bits must be between 0 and {max}"
        )));
    }
    Ok(Matcher::Cidr {
        network,
        prefix_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_patterns_are_invalid_not_a_crash() {
        let nested = format!("{}[1]{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        assert_eq!(
            reason(&nested),
            "Event pattern is not valid. Reason: Filter is nested too deeply"
        );
        let dotted = format!(r#"{{"{}": [1]}}"#, vec!["a"; 5000].join("."));
        assert_eq!(
            reason(&dotted),
            "Event pattern is not valid. Reason: Filter is nested too deeply"
        );
    }

    fn reason(text: &str) -> String {
        parse(text).unwrap_err().message
    }

    #[test]
    fn invalid_patterns_give_aws_reasons() {
        assert_eq!(
            reason(r#"{"int": 42}"#),
            r#"Event pattern is not valid. Reason: "int" must be an object or an array"#
        );
        assert_eq!(
            reason(r#"["a"]"#),
            "Event pattern is not valid. Reason: Filter is not an object"
        );
        assert_eq!(
            reason(r#"{"a": [{"NUMERIC": ["=", 5]}]}"#),
            "Event pattern is not valid. Reason: Unrecognized match type NUMERIC"
        );
        assert_eq!(
            reason(r#"{"a": [{"numeric": [">", 0, ">", 0]}]}"#),
            "Event pattern is not valid. Reason: Bad numeric range operator: >"
        );
        assert_eq!(
            reason(r#"{"a": [{"wildcard": "x**"}]}"#),
            "Event pattern is not valid. Reason: Consecutive wildcard characters at pos 2"
        );
        assert!(parse(r#"{"a": [{"wildcard": "x\\**"}]}"#).is_ok());
        assert_eq!(
            reason("{'bad': 'quotation'}"),
            "Event pattern is not valid. Reason: Unexpected character (''' (code 39)): was expecting double-quote to start field name"
        );
    }
}
