//! The compact form of one execution's history. An event is a fixed 32-byte record (time
//! since the Unix epoch in nanoseconds, `previousEventId`, the event type and details key as
//! indexes into a table of names); its id is its position. The details object is encoded into
//! one byte stream per execution (a tag per JSON value, lengths and string indexes as LEB128
//! varints), and every string in it — keys, state names, input/output payloads, the role ARN —
//! is interned once per execution: the output of one state that is the input of the next is
//! stored once. Well-known names (event types, detail keys) are indexes into [`KNOWN`] and
//! cost nothing per execution.
//!
//! Decoding gives back exactly the `Value` that was recorded (same key order, same number
//! text: serde_json keeps both here), so GetExecutionHistory's answers are unchanged byte for
//! byte; `history/tests.rs` checks that against the old JSON-text encoder.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use serde_json::{Map, Number, Value, json};

/// Names every execution uses: event types and detail keys (index = string id).
const KNOWN: &[&str] = &[
    "input",
    "inputDetails",
    "output",
    "outputDetails",
    "truncated",
    "name",
    "roleArn",
    "resource",
    "resourceType",
    "parameters",
    "error",
    "cause",
    "index",
    "assignedVariables",
    "assignedVariablesDetails",
    "stateEnteredEventDetails",
    "stateExitedEventDetails",
    "executionStartedEventDetails",
    "executionSucceededEventDetails",
    "executionFailedEventDetails",
    "executionTimedOutEventDetails",
    "executionAbortedEventDetails",
    "taskScheduledEventDetails",
    "taskStartedEventDetails",
    "taskSucceededEventDetails",
    "taskFailedEventDetails",
    "taskTimedOutEventDetails",
    "taskSubmittedEventDetails",
    "lambdaFunctionScheduledEventDetails",
    "lambdaFunctionSucceededEventDetails",
    "lambdaFunctionFailedEventDetails",
    "lambdaFunctionTimedOutEventDetails",
    "mapStateStartedEventDetails",
    "length",
    "mapIterationStartedEventDetails",
    "mapIterationSucceededEventDetails",
    "mapIterationFailedEventDetails",
    "ExecutionStarted",
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionAborted",
    "PassStateEntered",
    "PassStateExited",
    "ChoiceStateEntered",
    "ChoiceStateExited",
    "WaitStateEntered",
    "WaitStateExited",
    "SucceedStateEntered",
    "SucceedStateExited",
    "FailStateEntered",
    "TaskStateEntered",
    "TaskStateExited",
    "TaskScheduled",
    "TaskStarted",
    "TaskSucceeded",
    "TaskFailed",
    "TaskTimedOut",
    "LambdaFunctionScheduled",
    "LambdaFunctionStarted",
    "LambdaFunctionSucceeded",
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "MapStateEntered",
    "MapStateExited",
    "MapStateStarted",
    "MapStateSucceeded",
    "MapStateFailed",
    "MapIterationStarted",
    "MapIterationSucceeded",
    "MapIterationFailed",
    "MapRunStarted",
    "MapRunSucceeded",
    "MapRunFailed",
    "ParallelStateEntered",
    "ParallelStateExited",
    "ParallelStateStarted",
    "ParallelStateSucceeded",
    "ParallelStateFailed",
    "{}",
    "lambda",
    "invoke",
];

/// No details (the event has no `<key>EventDetails` member).
const NO_DETAILS: u64 = u64::MAX;

/// The value tags of the details byte stream.
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3; // string id of the number's text
const STRING: u8 = 4; // string id
const ARRAY: u8 = 5; // length, then the items
const OBJECT: u8 = 6; // length, then (key id, value) pairs

/// One event: 32 bytes.
#[derive(Clone, Copy)]
struct Event {
    /// Time since the Unix epoch, in nanoseconds (the clock's full precision).
    nanos: u64,
    previous: u64,
    /// Where the details start in the byte stream, or [`NO_DETAILS`].
    details: u64,
    /// String id of the event type.
    kind: u32,
    /// String id of the details key (unused without details).
    key: u32,
}

/// Every event of one execution.
#[derive(Default)]
pub struct Compact {
    events: Vec<Event>,
    code: Vec<u8>,
    strings: Strings,
}

/// Interned strings: one arena, where each starts, and (while recording) a hash → id index.
#[derive(Default)]
struct Strings {
    arena: String,
    /// Where each interned string starts in `arena` (it ends where the next one starts).
    starts: Vec<u64>,
    /// Dropped by [`Compact::seal`]: a closed history records nothing more.
    index: Option<HashMap<u64, u32>>,
    hasher: RandomState,
}

impl Strings {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(known) = KNOWN.iter().position(|k| *k == text) {
            return known as u32;
        }
        let hash = self.hasher.hash_one(text);
        let index = self.index.get_or_insert_with(HashMap::new);
        if let Some(&id) = index.get(&hash)
            && interned(&self.arena, &self.starts, id) == text
        {
            return id;
        }
        let id = (KNOWN.len() + self.starts.len()) as u32;
        self.starts.push(self.arena.len() as u64);
        self.arena.push_str(text);
        index.entry(hash).or_insert(id);
        id
    }

    fn get(&self, id: u32) -> &str {
        match KNOWN.get(id as usize) {
            Some(known) => known,
            None => interned(&self.arena, &self.starts, id),
        }
    }

    fn heap_bytes(&self) -> usize {
        let index = self.index.as_ref().map_or(0, |index| {
            // hashbrown: a (key, value) slot and a control byte per bucket.
            index.capacity() * (size_of::<(u64, u32)>() + 1)
        });
        self.arena.capacity() + self.starts.capacity() * size_of::<u64>() + index
    }
}

