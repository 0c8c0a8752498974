//! Typed Amazon States Language: a definition parsed from JSON into states the engine runs.
//!
//! Parsing never fails fast: every problem found is pushed (in AWS's
//! `CODE: message at /pointer` form) so one InvalidDefinition names them all.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::syntax::{parse_timestamp, pointer};
use crate::jsonpath::too_complex;

/// A state machine, or the body of a Map iterator or Parallel branch.
#[derive(Debug, Clone)]
pub struct Definition {
    pub start_at: String,
    pub states: IndexMap<String, State>,
    pub timeout_seconds: Option<u64>,
    /// `JSONPath` (the default) or `JSONata`.
    pub query_language: String,
}

/// One named state.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub common: Common,
    pub kind: StateKind,
    /// Whether anything in the state may read the execution input through the context object
    /// (`$$…` paths, JSONata `$states` beyond `.input`/`.result`/`.errorOutput`). When not,
    /// the engine leaves that (up to 256 KiB) copy out of the context it builds per state.
    pub reads_execution_input: bool,
}

/// A field that may be absent (use the default), JSON null, or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathField {
    Default,
    Null,
    Path(String),
}

/// A field a state gives as a literal, a JSONPath (its `…Path` twin) or, in a JSONata state,
/// a JSONata template (an `{% … %}` expression or a literal string), decided once at parse time.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    Literal(T),
    Path(String),
    Jsonata(String),
}

/// Where a Map's items come from, decided by the state's query language.
#[derive(Debug, Clone, PartialEq)]
pub enum MapItems {
    /// JSONPath `ItemsPath` (default `$`).
    Path(PathField),
    /// JSONata `Items` (an expression or a literal array; the input when absent).
    Jsonata(Option<Value>),
}

/// The fields many state types share.
#[derive(Debug, Clone)]
pub struct Common {
    pub next: Option<String>,
    pub end: bool,
    pub input_path: PathField,
    pub output_path: PathField,
    pub result_path: PathField,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub query_language: Option<String>,
    /// Variables to set when the state completes (JSONPath `.$` template or JSONata).
    pub assign: Option<Value>,
    /// JSONata `Output` (replaces the JSONPath output processing).
    pub output: Option<Value>,
    /// JSONata `Arguments` (the Task/Parallel input).
    pub arguments: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub full_jitter: bool,
}

#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: String,
    pub result_path: PathField,
    pub assign: Option<Value>,
    pub output: Option<Value>,
}

/// A Choice rule's condition.
#[derive(Debug, Clone)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// A JSONata `Condition` (an expression or a literal boolean).
    Jsonata(Value),
    /// `Variable` compared with `operator` (e.g. `NumericLessThanPath`) to `operand`.
    Compare {
        variable: String,
        operator: String,
        operand: Value,
    },
}

#[derive(Debug, Clone)]
pub struct ChoiceBranch {
    pub condition: Condition,
    pub next: String,
    pub assign: Option<Value>,
    pub output: Option<Value>,
}

#[derive(Debug, Clone)]
pub enum WaitFor {
    Seconds(f64),
    SecondsPath(String),
    Timestamp(String),
    TimestampPath(String),
    /// A JSONata `Seconds` expression.
    SecondsExpr(String),
    /// A JSONata `Timestamp` (expression or literal, checked when the state runs).
    TimestampExpr(String),
}

/// A distributed Map's tolerated failures (literal, path or JSONata).
#[derive(Debug, Clone, Default)]
pub struct Distributed {
    /// `ToleratedFailureCount` or `ToleratedFailureCountPath`.
    pub tolerated_count: Option<Dynamic<Value>>,
    /// `ToleratedFailurePercentage` or `ToleratedFailurePercentagePath`.
    pub tolerated_percentage: Option<Dynamic<Value>>,
    /// `ItemReader`: the items come from S3 rather than the input.
    pub reader: Option<super::item_reader::ItemReader>,
    /// `ItemBatcher`: each child workflow gets a batch of items.
    pub batcher: Option<super::item_batcher::ItemBatcher>,
}

