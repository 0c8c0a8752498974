//! Reading a distributed Map's items through its `ItemReader` (`asl/item_reader.rs`). The
//! emulator runs no S3, so an execution's reader fails as an SDK that cannot reach S3 does
//! (`S3.SdkClientException`), unless a MockConfigFile test case mocks the Map state (its
//! `Return` the items, or the object's text); TestState's `stateConfiguration.mapItemReaderData`
//! supplies the object's text, which [`decode`] turns into items as Step
//! Functions does: a JSON array's elements, one JSON value per JSONL line, one object per CSV
//! row keyed by the header (the first row, or `CSVHeaders`) with string values, or the
//! listed objects of `s3:listObjectsV2` (the response's `Contents`, or a bare array). Data
//! that does not match the InputType fails with `States.ItemReaderFailed`. One pass over
//! the text: linear in its length.

use serde_json::{Map, Value};

use super::{Engine, Failure, StateRun, paths};
use crate::sfn::asl::item_reader::{InputType, ItemReader, LIST_OBJECTS, MAX_ITEMS};
use crate::sfn::asl::model::Dynamic;

/// The error a reader's unreadable data fails the Map with.
pub const READER_FAILED: &str = "States.ItemReaderFailed";

/// An execution's reader: there is no S3 to read from.
pub fn unreachable(state: &str) -> Failure {
    Failure::of_state(
        state,
        "S3.SdkClientException",
        "Unable to execute HTTP request: the service 's3' is not available in this emulator",
    )
}

/// An execution's items: what the test case's MockConfigFile mock of the Map state returns
/// (an array of items, or the object's text, decoded), else S3's unreachability.
pub fn read(
    engine: &Engine,
    run: &StateRun<'_>,
    reader: &ItemReader,
    input: &Value,
) -> Result<Vec<Value>, Failure> {
    let max = max_items(engine, run, reader, input)?;
    let name = &run.state.name;
    match crate::sfn::mock::response(engine, run) {
        None => Err(unreachable(name)),
        Some(Err(failure)) => Err(Failure::of_state(name, failure.error, failure.cause)),
        Some(Ok(Value::String(text))) => decode(reader, &text, max)
            .map_err(|cause| Failure::of_state(name, READER_FAILED, cause)),
        Some(Ok(Value::Array(mut items))) => {
            if max > 0 {
                items.truncate(usize::try_from(max).unwrap_or(usize::MAX));
            }
            Ok(items)
        }
        Some(Ok(other)) => Err(Failure::of_state(
            name,
            READER_FAILED,
            format!(
                "A mocked ItemReader must return an array of items or the object's text, but returned: {}",
                kind(&other)
            ),
        )),
    }
}

/// The items `data` holds, at most `max_items` of them (0: all).
pub fn decode(reader: &ItemReader, data: &str, max_items: u64) -> Result<Vec<Value>, String> {
    let mut items = match (reader.resource.as_str(), reader.input_type) {
        (LIST_OBJECTS, _) => listed_objects(data)?,
        (_, Some(InputType::Json)) => json_array(data)?,
        (_, Some(InputType::Jsonl)) => json_lines(data)?,
        (_, Some(InputType::Csv)) => csv_rows(data, reader)?,
        (_, Some(kind @ (InputType::Manifest | InputType::Parquet))) => {
            return Err(format!(
                "InputType {} is not supported by this emulator",
                if kind == InputType::Manifest {
                    "MANIFEST"
                } else {
                    "PARQUET"
                }
            ));
        }
        (_, None) => return Err("The ItemReader has no InputType".to_owned()),
    };
    if max_items > 0 {
        items.truncate(usize::try_from(max_items).unwrap_or(usize::MAX));
    }
    Ok(items)
}

/// `MaxItems` in force (0: no limit): the literal, the path's integer or the JSONata value.
pub fn max_items(
    engine: &Engine,
    run: &StateRun<'_>,
    reader: &ItemReader,
    input: &Value,
) -> Result<u64, Failure> {
    let value = match &reader.max_items {
        None => return Ok(0),
        Some(Dynamic::Literal(n)) => return Ok(*n),
        Some(Dynamic::Path(path)) => {
            let context = run.context(&engine.info, None);
            paths::read(path, "MaxItemsPath", input, &context).map_err(|e| run.fail(e))?
        }
        Some(Dynamic::Jsonata(text)) => run.jsonata_template(
            engine,
            &Value::String(text.clone()),
            "MaxItems",
            super::dataflow::Extra::default(),
        )?,
    };
    // AWS's words for a MaxItemsPath value below 0 (recorded in the conformance corpus).
    value.as_u64().map(|n| n.min(MAX_ITEMS)).ok_or_else(|| {
        Failure::of_state(
            &run.state.name,
            READER_FAILED,
            "field MaxItems must be positive",
        )
    })
}

