//! orderlab: runs the alex order pipeline on an AWS endpoint (the embedded emulator by
//! default), drives it with YAML scenarios and snapshot-asserts what happened.
//!
//! Laid out like the pipeline it runs: [`scenario`] (load and validate) → [`backend`] (who
//! serves the endpoint) → [`stack`] (provision `app/` through the AWS SDK) → [`run`] (inject,
//! wait, collect) → [`snapshot`] (normalise, render, compare). [`report`] ties them together
//! for the CLI and the test suite; [`suite`] runs several scenarios in parallel and [`junit`]
//! writes their JUnit XML; [`coverage`] reads the executions' histories against the state
//! machine's definition; [`invariants`] checks what must hold after
//! every run (stock conserved, nothing left pending, …); [`explore`] runs the base scenario
//! once per fault the definition allows and reports what breaks; [`pictures`] draws the HTML report and the
//! Markdown summary; [`paths`] finds the user's scenarios and `app/` at run time.
//! [`shard`] picks one CI runner's part of the suite (`--shard K/N`).
//! [`stop`] (signals, a closed stdout), [`cleanup`] (the harness's own temporary files and
//! child processes) and [`output`] (writes that never panic) keep an interrupted run from
//! leaving anything behind.

pub mod backend;
pub mod cleanup;
pub mod coverage;
pub mod emulate;
pub mod explore;
pub mod invariants;
pub mod junit;
pub mod output;
pub mod paths;
pub mod pictures;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod snapshot;
pub mod stack;
pub mod stop;
pub mod suite;
pub mod trim;
