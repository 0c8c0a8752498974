//! The endpoint backend: something already running (LocalStack, an `orderlab emulate`, …)
//! that the harness only talks to and never stops.

use super::{Running, StopFuture};

pub struct External {
    endpoint: String,
}

impl External {
    pub fn new(url: &str) -> External {
        External {
            endpoint: url.trim_end_matches('/').to_owned(),
        }
    }
}

impl Running for External {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn stop(self: Box<Self>) -> StopFuture {
        Box::pin(async {})
    }
}
