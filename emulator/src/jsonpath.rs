//! JSONPath as AWS services take it (Step Functions paths, EventBridge `InputPath` and
//! `InputPathsMap`), before it reaches `serde_json_path`. That parser is recursive, and its
//! time doubles with every filter nested in a filter (`$[?(@[?(@[?(…`: 14 levels took 0.16 s,
//! each more twice as long), so a path is [`too_complex`] — refused, never parsed — when its
//! brackets nest deeper than [`MAX_PATH_NESTING`] or its filters deeper than
//! [`MAX_FILTER_NESTING`]. AWS documents neither limit; real paths stay far inside both.

/// The deepest `[`/`(` may nest in a path (filters inside filters). AWS documents no limit.
pub const MAX_PATH_NESTING: usize = 32;

/// True when brackets or parentheses nest deeper than `limit` in `text`, outside quoted
/// strings (`'…'`, `"…"`, with backslash escapes).
pub fn nests_deeper_than(text: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    let mut quote = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '(') => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            (None, ']' | ')') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    false
}

/// The deepest a filter (`[?(…)]`) may sit inside other filters.
pub const MAX_FILTER_NESTING: usize = 4;

/// True when `path` must not reach the JSONPath parser (see the module's docs).
pub fn too_complex(path: &str) -> bool {
    nests_deeper_than(path, MAX_PATH_NESTING) || filters_nest_deeper_than(path, MAX_FILTER_NESTING)
}

/// True when filters (`[?`) nest deeper than `limit`, outside quoted strings.
fn filters_nest_deeper_than(text: &str, limit: usize) -> bool {
    let (mut open, mut filters) = (Vec::new(), 0usize);
    let mut quote = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => {
                let filter = chars.peek() == Some(&'?');
                open.push(filter);
                filters += usize::from(filter);
                if filters > limit {
                    return true;
                }
            }
            (None, ']') => {
                if open.pop() == Some(true) {
                    filters -= 1;
                }
            }
            (None, _) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_filters_are_too_complex_and_sequential_ones_are_not() {
        let nested = |n: usize| format!("${}{}", "[?(@".repeat(n), ")]".repeat(n));
        assert!(!too_complex(&nested(MAX_FILTER_NESTING)));
        assert!(too_complex(&nested(MAX_FILTER_NESTING + 1)));
        assert!(
            too_complex(&"$[?(@".repeat(20)),
            "unclosed filters count too"
        );
        assert!(!too_complex(&format!("${}", "[?(@.a)]".repeat(300))));
        assert!(
            !too_complex("$[?(@.a == '[?([?([?([?([?(')]"),
            "quoted text is not a filter"
        );
    }
}
