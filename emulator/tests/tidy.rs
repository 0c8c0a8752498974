//! Tidy checks over the emulator's source tree (in the style of rust-analyzer's `tidy.rs`):
//! read at test time from `CARGO_MANIFEST_DIR`, each check lists every offending file.
//!
//! - one decoder reads request members: outside `protocol/members.rs`, no file defines an ad
//!   hoc member helper (`fn required`, `fn optional`, `fn required_str`, `fn str_field`,
//!   `fn str_or`, `fn ranged`, `fn optional_str`) or indexes a request body (`input["…"]`,
//!   `input.get("…")`);
//! - no file under `emulator/src` is over 800 lines;
//! - every `.rs` file starts with a `//!` module doc;
//! - the language model knows nothing of the interpreter: no file under `sfn/asl/` mentions
//!   `engine::`, and `asl/model.rs` and `asl/jsonata_check.rs` do not import each other.

use std::fs;
use std::path::{Path, PathBuf};

/// The one file allowed to read request members.
const DECODER: &str = "protocol/members.rs";

const MAX_LINES: usize = 800;

/// Names of the ad hoc member helpers the services used to define, each its own way.
const HELPER_NAMES: [&str; 7] = [
    "required",
    "optional",
    "required_str",
    "str_field",
    "str_or",
    "ranged",
    "optional_str",
];

/// How a request body used to be read member by member, bypassing the decoder.
const BODY_READS: [&str; 2] = ["input[\"", "input.get(\""];

/// Where the Amazon States Language lives; it must not reach into the interpreter.
const ASL_DIR: &str = "sfn/asl/";

/// Files that must not name each other (`from` must not mention `to::`).
const NO_IMPORTS: [(&str, &str); 2] = [
    ("sfn/asl/model.rs", "jsonata_check::"),
    ("sfn/asl/jsonata_check.rs", "model::"),
];

/// Every `.rs` file under `emulator/src`, with its path relative to `src`.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pending = vec![root.clone()];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&root).unwrap();
                let relative = relative.to_string_lossy().replace('\\', "/");
                files.push((relative, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "found only {} sources", files.len());
    files
}

/// The `fn NAME` helper definitions in `text`: `fn NAME<` or `fn NAME(`.
fn helper_definitions(text: &str) -> Vec<&'static str> {
    HELPER_NAMES
        .iter()
        .filter(|name| {
            let definition = format!("fn {name}");
            text.match_indices(&definition).any(|(at, _)| {
                let after = text[at + definition.len()..].chars().next();
                matches!(after, Some('<' | '('))
            })
        })
        .copied()
        .collect()
}

fn fail_with(check: &str, offenders: &[String]) {
    assert!(
        offenders.is_empty(),
        "{check}:\n  {}",
        offenders.join("\n  ")
    );
}

#[test]
fn request_members_are_read_only_through_the_decoder() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if path == DECODER {
            continue;
        }
        for name in helper_definitions(&text) {
            offenders.push(format!(
                "{path}: defines `fn {name}` (use protocol::members)"
            ));
        }
        for (number, line) in text.lines().enumerate() {
            if let Some(read) = BODY_READS.iter().find(|read| line.contains(**read)) {
                offenders.push(format!(
                    "{path}:{}: `{read}…` reads a request member ad hoc (use protocol::members)",
                    number + 1
                ));
            }
        }
    }
    fail_with("request members read outside protocol::members", &offenders);
}

#[test]
fn no_source_file_is_over_800_lines() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .map(|(path, text)| (path, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(path, lines)| format!("{path}: {lines} lines"))
        .collect();
    fail_with("files over 800 lines (split them)", &offenders);
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    fail_with("files without a `//!` module doc on line 1", &offenders);
}

/// The lines of `text` that mention `needle`, as `path:line` offenders.
fn mentions(path: &str, text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(number, _)| format!("{path}:{}: mentions `{needle}`", number + 1))
        .collect()
}

#[test]
fn the_language_model_knows_nothing_of_the_interpreter() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if path.starts_with(ASL_DIR) {
            offenders.extend(mentions(&path, &text, "engine::"));
        }
        for (from, to) in NO_IMPORTS.iter().filter(|(from, _)| *from == path) {
            offenders.extend(mentions(from, &text, to));
        }
    }
    fail_with(
        "sfn/asl must not depend on sfn/engine (move shared syntax into asl/syntax.rs)",
        &offenders,
    );
}

#[test]
fn the_checks_catch_what_they_look_for() {
    assert_eq!(
        mentions(
            "sfn/asl/model.rs",
            "use x;\nuse crate::sfn::engine::wait;",
            "engine::"
        ),
        vec!["sfn/asl/model.rs:2: mentions `engine::`"]
    );
    assert!(mentions("a.rs", "// the engine reads it", "engine::").is_empty());
    assert_eq!(
        helper_definitions("fn required<'a>(x: &str) {}\nfn str_field(x: &str) {}"),
        vec!["required", "str_field"]
    );
    assert!(helper_definitions("fn required_string(x: &str) {}").is_empty());
    assert!(helper_definitions("let x = required(input);").is_empty());
    assert!(
        BODY_READS
            .iter()
            .any(|read| r#"let n = input["Name"].as_str();"#.contains(read))
    );
    assert!(
        BODY_READS
            .iter()
            .any(|read| r#"input.get("Name").and_then(Value::as_str)"#.contains(read))
    );
}
