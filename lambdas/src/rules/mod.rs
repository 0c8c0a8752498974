//! The business rules of the order pipeline as plain, pure functions: no I/O, no clock, no
//! environment. The Lambda entry points (`crate::functions`) wire them to AWS.

pub mod dynamo;
pub mod email;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod stock;
