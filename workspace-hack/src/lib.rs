//! The workspace-hack crate, kept by `cargo hakari` (`.config/hakari.toml`): it depends on
//! every third-party crate the workspace builds with more than one feature set, with the union
//! of those features. Every workspace crate depends on it, so `cargo run` (the harness alone),
//! the harness's own `cargo build -p orderlab-lambdas` and `cargo test --workspace` resolve one
//! feature set per dependency and compile each (the AWS SDK crates above all) once.
//!
//! After changing dependencies: `cargo hakari generate` (install with `cargo install
//! cargo-hakari`). `tests/build_features.rs` fails when the feature sets drift apart.
