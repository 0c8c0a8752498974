//! `stateConfiguration.mapItemReaderData`: the text a distributed Map's ItemReader would
//! read from S3, decoded by the engine's reader (`engine/item_reader.rs`, with the
//! ReaderConfig's InputType, CSV headers and delimiter, and MaxItems) into the Map's items,
//! each then reshaped by ItemSelector. A mismatch fails the state with
//! `States.ItemReaderFailed`. The items decide how many iterations a
//! `mapIterationFailureCount` is measured against and are shown as `afterItemSelector`;
//! grouped by an ItemBatcher (`engine/item_batcher.rs`) they are shown as `afterItemBatcher`.

use serde_json::Value;

use super::request::Request;
use crate::sfn::asl::StateKind;
use crate::sfn::engine::item_batcher;
use crate::sfn::engine::item_reader::{self, READER_FAILED};
use crate::sfn::engine::map::select_item;
use crate::sfn::engine::{Engine, Failure, StateRun};

/// The items read from the supplied data, after ItemSelector; None when no data was given
/// (or the state has no reader).
pub fn items(
    engine: &Engine,
    run: &StateRun<'_>,
    request: &Request,
    input: &Value,
) -> Result<Option<Vec<Value>>, Failure> {
    let StateKind::Map {
        distributed,
        item_selector,
        ..
    } = &run.state.kind
    else {
        return Ok(None);
    };
    let (Some(reader), Some(data)) = (
        distributed.as_ref().and_then(|d| d.reader.as_ref()),
        request.config.map_item_reader_data.as_deref(),
    ) else {
        return Ok(None);
    };
    let max_items = item_reader::max_items(engine, run, reader, input)?;
    let read = item_reader::decode(reader, data, max_items)
        .map_err(|cause| Failure::of_state(&run.state.name, READER_FAILED, cause))?;
    read.iter()
        .enumerate()
        .map(|(index, item)| select_item(engine, run, item_selector.as_ref(), input, index, item))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The child inputs an ItemBatcher makes of the read `items`; None when the Map has none.
pub fn batches(
    engine: &Engine,
    run: &StateRun<'_>,
    input: &Value,
    items: &[Value],
) -> Result<Option<Vec<Value>>, Failure> {
    let StateKind::Map { distributed, .. } = &run.state.kind else {
        return Ok(None);
    };
    let Some(batcher) = distributed.as_ref().and_then(|d| d.batcher.as_ref()) else {
        return Ok(None);
    };
    item_batcher::group(engine, run, batcher, input, items.to_vec())
        .map(|batches| Some(batches.inputs))
}
