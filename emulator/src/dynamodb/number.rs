//! DynamoDB numbers: exact decimals, normalised (no leading or trailing zeros), with at most
//! 38 significant digits and a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125
//! (DynamoDB developer guide, "Service quotas", Data types → Number).
//!
//! A number's text is checked in one linear pass *before* any decimal arithmetic, so a
//! megabyte of digits or an exponent of 999999 costs no more than reading it: only the at most
//! 38 significant digits ever reach `BigDecimal`. The checks come in AWS's order — syntax,
//! then precision, then range — with AWS's messages:
//! - `A value provided cannot be converted into a number` (also for an exponent or scale
//!   outside Java's `int`, which is what `java.math.BigDecimal` refuses; DynamoDB Local 3.3.1
//!   answers so for `1e2147483648` and `0e99999999999`);
//! - `Attempting to store more than 38 significant digits in a Number` (AWS; the alternator
//!   compatibility tests, written against AWS, match `ValidationException.*significant`;
//!   DynamoDB Local words it `DynamoDB only supports precision up to 38 digits`);
//! - `Number overflow. Attempting to store a number with magnitude larger than supported range`
//!   and `Number underflow. Attempting to store a number with magnitude smaller than supported
//!   range` (the same in AWS and DynamoDB Local).

use std::fmt;
use std::str::FromStr;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};

use crate::protocol::AwsError;

/// The most significant digits a number may have.
const MAX_DIGITS: usize = 38;
/// The largest decimal exponent of a number's leading digit.
const MAX_MAGNITUDE: i64 = 125;
/// The smallest decimal exponent of a number's leading digit.
const MIN_MAGNITUDE: i64 = -130;

/// A DynamoDB number: an exact decimal, normalised, within DynamoDB's precision and range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

fn not_a_number() -> AwsError {
    AwsError::validation("A value provided cannot be converted into a number")
}

fn too_precise() -> AwsError {
    AwsError::validation("Attempting to store more than 38 significant digits in a Number")
}

fn overflow() -> AwsError {
    AwsError::validation(
        "Number overflow. Attempting to store a number with magnitude larger than supported range",
    )
}

fn underflow() -> AwsError {
    AwsError::validation(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range",
    )
}

/// The parts of a number's text: `[+-]int[.frac][e[+-]exp]`.
struct Parts<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exponent: i64,
}

impl<'a> Parts<'a> {
    fn split(text: &'a str) -> Result<Parts<'a>, AwsError> {
        let (negative, body) = match (text.strip_prefix('-'), text.strip_prefix('+')) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => (false, text),
        };
        let (mantissa, exponent) = match body.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, Some(exponent)),
            None => (body, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) {
            return Err(not_a_number());
        }
        let exponent = match exponent {
            None => 0,
            Some(text) => parse_exponent(text)?,
        };
        // BigDecimal's scale (fraction digits minus exponent) must fit an `int` too.
        let scale = i64::try_from(frac.len()).map_err(|_| not_a_number())? - exponent;
        if i32::try_from(scale).is_err() {
            return Err(not_a_number());
        }
        Ok(Parts {
            negative,
            int,
            frac,
            exponent,
        })
    }

    fn digits(&self) -> impl DoubleEndedIterator<Item = u8> + '_ {
        self.int.bytes().chain(self.frac.bytes())
    }
}

/// An exponent: `[+-]digits`, within Java's `int`.
fn parse_exponent(text: &str) -> Result<i64, AwsError> {
    let (negative, digits) = match (text.strip_prefix('-'), text.strip_prefix('+')) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return Err(not_a_number());
    }
    let value: i64 = if significant.is_empty() {
        0
    } else {
        significant.parse().map_err(|_| not_a_number())?
    };
    let value = if negative { -value } else { value };
    if i32::try_from(value).is_err() {
        return Err(not_a_number());
    }
    Ok(value)
}

impl Number {
    /// Parses the string form of an `N` value, in time linear in its length.
    pub fn parse(text: &str) -> Result<Number, AwsError> {
        let parts = Parts::split(text)?;
        let total = parts.int.len() + parts.frac.len();
        let leading = parts.digits().take_while(|d| *d == b'0').count();
        if leading == total {
            return Ok(Number::zero());
        }
        let trailing = parts.digits().rev().take_while(|d| *d == b'0').count();
        let significant = total - leading - trailing;
        if significant > MAX_DIGITS {
            return Err(too_precise());
        }
        // The power of ten of the leading significant digit.
        let to_i64 = |n: usize| i64::try_from(n).map_err(|_| not_a_number());
        let magnitude = to_i64(total - 1 - leading)? + parts.exponent - to_i64(parts.frac.len())?;
        check_magnitude(magnitude)?;
        let digits: String = parts
            .digits()
            .skip(leading)
            .take(significant)
            .map(char::from)
            .collect();
        let unscaled = BigInt::from_str(&digits).map_err(|_| not_a_number())?;
        let unscaled = if parts.negative { -unscaled } else { unscaled };
        // The last significant digit's power of ten is `magnitude - (significant - 1)`.
        let scale = to_i64(significant - 1)? - magnitude;
        Ok(Number(BigDecimal::new(unscaled, scale)))
    }

    /// Normalises the result of arithmetic on two numbers and checks DynamoDB's precision and
    /// range. Its inputs are bounded (two checked numbers), so the decimal work is too.
    pub fn checked(value: BigDecimal) -> Result<Number, AwsError> {
        let value = value.normalized();
        let (digits, scale) = value.as_bigint_and_exponent();
        if digits.sign() == Sign::NoSign {
            return Ok(Number::zero());
        }
        let digit_count = digits.magnitude().to_string().len();
        if digit_count > MAX_DIGITS {
            return Err(too_precise());
        }
        let digit_count = i64::try_from(digit_count).map_err(|_| overflow())?;
        check_magnitude(digit_count - 1 - scale)?;
        Ok(Number(value))
    }

