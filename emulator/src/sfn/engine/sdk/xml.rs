//! A small XML reader for the query protocol's answers (IAM, SES): elements, text and the five
//! entities plus numeric references; attributes, comments and the prolog are skipped. Depth is
//! bounded; what is not well formed is an error, never a panic.

/// An element: its name (without namespace prefix), text and children, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// How deep elements may nest.
const MAX_DEPTH: usize = 64;

/// Parses a document into its root element.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut stack: Vec<Element> = Vec::new();
    let mut rest = text;
    let mut root = None;
    while let Some(start) = rest.find('<') {
        let before = rest.get(..start).unwrap_or_default();
        if let Some(open) = stack.last_mut() {
            open.text.push_str(&unescape(before)?);
        }
        rest = rest.get(start..).unwrap_or_default();
        let end = rest.find('>').ok_or("an unterminated tag")?;
        let tag = rest.get(1..end).unwrap_or_default();
        rest = rest.get(end + 1..).unwrap_or_default();
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let element = stack.pop().ok_or("a closing tag without an opening one")?;
            if local(name.trim()) != element.name {
                return Err(format!("</{name}> closes <{}>", element.name));
            }
            close(&mut stack, &mut root, element)?;
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = local(tag.split_whitespace().next().unwrap_or_default());
        if stack.len() >= MAX_DEPTH {
            return Err(format!("elements nest deeper than {MAX_DEPTH}"));
        }
        let element = Element {
            name: name.to_owned(),
            ..Element::default()
        };
        if self_closing {
            close(&mut stack, &mut root, element)?;
        } else {
            stack.push(element);
        }
    }
    if !stack.is_empty() {
        return Err("an unclosed element".to_owned());
    }
    root.ok_or_else(|| "no element".to_owned())
}

/// A finished element goes to its parent, or becomes the root.
fn close(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err("more than one root element".to_owned()),
    }
    Ok(())
}

/// `ns:Name` → `Name`.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Text with its entity and character references replaced.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        rest = rest.get(amp..).unwrap_or_default();
        let semi = rest.find(';').ok_or("an unterminated reference")?;
        let reference = rest.get(1..semi).unwrap_or_default();
        rest = rest.get(semi + 1..).unwrap_or_default();
        let c = match reference {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = reference.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = reference.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("an unknown reference &{reference};"))?
            }
        };
        out.push(c);
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_text_and_references_are_read() {
        let root = parse(
            "<?xml version=\"1.0\"?><R xmlns=\"ns\"><A>x &amp; &lt;y&gt; &#65;&#x42;</A>\
             <L><member>1</member><member>2</member></L><E/></R>",
        )
        .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.child("A").unwrap().text, "x & <y> AB");
        assert_eq!(root.child("L").unwrap().all("member").count(), 2);
        assert_eq!(root.child("E").unwrap().children.len(), 0);
    }

    #[test]
    fn what_is_not_well_formed_is_an_error() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).unwrap_err().contains("deeper"));
    }
}