#[derive(Debug, Clone)]
pub enum StateKind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: String,
        /// `TimeoutSeconds`, `TimeoutSecondsPath` or a JSONata `TimeoutSeconds`.
        timeout: Option<Dynamic<u64>>,
        /// `HeartbeatSeconds`, `HeartbeatSecondsPath` or a JSONata `HeartbeatSeconds`.
        heartbeat: Option<Dynamic<u64>>,
    },
    Choice {
        choices: Vec<ChoiceBranch>,
        default: Option<String>,
    },
    Wait(WaitFor),
    Succeed,
    Fail {
        /// `Error`, `ErrorPath` or a JSONata `Error`.
        error: Option<Dynamic<String>>,
        /// `Cause`, `CausePath` or a JSONata `Cause`.
        cause: Option<Dynamic<String>>,
    },
    Map {
        items: MapItems,
        item_selector: Option<Value>,
        processor: Box<Definition>,
        /// `MaxConcurrency` (0, unlimited, when absent), `MaxConcurrencyPath` or a JSONata
        /// `MaxConcurrency`: how many iterations run at once (`engine/fanout.rs`).
        max_concurrency: Dynamic<u64>,
        /// Distributed-mode knobs (ProcessorConfig.Mode DISTRIBUTED).
        distributed: Option<Box<Distributed>>,
    },
    Parallel {
        branches: Vec<Definition>,
    },
}

impl StateKind {
    /// The `Type` name, as history event types spell it (`Pass`, `Task`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass { .. } => "Pass",
            StateKind::Task { .. } => "Task",
            StateKind::Choice { .. } => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail { .. } => "Fail",
            StateKind::Map { .. } => "Map",
            StateKind::Parallel { .. } => "Parallel",
        }
    }
}

/// Parses a machine (or iterator/branch) object found at JSON pointer `at`.
pub fn parse_machine(value: &Value, at: &str, problems: &mut Vec<String>) -> Option<Definition> {
    parse_body(value, at, "JSONPath", problems)
}

/// Parses a machine or a Map/Parallel body whose states default to `inherited`.
fn parse_body(
    value: &Value,
    at: &str,
    inherited: &str,
    problems: &mut Vec<String>,
) -> Option<Definition> {
    let Some(object) = value.as_object() else {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Expected an object at {}",
            pointer(at)
        ));
        return None;
    };
    let start_at = required_string(object, "StartAt", at, problems);
    if at.is_empty() {
        super::bounds::check_machine(object, at, problems);
        super::fields::check_machine(object, problems);
    }
    let states_value = object.get("States").and_then(Value::as_object);
    if states_value.is_none() {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field 'States' is required but was missing at {}",
            pointer(at)
        ));
    }
    let query_language = object
        .get("QueryLanguage")
        .and_then(Value::as_str)
        .unwrap_or(inherited)
        .to_owned();
    let mut states = IndexMap::new();
    for (name, state) in states_value.into_iter().flatten() {
        let state_at = format!("{at}/States/{name}");
        if let Some(state) = parse_state(name, state, &state_at, &query_language, problems) {
            states.insert(name.clone(), state);
        }
    }
    Some(Definition {
        start_at: start_at.unwrap_or_default(),
        states,
        timeout_seconds: object.get("TimeoutSeconds").and_then(Value::as_u64),
        query_language,
    })
}

fn parse_state(
    name: &str,
    value: &Value,
    at: &str,
    inherited: &str,
    problems: &mut Vec<String>,
) -> Option<State> {
    let object = value.as_object()?;
    let type_name = required_string(object, "Type", at, problems)?;
    let language = object
        .get("QueryLanguage")
        .and_then(Value::as_str)
        .unwrap_or(inherited);
    let jsonata = language == "JSONata";
    super::bounds::check_state(object, at, &type_name, jsonata, problems);
    super::fields::check_state(object, at, &type_name, jsonata, problems);
    let common = parse_common(object, at, problems);
    let kind = match type_name.as_str() {
        "Pass" => StateKind::Pass {
            result: object.get("Result").cloned(),
        },
        "Task" => StateKind::Task {
            resource: required_string(object, "Resource", at, problems).unwrap_or_default(),
            timeout: dynamic(object, "TimeoutSeconds", jsonata, Value::as_u64),
            heartbeat: dynamic(object, "HeartbeatSeconds", jsonata, Value::as_u64),
        },
        "Choice" => parse_choice(object, at, problems),
        "Wait" => StateKind::Wait(parse_wait(object, at, jsonata, problems)),
        "Succeed" => StateKind::Succeed,
        "Fail" => StateKind::Fail {
            error: dynamic(object, "Error", jsonata, string_value),
            cause: dynamic(object, "Cause", jsonata, string_value),
        },
        "Map" => parse_map(object, at, language, problems)?,
        "Parallel" => StateKind::Parallel {
            branches: object
                .get("Branches")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, b)| {
                    parse_body(b, &format!("{at}/Branches[{i}]"), language, problems)
                })
                .collect(),
        },
        other => {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: Value is not a valid state type: '{other}' at {}",
                pointer(&format!("{at}/Type"))
            ));
            return None;
        }
    };
    Some(State {
        name: name.to_owned(),
        common,
        kind,
        reads_execution_input: reads_context(value),
    })
}

