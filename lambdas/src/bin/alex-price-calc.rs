//! `alex-price-calc`: the Lambda entry point; the handler is
//! [`orderlab_lambdas::functions::price_calc`].

use orderlab_lambdas::functions::price_calc::PriceCalc;
use orderlab_lambdas::runtime;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let config = runtime::sdk_config().await;
    let handler = PriceCalc::from_env(&config)?;
    runtime::serve(|event| handler.handle(event)).await
}
