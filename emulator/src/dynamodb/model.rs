//! DynamoDB's data model: attribute values with their AWS JSON form, items, and numbers
//! (normalised decimals with DynamoDB's 38 significant digits and exponent range).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::Sign;
use serde_json::{Map, Value, json};

use crate::protocol::AwsError;

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttrValue>;

/// A DynamoDB number: an exact decimal, normalised (no trailing zeros), within DynamoDB's
/// precision (38 significant digits) and range (1E-130 to 1E+126, exclusive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

impl Number {
    /// Parses the string form of an `N` value.
    pub fn parse(text: &str) -> Result<Number, AwsError> {
        if !is_number_syntax(text) {
            return Err(AwsError::validation(
                "A value provided cannot be converted into a number",
            ));
        }
        let value = BigDecimal::from_str(text).map_err(|_| {
            AwsError::validation("A value provided cannot be converted into a number")
        })?;
        Number::checked(value)
    }

    /// Normalises `value` and checks DynamoDB's precision and range.
    pub fn checked(value: BigDecimal) -> Result<Number, AwsError> {
        let value = value.normalized();
        let (digits, scale) = value.as_bigint_and_exponent();
        if digits.sign() == Sign::NoSign {
            return Ok(Number(BigDecimal::from(0)));
        }
        let digit_count = digits.magnitude().to_string().len() as i64;
        if digit_count > 38 {
            return Err(AwsError::validation(
                "Attempting to store more than 38 significant digits in a Number",
            ));
        }
        let magnitude = digit_count - 1 - scale;
        if magnitude > 125 {
            return Err(AwsError::validation(
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ));
        }
        if magnitude < -130 {
            return Err(AwsError::validation(
                "Number underflow. Attempting to store a number with magnitude smaller than supported range",
            ));
        }
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
}

/// `[+-]digits[.digits][e[+-]digits]`, with at least one digit before the exponent.
fn is_number_syntax(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits_ok(int) || !digits_ok(frac) {
        return false;
    }
    match exponent {
        None => true,
        Some(exp) => {
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.len() < 6 && digits_ok(exp)
        }
    }
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
        if scale <= 0 {
            let zeros = "0".repeat((-scale) as usize);
            return write!(f, "{sign}{magnitude}{zeros}");
        }
        let scale = scale as usize;
        if magnitude.len() > scale {
            let (int, frac) = magnitude.split_at(magnitude.len() - scale);
            write!(f, "{sign}{int}.{frac}")
        } else {
            let zeros = "0".repeat(scale - magnitude.len());
            write!(f, "{sign}0.{zeros}{magnitude}")
        }
    }
}

/// One attribute value. Sets are kept sorted, so equal sets compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(Item),
    L(Vec<AttrValue>),
    SS(BTreeSet<String>),
    NS(BTreeSet<Number>),
    BS(BTreeSet<Vec<u8>>),
}

impl AttrValue {
    /// The type descriptor AWS uses (`S`, `N`, `BOOL`, `SS`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null => "NULL",
            AttrValue::M(_) => "M",
            AttrValue::L(_) => "L",
            AttrValue::SS(_) => "SS",
            AttrValue::NS(_) => "NS",
            AttrValue::BS(_) => "BS",
        }
    }

    /// Parses the AWS JSON form (`{"S": "x"}`).
    pub fn from_json(value: &Value) -> Result<AttrValue, AwsError> {
        let object = value.as_object().ok_or_else(expected_structure)?;
        let mut entries = object.iter().filter(|(_, v)| !v.is_null());
        let (tag, inner) = match (entries.next(), entries.next()) {
            (None, _) => {
                return Err(AwsError::validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
                ));
            }
            (Some(entry), None) => entry,
            (Some(_), Some(_)) => {
                return Err(AwsError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            }
        };
        parse_tagged(tag, inner)
    }

    /// The AWS JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            AttrValue::S(s) => json!({ "S": s }),
            AttrValue::N(n) => json!({ "N": n.to_string() }),
            AttrValue::B(b) => json!({ "B": BASE64.encode(b) }),
            AttrValue::Bool(b) => json!({ "BOOL": b }),
            AttrValue::Null => json!({ "NULL": true }),
            AttrValue::M(m) => json!({ "M": item_to_json(m) }),
            AttrValue::L(l) => json!({ "L": l.iter().map(AttrValue::to_json).collect::<Vec<_>>() }),
            AttrValue::SS(s) => json!({ "SS": s }),
            AttrValue::NS(s) => {
                json!({ "NS": s.iter().map(Number::to_string).collect::<Vec<_>>() })
            }
            AttrValue::BS(s) => {
                json!({ "BS": s.iter().map(|b| BASE64.encode(b)).collect::<Vec<_>>() })
            }
        }
    }

    /// DynamoDB's size estimate of the value in bytes.
    pub fn size(&self) -> usize {
        match self {
            AttrValue::S(s) => s.len(),
            AttrValue::N(n) => n.to_string().len().div_ceil(2) + 1,
            AttrValue::B(b) => b.len(),
            AttrValue::Bool(_) | AttrValue::Null => 1,
            AttrValue::M(m) => 3 + item_size(m),
            AttrValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttrValue::SS(s) => s.iter().map(String::len).sum(),
            AttrValue::NS(s) => s.iter().map(|n| n.to_string().len().div_ceil(2) + 1).sum(),
            AttrValue::BS(s) => s.iter().map(Vec::len).sum(),
        }
    }
}

