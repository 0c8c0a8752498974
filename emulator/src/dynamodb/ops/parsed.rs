//! Requests parsed before the store lock is taken.
//!
//! One lock serialises every table, so it is held only for what needs the store: lookups,
//! evaluation against stored items and the commit. Attribute values, placeholders and
//! expressions — the work that grows with the request — are parsed first. AWS's order of
//! checks interleaves the two (an unknown table is reported before a bad expression), so each
//! parse keeps its result, error included, and the locked part reports it at the step where
//! AWS does.

use serde_json::Value;

use crate::dynamodb::expr::{Action, Cond, Path, Placeholders, parser};
use crate::dynamodb::input;
use crate::dynamodb::legacy;
use crate::dynamodb::model::{Item, item_from_json};
use crate::protocol::AwsError;

/// Which single-item write a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Put,
    Update,
    Delete,
    ConditionCheck,
}

/// A write's placeholders and parsed expressions.
#[derive(Debug)]
pub struct Expressions {
    pub ph: Placeholders,
    /// The UpdateExpression's actions (none for other writes).
    pub update: Vec<Action>,
    pub condition: Option<Cond>,
    /// The legacy `AttributeUpdates` of an UpdateItem (none for other writes).
    pub legacy_updates: Vec<legacy::updates::Update>,
}

impl Expressions {
    /// A single-item write's expressions, or its legacy `Expected` / `AttributeUpdates`
    /// translated (the two never mix: [`legacy::check_mixing`] runs first).
    fn parse_single(request: &Value, kind: WriteKind) -> Result<Expressions, AwsError> {
        let mut exprs = Expressions::parse(request, kind)?;
        let expected = legacy::condition::expected(request)?;
        if let Some(cond) = legacy::condition::combined(request, expected.as_deref())? {
            exprs.condition = Some(cond);
        }
        if kind == WriteKind::Update {
            exprs.legacy_updates = legacy::updates::parse(request)?.unwrap_or_default();
        }
        Ok(exprs)
    }

    fn parse(request: &Value, kind: WriteKind) -> Result<Expressions, AwsError> {
        let update_source = match kind {
            WriteKind::Update => input::opt_str(request, "UpdateExpression")?,
            _ => None,
        };
        let condition_source = input::opt_str(request, "ConditionExpression")?;
        let any_expression = update_source.is_some() || condition_source.is_some();
        let mut ph = Placeholders::for_request(request, any_expression)?;
        let update = match update_source {
            Some(source) => parser::update(source, &mut ph)?,
            None => Vec::new(),
        };
        let condition = condition_source
            .map(|source| parser::condition(source, "ConditionExpression", &mut ph))
            .transpose()?;
        // An update reports unused placeholders before it reads the item; the other writes
        // after evaluating their condition.
        if kind == WriteKind::Update {
            ph.check_all_used(update_source.is_some() || condition.is_some())?;
        }
        Ok(Expressions {
            ph,
            update,
            condition,
            legacy_updates: Vec::new(),
        })
    }
}

/// One single-item write (PutItem, UpdateItem, DeleteItem, or an action of
/// TransactWriteItems / BatchWriteItem), parsed.
#[derive(Debug)]
pub struct WriteInput<'a> {
    pub request: &'a Value,
    pub kind: WriteKind,
    /// `Item` for a put, `Key` for the others.
    pub attributes: Result<Item, AwsError>,
    pub expressions: Result<Expressions, AwsError>,
    /// Whether a path into a key attribute is refused (not in a transaction, where DynamoDB
    /// Local evaluates it as missing).
    pub scalar_keys: bool,
}

impl<'a> WriteInput<'a> {
    pub fn new(request: &'a Value, kind: WriteKind) -> WriteInput<'a> {
        WriteInput::with(request, kind, Expressions::parse(request, kind))
    }

    fn with(
        request: &'a Value,
        kind: WriteKind,
        expressions: Result<Expressions, AwsError>,
    ) -> WriteInput<'a> {
        let member = match kind {
            WriteKind::Put => "Item",
            _ => "Key",
        };
        WriteInput {
            request,
            kind,
            attributes: input::req_item(request, member),
            expressions,
            scalar_keys: true,
        }
    }

    /// A PutItem, UpdateItem or DeleteItem request, whose shapes also hold the legacy
    /// `Expected`, `ConditionalOperator` and (UpdateItem) `AttributeUpdates`; transaction and
    /// batch actions have no such members.
    pub fn single(request: &'a Value, kind: WriteKind) -> WriteInput<'a> {
        WriteInput::with(request, kind, Expressions::parse_single(request, kind))
    }
}

/// One single-item read (GetItem, an item of TransactGetItems or BatchGetItem), parsed.
#[derive(Debug)]
pub struct ReadInput<'a> {
    /// The body holding `TableName`.
    pub request: &'a Value,
    pub key: Result<Item, AwsError>,
}

impl<'a> ReadInput<'a> {
    pub fn new(request: &'a Value) -> ReadInput<'a> {
        ReadInput {
            request,
            key: input::req_item(request, "Key"),
        }
    }

    /// A BatchGetItem key of the table named in `request`.
    pub fn with_key(request: &'a Value, key: &Value) -> ReadInput<'a> {
        ReadInput {
            request,
            key: item_from_json(key),
        }
    }
}

/// A read's ProjectionExpression (or AttributesToGet), parsed.
pub type Projection = Result<Option<Vec<Path>>, AwsError>;
