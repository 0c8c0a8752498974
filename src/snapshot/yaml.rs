//! A small, deterministic YAML emitter for snapshot documents (JSON values): block style, keys
//! in the document's own order, plain scalars where unambiguous, JSON-style double quotes
//! otherwise (a JSON string literal is a valid YAML double-quoted scalar), literal blocks for
//! multi-line text. Numbers are written as their exact decimal text.

use serde_json::Value;

/// Renders `value` as a YAML document (no `---`), ending in a newline.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (index, (key, value)) in map.iter().enumerate() {
        if index > 0 {
            push_indent(out, indent);
        }
        out.push_str(&key_text(key));
        out.push(':');
        write_after_key(out, value, indent);
    }
}

/// Writes a value that follows `key:` (or `- `) at `indent`.
fn write_after_key(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            push_indent(out, indent + 2);
            write_map(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            push_indent(out, indent + 2);
            write_seq(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2),
            Value::Array(nested) if !nested.is_empty() => write_seq(out, nested, indent + 2),
            scalar => {
                out.push_str(&scalar_text(scalar, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn key_text(key: &str) -> String {
    if is_plain(key) {
        key.to_owned()
    } else {
        quoted(key)
    }
}

fn scalar_text(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => string_text(text, indent),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

fn string_text(text: &str, indent: usize) -> String {
    if is_plain(text) {
        text.to_owned()
    } else if let Some(block) = literal_block(text, indent) {
        block
    } else {
        quoted(text)
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// `|`/`|-` block for multi-line text that a literal block can carry exactly.
fn literal_block(text: &str, indent: usize) -> Option<String> {
    let body = text.strip_suffix('\n');
    let (content, chomp) = match body {
        Some(body) => (body, ""),
        None => (text, "-"),
    };
    let representable = content.contains('\n')
        && !content.ends_with('\n')
        && !content.starts_with([' ', '\t'])
        && content.chars().all(|c| c == '\n' || !c.is_control())
        && content.lines().all(|line| !line.ends_with([' ', '\t']));
    if !representable {
        return None;
    }
    let pad = " ".repeat(indent);
    let mut block = format!("|{chomp}");
    for line in content.split('\n') {
        block.push('\n');
        if !line.is_empty() {
            block.push_str(&pad);
            block.push_str(line);
        }
    }
    Some(block)
}

/// Whether `text` reads back as the same string when written unquoted.
pub fn is_plain(text: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "nan", "inf",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '_' | '-' | '.' | '/' | ':' | '@' | '(' | ')' | '?' | '+' | '='
            )
            || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
    };
    (first.is_ascii_alphabetic() || first == '_')
        && text.chars().all(allowed)
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_nested_documents_in_block_style() {
        let doc = json!({
            "orders": [{"order_id": "ord-1", "path": ["VerifyStock", "StockAvailable?"], "total": 260.5}],
            "empty": [],
            "flags": {"ok": true, "none": null},
            "odd": "yes",
            "num": "120.50",
        });
        let expected = "\
orders:
  - order_id: ord-1
    path:
      - VerifyStock
      - StockAvailable?
    total: 260.5
empty: []
flags:
  ok: true
  none: null
odd: \"yes\"
num: \"120.50\"
";
        assert_eq!(render(&doc), expected);
    }

    #[test]
    fn multi_line_text_becomes_a_literal_block() {
        let doc = json!({"mail": [{"body": "Hello Ada,\n\nTotal: 260.5\n"}, {"body": "a\nb"}]});
        let expected = "mail:\n  - body: |\n      Hello Ada,\n\n      Total: 260.5\n  - body: |-\n      a\n      b\n";
        assert_eq!(render(&doc), expected);
    }

    #[test]
    fn quotes_what_would_change_meaning() {
        for text in [
            "",
            "123",
            "a: b",
            "x #y",
            "[uuid]",
            "true",
            "Null",
            " pad",
            "tab\there",
        ] {
            assert!(!is_plain(text), "{text:?} must be quoted");
        }
        for text in [
            "COMPLETED",
            "orders@alex.example",
            "arn:aws:states:x",
            "StockAvailable?",
        ] {
            assert!(is_plain(text), "{text:?} can be plain");
        }
    }
}
