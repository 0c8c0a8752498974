//! Query and Scan: key conditions, filters, projections, Select, Limit, the 1 MB page and
//! pagination through ExclusiveStartKey / LastEvaluatedKey.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Value, json};

use super::items::legacy_projection;
use crate::dynamodb::DynamoDb;
use crate::dynamodb::capacity::{self, Detail, Usage};
use crate::dynamodb::expr::{
    CmpOp, Cond, Elem, Operand, Path, Placeholders, eval, java_hash_order, keys, parser,
};
use crate::dynamodb::index::{self, Entry, Index, Projection};
use crate::dynamodb::input;
use crate::dynamodb::legacy::{self, read::LegacyRead};
use crate::dynamodb::model::{AttrValue, Item, item_size, item_to_json};
use crate::dynamodb::table::{KeyPart, KeySchema, PrimaryKey, Table};
use crate::protocol::AwsError;

const KEY_KIND: &str = "KeyConditionExpression";

/// A Query or Scan page stops once it has read 1 MB, counted before the filter and the
/// projection (AWS developer guide, "Query result set limit": "A single Query only returns a
/// result set that fits within the 1 MB size limit ... applies before any FilterExpression").
/// The item that crosses the limit is still returned, as DynamoDB Local does; the page gets a
/// LastEvaluatedKey only when another item follows.
pub const PAGE_BYTES: usize = 1024 * 1024;

/// What a Query or Scan reads, decided before touching the table.
struct Reader {
    filter: Option<Cond>,
    projection: Option<Vec<Path>>,
    select: Option<String>,
    specific_without_projection: bool,
    limit: Option<usize>,
    index_name: Option<String>,
    consistent: bool,
    is_query: bool,
    capacity: Option<Detail>,
}

/// Where a Query or Scan reads from: the table, or one of its indexes.
struct Source<'a> {
    table: &'a Table,
    index: Option<&'a Index>,
    /// Whether items come from the table rather than the index's projection (an LSI fetches).
    fetch: bool,
}

impl<'a> Source<'a> {
    /// The item as read, which a filter sees and the 1 MB page counts: a GSI holds only its
    /// projection, an LSI fetches from the table.
    fn read_view<'i>(&self, item: &'i Item) -> Cow<'i, Item> {
        match self.index {
            Some(index) if index.global => Cow::Owned(index.project(&self.table.key, item)),
            _ => Cow::Borrowed(item),
        }
    }

    /// The item as the read returns it.
    /// The bytes a read of `item` is charged for: the index entry for an index read.
    fn charged_size(&self, item: &Item) -> usize {
        match self.index {
            Some(index) => item_size(&index.project(&self.table.key, item)),
            None => item_size(item),
        }
    }

    fn view(&self, item: &Item) -> Item {
        match self.index {
            Some(index) if !self.fetch => index.project(&self.table.key, item),
            _ => item.clone(),
        }
    }

    fn key_schema(&self) -> &'a KeySchema {
        self.index.map_or(&self.table.key, |i| &i.key)
    }
}

