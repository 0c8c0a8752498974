//! The embedded backend: `orderlab_emulator` in-process on an ephemeral loopback port, on its
//! virtual clock — with the scenario's seed choosing the order concurrent work runs in —
//! unless real time is asked for.

use anyhow::Context as _;
use orderlab_emulator::{ClockMode, Config, Emulator};

use super::{BackendOptions, Running, StopFuture};

pub struct Embedded {
    emulator: Emulator,
    endpoint: String,
}

impl Embedded {
    pub async fn start(options: BackendOptions) -> anyhow::Result<Embedded> {
        let config = Config {
            clock: if options.real_time {
                ClockMode::Real
            } else {
                ClockMode::Virtual
            },
            seed: options.seed,
            ..Config::default()
        };
        let emulator = Emulator::start(config)
            .await
            .context("starting the embedded emulator")?;
        let endpoint = emulator.endpoint();
        Ok(Embedded { emulator, endpoint })
    }
}

impl Running for Embedded {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn stop(self: Box<Self>) -> StopFuture {
        Box::pin(self.emulator.shutdown())
    }
}
