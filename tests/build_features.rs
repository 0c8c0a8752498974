//! One feature set per dependency: what `cargo run` builds (the harness alone), what the
//! harness builds for the Lambdas (`cargo build -p orderlab-lambdas`), the emulator alone and
//! `cargo test --workspace` must resolve every shared crate with the same features, or a fresh
//! clone compiles the AWS SDK twice (it did: 13.6 min to the first scenario result, 3 of them
//! recompiling `aws-lc-rs`, hyper and four SDK crates for the Lambdas). `workspace-hack/`
//! (cargo-hakari) keeps them aligned; this test reads `cargo tree` (no build) and names every
//! crate whose features differ.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::process::Command;

/// `name version` → its resolved features, for one `cargo tree` selection.
fn features(selection: &[&str], edges: &str) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--prefix", "none"])
        .args(["-e", edges, "-f", "{p}|{f}"])
        .args(selection)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {selection:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (package, features) = line.split_once('|')?;
            let name: Vec<&str> = package.split_whitespace().take(2).collect();
            let features = features.trim_end_matches(" (*)").to_owned();
            Some((name.join(" "), features))
        })
        .collect()
}

#[test]
fn every_build_resolves_one_feature_set_per_crate() {
    let builds = [
        ("cargo run", features(&["-p", "orderlab"], "normal,build")),
        (
            "cargo build -p orderlab-lambdas",
            features(&["-p", "orderlab-lambdas"], "normal,build"),
        ),
        (
            "cargo build -p orderlab-emulator",
            features(&["-p", "orderlab-emulator"], "normal,build"),
        ),
        (
            "cargo test --workspace",
            features(&["--workspace"], "normal,build,dev"),
        ),
    ];
    let mut seen: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for (build, crates) in &builds {
        for (name, features) in crates {
            seen.entry(name)
                .or_default()
                .entry(features)
                .or_default()
                .push(build);
        }
    }
    let lambdas = &builds[1].1;
    assert!(
        lambdas
            .keys()
            .any(|key| key.starts_with("aws-sdk-dynamodb ")),
        "the Lambdas' tree holds the DynamoDB SDK: {lambdas:?}"
    );
    let differing: Vec<String> = seen
        .iter()
        .filter(|(_, sets)| sets.len() > 1)
        .map(|(name, sets)| format!("{name}: {sets:?}"))
        .collect();
    assert!(
        differing.is_empty(),
        "crates built with different features (run `cargo hakari generate`):\n{}",
        differing.join("\n")
    );
}
