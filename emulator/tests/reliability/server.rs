//! Reliability: server.
