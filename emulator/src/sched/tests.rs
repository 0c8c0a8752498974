//! The scheduler on its own: one activity at a time, the order a function of the seed, timers
//! on one timeline, holds, signals, a dropped activity giving the turn back, and an
//! activity's children (a Map's iterations) interleaved by the seed within a limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Scheduler, lock};
use crate::clock::{Clock, ClockMode};

fn scheduler(seed: u64) -> (Arc<Scheduler>, Arc<Clock>) {
    let clock = Arc::new(Clock::new(ClockMode::Virtual));
    let sched = Arc::new(Scheduler::new(true, seed, clock.offset_handle()));
    (sched, clock)
}

/// Runs `n` activities that each yield `steps` times, recording (activity, step) as they go;
/// checks that no two ever run at once.
async fn interleaving(seed: u64, n: usize, steps: usize) -> Vec<(usize, usize)> {
    let (sched, _) = scheduler(seed);
    let log = Arc::new(Mutex::new(Vec::new()));
    let running = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    // Registered from outside any activity, so held until all are in (as the harness does).
    sched.hold();
    for activity in 0..n {
        let (sched2, log, running) = (sched.clone(), log.clone(), running.clone());
        let work = sched.activity(async move {
            for step in 0..steps {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "two at once");
                log.lock().unwrap().push((activity, step));
                tokio::task::yield_now().await; // real concurrency would show here
                running.fetch_sub(1, Ordering::SeqCst);
                sched2.yield_now().await;
            }
        });
        tasks.push(tokio::spawn(work));
    }
    sched.release();
    for task in tasks {
        task.await.unwrap();
    }
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), n * steps);
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_order_is_a_function_of_the_seed() {
    let first = interleaving(7, 8, 5).await;
    for _ in 0..5 {
        assert_eq!(interleaving(7, 8, 5).await, first);
    }
    let mut differs = false;
    for seed in [1, 2, 3] {
        differs |= interleaving(seed, 8, 5).await != first;
    }
    assert!(differs, "three other seeds all gave seed 7's interleaving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sleeper_sees_only_its_own_wait() {
    let (sched, clock) = scheduler(1);
    let start = clock.now();
    let spawn = |seconds: u64| {
        let (sched2, clock) = (sched.clone(), clock.clone());
        tokio::spawn(sched.activity(async move {
            let before = clock.now();
            sched2.sleep(Duration::from_secs(seconds)).await;
            clock.now().duration_since(before).unwrap()
        }))
    };
    let long = spawn(3600);
    let short = spawn(5);
    assert_eq!(short.await.unwrap(), Duration::from_secs(5));
    assert_eq!(long.await.unwrap(), Duration::from_secs(3600));
    assert_eq!(
        clock.now().duration_since(start).unwrap(),
        Duration::from_secs(3600),
        "the two waits overlap on one timeline; they do not add up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_does_not_move_while_a_request_is_in_flight() {
    let (sched, clock) = scheduler(1);
    let start = clock.now();
    let request = sched.request();
    let sched2 = sched.clone();
    let sleeper = tokio::spawn(sched.activity(async move {
        sched2.sleep(Duration::from_secs(60)).await;
    }));
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(clock.now(), start);
    assert!(!sleeper.is_finished());
    drop(request);
    sleeper.await.unwrap();
    assert_eq!(clock.now(), start + Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_starts_nothing_until_released() {
    let (sched, _) = scheduler(1);
    sched.hold();
    let ran = Arc::new(AtomicUsize::new(0));
    let ran2 = ran.clone();
    let task = tokio::spawn(sched.activity(async move {
        ran2.fetch_add(1, Ordering::SeqCst);
    }));
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    sched.release();
    task.await.unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_given_before_the_wait_is_kept() {
    let (sched, _) = scheduler(1);
    sched.notify("stream");
    let sched2 = sched.clone();
    let waited = tokio::spawn(sched.activity(async move { sched2.wait("stream").await }));
    assert!(waited.await.unwrap());
    // Outside an activity a wait does nothing and says so.
    assert!(!sched.wait("stream").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_runs_when_signalled() {
    let (sched, _) = scheduler(1);
    let sched2 = sched.clone();
    let waiter = tokio::spawn(sched.activity(async move { sched2.wait("stream").await }));
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!waiter.is_finished());
    sched.notify("stream");
    assert!(waiter.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_wait_wakes_on_the_signal_without_moving_time() {
    let (sched, clock) = scheduler(1);
    let start = clock.now();
    let request = sched.request(); // a request in flight: time stands still meanwhile
    let sched2 = sched.clone();
    let waiter = tokio::spawn(
        sched.activity(async move { sched2.wait_for("token", Duration::from_secs(60)).await }),
    );
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!waiter.is_finished());
    sched.notify("token");
    assert!(waiter.await.unwrap());
    drop(request);
    assert_eq!(clock.now(), start, "the signal came first: no time passed");
    // A signal given after the waiter is gone is forgotten, not kept for a later wait.
    sched.notify("token");
    sched.forget("token");
    let sched3 = sched.clone();
    let clock3 = clock.clone();
    let later = tokio::spawn(sched.activity(async move {
        sched3.wait_for("token", Duration::from_secs(5)).await;
        clock3.now()
    }));
    assert_eq!(later.await.unwrap(), start + Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_wait_wakes_on_its_timer_among_other_sleepers() {
    let (sched, clock) = scheduler(1);
    let start = clock.now();
    let (sched2, clock2) = (sched.clone(), clock.clone());
    let waiter = tokio::spawn(sched.activity(async move {
        sched2.wait_for("token", Duration::from_secs(60)).await;
        clock2.now()
    }));
    let sched3 = sched.clone();
    let sleeper = tokio::spawn(sched.activity(async move {
        sched3.sleep(Duration::from_secs(100)).await;
    }));
    assert_eq!(waiter.await.unwrap(), start + Duration::from_secs(60));
    sleeper.await.unwrap();
    assert_eq!(clock.now(), start + Duration::from_secs(100));
    // Outside an activity a timed wait does nothing and says so.
    assert!(!sched.wait_for("token", Duration::from_secs(1)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_activity_gives_the_turn_back() {
    let (sched, _) = scheduler(1);
    let stuck = tokio::spawn(sched.activity(std::future::pending::<()>()));
    let after = tokio::spawn(sched.activity(async { 42 }));
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    stuck.abort();
    assert_eq!(after.await.unwrap(), 42);
}

#[tokio::test]
async fn off_in_real_time() {
    let clock = Clock::new(ClockMode::Real);
    let sched = Scheduler::new(false, 1, clock.offset_handle());
    assert!(!sched.sleep(Duration::from_secs(5)).await);
    assert_eq!(sched.activity(async { 1 }).await, 1);
}

/// A parent activity runs `children` children of `steps` yields each, at most `limit` at once,
/// the way a Map does: registered while it holds the turn, collected after it parks on its
/// private signal. Returns the log of (child, step) and the most children seen in flight.
async fn fan_out(
    seed: u64,
    children: usize,
    steps: usize,
    limit: usize,
) -> (Vec<(usize, usize)>, usize) {
    let (sched, _) = scheduler(seed);
    let log = Arc::new(Mutex::new(Vec::new()));
    let sched2 = sched.clone();
    let log2 = log.clone();
    let parent = sched.activity(async move {
        let sched = sched2;
        let signal = sched.private_signal();
        let running = AtomicUsize::new(0);
        let (mut in_flight, mut most, mut next, mut finished) = (0, 0, 0, 0);
        let mut pending = futures_util::stream::FuturesUnordered::new();
        while finished < children {
            while next < children && in_flight < limit {
                let (sched, log, running, signal) = (&sched, &log2, &running, &signal);
                let child = next;
                pending.push(sched.activity(async move {
                    for step in 0..steps {
                        assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "two at once");
                        log.lock().unwrap().push((child, step));
                        tokio::task::yield_now().await;
                        running.fetch_sub(1, Ordering::SeqCst);
                        sched.yield_now().await;
                    }
                    signal.notify();
                }));
                next += 1;
                in_flight += 1;
                most = most.max(in_flight);
            }
            let wait = signal.wait();
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    biased;
                    Some(()) = futures_util::StreamExt::next(&mut pending), if !pending.is_empty() => {
                        in_flight -= 1;
                        finished += 1;
                    }
                    parked = &mut wait => {
                        assert!(parked, "the parent is an activity: it parks");
                        break;
                    }
                }
            }
        }
        most
    });
    let most = tokio::spawn(parent).await.unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), children * steps);
    (log, most)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_an_activity_interleave_by_the_seed_within_the_limit() {
    let (first, most) = fan_out(5, 6, 4, 3).await;
    assert_eq!(most, 3, "the limit is reached and never passed");
    for _ in 0..4 {
        assert_eq!(
            fan_out(5, 6, 4, 3).await.0,
            first,
            "same seed, same interleaving"
        );
    }
    let runs = 1 + first
        .windows(2)
        .filter(|pair| pair[0].0 != pair[1].0)
        .count();
    assert!(runs > 6, "the children ran one after another: {first:?}");
    let mut differs = false;
    for seed in [1, 2, 3] {
        differs |= fan_out(seed, 6, 4, 3).await.0 != first;
    }
    assert!(differs, "three other seeds all gave seed 5's interleaving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_signal_leaves_nothing_behind() {
    let (sched, _) = scheduler(1);
    let sched2 = sched.clone();
    tokio::spawn(sched.activity(async move {
        let signal = sched2.private_signal();
        signal.notify(); // given while nobody waits: kept as pending
        let other = sched2.private_signal();
        assert_ne!(signal.name, other.name);
        assert_eq!(lock(&sched2.inner).pending.len(), 1);
    }))
    .await
    .unwrap();
    let inner = lock(&sched.inner);
    assert!(inner.pending.is_empty() && inner.waiting.is_empty());
}

#[tokio::test]
async fn a_private_signal_does_nothing_in_real_time() {
    let clock = Clock::new(ClockMode::Real);
    let sched = Scheduler::new(false, 1, clock.offset_handle());
    let signal = sched.private_signal();
    signal.notify();
    assert!(!signal.wait().await);
}