/// True when the state's JSON mentions the context object: `$$`, or `$states` other than
/// `$states.input`, `$states.result`, `$states.errorOutput` (conservative: any doubt is yes).
fn reads_context(state: &Value) -> bool {
    let text = state.to_string();
    text.contains("$$")
        || text.match_indices("$states").any(|(at, found)| {
            let rest = text.get(at + found.len()..).unwrap_or_default();
            ![".input", ".result", ".errorOutput"]
                .iter()
                .any(|field| rest.starts_with(field))
        })
}

fn parse_common(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) -> Common {
    Common {
        next: string_field(object, "Next"),
        end: object.get("End").and_then(Value::as_bool).unwrap_or(false),
        input_path: path_field(object, "InputPath"),
        output_path: path_field(object, "OutputPath"),
        result_path: path_field(object, "ResultPath"),
        parameters: object
            .get("Parameters")
            .or_else(|| object.get("ItemSelector"))
            .cloned(),
        result_selector: object.get("ResultSelector").cloned(),
        retry: list(object, "Retry")
            .map(|(i, r)| parse_retrier(r, &format!("{at}/Retry[{i}]"), problems))
            .collect(),
        catch: list(object, "Catch")
            .filter_map(|(i, c)| parse_catcher(c, &format!("{at}/Catch[{i}]"), problems))
            .collect(),
        query_language: string_field(object, "QueryLanguage"),
        assign: object.get("Assign").cloned(),
        output: object.get("Output").cloned(),
        arguments: object.get("Arguments").cloned(),
    }
}

fn parse_retrier(value: &Value, at: &str, problems: &mut Vec<String>) -> Retrier {
    let empty = Map::new();
    let object = value.as_object().unwrap_or(&empty);
    Retrier {
        error_equals: error_equals(object, at, problems),
        interval_seconds: object
            .get("IntervalSeconds")
            .and_then(Value::as_f64)
            .unwrap_or(1.0),
        max_attempts: object
            .get("MaxAttempts")
            .and_then(Value::as_u64)
            .map_or(3, |n| n.min(u64::from(u32::MAX)) as u32),
        backoff_rate: object
            .get("BackoffRate")
            .and_then(Value::as_f64)
            .unwrap_or(2.0),
        max_delay_seconds: object.get("MaxDelaySeconds").and_then(Value::as_f64),
        full_jitter: object.get("JitterStrategy").and_then(Value::as_str) == Some("FULL"),
    }
}

fn parse_catcher(value: &Value, at: &str, problems: &mut Vec<String>) -> Option<Catcher> {
    let object = value.as_object()?;
    Some(Catcher {
        error_equals: error_equals(object, at, problems),
        next: required_string(object, "Next", at, problems)?,
        result_path: path_field(object, "ResultPath"),
        assign: object.get("Assign").cloned(),
        output: object.get("Output").cloned(),
    })
}

fn error_equals(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) -> Vec<String> {
    let names: Vec<String> = list(object, "ErrorEquals")
        .filter_map(|(_, v)| v.as_str().map(str::to_owned))
        .collect();
    if names.is_empty() {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field 'ErrorEquals' is required but was missing at {}",
            pointer(at)
        ));
    }
    names
}

fn parse_choice(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) -> StateKind {
    let choices = list(object, "Choices")
        .filter_map(|(i, rule)| {
            let rule_at = format!("{at}/Choices[{i}]");
            let condition = parse_condition(rule, &rule_at, problems)?;
            let rule_object = rule.as_object()?;
            let next = required_string(rule_object, "Next", &rule_at, problems)?;
            Some(ChoiceBranch {
                condition,
                next,
                assign: rule_object.get("Assign").cloned(),
                output: rule_object.get("Output").cloned(),
            })
        })
        .collect();
    StateKind::Choice {
        choices,
        default: string_field(object, "Default"),
    }
}

/// The comparison operators a Choice rule may use (each also has a `…Path` form except the
/// type tests and `StringMatches`).
pub const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
];

