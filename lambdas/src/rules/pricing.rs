//! Order pricing with exact decimal money.
//!
//! subtotal = Σ unit price × quantity; shipping = 20 when the subtotal is greater than 200,
//! else 50 (exactly 200 pays 50); total = subtotal + shipping.
//!
//! Canonical money form: every amount is rounded to cents (2 decimal places, half away from
//! zero) once, on the subtotal, before shipping is decided; the rounded subtotal is what the
//! threshold compares, what is stored and what is added to shipping, so the three figures always
//! add up. Amounts leave this module as strings with exactly two decimals (`"250.00"`), which
//! is also what is written to DynamoDB as `N`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Above this subtotal shipping is cheap.
pub const FREE_SHIPPING_THRESHOLD: Decimal = Decimal::from_parts(200, 0, 0, false, 0);
/// Shipping above the threshold.
pub const REDUCED_SHIPPING: Decimal = Decimal::from_parts(20, 0, 0, false, 0);
/// Shipping at or below the threshold.
pub const STANDARD_SHIPPING: Decimal = Decimal::from_parts(50, 0, 0, false, 0);

/// One priced order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub item_id: String,
    pub unit_price: Decimal,
    pub quantity: u64,
}

/// The totals of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pricing {
    pub subtotal: Decimal,
    pub shipping: Decimal,
    pub total: Decimal,
}

/// The totals as the Lambda returns them (decimal strings, 2 decimals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingStrings {
    pub subtotal: String,
    pub shipping: String,
    pub total: String,
}

/// Why an order cannot be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("item {0} has a negative price")]
    NegativePrice(String),
    #[error("the order total is too large to compute")]
    Overflow,
}

/// Prices the lines: exact products and sums, one rounding to cents on the subtotal.
pub fn price_order(lines: &[PricedLine]) -> Result<Pricing, PricingError> {
    let mut subtotal = Decimal::ZERO;
    for line in lines {
        if line.unit_price.is_sign_negative() && !line.unit_price.is_zero() {
            return Err(PricingError::NegativePrice(line.item_id.clone()));
        }
        let line_total = line
            .unit_price
            .checked_mul(Decimal::from(line.quantity))
            .ok_or(PricingError::Overflow)?;
        subtotal = subtotal
            .checked_add(line_total)
            .ok_or(PricingError::Overflow)?;
    }
    let subtotal = to_cents(subtotal);
    let shipping = shipping_for(subtotal);
    let total = subtotal
        .checked_add(shipping)
        .ok_or(PricingError::Overflow)?;
    Ok(Pricing {
        subtotal,
        shipping: to_cents(shipping),
        total: to_cents(total),
    })
}

/// Shipping for a subtotal: 20 when strictly above 200, else 50.
pub fn shipping_for(subtotal: Decimal) -> Decimal {
    if subtotal > FREE_SHIPPING_THRESHOLD {
        REDUCED_SHIPPING
    } else {
        STANDARD_SHIPPING
    }
}

/// Rounds to cents (half away from zero) and fixes the scale at 2.
pub fn to_cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// The canonical money string: exactly two decimals.
pub fn money_string(amount: Decimal) -> String {
    to_cents(amount).to_string()
}

/// Parses a money string (as returned by price-calc) back into a decimal.
pub fn parse_money(text: &str) -> Option<Decimal> {
    text.trim().parse::<Decimal>().ok()
}

impl Pricing {
    /// The totals as decimal strings.
    pub fn to_strings(&self) -> PricingStrings {
        PricingStrings {
            subtotal: money_string(self.subtotal),
            shipping: money_string(self.shipping),
            total: money_string(self.total),
        }
    }
}

impl PricingStrings {
    /// Parses the strings back; `None` when one is not a decimal.
    pub fn parse(&self) -> Option<Pricing> {
        Some(Pricing {
            subtotal: parse_money(&self.subtotal)?,
            shipping: parse_money(&self.shipping)?,
            total: parse_money(&self.total)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal literal")
    }

    fn line(item_id: &str, price: &str, quantity: u64) -> PricedLine {
        PricedLine {
            item_id: item_id.to_string(),
            unit_price: dec(price),
            quantity,
        }
    }

    fn strings(lines: &[PricedLine]) -> (String, String, String) {
        let s = price_order(lines).expect("priced").to_strings();
        (s.subtotal, s.shipping, s.total)
    }

    #[test]
    fn subtotal_is_the_sum_of_price_times_quantity() {
        let (subtotal, shipping, total) = strings(&[line("A", "10.50", 2), line("B", "3", 3)]);
        assert_eq!(subtotal, "30.00");
        assert_eq!(shipping, "50.00");
        assert_eq!(total, "80.00");
    }

    #[test]
    fn exactly_200_pays_standard_shipping() {
        assert_eq!(
            strings(&[line("A", "100", 2)]),
            ("200.00".into(), "50.00".into(), "250.00".into())
        );
    }

    #[test]
    fn just_above_200_pays_reduced_shipping() {
        assert_eq!(
            strings(&[line("A", "200.01", 1)]),
            ("200.01".into(), "20.00".into(), "220.01".into())
        );
    }

    #[test]
    fn a_subtotal_that_rounds_to_200_pays_standard_shipping() {
        assert_eq!(
            strings(&[line("A", "200.004", 1)]),
            ("200.00".into(), "50.00".into(), "250.00".into())
        );
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        // 0.1 × 3 is exactly 0.30, which binary floating point gets wrong.
        assert_eq!(strings(&[line("A", "0.1", 3)]).0, "0.30");
        assert_eq!(strings(&[line("A", "19.99", 7)]).0, "139.93");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(money_string(dec("0.125")), "0.13");
        assert_eq!(money_string(dec("0.124")), "0.12");
        assert_eq!(money_string(dec("7")), "7.00");
        assert_eq!(money_string(dec("7.1")), "7.10");
    }

    #[test]
    fn an_empty_order_costs_shipping_only() {
        assert_eq!(
            strings(&[]),
            ("0.00".into(), "50.00".into(), "50.00".into())
        );
    }

    #[test]
    fn negative_prices_are_refused() {
        assert_eq!(
            price_order(&[line("A", "-1", 1)]),
            Err(PricingError::NegativePrice("A".into()))
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let huge = PricedLine {
            item_id: "A".into(),
            unit_price: Decimal::MAX,
            quantity: 2,
        };
        assert_eq!(price_order(&[huge]), Err(PricingError::Overflow));
    }

    #[test]
    fn strings_parse_back() {
        let pricing = price_order(&[line("A", "120", 2)]).expect("priced");
        assert_eq!(pricing.to_strings().parse(), Some(pricing));
        let bad = PricingStrings {
            subtotal: "x".into(),
            shipping: "1".into(),
            total: "1".into(),
        };
        assert_eq!(bad.parse(), None);
    }
}
