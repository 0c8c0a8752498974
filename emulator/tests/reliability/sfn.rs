//! Reliability: sfn.
