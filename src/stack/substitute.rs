//! `${Name}` placeholder substitution in the app/ files, done on the text before parsing (like
//! SAM's `DefinitionSubstitutions`). A placeholder without a value is an error, so a typo in
//! app/ never reaches AWS as a literal `${…}`.

use std::collections::BTreeMap;

/// The values placeholders are replaced with.
#[derive(Debug, Clone, Default)]
pub struct Substitutions {
    values: BTreeMap<String, String>,
}

impl Substitutions {
    pub fn new() -> Substitutions {
        Substitutions::default()
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Substitutions {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Replaces every `${Name}` in `text`; `source` names the file in errors.
    pub fn apply(&self, source: &str, text: &str) -> anyhow::Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((before, after)) = rest.split_once("${") {
            out.push_str(before);
            let Some((name, after)) = after.split_once('}') else {
                anyhow::bail!(
                    "{source}: unterminated placeholder `${{{}`",
                    truncate(after)
                );
            };
            match self.values.get(name) {
                Some(value) => out.push_str(value),
                None => anyhow::bail!(
                    "{source}: no value for placeholder ${{{name}}} (known: {})",
                    self.known()
                ),
            }
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }

    fn known(&self) -> String {
        self.values.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(20) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs() -> Substitutions {
        let mut subs = Substitutions::new();
        subs.set("Prefix", "alex-").set("AccountId", "000000000000");
        subs
    }

    #[test]
    fn replaces_every_placeholder() {
        let text =
            r#"{"Name": "${Prefix}orders", "Role": "arn:aws:iam::${AccountId}:role/${Prefix}r"}"#;
        assert_eq!(
            subs().apply("t.json", text).unwrap(),
            r#"{"Name": "alex-orders", "Role": "arn:aws:iam::000000000000:role/alex-r"}"#
        );
    }

    #[test]
    fn leaves_jsonpath_dollars_alone() {
        let text = r#"{"InputPath": "$.detail", "Cost": "$5"}"#;
        assert_eq!(subs().apply("t.json", text).unwrap(), text);
    }

    #[test]
    fn unknown_placeholder_is_an_error_naming_it() {
        let err = subs().apply("rule.json", "${StateMachineArn}").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("rule.json: no value for placeholder ${StateMachineArn}"),
            "{message}"
        );
        assert!(message.contains("AccountId, Prefix"), "{message}");
    }

    #[test]
    fn unterminated_placeholder_is_an_error() {
        let err = subs().apply("api.json", "x ${Prefix").unwrap_err();
        assert!(
            err.to_string()
                .contains("unterminated placeholder `${Prefix`"),
            "{err}"
        );
    }
}