impl Reader {
    fn from_request(
        request: &Value,
        ph: &mut Placeholders,
        is_query: bool,
    ) -> Result<Reader, AwsError> {
        let capacity = capacity::requested(request)?;
        // AWS's order: Limit, then FilterExpression, then ProjectionExpression.
        let limit = match input::opt_int(request, "Limit")? {
            Some(n) if n < 1 => {
                return Err(AwsError::validation(format!(
                    "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )));
            }
            other => other.map(|n| n as usize),
        };
        let filter = input::opt_str(request, "FilterExpression")?
            .map(|source| parser::condition(source, "FilterExpression", ph))
            .transpose()?;
        let values_given = request
            .get("ExpressionAttributeValues")
            .is_some_and(|v| !v.is_null() && v.as_object().is_none_or(|m| !m.is_empty()));
        if !is_query && filter.is_none() && values_given {
            return Err(AwsError::validation(
                "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
            ));
        }
        let projection_source = input::opt_str(request, "ProjectionExpression")?;
        if let Some(source) = projection_source {
            parser::projection(source, ph)?;
        }
        let select = input::opt_enum(
            request,
            "Select",
            &[
                "ALL_ATTRIBUTES",
                "ALL_PROJECTED_ATTRIBUTES",
                "SPECIFIC_ATTRIBUTES",
                "COUNT",
            ],
        )?;
        let projection = legacy_projection(request)?;
        Ok(Reader {
            filter,
            specific_without_projection: select == Some("SPECIFIC_ATTRIBUTES")
                && projection.is_none(),
            projection,
            select: select.map(str::to_owned),
            limit,
            index_name: input::opt_str(request, "IndexName")?.map(str::to_owned),
            consistent: input::opt_bool(request, "ConsistentRead")?.unwrap_or(false),
            is_query,
            capacity,
        })
    }

    fn count_only(&self) -> bool {
        self.select.as_deref() == Some("COUNT")
    }

    /// Resolves `IndexName` and checks what the index allows: ConsistentRead, Select and
    /// projected attributes.
    fn source<'a>(&self, table: &'a Table) -> Result<Source<'a>, AwsError> {
        let Some(name) = &self.index_name else {
            if self.select.as_deref() == Some("ALL_PROJECTED_ATTRIBUTES") {
                return Err(AwsError::validation(
                    "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
                ));
            }
            return Ok(Source {
                table,
                index: None,
                fetch: true,
            });
        };
        let index = table.index(name)?;
        if index.global && self.consistent {
            return Err(AwsError::validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        let fetch = self.select.as_deref() == Some("ALL_ATTRIBUTES")
            || !self.unprojected(table, index).is_empty();
        Ok(Source {
            table,
            index: Some(index),
            fetch,
        })
    }

    /// The projected attributes an index does not hold, in DynamoDB's order.
    fn unprojected<'r>(&'r self, table: &Table, index: &Index) -> Vec<&'r str> {
        let mut seen = std::collections::BTreeSet::new();
        let unprojected: Vec<&str> = (self.projection.iter().flatten().map(Path::top))
            .filter(|name| !index.projects(&table.key, name) && seen.insert(*name))
            .collect();
        java_hash_order(unprojected, |s| s)
    }

    /// No expression may look inside a key attribute of the table: the filter's paths, then
    /// the projection's, then the key condition's.
    fn check_scalar_keys(&self, table: &Table, key_cond: Option<&Cond>) -> Result<(), AwsError> {
        let filter = self.filter.iter().flat_map(keys::condition_paths);
        let projection = self.projection.iter().flatten();
        let key_cond = key_cond.into_iter().flat_map(keys::condition_paths);
        keys::check_scalar(filter.chain(projection).chain(key_cond), |name| {
            table.key.is_key(name)
        })
    }

    /// What a read of an index may ask for: filter attributes, Select and projection.
    fn check_index_read(&self, request: &Value, source: &Source<'_>) -> Result<(), AwsError> {
        let Some(index) = source.index else {
            return Ok(());
        };
        let name = &index.name;
        if let (Some(filter), true) = (&self.filter, self.is_query) {
            index::check_filter(index, &source.table.key, filter)?;
        }
        if self.select.as_deref() == Some("ALL_PROJECTED_ATTRIBUTES") {
            legacy::check_select(request, self.select.as_deref())?;
        }
        let wants_all = self.select.as_deref() == Some("ALL_ATTRIBUTES");
        if index.global && wants_all && index.projection != Projection::All {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {name} because its projection type is not ALL"
            )));
        }
        let unprojected = self.unprojected(source.table, index);
        if index.global && !unprojected.is_empty() {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Global secondary index {name} does not project [{}]",
                unprojected.join(", ")
            )));
        }
        Ok(())
    }

    /// Checked after the start key, as AWS does.
    fn check_select(&self, request: &Value) -> Result<(), AwsError> {
        legacy::check_select(request, self.select.as_deref())?;
        if self.specific_without_projection {
            return Err(AwsError::validation(
                "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
            ));
        }
        legacy::check_duplicates(request)
    }

    /// Walks `candidates` (already past ExclusiveStartKey) and shapes the answer.
    /// Each candidate comes with its `LastEvaluatedKey`.
    fn read<'a>(
        &self,
        source: &Source<'_>,
        candidates: impl Iterator<Item = (Item, &'a Item)>,
    ) -> Result<Value, AwsError> {
        let mut items = Vec::new();
        let mut scanned = 0;
        let mut last_key = None;
        let mut bytes_read = 0;
        let mut page_full = false;
        let mut charged = 0;
        for (key, stored) in candidates {
            if self.limit.is_some_and(|limit| scanned >= limit) {
                break;
            }
            if bytes_read >= PAGE_BYTES {
                page_full = true;
                break;
            }
            scanned += 1;
            last_key = Some(key);
            let seen = source.read_view(stored);
            bytes_read += item_size(&seen);
            charged += source.charged_size(stored);
            let keep = match &self.filter {
                Some(cond) => eval::condition(&seen, cond, "FilterExpression")?,
                None => true,
            };
            if keep {
                let item = source.view(stored);
                items.push(match &self.projection {
                    Some(paths) => eval::project(&item, paths),
                    None => item,
                });
            }
        }
        let mut output = json!({ "Count": items.len(), "ScannedCount": scanned });
        if !self.count_only() {
            input::set_member(
                &mut output,
                "Items",
                Value::Array(items.iter().map(item_to_json).collect()),
            );
        }
        let hit_limit = self.limit.is_some_and(|limit| scanned >= limit);
        if let (true, Some(key)) = (hit_limit || page_full, last_key) {
            input::set_member(&mut output, "LastEvaluatedKey", item_to_json(&key));
        }
        // The bytes read are summed, then rounded up once; an index read is the index's.
        let units = capacity::read_units(charged, self.consistent);
        let usage = match source.index {
            Some(index) => Usage::index(index, units),
            None => Usage::table(units),
        };
        Ok(capacity::with_usage(
            output,
            self.capacity,
            &source.table.name,
            &usage,
        ))
    }
}