fn expected_structure() -> AwsError {
    AwsError::serialization("Start of structure or map found where not expected.")
}

fn parse_tagged(tag: &str, inner: &Value) -> Result<AttrValue, AwsError> {
    Ok(match tag {
        "S" => AttrValue::S(as_string(inner)?.to_owned()),
        "N" => AttrValue::N(Number::parse(as_string(inner)?)?),
        "B" => AttrValue::B(decode_binary(inner)?),
        "BOOL" => AttrValue::Bool(
            inner
                .as_bool()
                .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))?,
        ),
        "NULL" => match inner.as_bool() {
            Some(true) => AttrValue::Null,
            Some(false) => {
                return Err(AwsError::validation(
                    "One or more parameter values were invalid: Null attribute value types must have the value of true",
                ));
            }
            None => {
                return Err(AwsError::serialization(
                    "Unexpected token received from parser",
                ));
            }
        },
        "M" => AttrValue::M(item_from_json(inner)?),
        "L" => AttrValue::L(
            as_array(inner)?
                .iter()
                .map(AttrValue::from_json)
                .collect::<Result<_, _>>()?,
        ),
        "SS" => AttrValue::SS(parse_set(
            inner,
            "string",
            |v| Ok(as_string(v)?.to_owned()),
        )?),
        "NS" => AttrValue::NS(parse_set(inner, "number", |v| {
            Number::parse(as_string(v)?)
        })?),
        "BS" => AttrValue::BS(parse_set(inner, "binary", decode_binary)?),
        _ => {
            return Err(AwsError::validation(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ));
        }
    })
}

fn parse_set<T: Ord>(
    value: &Value,
    kind: &str,
    parse: impl Fn(&Value) -> Result<T, AwsError>,
) -> Result<BTreeSet<T>, AwsError> {
    let elements = as_array(value)?;
    if elements.is_empty() {
        return Err(AwsError::validation(format!(
            "One or more parameter values were invalid: An {kind} set  may not be empty"
        )));
    }
    let mut set = BTreeSet::new();
    for element in elements {
        if !set.insert(parse(element)?) {
            let shown: Vec<String> = elements.iter().map(display_scalar).collect();
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Input collection [{}] contains duplicates",
                shown.join(", ")
            )));
        }
    }
    Ok(set)
}

fn display_scalar(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

fn as_string(value: &Value) -> Result<&str, AwsError> {
    value.as_str().ok_or_else(|| {
        AwsError::serialization(format!(
            "{} can not be converted to a String",
            json_token(value)
        ))
    })
}

fn as_array(value: &Value) -> Result<&Vec<Value>, AwsError> {
    value
        .as_array()
        .ok_or_else(|| AwsError::serialization("Unexpected token received from parser"))
}

fn decode_binary(value: &Value) -> Result<Vec<u8>, AwsError> {
    BASE64
        .decode(as_string(value)?)
        .map_err(|_| AwsError::serialization("Base64 encoded binary data could not be decoded"))
}

/// The Jackson token name AWS names in its serialization errors.
pub fn json_token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// Parses a map of attribute values (`Item`, `Key`, `ExpressionAttributeValues`).
pub fn item_from_json(value: &Value) -> Result<Item, AwsError> {
    let object = value.as_object().ok_or_else(expected_structure)?;
    object
        .iter()
        .map(|(name, v)| Ok((name.clone(), AttrValue::from_json(v)?)))
        .collect()
}

pub fn item_to_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, v)| (name.clone(), v.to_json()))
            .collect::<Map<String, Value>>(),
    )
}

/// DynamoDB's size of an item: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, v)| name.len() + v.size()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        Number::parse(text)
            .map(|n| n.to_string())
            .unwrap_or_default()
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
    }

    #[test]
    fn number_limits_are_enforced() {
        let digits38 = "1".repeat(38);
        assert_eq!(norm(&digits38), digits38);
        let err = Number::parse(&"1".repeat(39)).unwrap_err();
        assert!(err.message.contains("38 significant digits"));
        assert!(
            Number::parse("1e126")
                .unwrap_err()
                .message
                .contains("overflow")
        );
        assert!(
            Number::parse("1e-131")
                .unwrap_err()
                .message
                .contains("underflow")
        );
        assert!(Number::parse("1e125").is_ok());
        for bad in ["", "abc", "1..2", "NaN", "1e", "--1", " 1"] {
            assert!(Number::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn attribute_values_round_trip() {
        let json = json!({"M": {"a": {"L": [{"N": "1.0"}, {"SS": ["b", "a"]}, {"NULL": true}]}}});
        let value = AttrValue::from_json(&json).unwrap();
        assert_eq!(
            value.to_json(),
            json!({"M": {"a": {"L": [{"N": "1"}, {"SS": ["a", "b"]}, {"NULL": true}]}}})
        );
    }

    #[test]
    fn malformed_attribute_values_are_rejected() {
        assert_eq!(
            AttrValue::from_json(&json!({})).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            AttrValue::from_json(&json!({"S": 1})).unwrap_err().code,
            "SerializationException"
        );
        assert!(AttrValue::from_json(&json!({"SS": []})).is_err());
        assert!(AttrValue::from_json(&json!({"SS": ["a", "a"]})).is_err());
        assert!(AttrValue::from_json(&json!({"S": "a", "N": "1"})).is_err());
    }
}