fn json_array(data: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(data) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err("Attempting to map over non-iterable node.".to_owned()),
        Err(err) => Err(format!("The JSON file is not valid JSON: {err}")),
    }
}

fn json_lines(data: &str) -> Result<Vec<Value>, String> {
    data.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|err| format!("Line {} is not valid JSON: {err}", index + 1))
        })
        .collect()
}

fn listed_objects(data: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(data) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(Value::Object(mut response)) => match response.remove("Contents") {
            Some(Value::Array(items)) => Ok(items),
            None => Ok(Vec::new()),
            Some(other) => Err(format!(
                "The ListObjectsV2 response's Contents must be an array, but was: {}",
                kind(&other)
            )),
        },
        Ok(other) => Err(format!(
            "The listed objects must be a JSON array or a ListObjectsV2 response, but was: {}",
            kind(&other)
        )),
        Err(err) => Err(format!("The listed objects are not valid JSON: {err}")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn csv_rows(data: &str, reader: &ItemReader) -> Result<Vec<Value>, String> {
    let mut rows = parse_csv(data, reader.csv_delimiter)?.into_iter();
    let headers = match &reader.csv_headers {
        Some(headers) => headers.clone(),
        None => rows
            .next()
            .ok_or("The CSV file has no header row (CSVHeaderLocation FIRST_ROW)")?,
    };
    let mut seen = std::collections::HashSet::new();
    if !headers.iter().all(|header| seen.insert(header)) {
        return Err("CSV headers cannot contain duplicates.".to_owned());
    }
    rows.enumerate()
        .map(|(index, row)| {
            if row.len() != headers.len() {
                return Err(format!(
                    "CSV row {} has {} fields but the header has {}",
                    index + 1,
                    row.len(),
                    headers.len()
                ));
            }
            let object: Map<String, Value> = headers
                .iter()
                .cloned()
                .zip(row.into_iter().map(Value::String))
                .collect();
            Ok(Value::Object(object))
        })
        .collect()
}

/// RFC 4180 records: `"`-quoted fields may hold delimiters, line breaks and `""`; blank
/// lines are skipped.
fn parse_csv(data: &str, delimiter: u8) -> Result<Vec<Vec<String>>, String> {
    let delimiter = char::from(delimiter);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = data.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, c) if c == delimiter => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => end_row(&mut rows, &mut row, &mut field),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("The CSV file ends inside a quoted field".to_owned());
    }
    end_row(&mut rows, &mut row, &mut field);
    Ok(rows)
}

fn end_row(rows: &mut Vec<Vec<String>>, row: &mut Vec<String>, field: &mut String) {
    if row.is_empty() && field.is_empty() {
        return;
    }
    row.push(std::mem::take(field));
    rows.push(std::mem::take(row));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sfn::asl::item_reader::GET_OBJECT;
    use serde_json::json;

    fn reader(input_type: InputType, headers: Option<Vec<&str>>) -> ItemReader {
        ItemReader {
            resource: GET_OBJECT.to_owned(),
            input_type: Some(input_type),
            csv_headers: headers.map(|h| h.into_iter().map(str::to_owned).collect()),
            csv_delimiter: b',',
            max_items: None,
            parameters: None,
        }
    }

    #[test]
    fn csv_rows_become_objects_of_strings() {
        let text = "id,name\r\n1,\"Smith, J\"\n\n2,\"say \"\"hi\"\"\"\n";
        let items = decode(&reader(InputType::Csv, None), text, 0).unwrap();
        assert_eq!(
            items,
            vec![
                json!({"id": "1", "name": "Smith, J"}),
                json!({"id": "2", "name": "say \"hi\""})
            ]
        );
        let given = decode(&reader(InputType::Csv, Some(vec!["a", "b"])), "1,2\n3,4", 1).unwrap();
        assert_eq!(given, vec![json!({"a": "1", "b": "2"})]);
    }

    #[test]
    fn mismatched_data_is_refused() {
        let csv = reader(InputType::Csv, None);
        assert!(
            decode(&csv, "a,b\n1\n", 0)
                .unwrap_err()
                .contains("has 1 fields")
        );
        assert!(decode(&csv, "a\n\"open", 0).unwrap_err().contains("quoted"));
        let json = reader(InputType::Json, None);
        let err = decode(&json, "{\"a\":1}", 0).unwrap_err();
        assert_eq!(err, "Attempting to map over non-iterable node.");
        let err = decode(&reader(InputType::Csv, Some(vec!["a", "a"])), "1,2", 0).unwrap_err();
        assert_eq!(err, "CSV headers cannot contain duplicates.");
        let jsonl = reader(InputType::Jsonl, None);
        assert_eq!(
            decode(&jsonl, "{\"a\":1}\n\n2\n", 0).unwrap(),
            vec![json!({"a":1}), json!(2)]
        );
        assert!(
            decode(&jsonl, "1\nnope", 0)
                .unwrap_err()
                .starts_with("Line 2")
        );
    }
}
