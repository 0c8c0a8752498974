//! The payment decision: test tokens plus seeded, order-independent randomness.
//!
//! `tok_approve` approves, `tok_decline` declines, `tok_unavailable` simulates a payment
//! gateway outage (a transient error the state machine retries, then gives up on). Any other
//! token is decided by a ChaCha20 generator seeded with FNV-1a 64 of `PAYMENT_SEED` and the
//! `order_id`, drawing a number in `0..1_000_000` that approves when it is below
//! `PAYMENT_APPROVAL_RATE × 1_000_000`. Each order has its own generator, so decisions do not
//! depend on the order in which orders are processed, and a run with the same seed repeats
//! exactly. The `payment_id` comes from the same generator (its first draw), so it is
//! deterministic too.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The token that always approves.
pub const TOKEN_APPROVE: &str = "tok_approve";
/// The token that always declines.
pub const TOKEN_DECLINE: &str = "tok_decline";
/// The token whose payment gateway is always unavailable.
pub const TOKEN_UNAVAILABLE: &str = "tok_unavailable";
/// The approval rate when none is configured.
pub const DEFAULT_APPROVAL_RATE: Decimal = Decimal::from_parts(8, 0, 0, false, 1);
/// Resolution of the approval draw.
const DRAW_RANGE: u32 = 1_000_000;

/// How random payments are decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentConfig {
    pub seed: String,
    pub approval_rate: Decimal,
}

/// What the payment Lambda returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDecision {
    pub approved: bool,
    pub payment_id: String,
    pub reason: Option<String>,
}

/// Why a payment could not be decided at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the payment gateway is unavailable")]
    GatewayUnavailable,
}

/// Why the payment configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PAYMENT_APPROVAL_RATE must be a decimal between 0 and 1, got '{0}'")]
pub struct InvalidApprovalRate(pub String);

/// Parses `PAYMENT_APPROVAL_RATE`: empty means the default (0.8).
pub fn parse_approval_rate(text: &str) -> Result<Decimal, InvalidApprovalRate> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_APPROVAL_RATE);
    }
    match text.parse::<Decimal>() {
        Ok(rate) if rate >= Decimal::ZERO && rate <= Decimal::ONE => Ok(rate),
        _ => Err(InvalidApprovalRate(text.to_string())),
    }
}

/// Decides the payment of one order.
pub fn decide(
    order_id: &str,
    token: &str,
    config: &PaymentConfig,
) -> Result<PaymentDecision, PaymentError> {
    let mut rng = ChaCha20Rng::seed_from_u64(order_seed(&config.seed, order_id));
    let payment_id = format!("pay_{:016x}", rng.next_u64());
    let approved = match token {
        TOKEN_APPROVE => true,
        TOKEN_DECLINE => false,
        TOKEN_UNAVAILABLE => return Err(PaymentError::GatewayUnavailable),
        _ => draw_approval(&mut rng, config.approval_rate),
    };
    let reason = (!approved).then(|| decline_reason(token));
    Ok(PaymentDecision {
        approved,
        payment_id,
        reason,
    })
}

/// The per-order seed: FNV-1a 64 over the seed, a separator and the order id.
pub fn order_seed(seed: &str, order_id: &str) -> u64 {
    fnv1a64(&[seed.as_bytes(), b"\x1f", order_id.as_bytes()])
}

/// FNV-1a, 64 bit, over the concatenation of `parts` (stable across runs and platforms).
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(OFFSET_BASIS, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
        })
}

fn draw_approval(rng: &mut ChaCha20Rng, approval_rate: Decimal) -> bool {
    let draw = rng.random_range(0..DRAW_RANGE);
    Decimal::from(draw) < approval_rate * Decimal::from(DRAW_RANGE)
}

