//! The textual syntax of the Amazon States Language that both CreateStateMachine's checks and
//! the interpreter need: JSON pointers as AWS's messages show them, RFC 3339 timestamps,
//! reference paths and which JSONPaths are valid, and the bracket-nesting bound of JSONata
//! expressions. Pure functions of text: nothing here runs a state.

use std::time::SystemTime;

use crate::jsonpath::too_complex;

/// `""` is the document root, written `/` in AWS's messages.
pub fn pointer(at: &str) -> String {
    if at.is_empty() {
        "/".to_owned()
    } else {
        at.to_owned()
    }
}

/// An RFC 3339 timestamp, as Step Functions accepts them.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(SystemTime::from(parsed))
}

/// One step of a reference path.
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Splits a simple path (`$.a.b[0]['c d']`) into steps; `None` for anything fancier.
pub fn reference_steps(path: &str) -> Option<Vec<PathStep>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let (key, tail) = after.split_at_checked(end)?;
            if key.is_empty() || key == "*" {
                return None;
            }
            steps.push(PathStep::Key(key.to_owned()));
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('[') {
            let (inner, tail) = after.split_once(']')?;
            if let Ok(index) = inner.parse::<usize>() {
                steps.push(PathStep::Index(index));
            } else if let Some(quoted) = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
            {
                steps.push(PathStep::Key(quoted.to_owned()));
            } else {
                return None;
            }
            rest = tail;
        } else {
            return None;
        }
    }
    Some(steps)
}

/// True when `path` is a JSONPath the engine can evaluate: `$…`, `$$…` or `$name…`, plain
/// or (not [`too_complex`]) one `serde_json_path` parses. CreateStateMachine refuses
/// the others.
pub fn is_valid_path(path: &str) -> bool {
    if too_complex(path) {
        return false;
    }
    let Some(rest) = path.strip_prefix('$') else {
        return false;
    };
    let rest = rest
        .strip_prefix('$')
        .unwrap_or_else(|| rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'));
    let normalized = format!("${rest}");
    reference_steps(&normalized).is_some() || serde_json_path::JsonPath::parse(&normalized).is_ok()
}

/// True when `path` is a Reference Path (plain steps from `$`), what ResultPath must be.
pub fn is_reference_path(path: &str) -> bool {
    reference_steps(path).is_some()
}

/// The deepest `(`, `[` and `{` may nest in an expression (outside strings and comments).
/// AWS documents no limit; jsonata-core's own parser stops at 1000.
pub const MAX_EXPRESSION_NESTING: usize = 100;

/// The parse error of an expression nesting deeper than [`MAX_EXPRESSION_NESTING`], in
/// jsonata-core's wording for its own limit.
pub fn nesting_error(expr: &str) -> Option<String> {
    nests_too_deeply(expr).then(|| {
        format!(
            "U1002: Stack overflow - maximum expression nesting depth ({MAX_EXPRESSION_NESTING}) exceeded while parsing expression"
        )
    })
}

/// True when brackets nest deeper than [`MAX_EXPRESSION_NESTING`] in `expr`, skipping
/// string literals (`'…'`, `"…"` with escapes), backtick names and `/* … */` comments.
fn nests_too_deeply(expr: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => skip_quoted(&mut chars, c),
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_EXPRESSION_NESTING {
                    return true;
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn skip_quoted(chars: &mut impl Iterator<Item = char>, quote: char) {
    while let Some(c) = chars.next() {
        if c == '\\' && quote != '`' {
            chars.next();
        } else if c == quote {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_validated_like_the_engine_reads_them() {
        for path in [
            "$",
            "$.a",
            "$$.Execution.Id",
            "$var.x",
            "$.a[*].b",
            "$.sub-values",
            "$..x",
        ] {
            assert!(is_valid_path(path), "{path}");
        }
        for path in ["a.b", "$.a[", "$$$", ""] {
            assert!(!is_valid_path(path), "{path}");
        }
        assert!(is_reference_path("$.a['b c'][0]"));
        assert!(!is_reference_path("$.a[*]"));
        assert!(!is_reference_path("$$.Execution"));
    }

    #[test]
    fn timestamps_need_a_date_a_t_and_a_time() {
        assert!(parse_timestamp("2026-01-01T00:00:00Z").is_some());
        assert!(parse_timestamp("2026-01-01 00:00:00Z").is_none());
        assert!(parse_timestamp("2026-01-01").is_none());
    }

    #[test]
    fn jsonata_nesting_skips_strings_and_comments() {
        let deep = "(".repeat(MAX_EXPRESSION_NESTING + 1);
        assert!(nesting_error(&deep).is_some());
        assert!(nesting_error(&format!("'{deep}'")).is_none());
        assert!(nesting_error(&format!("/* {deep} */ 1")).is_none());
        assert_eq!(pointer(""), "/");
    }
}
