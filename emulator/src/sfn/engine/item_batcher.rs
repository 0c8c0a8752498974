//! A distributed Map's `ItemBatcher` (`asl/item_batcher.rs`) at run time: the items, each
//! first reshaped by ItemSelector (which still sees `$$.Map.Item` of the item), grouped in
//! order into batches of at most `MaxItemsPerBatch` items whose serialized input
//! (`{"BatchInput": …, "Items": [...]}`) takes at most `MaxInputBytesPerBatch` bytes (256 KiB
//! when no byte limit is given). Each batch is one child workflow of the map run.
//!
//! A `…Path` value that is not an integer fails the state with the words AWS uses for every
//! numeric Map path (`The MaxItemsPerBatchPath field refers to value "x" which is not a valid
//! integer: $.n`); a negative one with those of MaxConcurrency (`Expected non-negative
//! integer for MaxItemsPerBatch, got '-1' instead.`). A value of 0 sets no limit.

use serde_json::{Map, Value};

use super::dataflow::Extra;
use super::jsonata::{self, Scope};
use super::map::{read_number, select_item};
use super::{Engine, Failure, StateRun, paths};
use crate::sfn::asl::item_batcher::{ItemBatcher, MAX_INPUT_BYTES};
use crate::sfn::asl::model::Dynamic;

/// A map run's child inputs, and how many items each holds.
pub struct Batches {
    pub inputs: Vec<Value>,
    pub sizes: Vec<usize>,
}

/// `items` (as read or selected by ItemsPath/Items), each reshaped by ItemSelector, grouped
/// as `batcher` says.
pub fn batch(
    engine: &Engine,
    run: &StateRun<'_>,
    batcher: &ItemBatcher,
    item_selector: Option<&Value>,
    input: &Value,
    items: &[Value],
) -> Result<Batches, Failure> {
    let selected = items
        .iter()
        .enumerate()
        .map(|(index, item)| select_item(engine, run, item_selector, input, index, item))
        .collect::<Result<Vec<_>, _>>()?;
    group(engine, run, batcher, input, selected)
}

/// Items already reshaped by ItemSelector, grouped as `batcher` says (its limits and
/// BatchInput evaluated against the state input).
pub fn group(
    engine: &Engine,
    run: &StateRun<'_>,
    batcher: &ItemBatcher,
    input: &Value,
    selected: Vec<Value>,
) -> Result<Batches, Failure> {
    let max_items = limit(
        engine,
        run,
        batcher.max_items.as_ref(),
        "MaxItemsPerBatch",
        input,
    )?
    .filter(|n| *n > 0)
    .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let max_bytes = limit(
        engine,
        run,
        batcher.max_bytes.as_ref(),
        "MaxInputBytesPerBatch",
        input,
    )?
    .filter(|n| *n > 0)
    .unwrap_or(MAX_INPUT_BYTES);
    if max_bytes > MAX_INPUT_BYTES {
        return Err(runtime(
            run,
            format!(
                "Expected MaxInputBytesPerBatch to be at most {MAX_INPUT_BYTES}, got '{max_bytes}' instead."
            ),
        ));
    }
    let batch_input = match &batcher.batch_input {
        Some(template) => Some(batch_input(engine, run, template, input)?),
        None => None,
    };
    let mut grouper = Grouper::new(batch_input, max_items, max_bytes as usize);
    for (index, item) in selected.into_iter().enumerate() {
        grouper
            .add(index, item)
            .map_err(|cause| runtime(run, cause))?;
    }
    Ok(grouper.finish())
}

/// Groups items in order, closing a batch when the next item would pass either limit.
struct Grouper {
    batch_input: Option<Value>,
    /// The bytes of `{"BatchInput":…,"Items":[]}`.
    empty_bytes: usize,
    max_items: usize,
    max_bytes: usize,
    current: Vec<Value>,
    current_bytes: usize,
    done: Batches,
}

impl Grouper {
    fn new(batch_input: Option<Value>, max_items: usize, max_bytes: usize) -> Self {
        let empty_bytes = wrap(batch_input.as_ref(), Vec::new()).to_string().len();
        Grouper {
            batch_input,
            empty_bytes,
            max_items,
            max_bytes,
            current: Vec::new(),
            current_bytes: empty_bytes,
            done: Batches {
                inputs: Vec::new(),
                sizes: Vec::new(),
            },
        }
    }

    /// Adds the item at `index`; the cause of the failure when it fits in no batch.
    fn add(&mut self, index: usize, item: Value) -> Result<(), String> {
        let item_bytes = item.to_string().len();
        let grown = |current: &Vec<Value>, bytes: usize| {
            bytes + item_bytes + usize::from(!current.is_empty())
        };
        if !self.current.is_empty()
            && (self.current.len() >= self.max_items
                || grown(&self.current, self.current_bytes) > self.max_bytes)
        {
            self.close();
        }
        let bytes = grown(&self.current, self.current_bytes);
        if bytes > self.max_bytes {
            return Err(format!(
                "The item at index {index} does not fit in a batch of at most {} bytes (MaxInputBytesPerBatch): the batch would take {bytes} bytes.",
                self.max_bytes
            ));
        }
        self.current.push(item);
        self.current_bytes = bytes;
        Ok(())
    }