const TYPE_TESTS: &[&str] = &[
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
    "StringMatches",
];

fn is_operator(key: &str) -> bool {
    TYPE_TESTS.contains(&key)
        || OPERATORS.contains(&key)
        || key
            .strip_suffix("Path")
            .is_some_and(|base| OPERATORS.contains(&base))
}

/// How deeply And/Or/Not may nest in a Choice rule (the parser and the evaluator recurse
/// once per level). AWS documents no limit; a definition's JSON nesting (128 levels, the
/// parser's limit) keeps real rules well inside it.
pub const MAX_RULE_NESTING: usize = 100;

fn parse_condition(value: &Value, at: &str, problems: &mut Vec<String>) -> Option<Condition> {
    parse_nested_condition(value, at, 0, problems)
}

fn parse_nested_condition(
    value: &Value,
    at: &str,
    depth: usize,
    problems: &mut Vec<String>,
) -> Option<Condition> {
    let object = value.as_object()?;
    if depth >= MAX_RULE_NESTING {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: Choice rules may nest at most {MAX_RULE_NESTING} levels at {}",
            pointer(at)
        ));
        return None;
    }
    let nested = |key: &str, problems: &mut Vec<String>| -> Vec<Condition> {
        list(object, key)
            .filter_map(|(i, c)| {
                parse_nested_condition(c, &format!("{at}/{key}[{i}]"), depth + 1, problems)
            })
            .collect()
    };
    if object.contains_key("And") {
        return Some(Condition::And(nested("And", problems)));
    }
    if object.contains_key("Or") {
        return Some(Condition::Or(nested("Or", problems)));
    }
    if let Some(condition) = object.get("Condition") {
        return Some(Condition::Jsonata(condition.clone()));
    }
    if let Some(inner) = object.get("Not") {
        let inner = parse_nested_condition(inner, &format!("{at}/Not"), depth + 1, problems)?;
        return Some(Condition::Not(Box::new(inner)));
    }
    let Some((operator, operand)) = object.iter().find(|(k, _)| is_operator(k)) else {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: No comparison operator found at {}",
            pointer(at)
        ));
        return None;
    };
    let variable = required_string(object, "Variable", at, problems)?;
    let operand_path = operand.as_str().filter(|_| operator.ends_with("Path"));
    if [Some(variable.as_str()), operand_path]
        .into_iter()
        .flatten()
        .any(too_complex)
    {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The value for the field 'Variable' must be a valid JSONPath at {}",
            pointer(at)
        ));
        return None;
    }
    Some(Condition::Compare {
        variable,
        operator: operator.clone(),
        operand: operand.clone(),
    })
}

fn parse_wait(
    object: &Map<String, Value>,
    at: &str,
    jsonata: bool,
    problems: &mut Vec<String>,
) -> WaitFor {
    if let Some(seconds) = object.get("Seconds").and_then(Value::as_f64) {
        return WaitFor::Seconds(seconds);
    }
    if jsonata {
        if let Some(seconds) = string_field(object, "Seconds") {
            return WaitFor::SecondsExpr(seconds);
        }
        if let Some(timestamp) = string_field(object, "Timestamp") {
            return WaitFor::TimestampExpr(timestamp);
        }
    }
    if let Some(path) = string_field(object, "SecondsPath") {
        return WaitFor::SecondsPath(path);
    }
    if let Some(timestamp) = string_field(object, "Timestamp") {
        if parse_timestamp(&timestamp).is_none() {
            problems.push(format!(
                "SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at {}",
                pointer(&format!("{at}/Timestamp"))
            ));
        }
        return WaitFor::Timestamp(timestamp);
    }
    if let Some(path) = string_field(object, "TimestampPath") {
        return WaitFor::TimestampPath(path);
    }
    problems.push(format!(
        "SCHEMA_VALIDATION_FAILED: A Wait state needs exactly one of Seconds, SecondsPath, Timestamp or TimestampPath at {}",
        pointer(at)
    ));
    WaitFor::Seconds(0.0)
}

