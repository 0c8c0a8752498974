//! The corpus manifest: one recorded AWS execution per line, and the definition it ran
//! (a JSON5 template with JSON-pointer substitutions, as SOURCE.txt describes).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

/// What AWS recorded for one execution.
#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    pub status: String,
    pub output: Value,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub state_path: Option<Vec<String>>,
    pub event_types: Option<Vec<String>>,
}

/// One manifest line.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    pub template: String,
    pub substitutions: Map<String, Value>,
    pub input: Value,
    pub features: Vec<String>,
    pub query_language: String,
    pub expected: Expected,
    pub notes: String,
}

impl Case {
    /// True when the recorded history went through LocalStack's
    /// SfnNoneRecursiveParallelTransformer (events inside each Parallel re-sorted,
    /// ParallelStateSucceeded dropped).
    pub fn parallel_resorted(&self) -> bool {
        self.notes.contains("SfnNoneRecursiveParallelTransformer")
    }

    /// True when the test built its input from the current time.
    pub fn depends_on_now(&self) -> bool {
        self.notes.contains("current UTC time")
    }

    /// The case with `input.start_at` rebuilt as now + N days when its notes ask for it
    /// ("regenerate input.start_at as now+N days").
    pub fn with_current_time(mut self) -> Case {
        let days = self
            .notes
            .split("now+")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<i64>().ok());
        if let (Some(days), Some(input)) = (days, self.input.as_object_mut()) {
            let at = time::OffsetDateTime::now_utc() + time::Duration::days(days);
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            );
            input.insert("start_at".into(), Value::String(text));
        }
        self
    }

    pub fn is_jsonata(&self) -> bool {
        self.query_language == "JSONata" || self.features.iter().any(|f| f == "jsonata")
    }
}

/// Reads every case of `sfn/manifest.jsonl`.
pub fn load_manifest(sfn_dir: &Path) -> Result<Vec<Case>, String> {
    let path = sfn_dir.join("manifest.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).map_err(|e| format!("manifest line: {e}")))
        .collect()
}

/// The definition the case ran: its template with the substitutions applied.
pub fn definition(sfn_dir: &Path, case: &Case) -> Result<Value, String> {
    let path = sfn_dir.join("data").join(&case.template);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut document: Value = json5::from_str(&text).map_err(|e| format!("json5: {e}"))?;
    let mut pointers: Vec<(&String, &Value)> = case.substitutions.iter().collect();
    pointers.sort_by_key(|(pointer, _)| pointer.matches('/').count());
    for (pointer, value) in pointers {
        set_pointer(&mut document, pointer, value.clone())?;
    }
    Ok(document)
}

/// Sets `value` at an RFC 6901 pointer, creating the last key if it is missing.
fn set_pointer(document: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if pointer.is_empty() {
        *document = value;
        return Ok(());
    }
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = tokens.split_last().ok_or("empty pointer")?;
    let mut node = document;
    for token in parents {
        node = match node {
            Value::Object(map) => map
                .entry(token.clone())
                .or_insert(Value::Object(Map::new())),
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| format!("pointer {pointer}: no index {token}"))?,
            _ => return Err(format!("pointer {pointer}: {token} is not a container")),
        };
    }
    match node {
        Value::Object(map) => {
            map.insert(last.clone(), value);
        }
        Value::Array(items) => {
            let index: usize = last.parse().map_err(|_| format!("pointer {pointer}"))?;
            match items.get_mut(index) {
                Some(slot) => *slot = value,
                None => items.push(value),
            }
        }
        _ => return Err(format!("pointer {pointer}: parent is not a container")),
    }
    Ok(())
}
