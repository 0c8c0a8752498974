//! `alex-order-events`: the Lambda entry point; the handler is
//! [`orderlab_lambdas::functions::order_events`].

use orderlab_lambdas::functions::order_events::OrderEvents;
use orderlab_lambdas::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let config = runtime::sdk_config().await;
    let handler = OrderEvents::from_env(&config)?;
    runtime::serve(|event| handler.handle(event)).await
}
