//! The Amazon States Language: parsing a definition into typed states ([`model`]) and the
//! checks CreateStateMachine runs before accepting one ([`validate`]); [`syntax`] and
//! [`intrinsic`] hold the textual syntax the interpreter shares. Nothing here knows the
//! interpreter (`sfn/engine/`): the dependency runs one way, engine → asl (checked by tidy).

pub mod bounds;
pub mod fields;
pub mod intrinsic;
pub mod item_batcher;
pub mod item_reader;
pub mod jsonata_check;
pub mod model;
pub mod syntax;
pub mod validate;

pub use model::{Definition, State, StateKind};

/// Parses and validates a definition document; the error is the InvalidDefinition message.
pub fn parse_definition(text: &str) -> Result<Definition, String> {
    let (definition, problems) = check_definition(text);
    match (definition, problems.is_empty()) {
        (Some(definition), true) => Ok(definition),
        _ => Err(format!(
            "Invalid State Machine Definition: '{}'",
            problems.join(", ")
        )),
    }
}

/// InvalidDefinition's message when an EXPRESS machine's definition uses a pattern only
/// STANDARD machines run ([`validate::check_express`]).
pub fn check_express(definition: &Definition) -> Result<(), String> {
    let mut problems = Vec::new();
    validate::check_express(definition, "", &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "Invalid State Machine Definition: '{}'",
        problems.join(", ")
    ))
}

/// The parsed definition (if it is an object at all) and every problem found, each in the
/// `CODE: message at /pointer` form.
pub fn check_definition(text: &str) -> (Option<Definition>, Vec<String>) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => return (None, vec![format!("INVALID_JSON_DESCRIPTION: {err}")]),
    };
    let mut problems = Vec::new();
    let definition = model::parse_machine(&value, "", &mut problems);
    if let Some(definition) = &definition {
        validate::check(definition, "", &mut problems);
    }
    (definition, problems)
}
