//! An execution's randomness and time as its expressions see them: `States.UUID`,
//! `States.MathRandom`, JSONata's `$random`, `$uuid`, `$shuffle`, `$now` and `$millis`, and
//! FULL jitter. Each execution draws from its own stream ([`Ids::stream`] of its ARN), so what
//! one execution draws does not depend on how others interleave; time is the emulator's clock
//! (virtual in scenarios), not the wall's.
//!
//! The stream is task-local: the engine's work for one execution (its branches and iterations
//! included) runs in one task, and expressions evaluated off the workers (`block_in_place`)
//! stay on that task.

use std::future::Future;
use std::sync::{Arc, LazyLock};

use crate::Context;
use crate::ids::Ids;

/// What one execution draws from.
pub struct Entropy {
    pub ids: Ids,
    /// Whose clock `$now` reads; none outside an execution (the wall clock).
    ctx: Option<Arc<Context>>,
}

impl Entropy {
    /// The stream of the execution `arn` on `ctx`'s seed and clock.
    pub fn of_execution(ctx: &Arc<Context>, arn: &str) -> Entropy {
        Entropy {
            ids: ctx.ids.stream(arn),
            ctx: Some(ctx.clone()),
        }
    }

    /// Milliseconds since the epoch on the execution's clock.
    pub fn now_millis(&self) -> u64 {
        match &self.ctx {
            Some(ctx) => ctx.clock.now_epoch_millis(),
            None => crate::clock::Clock::wall_now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

tokio::task_local! {
    static CURRENT: Arc<Entropy>;
}

/// Outside any execution (unit tests of an expression): a fixed stream and the wall clock.
static FALLBACK: LazyLock<Arc<Entropy>> = LazyLock::new(|| {
    Arc::new(Entropy {
        ids: Ids::new(0),
        ctx: None,
    })
});

/// Runs `future` (an execution) drawing from `entropy`.
pub async fn within<F: Future>(entropy: Entropy, future: F) -> F::Output {
    CURRENT.scope(Arc::new(entropy), future).await
}

/// The current execution's stream.
pub fn current() -> Arc<Entropy> {
    CURRENT
        .try_with(Arc::clone)
        .unwrap_or_else(|_| FALLBACK.clone())
}