pub fn scan(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let table_name = input::table_name(request)?;
    check_index_exists(db, table_name, request)?;
    let legacy = LegacyRead::parse(request, false)?;
    let any_expression = ["FilterExpression", "ProjectionExpression"]
        .iter()
        .any(|m| request.get(*m).is_some_and(|v| !v.is_null()));
    let mut ph = Placeholders::for_request(request, any_expression)?;
    let mut reader = Reader::from_request(request, &mut ph, false)?;
    ph.check_all_used(reader.filter.is_some() || request.get("ProjectionExpression").is_some())?;
    reader.filter = reader.filter.take().or(legacy.filter?);
    let segment = segment(request)?;
    let tables = db.handles([table_name]);
    let state = tables.read();
    let table = state.table(table_name)?;
    reader.check_scalar_keys(table, None)?;
    let source = reader.source(table)?;
    reader.check_index_read(request, &source)?;
    let start = exclusive_start(&source, request)?;
    reader.check_select(request)?;
    let rows = rows(&source);
    let candidates = rows
        .iter()
        .filter(|row| start.as_ref().is_none_or(|s| position(row) > (&s.0, &s.1)))
        .filter(|row| segment.is_none_or(|(n, total)| segment_of(&row.index_key, total) == n))
        .map(|row| (last_key(&source, row), row.item));
    let page = reader.read(&source, candidates);
    db.scan_hook();
    page
}

/// An unknown IndexName is refused before the expressions are looked at.
fn check_index_exists(db: &DynamoDb, table_name: &str, request: &Value) -> Result<(), AwsError> {
    let Some(name) = input::opt_str(request, "IndexName")? else {
        return Ok(());
    };
    match db.handles([table_name]).read().get(table_name) {
        Some(table) => table.index(name).map(|_| ()),
        None => Ok(()),
    }
}

/// Every row of the table or index, in key order (for a table, the index key is the table key).
fn rows<'a>(source: &Source<'a>) -> Vec<Entry<'a>> {
    match source.index {
        Some(index) => index.entries(source.table),
        None => source
            .table
            .items
            .iter()
            .map(|(key, item)| Entry {
                index_key: key.clone(),
                table_key: key,
                item,
            })
            .collect(),
    }
}

fn position<'r>(row: &'r Entry<'_>) -> (&'r PrimaryKey, &'r PrimaryKey) {
    (&row.index_key, row.table_key)
}

