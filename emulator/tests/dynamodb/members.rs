//! "No request member of any DynamoDB operation in the AWS API model is silently ignored":
//! every input member botocore's model lists (`model_members.txt`, with its provenance) is
//! either in the emulator's table of members it reads (`src/dynamodb/members.rs`) — and then
//! really read somewhere in `src/dynamodb/`: honoured, or refused with AWS's error. There is
//! no list of exceptions any more: the last known gaps (CreateTable/UpdateTable's table options
//! and global-table members) closed with issue #11, so a model member the emulator does not read
//! fails this test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn emulator_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `Operation: Member Member …` lines, `#` comments skipped.
fn model() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(emulator_dir().join("tests/dynamodb/model_members.txt"))
        .expect("model members");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (op, members) = l.split_once(':').expect("op: members");
            let members = members.split_whitespace().map(str::to_owned).collect();
            (op.trim().to_owned(), members)
        })
        .collect()
}

/// The `READS` table of `src/dynamodb/members.rs`, read as text: `("Op", &["A", "B"]),`.
fn reads() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(emulator_dir().join("src/dynamodb/members.rs"))
        .expect("members.rs");
    let quoted =
        |s: &str| -> Vec<String> { s.split('"').skip(1).step_by(2).map(str::to_owned).collect() };
    let table = text.split_once("= &[").expect("READS").1;
    table
        .split('(')
        .skip(1)
        .map(|row| {
            let mut names = quoted(row).into_iter();
            let op = names.next().expect("operation");
            (op, names.collect())
        })
        .collect()
}

/// Every `.rs` file under `src/dynamodb/` but the table itself, concatenated.
fn decoder_source() -> String {
    let mut text = String::new();
    let mut dirs = vec![emulator_dir().join("src/dynamodb")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("members.rs") {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    text
}

#[test]
fn every_model_member_is_read() {
    let model = model();
    let reads = reads();
    assert_eq!(model.len(), 23, "the model list covers the 23 operations");
    assert_eq!(
        model.keys().collect::<Vec<_>>(),
        reads.keys().collect::<Vec<_>>(),
        "members.rs has a row per operation"
    );
    let mut unaccounted = Vec::new();
    for (op, members) in &model {
        for member in members {
            if !reads[op].contains(member) {
                unaccounted.push(format!("{op}.{member}"));
            }
        }
        for member in &reads[op] {
            assert!(
                members.contains(member),
                "{op}.{member} is not in the model"
            );
        }
    }
    assert!(unaccounted.is_empty(), "silently ignored: {unaccounted:?}");
}

#[test]
fn every_member_the_table_names_is_read_by_the_decoder() {
    let source = decoder_source();
    let missing: Vec<String> = reads()
        .into_values()
        .flatten()
        .filter(|m| !source.contains(&format!("\"{m}\"")))
        .collect();
    assert!(missing.is_empty(), "named but never read: {missing:?}");
}
