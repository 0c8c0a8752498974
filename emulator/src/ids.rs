//! The emulator's randomness. Every id it makes up (request ids, execution names, stream
//! labels, table ids, tokens) and every random value an execution sees (`States.UUID`,
//! `States.MathRandom`, JSONata's `$random`, `$uuid` and `$shuffle`, FULL jitter) comes from a
//! ChaCha8 stream seeded by [`Config::seed`](crate::Config::seed), never from the OS: the same
//! scenario and seed give the same ids and the same paths.
//!
//! Invariant, checked by clippy (`emulator/clippy.toml`): nothing calls `uuid::Uuid::new_v4`,
//! `rand::rng` or `rand::random`.

use std::sync::{Mutex, PoisonError};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One seeded stream of random numbers (a short lock per draw).
pub struct Ids {
    seed: u64,
    rng: Mutex<ChaCha8Rng>,
}

/// Set apart from the scheduler's stream (`sched.rs`), which the same seed also seeds.
const DOMAIN: u64 = 0x6f72_6465_726c_6162; // "orderlab"

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids {
            seed,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ DOMAIN)),
        }
    }

    /// A stream of its own for `label` (an execution's ARN): what it draws depends on the
    /// seed and the label only, not on what else drew before it.
    pub fn stream(&self, label: &str) -> Ids {
        Ids::new(fnv1a(self.seed, label.as_bytes()))
    }

    pub fn next_u64(&self) -> u64 {
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_u64()
    }

    /// A version-4-shaped UUID whose random bits come from this stream.
    pub fn uuid(&self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        (self.rng.lock().unwrap_or_else(PoisonError::into_inner)).fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        // The top 53 bits: every such float is equally likely.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// FNV-1a over `bytes`, started from `seed`: stable across Rust versions and platforms
/// (std's `DefaultHasher` promises neither).
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_and_another_seed_does_not() {
        let draws = |seed| {
            let ids = Ids::new(seed);
            (ids.uuid(), ids.next_u64(), ids.stream("arn:e").next_u64())
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn a_stream_depends_on_its_label_not_on_earlier_draws() {
        let ids = Ids::new(1);
        let first = ids.stream("arn:a").next_u64();
        ids.next_u64();
        assert_eq!(ids.stream("arn:a").next_u64(), first);
        assert_ne!(ids.stream("arn:b").next_u64(), first);
    }

    #[test]
    fn uuids_are_version_4_and_units_are_below_one() {
        let ids = Ids::new(0);
        let uuid = ids.uuid();
        assert_eq!(uuid.get_version_num(), 4);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&ids.unit())));
    }
}
