//! Testing an event against a parsed pattern. A field's leaf values are the value itself or,
//! for arrays, each element (arrays match when any element does); arrays of objects match a
//! nested pattern when any element does.

use std::net::IpAddr;

use serde_json::Value;

use super::{AnythingBut, FieldPattern, Matcher, NumericOp, ObjectPattern, Scalar};

/// Whether `value` (absent when `None`) satisfies `pattern`.
pub fn matches_object(pattern: &ObjectPattern, value: Option<&Value>) -> bool {
    let fields_match = pattern.fields.iter().all(|(key, field)| {
        let child = value.and_then(|v| v.as_object()).and_then(|o| o.get(key));
        matches_field(field, child)
    });
    fields_match
        && pattern
            .any_of
            .iter()
            .all(|group| group.iter().any(|alt| matches_object(alt, value)))
}

fn matches_field(field: &FieldPattern, value: Option<&Value>) -> bool {
    match field {
        FieldPattern::Object(nested) => match value {
            Some(Value::Array(items)) => {
                items.iter().any(|item| matches_object(nested, Some(item)))
                    || (items.is_empty() && matches_object(nested, None))
            }
            Some(object @ Value::Object(_)) => matches_object(nested, Some(object)),
            _ => matches_object(nested, None),
        },
        FieldPattern::Leaf(matchers) => {
            let mut leaves = Vec::new();
            collect_leaves(value, &mut leaves);
            matchers.iter().any(|m| matches_leaves(m, &leaves))
        }
    }
}

fn collect_leaves<'a>(value: Option<&'a Value>, out: &mut Vec<&'a Value>) {
    match value {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(items)) => items.iter().for_each(|i| collect_leaves(Some(i), out)),
        Some(leaf) => out.push(leaf),
    }
}

fn matches_leaves(matcher: &Matcher, leaves: &[&Value]) -> bool {
    match matcher {
        Matcher::Exists(expected) => leaves.is_empty() != *expected,
        _ => leaves.iter().any(|leaf| matches_leaf(matcher, leaf)),
    }
}

fn matches_leaf(matcher: &Matcher, leaf: &Value) -> bool {
    match matcher {
        Matcher::Exact(scalar) => equals(scalar, leaf),
        Matcher::Prefix { value, ignore_case } => leaf
            .as_str()
            .is_some_and(|s| affix(s, value, *ignore_case, true)),
        Matcher::Suffix { value, ignore_case } => leaf
            .as_str()
            .is_some_and(|s| affix(s, value, *ignore_case, false)),
        Matcher::EqualsIgnoreCase(expected) => leaf
            .as_str()
            .is_some_and(|s| s.to_lowercase() == expected.to_lowercase()),
        Matcher::Wildcard(pattern) => leaf.as_str().is_some_and(|s| wildcard(pattern, s)),
        Matcher::AnythingBut(rule) => anything_but(rule, leaf),
        Matcher::Exists(_) => true,
        Matcher::Numeric(conditions) => leaf
            .as_f64()
            .is_some_and(|n| conditions.iter().all(|(op, bound)| compare(*op, n, *bound))),
        Matcher::Cidr {
            network,
            prefix_len,
        } => leaf
            .as_str()
            .and_then(|s| s.parse::<IpAddr>().ok())
            .is_some_and(|ip| in_network(ip, *network, *prefix_len)),
    }
}

fn equals(scalar: &Scalar, leaf: &Value) -> bool {
    match (scalar, leaf) {
        (Scalar::String(a), Value::String(b)) => a == b,
        (Scalar::Number(a), Value::Number(b)) => b.as_f64() == Some(*a),
        (Scalar::Bool(a), Value::Bool(b)) => a == b,
        (Scalar::Null, Value::Null) => true,
        _ => false,
    }
}

fn affix(text: &str, part: &str, ignore_case: bool, prefix: bool) -> bool {
    let (text, part) = if ignore_case {
        (text.to_lowercase(), part.to_lowercase())
    } else {
        (text.to_owned(), part.to_owned())
    };
    if prefix {
        text.starts_with(&part)
    } else {
        text.ends_with(&part)
    }
}

fn anything_but(rule: &AnythingBut, leaf: &Value) -> bool {
    match rule {
        AnythingBut::Values(values) => !values.iter().any(|v| equals(v, leaf)),
        AnythingBut::Prefix(prefixes) => leaf
            .as_str()
            .is_none_or(|s| !prefixes.iter().any(|p| s.starts_with(p.as_str()))),
        AnythingBut::Suffix(suffixes) => leaf
            .as_str()
            .is_none_or(|s| !suffixes.iter().any(|p| s.ends_with(p.as_str()))),
        AnythingBut::IgnoreCase(values) => leaf.as_str().is_none_or(|s| {
            let s = s.to_lowercase();
            !values.iter().any(|v| v.to_lowercase() == s)
        }),
        AnythingBut::Wildcard(patterns) => leaf
            .as_str()
            .is_none_or(|s| !patterns.iter().any(|p| wildcard(p, s))),
    }
}

