//! The seeded scheduler: on the virtual clock, what runs when.
//!
//! Work no request waits for — an execution, an event delivery, an event source mapping's
//! batch, an asynchronous invocation — is an *activity*. On the virtual clock at most one
//! activity runs at a time: it holds the *turn* until it yields (between two states), sleeps
//! (a `Wait`, a retry back-off), waits for a signal (a mapping for its stream) or ends. Whoever
//! takes the turn next is drawn from the ready activities by a seeded generator, so the order
//! in which concurrent work interleaves is a function of the seed alone: the same scenario and
//! seed give the same run, another seed another interleaving.
//!
//! A wait for a signal may also have a timer ([`Scheduler::wait_for`], a Task waiting for its
//! callback): whichever comes first wakes it.
//!
//! Time is discrete: it moves only when the system is quiescent — no activity holds the turn
//! or is ready, no HTTP request is in flight and nobody holds the scheduler — and then it jumps
//! to the earliest timer, whose activity runs next. So one execution's hour of back-off never
//! moves another execution's deadline, and a real Lambda process taking a real second does not
//! move virtual time at all.
//!
//! Invariants: an activity is registered — made ready — synchronously by whoever starts it,
//! while that one holds the turn (or from a request), so the ready set never depends on how the
//! OS scheduled threads; every turn ends when its activity's task ends or is dropped ([`Guard`]),
//! so a stopped or panicked execution never keeps the turn. Activities do their real work —
//! Lambda processes, DynamoDB — while holding the turn: real processes stay real, the scheduler
//! decides only the order. In real-time mode the scheduler is off: activities run as tasks do,
//! sleeps are real.
//!
//! Concurrency inside an activity (a Map's iterations, a Parallel's branches): the parent,
//! holding the turn, registers each child as an activity of its own and parks on a
//! [`Signal`] of its own; each child gives that signal as its last act while it still holds
//! the turn, so the parent becomes ready again at a point the seed decides, collects what
//! finished and registers the next children — all while it holds the turn.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::oneshot;

tokio::task_local! {
    /// The activity the current task runs, if it is one.
    static CURRENT: u64;
}

/// The scheduler; one per emulator.
pub(crate) struct Scheduler {
    enabled: bool,
    inner: Arc<Mutex<Inner>>,
}

/// One parked activity and how to hand it the turn.
struct Entry {
    id: u64,
    wake: oneshot::Sender<()>,
}

struct Inner {
    rng: ChaCha8Rng,
    next_id: u64,
    next_timer: u64,
    next_signal: u64,
    holder: Option<u64>,
    ready: Vec<Entry>,
    /// Sleeping activities by (due time in virtual microseconds, registration order).
    timers: BTreeMap<(u64, u64), Entry>,
    /// Activities waiting for a named signal, in the order they began to wait.
    waiting: HashMap<String, Vec<Entry>>,
    /// Activities waiting for a named signal or a timer ([`Scheduler::wait_for`]): the keys of
    /// their entries in `timers`, by signal.
    timed: HashMap<String, Vec<(u64, u64)>>,
    /// Signals given while nobody waited for them.
    pending: HashSet<String>,
    /// `hold` calls not yet released: nothing is dispatched while any is outstanding.
    holds: usize,
    /// HTTP requests in flight: time does not move while any is.
    requests: usize,
    /// Virtual time, shared with the clock (its offset in microseconds).
    now: Arc<AtomicU64>,
}

impl Scheduler {
    /// `enabled` on the virtual clock; `now` is the clock's virtual offset.
    pub fn new(enabled: bool, seed: u64, now: Arc<AtomicU64>) -> Scheduler {
        Scheduler {
            enabled,
            inner: Arc::new(Mutex::new(Inner {
                rng: ChaCha8Rng::seed_from_u64(seed),
                next_id: 0,
                next_timer: 0,
                next_signal: 0,
                holder: None,
                ready: Vec::new(),
                timers: BTreeMap::new(),
                waiting: HashMap::new(),
                timed: HashMap::new(),
                pending: HashSet::new(),
                holds: 0,
                requests: 0,
                now,
            })),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Makes `future` an activity: registered ready now, run when it is given the turn. The
    /// caller spawns the returned future wherever it likes.
    pub fn activity<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        let registered = self.enabled.then(|| {
            let mut inner = lock(&self.inner);
            let id = inner.next_id;
            inner.next_id += 1;
            let (wake, woken) = oneshot::channel();
            inner.ready.push(Entry { id, wake });
            inner.dispatch();
            let guard = Guard {
                inner: self.inner.clone(),
                id,
            };
            (id, woken, guard)
        });
        async move {
            match registered {
                None => future.await,
                Some((id, woken, guard)) => {
                    let _guard = guard;
                    let _ = woken.await;
                    CURRENT.scope(id, future).await
                }
            }
        }
    }

    /// True on the virtual clock inside an activity: the caller holds (or waits for) the turn,
    /// so it can park and run children as activities of their own.
    pub fn in_activity(&self) -> bool {
        self.enabled && CURRENT.try_with(|_| ()).is_ok()
    }

    /// A signal nobody else gives or waits for ([`Signal`]).
    pub fn private_signal(&self) -> Signal<'_> {
        let name = self.enabled.then(|| {
            let mut inner = lock(&self.inner);
            let id = inner.next_signal;
            inner.next_signal += 1;
            format!("\0private:{id}")
        });
        Signal { sched: self, name }
    }

