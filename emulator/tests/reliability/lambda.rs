//! Reliability: lambda.