fn last_key(source: &Source<'_>, row: &Entry<'_>) -> Item {
    match source.index {
        Some(index) => index.last_key(&source.table.key, row),
        None => source.table.key.key_item(row.table_key),
    }
}

fn segment(request: &Value) -> Result<Option<(u64, u64)>, AwsError> {
    let segment = input::opt_int(request, "Segment")?;
    let total = input::opt_int(request, "TotalSegments")?;
    match (segment, total) {
        (None, None) => Ok(None),
        (Some(s), Some(t)) if t >= 1 && (0..t).contains(&s) => Ok(Some((s as u64, t as u64))),
        (Some(s), Some(t)) => Err(AwsError::validation(format!(
            "1 validation error detected: Value '{s}' at 'segment' failed to satisfy constraint: Member must have value less than or equal to {}",
            t - 1
        ))),
        _ => Err(AwsError::validation(
            "The TotalSegments parameter and the Segment parameter must both be specified or both be omitted",
        )),
    }
}

/// A stable segment for a partition key (FNV-1a of its debug form).
fn segment_of(key: &PrimaryKey, total: u64) -> u64 {
    let text = format!("{:?}", key.0);
    let hash = text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    hash % total
}

/// The ExclusiveStartKey as (index key, table key); on a table both are the table key.
fn exclusive_start(
    source: &Source<'_>,
    request: &Value,
) -> Result<Option<(PrimaryKey, PrimaryKey)>, AwsError> {
    let Some(map) = input::opt_item(request, "ExclusiveStartKey")? else {
        return Ok(None);
    };
    let table_schema = &source.table.key;
    let Some(index) = source.index else {
        let key = table_schema.key_from_map(&map)?;
        return Ok(Some((key.clone(), key)));
    };
    let mismatch = || AwsError::validation("The provided key element does not match the schema");
    let names: std::collections::BTreeSet<&str> = table_schema
        .attrs()
        .chain(index.key.attrs())
        .map(|a| a.name.as_str())
        .collect();
    if map.len() != names.len() || map.keys().any(|k| !names.contains(k.as_str())) {
        return Err(mismatch());
    }
    let table_part: Item = map
        .iter()
        .filter(|(k, _)| table_schema.is_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let table_key = table_schema.key_from_map(&table_part)?;
    let index_key = index.key_of(&map).ok_or_else(mismatch)?;
    Ok(Some((index_key, table_key)))
}

/// AWS refuses an ExclusiveStartKey outside the key condition it continues, and one sitting on
/// the inclusive bound where the walk ends (nothing could follow it); observed with DynamoDB
/// Local: `sk <= 3` forward refuses a start at 3, backward accepts it.
fn check_start_in_range(
    start: Option<&PrimaryKey>,
    hash: &KeyPart,
    range: Option<&RangeCond>,
    forward: bool,
) -> Result<(), AwsError> {
    let Some(start) = start else {
        return Ok(());
    };
    let outside =
        || AwsError::validation("The provided starting key does not match the range key predicate");
    if &start.0 != hash {
        return Err(outside());
    }
    let (Some(cond), Some(part)) = (range, &start.1) else {
        return Ok(());
    };
    let at_end = match cond {
        RangeCond::Cmp(CmpOp::Le, bound) => forward && part == bound,
        RangeCond::Cmp(CmpOp::Ge, bound) => !forward && part == bound,
        RangeCond::Between(low, high) => part == if forward { high } else { low },
        _ => false,
    };
    if !cond.matches(part) || at_end {
        return Err(outside());
    }
    Ok(())
}

/// The sort-key part of a key condition.
enum RangeCond {
    Cmp(CmpOp, KeyPart),
    Between(KeyPart, KeyPart),
    BeginsWith(KeyPart),
}

impl RangeCond {
    fn matches(&self, part: &KeyPart) -> bool {
        match self {
            RangeCond::Cmp(op, v) => {
                let ordering = part.cmp(v);
                match op {
                    CmpOp::Eq => ordering == Ordering::Equal,
                    CmpOp::Lt => ordering == Ordering::Less,
                    CmpOp::Le => ordering != Ordering::Greater,
                    CmpOp::Gt => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                }
            }
            RangeCond::Between(low, high) => part >= low && part <= high,
            RangeCond::BeginsWith(prefix) => match (part, prefix) {
                (KeyPart::S(s), KeyPart::S(p)) => s.starts_with(p.as_str()),
                (KeyPart::B(s), KeyPart::B(p)) => s.starts_with(p),
                _ => false,
            },
        }
    }
}

pub fn query(db: &DynamoDb, request: &Value) -> Result<Value, AwsError> {
    let table_name = input::table_name(request)?;
    check_index_exists(db, table_name, request)?;
    let legacy = LegacyRead::parse(request, true)?;
    let key_source = input::opt_str(request, KEY_KIND)?;
    if key_source.is_none() && legacy.key_conditions.is_none() {
        return Err(AwsError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ));
    }
    legacy.check_query(request)?;
    let any_expression = key_source.is_some()
        || ["FilterExpression", "ProjectionExpression"]
            .iter()
            .any(|m| request.get(*m).is_some_and(|v| !v.is_null()));
    let mut ph = Placeholders::for_request(request, any_expression)?;
    let mut reader = Reader::from_request(request, &mut ph, true)?;
    let key_expression = key_source
        .map(|source| parser::condition(source, KEY_KIND, &mut ph))
        .transpose()?;
    ph.check_all_used(any_expression)?;
    let forward = input::opt_bool(request, "ScanIndexForward")?.unwrap_or(true);
    let tables = db.handles([table_name]);
    let state = tables.read();
    let table = state.table(table_name)?;
    let source = reader.source(table)?;
    let key_cond = match key_expression {
        Some(cond) => cond,
        None => legacy
            .key_cond(source.key_schema())?
            .ok_or_else(|| AwsError::validation("Conditions must be at least length 1"))?,
    };
    reader.check_scalar_keys(table, Some(&key_cond))?;
    let (hash, range) = key_condition(source.key_schema(), &key_cond)?;
    if let Some(filter) = legacy.filter.clone()? {
        legacy.check_filter_keys(source.key_schema())?;
        reader.filter = Some(filter);
    }
    reader.check_index_read(request, &source)?;
    let start = exclusive_start(&source, request)?;
    check_start_in_range(start.as_ref().map(|s| &s.0), &hash, range.as_ref(), forward)?;
    reader.check_select(request)?;
    let mut rows: Vec<Entry<'_>> = rows(&source)
        .into_iter()
        .filter(|row| row.index_key.0 == hash)
        .filter(|row| match (&range, &row.index_key.1) {
            (Some(cond), Some(part)) => cond.matches(part),
            _ => true,
        })
        .collect();
    if !forward {
        rows.reverse();
    }
    let candidates = rows
        .iter()
        .filter(|row| match &start {
            Some(s) if forward => position(row) > (&s.0, &s.1),
            Some(s) => position(row) < (&s.0, &s.1),
            None => true,
        })
        .map(|row| (last_key(&source, row), row.item));
    reader.read(&source, candidates)
}