impl Compact {
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Appends an event (its id is its position + 1).
    pub fn push(
        &mut self,
        at: Duration,
        previous: u64,
        event_type: &str,
        details: Option<(&str, Value)>,
    ) {
        let kind = self.strings.id(event_type);
        let (key, offset) = match details {
            Some((key, value)) => {
                let key = self.strings.id(key);
                let offset = self.code.len() as u64;
                self.encode(&value);
                (key, offset)
            }
            None => (0, NO_DETAILS),
        };
        self.events.push(Event {
            nanos: at.as_nanos() as u64,
            previous,
            kind,
            key,
            details: offset,
        });
    }

    /// Appends `value` to the byte stream (recursion as deep as the value, which the engine
    /// built within serde_json's and its own nesting bounds).
    fn encode(&mut self, value: &Value) {
        match value {
            Value::Null => self.code.push(NULL),
            Value::Bool(false) => self.code.push(FALSE),
            Value::Bool(true) => self.code.push(TRUE),
            Value::Number(n) => {
                let id = self.strings.id(&n.to_string());
                self.code.push(NUMBER);
                varint(&mut self.code, id);
            }
            Value::String(s) => {
                let id = self.strings.id(s);
                self.code.push(STRING);
                varint(&mut self.code, id);
            }
            Value::Array(items) => {
                self.code.push(ARRAY);
                varint(&mut self.code, items.len() as u32);
                for item in items {
                    self.encode(item);
                }
            }
            Value::Object(map) => {
                self.code.push(OBJECT);
                varint(&mut self.code, map.len() as u32);
                for (key, item) in map {
                    let id = self.strings.id(key);
                    varint(&mut self.code, id);
                    self.encode(item);
                }
            }
        }
    }

    /// The event at `position` as GetExecutionHistory shows it.
    pub fn event(&self, position: usize) -> Value {
        let Some(event) = self.events.get(position) else {
            return Value::Null;
        };
        let timestamp = Duration::from_nanos(event.nanos).as_secs_f64();
        let mut object = Map::new();
        object.insert("timestamp".into(), json!(timestamp));
        object.insert("type".into(), json!(self.strings.get(event.kind)));
        object.insert("id".into(), json!(position as u64 + 1));
        object.insert("previousEventId".into(), json!(event.previous));
        if event.details != NO_DETAILS {
            let mut at = event.details as usize;
            let details = self.decode(&mut at);
            object.insert(self.strings.get(event.key).into(), details);
        }
        Value::Object(object)
    }

    fn decode(&self, at: &mut usize) -> Value {
        let tag = self.code.get(*at).copied().unwrap_or(NULL);
        *at += 1;
        match tag {
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => {
                let text = self.strings.get(read_varint(&self.code, at));
                text.parse::<Number>().map_or(Value::Null, Value::Number)
            }
            STRING => Value::String(self.strings.get(read_varint(&self.code, at)).to_owned()),
            ARRAY => {
                let len = read_varint(&self.code, at);
                (0..len).map(|_| self.decode(at)).collect()
            }
            OBJECT => {
                let len = read_varint(&self.code, at);
                let mut map = Map::with_capacity((len as usize).min(64));
                for _ in 0..len {
                    let key = self.strings.get(read_varint(&self.code, at)).to_owned();
                    let value = self.decode(at);
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            _ => Value::Null,
        }
    }

    /// Frees what a closed history no longer needs (the intern index, spare capacity).
    pub fn seal(&mut self) {
        self.strings.index = None;
        self.events.shrink_to_fit();
        self.code.shrink_to_fit();
        self.strings.arena.shrink_to_fit();
        self.strings.starts.shrink_to_fit();
    }

    /// The heap bytes this history holds: every allocation at its capacity.
    pub fn heap_bytes(&self) -> usize {
        self.events.capacity() * size_of::<Event>()
            + self.code.capacity()
            + self.strings.heap_bytes()
    }
}

/// The interned string `id` (not a [`KNOWN`] one); empty for an id never given out.
fn interned<'a>(arena: &'a str, starts: &[u64], id: u32) -> &'a str {
    let at = (id as usize).wrapping_sub(KNOWN.len());
    let end = starts
        .get(at.saturating_add(1))
        .map_or(arena.len(), |&end| end as usize);
    (starts.get(at))
        .and_then(|&start| arena.get(start as usize..end))
        .unwrap_or_default()
}

fn varint(code: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        code.push((n as u8) | 0x80);
        n >>= 7;
    }
    code.push(n as u8);
}

fn read_varint(code: &[u8], at: &mut usize) -> u32 {
    let mut n = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = code.get(*at).copied().unwrap_or(0);
        *at += 1;
        n |= u32::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
    }
    n
}
