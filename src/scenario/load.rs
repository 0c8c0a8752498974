//! Reading and validating scenario files. Every problem is reported as `file:line:column:
//! message`, for syntax and type errors (from serde-saphyr) and semantic ones (from the spans
//! kept on the values) alike.
//!
//! The YAML parser runs under a budget ([`yaml_options`]): nesting deeper than
//! [`MAX_DEPTH`], alias bombs and oversized files are errors with a location, never a stack
//! overflow or an unbounded expansion.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_saphyr::{Location, Spanned};

use super::model::{Line, Order, OrderSpec, PriceText, Scenario, ScenarioFile, Stock};

/// A scenario that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    pub(crate) fn at(file: &Path, location: Location, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            line: location.line(),
            column: location.column(),
            message: message.into(),
        }
    }

    fn whole_file(file: &Path, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// Deepest nesting of sequences and mappings a scenario may use (the scenario's own shape
/// needs 5; `return:` values get the rest).
pub const MAX_DEPTH: usize = 32;
/// Most orders `count` may expand a scenario to.
pub const MAX_ORDERS: u32 = 10_000;
/// Most times one order may be submitted.
pub const MAX_SUBMISSIONS: u32 = 100;
/// Largest scenario file read.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// serde-saphyr's options: its default budget tightened to what a scenario file can need,
/// one document, and alias replay bounded (no "billion laughs").
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_documents: 1,
            max_nodes: 100_000,
            max_events: 250_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: MAX_FILE_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 100,
        },
    }
}

/// Reads `dir/<name>.yaml`.
pub fn load_named(dir: &Path, name: &str) -> Result<Scenario, ScenarioError> {
    load_file(&dir.join(format!("{name}.yaml")))
}

/// Reads and validates one scenario file; its name is the file stem.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_bounded(path)?;
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default()
        .to_owned();
    parse(path, &name, &text)
}

/// The file's text, refusing more than [`MAX_FILE_BYTES`] (whatever the file is: a FIFO or
/// a device reports no size).
fn read_bounded(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read as _;
    let cannot_read =
        |err: std::io::Error| ScenarioError::whole_file(path, format!("cannot read: {err}"));
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(cannot_read)?;
    if text.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::whole_file(
            path,
            format!("a scenario file may have at most {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(text)
}

/// Parses and validates scenario text; `path` is only used in messages.
pub fn parse(path: &Path, name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|err| syntax_error(path, &err))?;
    validate(path, name, file)
}

/// Reads `dir/<name>.yaml` run with `seed` in place of its own (`scenario --seed`): order ids,
/// payment decisions and — unless the file names a `schedule_seed` — the scheduler follow it.
/// Under another seed than the file's the run is named `<name>.seed-<seed>`, so it has its
/// own snapshot.
pub fn load_reseeded(dir: &Path, name: &str, seed: u64) -> Result<Scenario, ScenarioError> {
    let path = dir.join(format!("{name}.yaml"));
    let text = read_bounded(&path)?;
    let mut file: ScenarioFile = serde_saphyr::from_str_with_options(&text, yaml_options())
        .map_err(|err| syntax_error(&path, &err))?;
    if file.seed == seed {
        return validate(&path, name, file);
    }
    file.seed = seed;
    validate(&path, &format!("{name}.seed-{seed}"), file)
}

/// Every scenario in `dir` (files ending in `.yaml`), sorted by name.
pub fn list_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let path = entry.path();
            let is_yaml = path.extension().is_some_and(|ext| ext == "yaml");
            let stem = path.file_stem()?.to_str()?.to_owned();
            is_yaml.then_some(stem)
        })
        .collect();
    names.sort();
    Ok(names)
}

fn syntax_error(path: &Path, err: &serde_saphyr::Error) -> ScenarioError {
    let inner = err.without_snippet();
    let message = match &inner {
        serde_saphyr::Error::Budget { breach, .. } => budget_message(breach),
        _ => match first_line(&inner.to_string()) {
            // The parser's own bound on nested `[`/`{` (set to MAX_DEPTH).
            line if line == "recursion limit exceeded" => {
                format!("nested deeper than {MAX_DEPTH} levels")
            }
            line => line,
        },
    };
    match inner.location() {
        Some(location) if location.line() > 0 => ScenarioError::at(path, location, message),
        _ => ScenarioError::whole_file(path, message),
    }
}

