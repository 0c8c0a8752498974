//! The DynamoDB store: a registry of tables, each table behind its own `RwLock`, and the
//! stream logs, each behind its own `Mutex`.
//!
//! An operation names the tables it needs ([`Store::handles`]: the registry's read lock is
//! held only to look them up), then locks them — shared for reads, exclusive for writes —
//! and works on the [`State`] that holds those guards. Reads of one table run in parallel;
//! writes to different tables run in parallel; a write (or a whole transaction) is atomic
//! because every table it touches stays locked from its first read to its commit.
//!
//! Lock order (no operation takes them in any other order, so none deadlocks):
//! 1. the client-request-token ledger (TransactWriteItems with a token only);
//! 2. tables, in ascending name order ([`Handles`] sorts them);
//! 3. the registry (CreateTable and DeleteTable write it; lookups take its read lock and
//!    release it before any table lock);
//! 4. the stream registry, then one stream log.
//!
//! The managed KMS key and the policy revision counter are leaves: nothing is locked while
//! they are held. A stream record takes its sequence number and is appended while its
//! table's write lock is held, so each shard lists records exactly in commit order.
//! DeleteTable marks the table `deleted` under its write lock: an operation that looked the
//! table up before it was removed finds it missing.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{
    Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
};

use super::ops::idempotency::TokenLedger;
use super::streams::StreamLog;
use super::table::{Table, not_found};
use crate::protocol::AwsError;

/// One table, shared between the registry and the operations that looked it up.
pub type SharedTable = Arc<RwLock<Table>>;
/// One stream's change log.
pub type SharedLog = Arc<Mutex<StreamLog>>;

/// Everything DynamoDB and DynamoDB Streams hold.
#[derive(Default)]
pub struct Store {
    tables: RwLock<BTreeMap<String, SharedTable>>,
    /// Stream ARN → change log (kept after the table is deleted, as AWS does for 24 hours).
    streams: Mutex<BTreeMap<String, SharedLog>>,
    /// The last sequence number handed out, shared by every stream.
    last_sequence: AtomicU64,
    /// TransactWriteItems' client request tokens of the last ten minutes.
    client_tokens: Mutex<TokenLedger>,
    /// The key id of the account's AWS managed KMS key for DynamoDB, made on first use.
    managed_kms_key: Mutex<Option<String>>,
    /// The last resource-policy revision id handed out (milliseconds, strictly increasing).
    last_policy_revision: Mutex<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// The registry, for lookups and listing (ListTables).
    pub fn registry(&self) -> RwLockReadGuard<'_, BTreeMap<String, SharedTable>> {
        self.tables.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The registry, to add or remove a table (CreateTable, DeleteTable).
    pub fn registry_mut(&self) -> RwLockWriteGuard<'_, BTreeMap<String, SharedTable>> {
        self.tables.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The named tables that exist (duplicates and missing names dropped), in name order; the
    /// registry is locked only while they are looked up.
    pub fn handles<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Handles<'_> {
        let registry = self.registry();
        let mut tables: BTreeMap<String, SharedTable> = BTreeMap::new();
        for name in names {
            if let Some(table) = registry.get(name) {
                tables.insert(name.to_owned(), table.clone());
            }
        }
        Handles {
            store: self,
            tables,
        }
    }

    /// The next stream sequence number (callers hold the write lock of the table it is for).
    pub fn next_sequence(&self) -> u64 {
        self.last_sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The sequence number the next record will get at the earliest (a new shard's start).
    pub fn upcoming_sequence(&self) -> u64 {
        self.last_sequence.load(Ordering::SeqCst) + 1
    }

    pub fn stream(&self, arn: &str) -> Option<SharedLog> {
        lock(&self.streams).get(arn).cloned()
    }

    pub fn add_stream(&self, log: StreamLog) {
        lock(&self.streams).insert(log.arn.clone(), Arc::new(Mutex::new(log)));
    }

    /// Every stream log, in ARN order (the registry is released before any log is locked).
    pub fn stream_logs(&self) -> Vec<SharedLog> {
        lock(&self.streams).values().cloned().collect()
    }

    /// Marks the stream at `arn` disabled, if there is one.
    pub fn disable_stream(&self, arn: Option<&String>) {
        if let Some(log) = arn.and_then(|arn| self.stream(arn)) {
            lock(&log).enabled = false;
        }
    }

    pub fn tokens(&self) -> MutexGuard<'_, TokenLedger> {
        lock(&self.client_tokens)
    }

    /// The key id of the AWS managed KMS key (`alias/aws/dynamodb`), made once per emulator.
    pub fn managed_kms_key(&self, ids: &crate::ids::Ids) -> String {
        lock(&self.managed_kms_key)
            .get_or_insert_with(|| ids.uuid().to_string())
            .clone()
    }

    /// A new revision id: the clock's milliseconds, strictly increasing.
    pub fn new_policy_revision(&self, now_millis: u64) -> String {
        let mut last = lock(&self.last_policy_revision);
        *last = now_millis.max(*last + 1);
        last.to_string()
    }
}

