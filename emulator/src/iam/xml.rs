//! IAM's XML: elements, tag lists, and policy documents URL-encoded as AWS returns them
//! (clients decode them: botocore and the Go SDK's callers unquote `…PolicyDocument`).

use super::Tags;
use crate::protocol::query::escape;

/// `<name>text</name>`, the text escaped.
pub fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// Text escaped for an element.
pub fn escape_text(text: &str) -> String {
    escape(text)
}

/// `<name>text</name>` when there is a text, nothing otherwise.
pub fn element_if(name: &str, text: Option<&str>) -> String {
    text.map(|text| element(name, text)).unwrap_or_default()
}

/// `<Tags><member><Key/><Value/></member>…</Tags>`, nothing for no tags.
pub fn tags(tags: &Tags) -> String {
    if tags.is_empty() {
        return String::new();
    }
    format!("<Tags>{}</Tags>", tag_members(tags))
}

/// The `<member>` of each tag.
pub fn tag_members(tags: &Tags) -> String {
    tags.iter()
        .map(|(key, value)| {
            format!(
                "<member>{}{}</member>",
                element("Key", key),
                element("Value", value)
            )
        })
        .collect()
}

/// A policy document as IAM returns it: percent-encoded (RFC 3986 unreserved characters
/// kept), then escaped for XML.
pub fn document(name: &str, text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("<{name}>{encoded}</{name}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded() {
        assert_eq!(
            document("D", r#"{"A": "b/c"}"#),
            "<D>%7B%22A%22%3A%20%22b%2Fc%22%7D</D>"
        );
    }

    #[test]
    fn tags_render_in_order_and_escaped() {
        let mut t = Tags::new();
        t.insert("b".into(), "<1>".into());
        t.insert("a".into(), String::new());
        assert_eq!(
            tags(&t),
            "<Tags><member><Key>b</Key><Value>&lt;1&gt;</Value></member>\
             <member><Key>a</Key><Value></Value></member></Tags>"
        );
        assert_eq!(tags(&Tags::new()), "");
    }
}
