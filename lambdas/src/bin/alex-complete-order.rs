//! `alex-complete-order`: the Lambda entry point; the handler is
//! [`orderlab_lambdas::functions::complete_order`].

use orderlab_lambdas::functions::complete_order::CompleteOrder;
use orderlab_lambdas::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let config = runtime::sdk_config().await;
    let handler = CompleteOrder::from_env(&config)?;
    runtime::serve(|event| handler.handle(event)).await
}
