//! Readable AWS errors: `Operation thing: Code: message` instead of the SDK's nested Debug
//! output, for every SDK call of the harness.

use std::fmt::Display;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// `.aws_context(|| "CreateTable alex-orders")` on an SDK call's result.
pub trait AwsResultExt<T> {
    fn aws_context<C: Display, F: FnOnce() -> C>(self, context: F) -> anyhow::Result<T>;
}

impl<T, E, R> AwsResultExt<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn aws_context<C: Display, F: FnOnce() -> C>(self, context: F) -> anyhow::Result<T> {
        self.map_err(|err| anyhow::anyhow!("{}: {}", context(), describe(&err)))
    }
}

/// `Code: message` when the service answered with an error shape, the full chain otherwise.
pub fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    }
}