/// Splits a KeyConditionExpression into the partition key value and the sort key condition.
fn key_condition(
    schema: &KeySchema,
    cond: &Cond,
) -> Result<(KeyPart, Option<RangeCond>), AwsError> {
    let mut conjuncts = Vec::new();
    flatten_and(cond, &mut conjuncts)?;
    if conjuncts.len() > 2 {
        return Err(AwsError::validation(
            "Conditions can be of length 1 or 2 only",
        ));
    }
    let hash_name = &schema.hash.name;
    if !conjuncts.iter().any(|c| names_attribute(c, hash_name)) {
        return Err(AwsError::validation(format!(
            "Query condition missed key schema element: {hash_name}"
        )));
    }
    let mut hash = None;
    let mut range = None;
    for conjunct in conjuncts {
        let (name, part) = key_conjunct(schema, conjunct)?;
        let slot_taken = if name == schema.hash.name {
            match part {
                RangeCond::Cmp(CmpOp::Eq, value) => hash.replace(value).is_some(),
                _ => return Err(AwsError::validation("Query key condition not supported")),
            }
        } else {
            range.replace(part).is_some()
        };
        if slot_taken {
            return Err(AwsError::validation(
                "KeyConditionExpressions must only contain one condition per key",
            ));
        }
    }
    let hash = hash.ok_or_else(|| {
        AwsError::validation(format!(
            "Query condition missed key schema element: {}",
            schema.hash.name
        ))
    })?;
    Ok((hash, range))
}

