//! Children run concurrently: a Map's iterations and a Parallel's branches, at most `limit` at
//! once (`MaxConcurrency`), results kept in child order.
//!
//! Three ways, one behaviour:
//! - one at a time (a limit of 1, or a single child): each child runs in the parent, one after
//!   another — exactly the sequential interleaving, with no scheduling points added;
//! - on the virtual clock, inside an activity: each child is an activity of its own, so the
//!   seeded scheduler picks their interleaving. The parent registers children while it holds
//!   the turn, then parks on a private [`Signal`] that each child gives as its last act; back
//!   with the turn, it collects what finished and registers the next (`sched.rs`);
//! - otherwise (real time, or a request's own execution): the children are futures polled
//!   together in the parent's task.
//!
//! A child starts from the parent's cursor: the event before the children (MapStateStarted,
//! ParallelStateStarted) or the last event of the child that finished most recently, so each
//! child's `previousEventId` chain stays its own. When a child fails and [`Plan::cut`] is set
//! (inline Map, Parallel), the others stop: each one that gets the turn afterwards ends at
//! once, recording nothing, and the parent drops them when it runs. Each child notes the
//! state it is in ([`entered`]), so the parent can record the `…StateAborted` of the state a
//! stopped child was in.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{BoxFuture, Engine, Failure};
use crate::sched::Signal;
use crate::sfn::asl::StateKind;
use crate::sfn::history::EventType;

tokio::task_local! {
    /// In a child: where it is ([`entered`]).
    static POSITION: Position;
}

/// The state a child is in, as the `…StateAborted` event its stopping would record (only
/// Task, Wait, Map and Parallel states have one); `None` between states.
#[derive(Clone, Default)]
struct Position(Arc<Mutex<Option<EventType>>>);

impl Position {
    fn set(&self, aborted: Option<EventType>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = aborted;
    }

    fn get(&self) -> Option<EventType> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Notes, in a child, that it entered a state of `kind` (`None`: it left its state).
pub fn entered(kind: Option<&StateKind>) {
    let aborted = kind.and_then(|kind| match kind {
        StateKind::Task { .. } => Some(EventType::TaskStateAborted),
        StateKind::Wait(_) => Some(EventType::WaitStateAborted),
        StateKind::Map { .. } => Some(EventType::MapStateAborted),
        StateKind::Parallel { .. } => Some(EventType::ParallelStateAborted),
        _ => None,
    });
    let _ = POSITION.try_with(|position| position.set(aborted));
}

/// How to run the children.
pub struct Plan {
    pub count: usize,
    /// At most this many at once (at least 1).
    pub limit: usize,
    /// The parent's cursor before the first child.
    pub cursor: u64,
    /// A failing child stops the others (inline Map, Parallel; not a distributed Map).
    pub cut: bool,
    /// Check the execution (stopped, history full, deadline) before starting each child,
    /// giving the turn away as between two states (Map: as it did between iterations).
    pub checkpoint_each: bool,
}

/// A started child: its result and the id of its last event.
pub type Child<'a, T> = BoxFuture<'a, (Result<T, Failure>, u64)>;

/// Why the children did not all succeed.
pub enum Stop {
    /// Child `index` failed; `cursor` is its last event; `cut` lists (in order) the children
    /// that were still running and were stopped, each with the `…StateAborted` of the state
    /// it was in.
    Child {
        index: usize,
        failure: Failure,
        cursor: u64,
        cut: Vec<(usize, Option<EventType>)>,
    },
    /// The parent itself failed (starting a child, a check between children, an output);
    /// `cursor` is where the parent's chain stands.
    Parent { failure: Failure, cursor: u64 },
}

impl Stop {
    fn parent(cursor: u64) -> impl FnOnce(Failure) -> Stop {
        move |failure| Stop::Parent { failure, cursor }
    }
}

/// Every child's output, in child order, the parent's cursor after the last one and which
/// child finished last.
pub struct Done<T> {
    pub outputs: Vec<T>,
    pub cursor: u64,
    pub last: Option<usize>,
}

/// A child as the parent polls it.
type Running<'b, T> = Pin<Box<dyn Future<Output = Finished<T>> + Send + 'b>>;

struct Finished<T> {
    index: usize,
    /// `None`: stopped because a sibling failed.
    result: Option<Result<T, Failure>>,
    cursor: u64,
}

/// Runs `plan.count` children. `start(index, cursor)` starts one (recording what precedes
/// it); `accept` sees each output as it arrives (a size budget) and may fail the parent.
pub async fn run<'a, T, S, A>(
    engine: &'a Engine,
    plan: Plan,
    mut start: S,
    mut accept: A,
) -> Result<Done<T>, Stop>
where
    T: Send + 'a,
    S: FnMut(usize, u64) -> Result<Child<'a, T>, Failure> + Send,
    A: FnMut(&T) -> Result<(), Failure> + Send,
{
    if plan.limit <= 1 || plan.count <= 1 {
        return one_at_a_time(engine, plan, start, accept).await;
    }
    let sched = &engine.ctx.sched;
    let scheduled = sched.in_activity();
    let signal = sched.private_signal();
    let stopping = AtomicBool::new(false);
    let positions: Vec<Position> = (0..plan.count).map(|_| Position::default()).collect();
    let mut outputs: Vec<Option<T>> = (0..plan.count).map(|_| None).collect();
    let mut running: FuturesUnordered<Running<'_, T>> = FuturesUnordered::new();
    let (mut next, mut cursor, mut last) = (0, plan.cursor, None);
    loop {
        while next < plan.count && running.len() < plan.limit {
            if plan.checkpoint_each {
                engine.check_running().map_err(Stop::parent(cursor))?;
            }
            let child = start(next, cursor).map_err(Stop::parent(cursor))?;
            let position = positions.get(next).cloned().unwrap_or_default();
            let child = POSITION.scope(position, wrap(child, next, plan.cut, &stopping, &signal));
            let child: Running<'_, T> = if scheduled {
                Box::pin(sched.activity(child))
            } else {
                Box::pin(child)
            };
            running.push(child);
            next += 1;
        }
        if running.is_empty() {
            break;
        }
        let finished = if scheduled {
            collect(&mut running, &signal).await
        } else {
            running.next().await.into_iter().collect()
        };
        for done in finished {
            match done.result {
                Some(Ok(output)) => {
                    cursor = done.cursor;
                    last = Some(done.index);
                    accept(&output).map_err(Stop::parent(cursor))?;
                    if let Some(slot) = outputs.get_mut(done.index) {
                        *slot = Some(output);
                    }
                }
                Some(Err(failure)) => {
                    let cut = (0..next)
                        .filter(|&i| i != done.index)
                        .filter(|&i| outputs.get(i).is_some_and(Option::is_none))
                        .map(|i| (i, positions.get(i).and_then(Position::get)))
                        .collect();
                    return Err(Stop::Child {
                        index: done.index,
                        failure,
                        cursor: done.cursor,
                        cut,
                    });
                }
                None => {} // stopped by a failure collected in this same round
            }
        }
    }
    Ok(Done {
        outputs: outputs.into_iter().flatten().collect(),
        cursor,
        last,
    })
}

