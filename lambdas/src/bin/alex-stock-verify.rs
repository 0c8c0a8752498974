//! `alex-stock-verify`: the Lambda entry point; the handler is
//! [`orderlab_lambdas::functions::stock_verify`].

use orderlab_lambdas::functions::stock_verify::StockVerify;
use orderlab_lambdas::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let config = runtime::sdk_config().await;
    let handler = StockVerify::from_env(&config)?;
    runtime::serve(|event| handler.handle(event)).await
}