/// What a breach of [`yaml_options`]'s budget means for a scenario file.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach;
    match breach {
        BudgetBreach::Depth { .. } => format!("nested deeper than {MAX_DEPTH} levels"),
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
            format!("too many anchors or aliases for a scenario file ({breach:?})")
        }
        _ => format!("more than a scenario file may hold ({breach:?})"),
    }
}

/// serde-saphyr's plain message, without its own trailing location text.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    match line.split_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => line.to_owned(),
    }
}

fn validate(path: &Path, name: &str, file: ScenarioFile) -> Result<Scenario, ScenarioError> {
    let inventory = validate_inventory(path, file.inventory)?;
    let known: HashSet<&str> = inventory.iter().map(|s| s.item_id.as_str()).collect();
    let ids = OrderIds::new(file.seed);
    let mut seen = HashSet::new();
    let mut orders = Vec::with_capacity(file.orders.len());
    for spec in file.orders {
        let written_at = spec.order_id.as_ref().map(|id| id.referenced);
        for order in validate_order(path, &known, &ids, orders.len(), spec)? {
            if !seen.insert(order.order_id.clone()) {
                let message = format!("duplicate order id {}", order.order_id);
                return Err(match written_at {
                    Some(location) => ScenarioError::at(path, location, message),
                    None => ScenarioError::whole_file(path, message),
                });
            }
            orders.push(order);
        }
    }
    let faults = super::faults::validate_faults(path, file.faults)?;
    let mock_config = file
        .mock_config
        .map(|spec| super::faults::read_mock_config(path, spec))
        .transpose()?;
    let (expected_statuses, expected_counts) = super::expect::validate_expect(path, file.expect)?;
    let skipped_invariants = super::expect::validate_skips(path, file.invariants)?;
    Ok(Scenario {
        name: name.to_owned(),
        description: file.description,
        seed: file.seed,
        schedule_seed: file.schedule_seed.unwrap_or(file.seed),
        inventory,
        orders,
        requests: file.requests.into_iter().map(|r| r.body).collect(),
        faults,
        mock_config,
        race: file.race,
        expected_statuses,
        expected_counts,
        skipped_invariants,
    })
}

/// A count from 1 to `max` (`what` names it in the message); absent means 1.
fn positive(
    path: &Path,
    value: Option<Spanned<i64>>,
    what: &str,
    max: u32,
) -> Result<u32, ScenarioError> {
    match value {
        None => Ok(1),
        Some(Spanned {
            value, referenced, ..
        }) => {
            let count = u32::try_from(value)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ScenarioError::at(
                        path,
                        referenced,
                        format!("{what} must be a positive whole number, got {value}"),
                    )
                })?;
            if count > max {
                return Err(ScenarioError::at(
                    path,
                    referenced,
                    format!("{what} may be at most {max}, got {value}"),
                ));
            }
            Ok(count)
        }
    }
}