/// Each child in the parent, one after another.
async fn one_at_a_time<'a, T, S, A>(
    engine: &'a Engine,
    plan: Plan,
    mut start: S,
    mut accept: A,
) -> Result<Done<T>, Stop>
where
    S: FnMut(usize, u64) -> Result<Child<'a, T>, Failure>,
    A: FnMut(&T) -> Result<(), Failure>,
{
    let mut outputs = Vec::with_capacity(plan.count);
    let (mut cursor, mut finished) = (plan.cursor, None);
    for index in 0..plan.count {
        if plan.checkpoint_each {
            engine.checkpoint().await.map_err(Stop::parent(cursor))?;
        }
        let child = start(index, cursor).map_err(Stop::parent(cursor))?;
        // A position of its own, so its states do not overwrite the parent's.
        let (result, last) = POSITION.scope(Position::default(), child).await;
        match result {
            Ok(output) => {
                cursor = last;
                finished = Some(index);
                accept(&output).map_err(Stop::parent(cursor))?;
                outputs.push(output);
            }
            Err(failure) => {
                return Err(Stop::Child {
                    index,
                    failure,
                    cursor: last,
                    cut: Vec::new(),
                });
            }
        }
    }
    Ok(Done {
        outputs,
        cursor,
        last: finished,
    })
}

/// A child that ends at once, recording nothing, once a sibling has failed (when `cut`),
/// and gives the parent's signal as its last act.
async fn wrap<T>(
    mut child: Child<'_, T>,
    index: usize,
    cut: bool,
    stopping: &AtomicBool,
    signal: &Signal<'_>,
) -> Finished<T> {
    let ran = poll_fn(|cx| {
        if cut && stopping.load(Ordering::SeqCst) {
            return Poll::Ready(None);
        }
        child.as_mut().poll(cx).map(Some)
    })
    .await;
    let Some((result, cursor)) = ran else {
        return Finished {
            index,
            result: None,
            cursor: 0,
        };
    };
    if cut && result.is_err() {
        stopping.store(true, Ordering::SeqCst);
    }
    signal.notify();
    Finished {
        index,
        result: Some(result),
        cursor,
    }
}

/// Parks the parent until a child gives the signal, collecting every child that finishes
/// meanwhile (in the order they finished).
async fn collect<T>(
    running: &mut FuturesUnordered<Running<'_, T>>,
    signal: &Signal<'_>,
) -> Vec<Finished<T>> {
    let mut finished = Vec::new();
    let wait = signal.wait();
    tokio::pin!(wait);
    loop {
        tokio::select! {
            biased;
            Some(done) = running.next(), if !running.is_empty() => finished.push(done),
            _ = &mut wait => return finished,
        }
    }
}