/// Whether a key-condition conjunct is about the top-level attribute `name`.
fn names_attribute(cond: &Cond, name: &str) -> bool {
    let is_name =
        |op: &Operand| matches!(op, Operand::Path(p) if p.0 == [Elem::Attr(name.to_owned())]);
    match cond {
        Cond::Compare(a, _, b) => is_name(a) || is_name(b),
        Cond::Between(a, _, _) | Cond::BeginsWith(a, _) => is_name(a),
        _ => false,
    }
}

fn flatten_and<'a>(cond: &'a Cond, out: &mut Vec<&'a Cond>) -> Result<(), AwsError> {
    match cond {
        Cond::And(a, b) => {
            flatten_and(a, out)?;
            flatten_and(b, out)
        }
        Cond::Or(..) => Err(AwsError::validation(
            "Invalid operator used in KeyConditionExpression: OR",
        )),
        Cond::Not(..) => Err(AwsError::validation(
            "Invalid operator used in KeyConditionExpression: NOT",
        )),
        other => {
            out.push(other);
            Ok(())
        }
    }
}

/// The shape of one key comparison, before its values are typed.
enum Shape {
    Cmp(CmpOp),
    Between,
    BeginsWith,
}

/// One key comparison: the key attribute it names and its condition.
fn key_conjunct(schema: &KeySchema, cond: &Cond) -> Result<(String, RangeCond), AwsError> {
    let unsupported = || AwsError::validation("Query key condition not supported");
    let (path, shape, values) = match cond {
        Cond::Compare(Operand::Path(p), op, Operand::Value(v)) => (p, Shape::Cmp(*op), vec![v]),
        Cond::Compare(Operand::Value(v), op, Operand::Path(p)) => {
            (p, Shape::Cmp(flip(*op)), vec![v])
        }
        Cond::Between(Operand::Path(p), Operand::Value(l), Operand::Value(h)) => {
            (p, Shape::Between, vec![l, h])
        }
        Cond::BeginsWith(Operand::Path(p), Operand::Value(v)) => (p, Shape::BeginsWith, vec![v]),
        _ => return Err(unsupported()),
    };
    let [Elem::Attr(name)] = path.0.as_slice() else {
        return Err(unsupported());
    };
    let attr = schema.attrs().find(|a| &a.name == name).ok_or_else(|| {
        let missed = schema.range.as_ref().unwrap_or(&schema.hash);
        AwsError::validation(format!(
            "Query condition missed key schema element: {}",
            missed.name
        ))
    })?;
    let parts: Vec<KeyPart> = values
        .iter()
        .map(|v| key_value(&attr.kind, v))
        .collect::<Result<_, _>>()?;
    let range = match (shape, parts.as_slice()) {
        (Shape::Cmp(CmpOp::Ne), _) => {
            return Err(AwsError::validation(
                "Invalid operator used in KeyConditionExpression: <>",
            ));
        }
        (Shape::Between, [low, high]) => {
            if low > high {
                return Err(AwsError::validation(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound",
                ));
            }
            RangeCond::Between(low.clone(), high.clone())
        }
        (Shape::BeginsWith, [prefix]) => {
            if matches!(prefix, KeyPart::N(_)) {
                return Err(AwsError::validation(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
                ));
            }
            RangeCond::BeginsWith(prefix.clone())
        }
        (Shape::Cmp(op), [value]) => RangeCond::Cmp(op, value.clone()),
        _ => return Err(unsupported()),
    };
    Ok((name.clone(), range))
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn key_value(kind: &str, value: &AttrValue) -> Result<KeyPart, AwsError> {
    match (kind, value) {
        ("S", AttrValue::S(s)) => Ok(KeyPart::S(s.clone())),
        ("N", AttrValue::N(n)) => Ok(KeyPart::N(n.clone())),
        ("B", AttrValue::B(b)) => Ok(KeyPart::B(b.clone())),
        _ => Err(AwsError::validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        )),
    }
}
