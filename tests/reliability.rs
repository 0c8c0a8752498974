//! The harness's reliability suite: crashed scenarios are reported, signals stop the run
//! cleanly, and output to a closed pipe is not a panic.