fn validate_inventory(
    path: &Path,
    items: Vec<super::model::InventoryItem>,
) -> Result<Vec<Stock>, ScenarioError> {
    let mut seen = HashSet::new();
    let mut stock = Vec::with_capacity(items.len());
    for item in items {
        let Spanned {
            value: id,
            referenced,
            ..
        } = item.item_id;
        if id.is_empty() {
            return Err(ScenarioError::at(
                path,
                referenced,
                "item_id must not be empty",
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(ScenarioError::at(
                path,
                referenced,
                format!("duplicate inventory item_id {id}"),
            ));
        }
        let price = validate_price(path, &item.price)?;
        stock.push(Stock {
            item_id: id,
            name: item.name,
            price,
            stock: item.stock,
        });
    }
    Ok(stock)
}

fn validate_price(path: &Path, price: &Spanned<PriceText>) -> Result<String, ScenarioError> {
    let text = price.value.0.trim();
    if is_decimal(text) {
        Ok(text.to_owned())
    } else {
        Err(ScenarioError::at(
            path,
            price.referenced,
            format!("price {text:?} is not a non-negative decimal such as \"120.50\""),
        ))
    }
}

/// `123`, `123.45`: digits, optionally one point followed by digits.
fn is_decimal(text: &str) -> bool {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// One order spec → its orders (`count` of them, ids derived from `first_index` on).
fn validate_order(
    path: &Path,
    known: &HashSet<&str>,
    ids: &OrderIds,
    first_index: usize,
    mut spec: OrderSpec,
) -> Result<Vec<Order>, ScenarioError> {
    let count_at = spec.count.as_ref().map(|c| c.referenced);
    let count = positive(path, spec.count.take(), "count", MAX_ORDERS)?;
    let submissions = positive(
        path,
        spec.submissions.take(),
        "submissions",
        MAX_SUBMISSIONS,
    )?;
    // `count` multiplies orders: bound what it expands to (orders written out one by one are
    // bounded by the file size).
    if let Some(at) = count_at
        && first_index.saturating_add(count as usize) > MAX_ORDERS as usize
    {
        return Err(ScenarioError::at(
            path,
            at,
            format!("count {count} takes the scenario past {MAX_ORDERS} orders"),
        ));
    }
    if let (Some(at), true) = (count_at, spec.order_id.is_some() && count > 1) {
        return Err(ScenarioError::at(
            path,
            at,
            "an order with `count` above 1 gets derived ids: remove its order_id",
        ));
    }
    let first = one_order(path, known, ids, first_index, spec, submissions)?;
    let mut orders = Vec::with_capacity(count as usize);
    for offset in 1..count as usize {
        let mut order = first.clone();
        order.order_id = ids.derive(first_index + offset);
        orders.push(order);
    }
    orders.insert(0, first);
    Ok(orders)
}

fn one_order(
    path: &Path,
    known: &HashSet<&str>,
    ids: &OrderIds,
    index: usize,
    spec: OrderSpec,
    submissions: u32,
) -> Result<Order, ScenarioError> {
    let order_id = match spec.order_id {
        Some(Spanned {
            value, referenced, ..
        }) if value.is_empty() => {
            return Err(ScenarioError::at(
                path,
                referenced,
                "order_id must not be empty",
            ));
        }
        Some(spanned) => spanned.value,
        None => ids.derive(index),
    };
    let mut items = Vec::with_capacity(spec.items.len());
    for line in spec.items {
        let Spanned {
            value: item_id,
            referenced,
            ..
        } = line.item_id;
        if !known.contains(item_id.as_str()) {
            return Err(ScenarioError::at(
                path,
                referenced,
                format!("order {order_id} refers to item {item_id}, which is not in the inventory"),
            ));
        }
        let quantity = u64::try_from(line.quantity.value)
            .ok()
            .filter(|quantity| *quantity > 0)
            .ok_or_else(|| {
                ScenarioError::at(
                    path,
                    line.quantity.referenced,
                    format!("quantity must be positive, got {}", line.quantity.value),
                )
            })?;
        items.push(Line { item_id, quantity });
    }
    Ok(Order {
        order_id,
        customer: spec.customer,
        items,
        payment_token: spec.payment_token,
        via: spec.via,
        submissions,
    })
}

/// Deterministic order ids: `ord-<8 hex digits from the seed>-<index, 3 digits>`.
pub struct OrderIds {
    prefix: String,
}

impl OrderIds {
    pub fn new(seed: u64) -> OrderIds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        OrderIds {
            prefix: format!("ord-{:08x}", rng.next_u32()),
        }
    }

    /// The id of the `index`th order (0-based) that has none.
    pub fn derive(&self, index: usize) -> String {
        format!("{}-{:03}", self.prefix, index + 1)
    }
}

/// Checks that nothing in a scenario name could escape the scenarios directory.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