/// Appends one change to a stream log.
pub fn with_log(log: &SharedLog, append: impl FnOnce(&mut StreamLog)) {
    append(&mut lock(log));
}

/// Reads a stream log.
pub fn read_log<T>(log: &SharedLog, read: impl FnOnce(&StreamLog) -> T) -> T {
    read(&lock(log))
}

/// Tables looked up for one operation, not yet locked.
pub struct Handles<'s> {
    store: &'s Store,
    tables: BTreeMap<String, SharedTable>,
}

thread_local! {
    /// Set while [`without_waiting`] runs an operation on this thread.
    static TRY_ONLY: Cell<bool> = const { Cell::new(false) };
    /// Set when, under [`without_waiting`], a table lock was not free at once.
    static WOULD_BLOCK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `operation` on this thread with every table lock taken only if it is free at once:
/// `None` when one was not. A table whose lock was busy is left out of the operation's
/// [`State`], as a deleted table is, so the operation fails before it changes anything and
/// the caller runs it again where it may wait. Callers pass only operations that lock their
/// tables once (single-item reads and writes).
pub fn without_waiting<T>(operation: impl FnOnce() -> T) -> Option<T> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            TRY_ONLY.with(|t| t.set(false));
        }
    }
    TRY_ONLY.with(|t| t.set(true));
    WOULD_BLOCK.with(|w| w.set(false));
    let reset = Reset;
    let result = operation();
    drop(reset);
    (!WOULD_BLOCK.with(Cell::get)).then_some(result)
}

/// `lock` at once, or — under [`without_waiting`] — `None` when it is busy.
fn take<'a, G>(
    lock: impl FnOnce() -> Result<G, PoisonError<G>>,
    try_lock: impl FnOnce() -> Result<G, TryLockError<G>>,
    held: impl FnOnce(G) -> Held<'a>,
) -> Option<Held<'a>> {
    if !TRY_ONLY.with(Cell::get) {
        return Some(held(lock().unwrap_or_else(PoisonError::into_inner)));
    }
    match try_lock() {
        Ok(guard) => Some(held(guard)),
        Err(TryLockError::Poisoned(poisoned)) => Some(held(poisoned.into_inner())),
        Err(TryLockError::WouldBlock) => {
            WOULD_BLOCK.with(|w| w.set(true));
            None
        }
    }
}

impl Handles<'_> {
    /// Every table locked for reading, in name order.
    pub fn read(&self) -> State<'_> {
        self.lock_all(|t| take(|| t.read(), || t.try_read(), Held::Read))
    }

    /// Every table locked for writing, in name order.
    pub fn write(&self) -> State<'_> {
        self.lock_all(|t| take(|| t.write(), || t.try_write(), Held::Write))
    }

    fn lock_all<'h>(&'h self, take: impl Fn(&'h RwLock<Table>) -> Option<Held<'h>>) -> State<'h> {
        let tables = self
            .tables
            .iter()
            .filter_map(|(name, table)| Some((name.clone(), take(table)?)))
            .filter(|(_, held)| !held.deleted)
            .collect();
        State {
            store: self.store,
            tables,
        }
    }
}

/// A locked table: shared or exclusive.
enum Held<'a> {
    Read(RwLockReadGuard<'a, Table>),
    Write(RwLockWriteGuard<'a, Table>),
}

impl std::ops::Deref for Held<'_> {
    type Target = Table;

    fn deref(&self) -> &Table {
        match self {
            Held::Read(guard) => guard,
            Held::Write(guard) => guard,
        }
    }
}

/// The tables one operation holds locked, and the store around them.
pub struct State<'a> {
    pub store: &'a Store,
    tables: BTreeMap<String, Held<'a>>,
}

impl State<'_> {
    pub fn get(&self, name: &str) -> Option<&Table> {
        self.tables.get(name).map(|held| &**held)
    }

    pub fn table(&self, name: &str) -> Result<&Table, AwsError> {
        self.get(name).ok_or_else(not_found)
    }

    /// A table this operation locked for writing (`ResourceNotFoundException` otherwise).
    pub fn table_mut(&mut self, name: &str) -> Result<&mut Table, AwsError> {
        match self.tables.get_mut(name) {
            Some(Held::Write(guard)) => Ok(guard),
            Some(Held::Read(_)) => Err(AwsError::internal("table locked for reading only")),
            None => Err(not_found()),
        }
    }
}

#[cfg(test)]
mod tests;
