//! Compares what the emulator did with what AWS recorded, after applying the corpus' snapshot
//! normalisation to the actual values (account, region, partition, names) and treating the
//! documented placeholders (dates, random numbers, UUIDs, quoted JSON) as wildcards. Nothing
//! else is lenient: the nondeterministic cases pass only through those placeholders.

use serde_json::Value;

use super::case::Case;
use super::run::{Actual, ROLE};

/// Placeholders that stand for a value AWS produced at random or from the clock.
const WILDCARDS: &[&str] = &[
    "date",
    "RandomNumberGenerated",
    "generated-uuid",
    "entered-time",
    "start-time",
    "<json-input:",
    "<uuid:",
];

/// `None` when the run matches the recording, else the first difference.
pub fn mismatch(case: &Case, actual: &Actual) -> Option<String> {
    let expected = &case.expected;
    let normaliser = Normaliser::new(case, actual);
    if actual.status != expected.status {
        let detail = match (&actual.error, &actual.cause) {
            (Some(e), Some(c)) => format!(" ({e}: {})", shorten(c)),
            (Some(e), None) => format!(" ({e})"),
            _ => String::new(),
        };
        return Some(format!(
            "status {} instead of {}{detail}",
            actual.status, expected.status
        ));
    }
    if expected.status == "SUCCEEDED" {
        let output = normaliser.value(actual.output.clone().unwrap_or(Value::Null));
        if !normaliser.matches(&expected.output, &output) {
            return Some(format!(
                "output {} instead of {}",
                shorten(&output.to_string()),
                shorten(&expected.output.to_string())
            ));
        }
    }
    for (name, want, got) in [
        ("error", &expected.error, &actual.error),
        ("cause", &expected.cause, &actual.cause),
    ] {
        let got = got.as_deref().map(|s| normaliser.text(s));
        let same = match (want, &got) {
            (Some(w), Some(g)) => normaliser.text_matches(w, g),
            (None, None) => true,
            _ => false,
        };
        if !same && expected.status != "SUCCEEDED" {
            return Some(format!(
                "{name} {} instead of {}",
                shorten(&format!("{got:?}")),
                shorten(&format!("{want:?}"))
            ));
        }
    }
    let mut events = actual.event_types.clone();
    if case.parallel_resorted() {
        events.retain(|e| e != "ParallelStateSucceeded");
    }
    sequence_mismatch(case, "state path", &expected.state_path, &actual.state_path)
        .or_else(|| sequence_mismatch(case, "events", &expected.event_types, &events))
}

fn sequence_mismatch(
    case: &Case,
    what: &str,
    expected: &Option<Vec<String>>,
    actual: &[String],
) -> Option<String> {
    let expected = expected.as_ref()?;
    if expected == actual {
        return None;
    }
    if case.parallel_resorted() {
        let (mut e, mut a) = (expected.clone(), actual.to_vec());
        e.sort();
        a.sort();
        if e == a {
            return None;
        }
    }
    let at = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    Some(format!(
        "{what} differ at #{at}: {:?} instead of {:?}",
        actual.get(at),
        expected.get(at)
    ))
}

/// Applies the snapshot replacements to actual values and matches them against expected ones.
struct Normaliser<'a> {
    case: &'a Case,
    machine_name: &'a str,
    execution_name: &'a str,
}

impl<'a> Normaliser<'a> {
    fn new(case: &'a Case, actual: &'a Actual) -> Self {
        Normaliser {
            case,
            machine_name: &actual.machine_name,
            execution_name: &actual.execution_name,
        }
    }

    fn text(&self, text: &str) -> String {
        text.replace(ROLE, "snf_role_arn")
            .replace("arn:aws:", "arn:<partition>:")
            .replace("us-east-1", "<region>")
            .replace(self.machine_name, "<ArnPart_0idx>")
            .replace(self.execution_name, "<ExecArnPart_0idx>")
    }

    fn value(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.text(&k), self.value(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// The expected text with `<timestamp>` resolved to the input's start time.
    fn resolve(&self, expected: &str) -> String {
        match self.case.input.get("start_at").and_then(Value::as_str) {
            Some(start) => expected.replace("<timestamp>", start),
            None => expected.to_owned(),
        }
    }

    fn matches(&self, expected: &Value, actual: &Value) -> bool {
        match (expected, actual) {
            (Value::String(e), _) if self.is_wildcard(e) => true,
            (Value::String(e), Value::String(a)) => self.text_matches(e, a),
            (Value::Number(e), Value::Number(a)) => e == a,
            (Value::Array(e), Value::Array(a)) => {
                e.len() == a.len() && e.iter().zip(a).all(|(e, a)| self.matches(e, a))
            }
            (Value::Object(e), Value::Object(a)) => {
                e.len() == a.len()
                    && e.iter()
                        .all(|(k, v)| a.get(k).is_some_and(|av| self.matches(v, av)))
            }
            (e, a) => e == a,
        }
    }

    fn is_wildcard(&self, text: &str) -> bool {
        WILDCARDS
            .iter()
            .any(|w| text == *w || (w.ends_with(':') && text.starts_with(w)))
    }

    /// Glob-matches `actual` against `expected`, whose placeholders match any text.
    fn text_matches(&self, expected: &str, actual: &str) -> bool {
        let expected = self.resolve(expected);
        if expected == actual || self.is_wildcard(&expected) {
            return true;
        }
        let segments = split_placeholders(&expected);
        if segments.len() == 1 {
            return false;
        }
        glob(&segments, actual)
    }
}

/// Splits text at `<json-input:N>`, `<uuid:N>` and the bare wildcard words.
fn split_placeholders(text: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut rest = text;
    while !rest.is_empty() {
        let hit = WILDCARDS.iter().find_map(|w| {
            if !rest.starts_with(w) {
                return None;
            }
            if w.ends_with(':') {
                rest.find('>').map(|end| end + 1)
            } else {
                Some(w.len())
            }
        });
        match hit {
            Some(len) => {
                segments.push(String::new());
                rest = &rest[len..];
            }
            None => {
                let ch = rest.chars().next().unwrap_or_default();
                if let Some(last) = segments.last_mut() {
                    last.push(ch);
                }
                rest = &rest[ch.len_utf8()..];
            }
        }
    }
    segments
}

fn glob(segments: &[String], actual: &str) -> bool {
    let (first, rest) = match segments.split_first() {
        Some(split) => split,
        None => return actual.is_empty(),
    };
    let Some(mut remaining) = actual.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for segment in middle {
        match remaining.find(segment.as_str()) {
            Some(at) => remaining = &remaining[at + segment.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}

pub fn shorten(text: &str) -> String {
    let flat = text.replace('|', "\\|").replace('\n', " ");
    if flat.chars().count() > 160 {
        format!("{}…", flat.chars().take(160).collect::<String>())
    } else {
        flat
    }
}