    /// Gives the turn to another ready activity (chosen by the seed), then waits for it back.
    /// Outside an activity, or in real time, yields to the runtime.
    pub async fn yield_now(&self) {
        match self.parked(|inner, entry| inner.ready.push(entry)) {
            Some(woken) => {
                let _ = woken.await;
            }
            None => tokio::task::yield_now().await,
        }
    }

    /// Sleeps `duration` of virtual time on the shared timeline. Outside an activity it
    /// returns `false` and does nothing: the caller falls back to the clock.
    pub async fn sleep(&self, duration: Duration) -> bool {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        let parked = self.parked(|inner, entry| {
            let due = inner.now.load(Ordering::SeqCst).saturating_add(micros);
            let order = inner.next_timer;
            inner.next_timer += 1;
            inner.timers.insert((due, order), entry);
        });
        match parked {
            Some(woken) => {
                let _ = woken.await;
                true
            }
            None => false,
        }
    }

    /// Waits until `signal` is given (at once if it was given since the last wait). Outside
    /// an activity it returns `false` at once.
    pub async fn wait(&self, signal: &str) -> bool {
        if !self.enabled || CURRENT.try_with(|_| ()).is_err() {
            return false;
        }
        {
            let mut inner = lock(&self.inner);
            if inner.pending.remove(signal) {
                return true;
            }
        }
        let parked = self.parked(|inner, entry| {
            inner
                .waiting
                .entry(signal.to_owned())
                .or_default()
                .push(entry)
        });
        if let Some(woken) = parked {
            let _ = woken.await;
        }
        true
    }

    /// Waits until `signal` is given or `duration` of virtual time has passed, whichever comes
    /// first (at once if the signal was given since the last wait): the caller looks again at
    /// what it waits for. Outside an activity, or in real time, it returns `false` at once.
    pub async fn wait_for(&self, signal: &str, duration: Duration) -> bool {
        if !self.enabled {
            return false;
        }
        let Ok(id) = CURRENT.try_with(|id| *id) else {
            return false;
        };
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        let (wake, woken) = oneshot::channel();
        {
            // One lock from the pending check to the parking: a signal cannot slip between.
            let mut inner = lock(&self.inner);
            if inner.pending.remove(signal) {
                return true;
            }
            let due = inner.now.load(Ordering::SeqCst).saturating_add(micros);
            let key = (due, inner.next_timer);
            inner.next_timer += 1;
            inner.timers.insert(key, Entry { id, wake });
            inner.timed.entry(signal.to_owned()).or_default().push(key);
            if inner.holder == Some(id) {
                inner.holder = None;
            }
            inner.dispatch();
        }
        let _ = woken.await;
        true
    }

    /// Forgets `signal`: a signal given that nobody will wait for, and what is left of timed
    /// waits for it (whoever waited for it is done with it).
    pub fn forget(&self, signal: &str) {
        if !self.enabled {
            return;
        }
        let mut inner = lock(&self.inner);
        inner.pending.remove(signal);
        inner.timed.remove(signal);
    }

    /// Gives `signal`: every activity waiting for it becomes ready, in the order they began to
    /// wait (plain waits first, then timed ones); with none waiting, the next wait returns at
    /// once.
    pub fn notify(&self, signal: &str) {
        if !self.enabled {
            return;
        }
        let mut inner = lock(&self.inner);
        let mut woke = false;
        if let Some(waiters) = inner.waiting.remove(signal) {
            inner.ready.extend(waiters);
            woke = true;
        }
        for key in inner.timed.remove(signal).unwrap_or_default() {
            if let Some(entry) = inner.timers.remove(&key) {
                inner.ready.push(entry);
                woke = true;
            }
        }
        if !woke {
            inner.pending.insert(signal.to_owned());
        }
        inner.dispatch();
    }