    pub fn zero() -> Number {
        Number(BigDecimal::from(0))
    }

    pub fn add(&self, other: &Number) -> Result<Number, AwsError> {
        Number::checked(&self.0 + &other.0)
    }

    pub fn sub(&self, other: &Number) -> Result<Number, AwsError> {
        Number::checked(&self.0 - &other.0)
    }

    /// A count (an attribute's `size`), which is always a valid number.
    pub fn from_count(count: usize) -> Number {
        Number(BigDecimal::from(count as u64).normalized())
    }
}

fn check_magnitude(magnitude: i64) -> Result<(), AwsError> {
    if magnitude > MAX_MAGNITUDE {
        return Err(overflow());
    }
    if magnitude < MIN_MAGNITUDE {
        return Err(underflow());
    }
    Ok(())
}

impl fmt::Display for Number {
    /// Plain decimal notation, as DynamoDB returns numbers (`"10.5"`, `"100"`, `"-0.001"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        let sign = if digits.sign() == Sign::Minus {
            "-"
        } else {
            ""
        };
        let magnitude = digits.magnitude().to_string();
        let scale = match usize::try_from(scale) {
            Ok(scale) if scale > 0 => scale,
            _ => {
                // A whole number: the digits, then `-scale` zeros (at most 125).
                let zeros = "0".repeat(usize::try_from(-scale).unwrap_or(0));
                return write!(f, "{sign}{magnitude}{zeros}");
            }
        };
        match magnitude.len().checked_sub(scale) {
            Some(int_len) if int_len > 0 => {
                let (int, frac) = magnitude.split_at(int_len);
                write!(f, "{sign}{int}.{frac}")
            }
            _ => {
                let zeros = "0".repeat(scale.saturating_sub(magnitude.len()));
                write!(f, "{sign}0.{zeros}{magnitude}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        Number::parse(text)
            .map(|n| n.to_string())
            .unwrap_or_else(|e| e.message)
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(norm("10.50"), "10.5");
        assert_eq!(norm("1e2"), "100");
        assert_eq!(norm("-0"), "0");
        assert_eq!(norm("+007"), "7");
        assert_eq!(norm("0.00120"), "0.0012");
        assert_eq!(norm("-1.5E-3"), "-0.0015");
        assert_eq!(norm(".5"), "0.5");
        assert_eq!(norm("5."), "5");
        assert_eq!(norm("1e+5"), "100000");
        assert_eq!(norm("0e999999"), "0");
        assert_eq!(norm("0.0000e5"), "0");
        assert_eq!(norm("12E-131"), format!("0.{}12", "0".repeat(129)));
        assert_eq!(norm(&format!("1.{}", "0".repeat(100))), "1");
        assert_eq!(norm(&format!("{}1", "0".repeat(1000))), "1");
    }

    #[test]
    fn number_limits_are_enforced() {
        let digits38 = "1".repeat(38);
        assert_eq!(norm(&digits38), digits38);
        let precision = "Attempting to store more than 38 significant digits in a Number";
        assert_eq!(norm(&"1".repeat(39)), precision);
        assert_eq!(norm(&format!("{}e-10", "1".repeat(39))), precision);
        assert_eq!(norm(&format!("9.{}E125", "9".repeat(38))), precision);
        assert!(Number::parse(&format!("9.{}E125", "9".repeat(37))).is_ok());
        assert!(norm("1e126").starts_with("Number overflow."));
        assert!(norm("-1e126").starts_with("Number overflow."));
        assert!(norm(&format!("1{}", "0".repeat(126))).starts_with("Number overflow."));
        assert!(norm("1e999999").starts_with("Number overflow."));
        assert!(norm("1e-131").starts_with("Number underflow."));
        assert!(norm("1e-999999").starts_with("Number underflow."));
        assert!(norm(&format!("0.{}1", "0".repeat(130))).starts_with("Number underflow."));
        assert!(Number::parse("1e125").is_ok());
        assert!(Number::parse("1E-130").is_ok());
        let not_a_number = "A value provided cannot be converted into a number";
        for bad in [
            "",
            "abc",
            "1..2",
            "NaN",
            "Infinity",
            "1e",
            "--1",
            " 1",
            "1 ",
            "0x10",
            "1_0",
            "e5",
            "1e2147483648",
            "0e99999999999",
            "1e99999999999999999999",
            ".",
            "+",
            "-",
            "1e+",
        ] {
            assert_eq!(norm(bad), not_a_number, "{bad:?}");
        }
    }

    #[test]
    fn huge_texts_are_refused_without_arithmetic() {
        // A million digits: refused by counting, in linear time.
        assert!(norm(&format!("1{}", "0".repeat(1_000_000))).starts_with("Number overflow."));
        assert_eq!(
            norm(&"7".repeat(1_000_000)),
            "Attempting to store more than 38 significant digits in a Number"
        );
        assert!(norm(&format!("0.{}1", "0".repeat(1_000_000))).starts_with("Number underflow."));
    }

    #[test]
    fn arithmetic_is_checked() {
        let n = |t: &str| Number::parse(t).unwrap();
        assert_eq!(n("1.5").add(&n("2.5")).unwrap().to_string(), "4");
        assert_eq!(n("1").sub(&n("3")).unwrap().to_string(), "-2");
        assert!(
            n("9e125")
                .add(&n("9e125"))
                .unwrap_err()
                .message
                .starts_with("Number overflow.")
        );
        assert!(n("1e50").add(&n("1")).is_err());
        assert_eq!(Number::from_count(12).to_string(), "12");
        assert_eq!(Number::from_count(0).to_string(), "0");
    }
}
