//! `alex-payment`: the Lambda entry point; the handler is
//! [`orderlab_lambdas::functions::payment`].

use orderlab_lambdas::functions::payment::Payment;
use orderlab_lambdas::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let handler = Payment::from_env()?;
    runtime::serve(|event| handler.handle(event)).await
}