fn parse_map(
    object: &Map<String, Value>,
    at: &str,
    language: &str,
    problems: &mut Vec<String>,
) -> Option<StateKind> {
    let (key, processor) = match object.get("ItemProcessor") {
        Some(p) => ("ItemProcessor", p),
        None => ("Iterator", object.get("Iterator")?),
    };
    let processor_value = processor;
    let processor = parse_body(processor, &format!("{at}/{key}"), language, problems)?;
    let distributed = is_distributed(processor_value);
    let reader = object.get("ItemReader").and_then(|reader| {
        let at = format!("{at}/ItemReader");
        super::item_reader::parse(reader, &at, language == "JSONata", distributed, problems)
    });
    let batcher = object.get("ItemBatcher").and_then(|batcher| {
        let at = format!("{at}/ItemBatcher");
        super::item_batcher::parse(batcher, &at, language == "JSONata", distributed, problems)
    });
    Some(StateKind::Map {
        items: if language == "JSONata" {
            MapItems::Jsonata(object.get("Items").cloned())
        } else {
            MapItems::Path(path_field(object, "ItemsPath"))
        },
        item_selector: object
            .get("ItemSelector")
            .or_else(|| object.get("Parameters"))
            .cloned(),
        processor: Box::new(processor),
        max_concurrency: dynamic(
            object,
            "MaxConcurrency",
            language == "JSONata",
            Value::as_u64,
        )
        .unwrap_or(Dynamic::Literal(0)),
        distributed: distributed.then(|| {
            let jsonata = language == "JSONata";
            let any = |value: &Value| Some(value.clone());
            Box::new(Distributed {
                tolerated_count: dynamic(object, "ToleratedFailureCount", jsonata, any),
                tolerated_percentage: dynamic(object, "ToleratedFailurePercentage", jsonata, any),
                reader,
                batcher,
            })
        }),
    })
}

/// Whether a Map's ItemProcessor runs in DISTRIBUTED mode.
fn is_distributed(processor: &Value) -> bool {
    processor
        .pointer("/ProcessorConfig/Mode")
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

fn list<'a>(
    object: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = (usize, &'a Value)> + 'a {
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// `key` as a [`Dynamic`]: its `…Path` twin first, then (in a JSONata state) a string as a
/// JSONata template, then a literal `read` accepts.
fn dynamic<T>(
    object: &Map<String, Value>,
    key: &str,
    jsonata: bool,
    read: impl Fn(&Value) -> Option<T>,
) -> Option<Dynamic<T>> {
    if let Some(path) = string_field(object, &format!("{key}Path")) {
        return Some(Dynamic::Path(path));
    }
    if let Some(text) = string_field(object, key).filter(|_| jsonata) {
        return Some(Dynamic::Jsonata(text));
    }
    object.get(key).and_then(read).map(Dynamic::Literal)
}

fn string_value(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn string_field(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn path_field(object: &Map<String, Value>, key: &str) -> PathField {
    match object.get(key) {
        None => PathField::Default,
        Some(Value::Null) => PathField::Null,
        Some(Value::String(path)) => PathField::Path(path.clone()),
        Some(_) => PathField::Default,
    }
}

fn required_string(
    object: &Map<String, Value>,
    key: &str,
    at: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    let found = string_field(object, key);
    if found.is_none() {
        problems.push(format!(
            "SCHEMA_VALIDATION_FAILED: The field '{key}' is required but was missing at {}",
            pointer(at)
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literal_path_and_jsonata_fields_are_told_apart_once() {
        let object = |value: Value| value.as_object().cloned().unwrap();
        let task = object(json!({"TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"}));
        assert_eq!(
            dynamic(&task, "TimeoutSeconds", false, Value::as_u64),
            Some(Dynamic::Path("$.t".into()))
        );
        let task = object(json!({"TimeoutSeconds": 5}));
        assert_eq!(
            dynamic(&task, "TimeoutSeconds", false, Value::as_u64),
            Some(Dynamic::Literal(5))
        );
        let fail = object(json!({"Error": "{% $x %}"}));
        assert_eq!(
            dynamic(&fail, "Error", true, string_value),
            Some(Dynamic::Jsonata("{% $x %}".into()))
        );
        assert_eq!(
            dynamic(&fail, "Error", false, string_value),
            Some(Dynamic::Literal("{% $x %}".into()))
        );
        assert_eq!(dynamic(&fail, "Cause", true, string_value), None);
    }

    #[test]
    fn rule_nesting_is_bounded() {
        // Built in memory: the JSON parser alone would refuse text nested this deep.
        let mut rule = json!({"Variable": "$.x", "IsPresent": true});
        for _ in 0..MAX_RULE_NESTING {
            rule = json!({ "Not": rule });
        }
        let mut problems = Vec::new();
        assert!(parse_condition(&rule, "/States/C/Choices[0]", &mut problems).is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("may nest at most 100 levels"),
            "{problems:?}"
        );
    }
}
