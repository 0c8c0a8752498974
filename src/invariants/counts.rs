//! Status counts as ranges: `expect.counts` in a scenario, e.g. `{COMPLETED: {min: 1, max:
//! 3}, FAILED: 0}` — a bare number is an exact count, `min` and `max` are inclusive and either
//! may be left out.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::{Facts, Violation};

/// How many orders may end in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountRange {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl CountRange {
    /// Exactly `n`.
    pub fn exactly(n: u64) -> CountRange {
        CountRange {
            min: Some(n),
            max: Some(n),
        }
    }

    pub fn contains(&self, n: u64) -> bool {
        self.min.is_none_or(|min| n >= min) && self.max.is_none_or(|max| n <= max)
    }
}

impl fmt::Display for CountRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min == max => write!(f, "exactly {min}"),
            (Some(min), Some(max)) => write!(f, "{min} to {max}"),
            (Some(min), None) => write!(f, "at least {min}"),
            (None, Some(max)) => write!(f, "at most {max}"),
            (None, None) => f.write_str("any number"),
        }
    }
}

/// `{min, max}` as written (unknown keys refused).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bounds {
    #[serde(default)]
    min: Option<u64>,
    #[serde(default)]
    max: Option<u64>,
}

impl<'de> Deserialize<'de> for CountRange {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RangeVisitor;
        impl<'de> serde::de::Visitor<'de> for RangeVisitor {
            type Value = CountRange;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count (3) or a range ({min: 1, max: 3})")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<CountRange, E> {
                Ok(CountRange::exactly(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<CountRange, E> {
                u64::try_from(n)
                    .map(CountRange::exactly)
                    .map_err(|_| E::custom(format!("a count cannot be negative, got {n}")))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<CountRange, A::Error> {
                let bounds =
                    Bounds::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(CountRange {
                    min: bounds.min,
                    max: bounds.max,
                })
            }
        }
        deserializer.deserialize_any(RangeVisitor)
    }
}

/// Every status whose count of orders falls outside its range.
pub fn check(facts: &Facts, counts: &BTreeMap<String, CountRange>) -> Vec<Violation> {
    counts
        .iter()
        .filter_map(|(status, range)| {
            let got = facts
                .orders
                .iter()
                .filter(|order| order.status.as_deref() == Some(status))
                .count() as u64;
            (!range.contains(got)).then(|| {
                Violation::new(
                    "status-counts",
                    format!("status {status}"),
                    format!("{got} order(s), expected {range} (expect.counts)"),
                )
            })
        })
        .collect()
}