fn compare(op: NumericOp, value: f64, bound: f64) -> bool {
    match op {
        NumericOp::Eq => value == bound,
        NumericOp::Lt => value < bound,
        NumericOp::Le => value <= bound,
        NumericOp::Gt => value > bound,
        NumericOp::Ge => value >= bound,
    }
}

/// `*` matches any run of characters; `\*` is a literal star. Linear in the text: the
/// pattern's literal runs are matched as a prefix, a suffix and, between them, leftmost
/// occurrences in order (greedy matching is exact for `*`-only globs).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let segments = literal_runs(pattern);
    let Some((first, rest)) = segments.split_first() else {
        return text.is_empty();
    };
    let Some((last, middle)) = rest.split_last() else {
        return text == first;
    };
    let Some(body) = text
        .strip_prefix(first.as_str())
        .and_then(|after| after.strip_suffix(last.as_str()))
    else {
        return false;
    };
    let mut body = body;
    for segment in middle {
        match body.find(segment.as_str()) {
            Some(at) => body = body.get(at + segment.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    true
}

/// The literal runs between a pattern's unescaped `*`s (one more than there are stars).
fn literal_runs(pattern: &str) -> Vec<String> {
    let mut runs = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let literal = match c {
            '\\' if matches!(chars.peek(), Some('*') | Some('\\')) => chars.next(),
            '*' => None,
            c => Some(c),
        };
        match (literal, runs.last_mut()) {
            (Some(c), Some(run)) => run.push(c),
            _ => runs.push(String::new()),
        }
    }
    runs
}

fn in_network(ip: IpAddr, network: IpAddr, prefix_len: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix_len))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix_len))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::wildcard;

    #[test]
    fn wildcards_match_like_globs() {
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("a*b*c", "abc"));
        assert!(!wildcard("ab*ba", "aba"));
        assert!(wildcard("*.png", "x.png"));
        assert!(!wildcard("*.png", "x.jpg"));
        assert!(wildcard("a\\*b", "a*b"));
        assert!(!wildcard("a\\*b", "axb"));
        assert!(wildcard("caf\u{e9}*", "caf\u{e9}!"));
        let long = "x".repeat(300_000);
        assert!(!wildcard("*y*y*y*y", &long));
    }

    use super::super::parse::parse;

    fn check(pattern: serde_json::Value, event: serde_json::Value) -> bool {
        parse(&pattern.to_string()).unwrap().matches(&event)
    }

    #[test]
    fn exact_values_and_arrays() {
        let p = json!({"source": ["alex.orders"], "detail-type": ["OrderCreated"]});
        assert!(check(
            p.clone(),
            json!({"source": "alex.orders", "detail-type": "OrderCreated"})
        ));
        assert!(!check(
            p,
            json!({"source": "alex.orders", "detail-type": "Other"})
        ));
        assert!(check(json!({"r": ["b"]}), json!({"r": ["a", "b"]})));
        assert!(check(json!({"n": [5]}), json!({"n": 5.0})));
        assert!(!check(json!({"n": ["5"]}), json!({"n": 5})));
    }

    #[test]
    fn content_filters() {
        assert!(check(json!({"a": [{"prefix": "ab"}]}), json!({"a": "abc"})));
        assert!(check(
            json!({"a": [{"suffix": {"equals-ignore-case": "PNG"}}]}),
            json!({"a": "x.png"})
        ));
        assert!(check(
            json!({"a": [{"anything-but": ["x"]}]}),
            json!({"a": "y"})
        ));
        assert!(!check(json!({"a": [{"anything-but": ["x"]}]}), json!({})));
        assert!(check(json!({"a": [{"exists": false}]}), json!({})));
        assert!(check(json!({"d": {"a": [{"exists": false}]}}), json!({})));
        assert!(check(
            json!({"a": [{"numeric": [">", 0, "<=", 5]}]}),
            json!({"a": 5})
        ));
        assert!(!check(
            json!({"a": [{"numeric": [">", 0, "<=", 5]}]}),
            json!({"a": 6})
        ));
        assert!(check(
            json!({"a": [{"wildcard": "arn:*:bus/*"}]}),
            json!({"a": "arn:x:bus/y"})
        ));
        assert!(check(json!({"a": [{"wildcard": "*"}]}), json!({"a": ""})));
        assert!(check(
            json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            json!({"ip": "10.0.0.7"})
        ));
        assert!(check(
            json!({"$or": [{"a": [1]}, {"b": [2]}]}),
            json!({"b": 2})
        ));
    }
}
