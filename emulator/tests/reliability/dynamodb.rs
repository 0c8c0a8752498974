//! Reliability: dynamodb.
