//! The six Lambda functions of the alex order pipeline.
//!
//! - [`rules`]: the business rules (validation, pricing, payment, stock, DynamoDB conversions,
//!   the confirmation e-mail), pure and unit-tested;
//! - [`functions`]: one module per Lambda, the handler logic over the AWS SDK clients;
//! - [`runtime`]: environment, SDK configuration, tracing and the error type whose
//!   `error_type` the state machine's Retry/Catch match on.
//!
//! The executables in `src/bin/` only call [`runtime::serve`] with their handler.

pub mod functions;
pub mod rules;
pub mod runtime;