    /// Stops dispatching until [`Scheduler::release`]: what is submitted meanwhile (a
    /// scenario's orders) is all in place before anything it starts runs.
    pub fn hold(&self) {
        lock(&self.inner).holds += 1;
    }

    /// Ends one [`Scheduler::hold`].
    pub fn release(&self) {
        let mut inner = lock(&self.inner);
        inner.holds = inner.holds.saturating_sub(1);
        inner.dispatch();
    }

    /// Counts an HTTP request in flight until the returned guard drops.
    pub fn request(&self) -> RequestGuard {
        if self.enabled {
            lock(&self.inner).requests += 1;
        }
        RequestGuard {
            inner: self.enabled.then(|| self.inner.clone()),
        }
    }

    /// Parks the current activity with `place` (which files its entry), gives the turn away
    /// and returns what wakes it; `None` outside an activity or in real time.
    fn parked(&self, place: impl FnOnce(&mut Inner, Entry)) -> Option<oneshot::Receiver<()>> {
        if !self.enabled {
            return None;
        }
        let id = CURRENT.try_with(|id| *id).ok()?;
        let (wake, woken) = oneshot::channel();
        let mut inner = lock(&self.inner);
        place(&mut inner, Entry { id, wake });
        if inner.holder == Some(id) {
            inner.holder = None;
        }
        inner.dispatch();
        Some(woken)
    }
}

impl Inner {
    /// With nobody holding the turn, hands it to a ready activity drawn by the seed; with
    /// none ready and the system quiescent, moves time to the earliest timer and wakes it.
    fn dispatch(&mut self) {
        while self.holder.is_none() && self.holds == 0 {
            if !self.ready.is_empty() {
                let index = self.rng.random_range(0..self.ready.len());
                let entry = self.ready.swap_remove(index);
                if self.grant(entry) {
                    return;
                }
                continue;
            }
            if self.requests > 0 {
                return;
            }
            let Some(((due, _), entry)) = self.timers.pop_first() else {
                return;
            };
            if entry.wake.is_closed() {
                continue; // its activity was dropped (a stopped execution): no time passes
            }
            self.now.fetch_max(due, Ordering::SeqCst);
            if self.grant(entry) {
                return;
            }
        }
    }

    fn grant(&mut self, entry: Entry) -> bool {
        if entry.wake.send(()).is_ok() {
            self.holder = Some(entry.id);
            true
        } else {
            false
        }
    }
}

/// Ends an activity's turn when its task ends or is dropped.
struct Guard {
    inner: Arc<Mutex<Inner>>,
    id: u64,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut inner = lock(&self.inner);
        if inner.holder == Some(self.id) {
            inner.holder = None;
            inner.dispatch();
        }
    }
}

/// A parent's own signal ([`Scheduler::private_signal`]): the parent parks on it while the
/// children it registered run; each child gives it as its last act. Dropped (the parent
/// finished or was stopped), it leaves nothing behind in the scheduler. In real time, or
/// outside an activity, it does nothing.
pub(crate) struct Signal<'a> {
    sched: &'a Scheduler,
    name: Option<String>,
}

impl Signal<'_> {
    /// Makes the parked parent ready (a child's last act, while it holds the turn).
    pub fn notify(&self) {
        if let Some(name) = &self.name {
            self.sched.notify(name);
        }
    }

    /// Gives the turn away until the signal is given *after* this call: a signal given
    /// before — by children the caller has already collected — is forgotten. Returns `false`
    /// at once where there is nothing to park (real time, outside an activity).
    pub async fn wait(&self) -> bool {
        let Some(name) = self.name.as_deref() else {
            return false;
        };
        if !self.sched.in_activity() {
            return false;
        }
        lock(&self.sched.inner).pending.remove(name);
        let parked = self.sched.parked(|inner, entry| {
            inner
                .waiting
                .entry(name.to_owned())
                .or_default()
                .push(entry)
        });
        if let Some(woken) = parked {
            let _ = woken.await;
        }
        true
    }
}

impl Drop for Signal<'_> {
    fn drop(&mut self) {
        if let Some(name) = &self.name {
            let mut inner = lock(&self.sched.inner);
            inner.pending.remove(name);
            inner.waiting.remove(name);
        }
    }
}

/// An HTTP request in flight ([`Scheduler::request`]).
pub(crate) struct RequestGuard {
    inner: Option<Arc<Mutex<Inner>>>,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if let Some(inner) = &self.inner {
            let mut inner = lock(inner);
            inner.requests = inner.requests.saturating_sub(1);
            inner.dispatch();
        }
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