    fn close(&mut self) {
        let items = std::mem::take(&mut self.current);
        self.done.sizes.push(items.len());
        self.done
            .inputs
            .push(wrap(self.batch_input.as_ref(), items));
        self.current_bytes = self.empty_bytes;
    }

    fn finish(mut self) -> Batches {
        if !self.current.is_empty() {
            self.close();
        }
        self.done
    }
}

/// A child's input: `{"BatchInput": …, "Items": [...]}`, BatchInput only when given.
fn wrap(batch_input: Option<&Value>, items: Vec<Value>) -> Value {
    let mut object = Map::new();
    if let Some(batch_input) = batch_input {
        object.insert("BatchInput".into(), batch_input.clone());
    }
    object.insert("Items".into(), Value::Array(items));
    Value::Object(object)
}

/// `BatchInput` evaluated against the state input: a payload template, or a JSONata one.
fn batch_input(
    engine: &Engine,
    run: &StateRun<'_>,
    template: &Value,
    input: &Value,
) -> Result<Value, Failure> {
    if run.jsonata() {
        let scope = Scope {
            states: run.states(engine, Extra::default()),
            vars: &run.vars,
        };
        return jsonata::template(template, "BatchInput", &scope).map_err(|e| run.fail(e));
    }
    let context = run.context(&engine.info, None);
    paths::apply_template(template, input, &context).map_err(|e| run.fail(e))
}

/// A limit's value (None when not given): the literal, the non-negative integer its path
/// selects, or what its JSONata expression yields.
fn limit(
    engine: &Engine,
    run: &StateRun<'_>,
    field: Option<&Dynamic<u64>>,
    name: &str,
    input: &Value,
) -> Result<Option<u64>, Failure> {
    let value = match field {
        None => return Ok(None),
        Some(Dynamic::Literal(n)) => return Ok(Some(*n)),
        Some(Dynamic::Path(path)) => {
            read_number(engine, run, input, path, &format!("{name}Path"), "integer")?
        }
        Some(Dynamic::Jsonata(text)) => {
            let value =
                run.jsonata_template(engine, &Value::String(text.clone()), name, Extra::default())?;
            if !whole(&value) {
                let expr = jsonata::expression(text).unwrap_or(text);
                return Err(run.fail(jsonata::unexpected_type(expr, name, "integer", &value)));
            }
            value
        }
    };
    match value.as_f64() {
        Some(n) if n >= 0.0 => Ok(Some(n as u64)),
        _ => Err(runtime(
            run,
            format!(
                "Expected non-negative integer for {name}, got '{}' instead.",
                paths::to_text(&value)
            ),
        )),
    }
}

/// A JSON number with no fraction (JSONata numbers are floats: 3 may come back as 3.0).
fn whole(value: &Value) -> bool {
    value.is_i64()
        || value.is_u64()
        || value
            .as_f64()
            .is_some_and(|n| n.fract() == 0.0 && n.abs() <= 9.0e15)
}

fn runtime(run: &StateRun<'_>, message: String) -> Failure {
    run.fail(paths::PathError::runtime(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grouped(
        items: &[Value],
        batch_input: Option<Value>,
        max_items: usize,
        max_bytes: usize,
    ) -> Batches {
        let mut grouper = Grouper::new(batch_input, max_items, max_bytes);
        for (index, item) in items.iter().enumerate() {
            grouper.add(index, item.clone()).unwrap();
        }
        grouper.finish()
    }

    #[test]
    fn batches_close_on_the_item_count() {
        let items: Vec<Value> = (1..=5).map(Value::from).collect();
        let batches = grouped(&items, None, 2, 262_144);
        assert_eq!(batches.sizes, vec![2, 2, 1]);
        assert_eq!(batches.inputs[2], json!({"Items": [5]}));
    }

    #[test]
    fn batches_close_on_the_serialized_size_batch_input_included() {
        // {"Items":[1,2,3]} is 17 bytes, {"BatchInput":{"k":1},"Items":[1,2]} 36.
        let items: Vec<Value> = (1..=5).map(Value::from).collect();
        let batches = grouped(&items, None, usize::MAX, 17);
        assert_eq!(batches.sizes, vec![3, 2]);
        for input in &batches.inputs {
            assert!(input.to_string().len() <= 17, "{input}");
        }
        let batches = grouped(&items, Some(json!({"k": 1})), usize::MAX, 36);
        assert_eq!(batches.sizes, vec![2, 2, 1]);
        assert_eq!(
            batches.inputs[0].to_string(),
            r#"{"BatchInput":{"k":1},"Items":[1,2]}"#
        );
        let batches = grouped(&items, Some(json!({"k": 1})), usize::MAX, 35);
        assert_eq!(batches.sizes, vec![1; 5]);
    }

    #[test]
    fn an_item_larger_than_a_batch_is_refused() {
        let mut grouper = Grouper::new(None, usize::MAX, 12);
        let err = grouper.add(0, json!("too long")).unwrap_err();
        assert!(err.contains("index 0"), "{err}");
    }
}
