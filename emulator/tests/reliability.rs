//! The reliability suite: what a hostile or careless client sends must not crash, freeze or
//! fool the emulator. One module per area; each test reproduces a finding of issue #10 and
//! asserts AWS's answer (error code, message or limit) and that the emulator still serves.
#![allow(clippy::disallowed_methods)] // tests wait on real processes and bound them in real time

mod support;

#[path = "reliability/dynamodb.rs"]
mod dynamodb;
#[path = "reliability/events.rs"]
mod events;
#[path = "reliability/lambda.rs"]
mod lambda;
#[path = "reliability/members.rs"]
mod members;
#[path = "reliability/server.rs"]
mod server;
#[path = "reliability/sfn.rs"]
mod sfn;