fn decline_reason(token: &str) -> String {
    if token == TOKEN_DECLINE {
        "card declined (test token tok_decline)".to_string()
    } else {
        "card declined by the issuer".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rate: &str) -> PaymentConfig {
        PaymentConfig {
            seed: "42".into(),
            approval_rate: parse_approval_rate(rate).expect("rate"),
        }
    }

    #[test]
    fn test_tokens_decide_deterministically() {
        for rate in ["0", "1"] {
            let approve = decide("o1", TOKEN_APPROVE, &config(rate)).expect("decided");
            assert!(approve.approved);
            assert_eq!(approve.reason, None);
            let decline = decide("o1", TOKEN_DECLINE, &config(rate)).expect("decided");
            assert!(!decline.approved);
            assert_eq!(
                decline.reason.as_deref(),
                Some("card declined (test token tok_decline)")
            );
        }
    }

    #[test]
    fn the_unavailable_token_is_a_gateway_error() {
        assert_eq!(
            decide("o1", TOKEN_UNAVAILABLE, &config("1")),
            Err(PaymentError::GatewayUnavailable)
        );
    }

    #[test]
    fn rates_zero_and_one_are_absolute() {
        for i in 0..200 {
            let id = format!("order-{i}");
            assert!(decide(&id, "tok_x", &config("1")).expect("ok").approved);
            assert!(!decide(&id, "tok_x", &config("0")).expect("ok").approved);
        }
    }

    #[test]
    fn random_decisions_repeat_and_follow_the_rate() {
        let decisions: Vec<bool> = (0..2000)
            .map(|i| {
                decide(&format!("order-{i}"), "tok_visa", &config("0.8"))
                    .expect("ok")
                    .approved
            })
            .collect();
        let again: Vec<bool> = (0..2000)
            .rev()
            .map(|i| {
                decide(&format!("order-{i}"), "tok_visa", &config("0.8"))
                    .expect("ok")
                    .approved
            })
            .rev()
            .collect();
        assert_eq!(decisions, again, "processing order must not matter");
        let approved = decisions.iter().filter(|a| **a).count();
        assert!((1500..1700).contains(&approved), "{approved} of 2000");
    }

    #[test]
    fn the_seed_changes_the_decisions() {
        let with_seed = |seed: &str| -> Vec<bool> {
            let config = PaymentConfig {
                seed: seed.into(),
                approval_rate: Decimal::new(5, 1),
            };
            (0..64)
                .map(|i| {
                    decide(&format!("o{i}"), "tok_any", &config)
                        .expect("ok")
                        .approved
                })
                .collect()
        };
        assert_eq!(with_seed("1"), with_seed("1"));
        assert_ne!(with_seed("1"), with_seed("2"));
    }

    #[test]
    fn payment_ids_are_deterministic_and_per_order() {
        let a = decide("o1", TOKEN_APPROVE, &config("1")).expect("ok");
        let b = decide("o1", TOKEN_APPROVE, &config("1")).expect("ok");
        let c = decide("o2", TOKEN_APPROVE, &config("1")).expect("ok");
        assert_eq!(a.payment_id, b.payment_id);
        assert_ne!(a.payment_id, c.payment_id);
        assert!(a.payment_id.starts_with("pay_") && a.payment_id.len() == 20);
    }

    #[test]
    fn the_random_decline_has_a_reason() {
        let declined = decide("o1", "tok_other", &config("0")).expect("ok");
        assert_eq!(
            declined.reason.as_deref(),
            Some("card declined by the issuer")
        );
    }

    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&[b"foo"]), 0xdcb2_7518_fed9_d577);
        assert_eq!(fnv1a64(&[b"f", b"oo"]), fnv1a64(&[b"foo"]));
        assert_ne!(order_seed("1", "23"), order_seed("12", "3"));
    }

    #[test]
    fn approval_rates_are_validated() {
        assert_eq!(parse_approval_rate(""), Ok(DEFAULT_APPROVAL_RATE));
        assert_eq!(parse_approval_rate(" 0.25 "), Ok(Decimal::new(25, 2)));
        assert!(parse_approval_rate("1.5").is_err());
        assert!(parse_approval_rate("-0.1").is_err());
        assert!(parse_approval_rate("often").is_err());
    }
}
