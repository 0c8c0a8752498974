//! `ConsumedCapacity`, computed as AWS documents it ("Capacity unit consumption", DynamoDB
//! developer guide): a read unit per 4 KB read strongly consistently (half for eventually
//! consistent reads, twice for transactional ones), a write unit per 1 KB written (twice in a
//! transaction), each item rounded up on its own — a Query or Scan rounds up the sum of the
//! bytes it read. A write also writes every secondary index whose entry it adds, changes or
//! removes: the projected entry's size, twice when the index key changed.
//!
//! `TOTAL` answers `TableName` and `CapacityUnits`; `INDEXES` adds `Table` and the
//! `GlobalSecondaryIndexes` / `LocalSecondaryIndexes` that took units (DynamoDB Local 3.3.1
//! answers exactly these shapes and numbers).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::index::Index;
use super::input;
use super::model::{Item, item_size};
use super::table::Table;
use crate::protocol::AwsError;

/// How much detail a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Total,
    Indexes,
}

/// `ReturnConsumedCapacity`, checked against AWS's enum; `None` for `NONE` or absent.
pub fn requested(request: &Value) -> Result<Option<Detail>, AwsError> {
    let wanted = input::opt_enum(
        request,
        "ReturnConsumedCapacity",
        &["INDEXES", "TOTAL", "NONE"],
    )?;
    Ok(match wanted {
        Some("TOTAL") => Some(Detail::Total),
        Some("INDEXES") => Some(Detail::Indexes),
        _ => None,
    })
}

/// Read units for `bytes` (at least one unit's worth).
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Write units for `bytes` (at least one).
pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// The units one table and its indexes took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub table: f64,
    pub global: BTreeMap<String, f64>,
    pub local: BTreeMap<String, f64>,
}

impl Usage {
    /// Units taken by the table itself.
    pub fn table(units: f64) -> Usage {
        Usage {
            table: units,
            ..Usage::default()
        }
    }

    /// Units taken by an index (the table shows 0 in the `INDEXES` detail).
    pub fn index(index: &Index, units: f64) -> Usage {
        let mut usage = Usage::default();
        usage.add_index(index, units);
        usage
    }

    fn add_index(&mut self, index: &Index, units: f64) {
        let map = if index.global {
            &mut self.global
        } else {
            &mut self.local
        };
        *map.entry(index.name.clone()).or_insert(0.0) += units;
    }

    pub fn add(&mut self, other: &Usage) {
        self.table += other.table;
        for (name, units) in &other.global {
            *self.global.entry(name.clone()).or_insert(0.0) += units;
        }
        for (name, units) in &other.local {
            *self.local.entry(name.clone()).or_insert(0.0) += units;
        }
    }

    /// Every unit doubled (transactions).
    pub fn doubled(mut self) -> Usage {
        self.table *= 2.0;
        self.global.values_mut().for_each(|u| *u *= 2.0);
        self.local.values_mut().for_each(|u| *u *= 2.0);
        self
    }

    fn total(&self) -> f64 {
        self.table + self.global.values().sum::<f64>() + self.local.values().sum::<f64>()
    }

    /// The `ConsumedCapacity` of one table.
    pub fn to_json(&self, table: &str, detail: Detail) -> Value {
        let mut out = json!({ "TableName": table, "CapacityUnits": self.total() });
        if detail == Detail::Indexes {
            input::set_member(&mut out, "Table", json!({ "CapacityUnits": self.table }));
            for (member, map) in [
                ("LocalSecondaryIndexes", &self.local),
                ("GlobalSecondaryIndexes", &self.global),
            ] {
                if !map.is_empty() {
                    let indexes: Map<String, Value> = map
                        .iter()
                        .map(|(n, u)| (n.clone(), json!({ "CapacityUnits": u })))
                        .collect();
                    input::set_member(&mut out, member, Value::Object(indexes));
                }
            }
        }
        out
    }
}

/// What writing `new` over `old` (either absent) costs the table and its indexes.
pub fn write_usage(table: &Table, old: Option<&Item>, new: Option<&Item>) -> Usage {
    let size = old.map_or(0, item_size).max(new.map_or(0, item_size));
    let mut usage = Usage::table(write_units(size));
    for index in &table.indexes {
        let entry = |item: Option<&Item>| {
            let item = item?;
            index.key_of(item)?;
            Some(index.project(&table.key, item))
        };
        let units = match (entry(old), entry(new)) {
            (None, None) => continue,
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b))
                if old.and_then(|i| index.key_of(i)) == new.and_then(|i| index.key_of(i)) =>
            {
                write_units(item_size(&a).max(item_size(&b)))
            }
            (a, b) => [a, b]
                .iter()
                .flatten()
                .map(|e| write_units(item_size(e)))
                .sum(),
        };
        usage.add_index(index, units);
    }
    usage
}

/// Adds `ConsumedCapacity` for one table when the request asked for it.
pub fn with_usage(mut output: Value, detail: Option<Detail>, table: &str, usage: &Usage) -> Value {
    if let Some(detail) = detail {
        input::set_member(
            &mut output,
            "ConsumedCapacity",
            usage.to_json(table, detail),
        );
    }
    output
}

/// Adds a `ConsumedCapacity` list (batches, transactions), one entry per table.
pub fn with_usages(
    mut output: Value,
    detail: Option<Detail>,
    usages: &BTreeMap<String, Usage>,
) -> Value {
    if let Some(detail) = detail {
        let list: Vec<Value> = usages
            .iter()
            .map(|(table, usage)| usage.to_json(table, detail))
            .collect();
        input::set_member(&mut output, "ConsumedCapacity", Value::Array(list));
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_up_per_item() {
        assert_eq!(read_units(0, false), 0.5);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(5000, false), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
    }

    #[test]
    fn shapes() {
        let usage = Usage::table(2.0).doubled();
        assert_eq!(
            usage.to_json("t", Detail::Total),
            json!({"TableName": "t", "CapacityUnits": 4.0})
        );
        assert_eq!(
            usage.to_json("t", Detail::Indexes),
            json!({"TableName": "t", "CapacityUnits": 4.0, "Table": {"CapacityUnits": 4.0}})
        );
    }
}
