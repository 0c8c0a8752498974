//! CPU-heavy work a request waits for runs here, not on the threads that answer requests: a
//! DynamoDB operation that may read or write much (a Scan or Query, which read up to 1 MB, or
//! any request with over 8 KB of text: `dynamodb::is_heavy`), and the parse or the
//! serialization of a JSON body over [`LARGE_BODY_BYTES`]. The pool's threads run at a lower priority (nice
//! [`NICE`]) than the request threads, so when both want the CPU the operating system gives it
//! to the short requests first: 1 MB Scan pages on one table do not hold up a GetItem on
//! another (`examples/bench_isolation.rs`, docs/performance.md).
//!
//! The pool is the blocking pool of a runtime of its own (it runs no async task), shared by
//! every emulator in the process; idle threads exit after tokio's keep-alive (10 s). Where the
//! runtime cannot be made, work runs on the caller's runtime's blocking pool instead.

use std::sync::LazyLock;

use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::task::JoinError;

/// The heavy threads' nice value: a weight about a tenth of a request thread's (Linux CFS).
const NICE: i32 = 10;

/// Request or answer text above which its JSON is parsed or serialized here.
pub const LARGE_BODY_BYTES: usize = 64 * 1024;

static POOL: LazyLock<Option<Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .thread_name("orderlab-heavy")
        .on_thread_start(lower_priority)
        .build()
        .ok()
});

/// Lowers the calling thread's priority (Linux: `setpriority` on a thread id of 0 applies to
/// the calling thread alone). Raising one's own nice value needs no privilege; a failure
/// leaves the thread at normal priority, which is correct, only less isolated.
fn lower_priority() {
    // SAFETY: setpriority takes plain integers and touches no memory of ours.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICE) };
}

/// Runs `work` on the heavy pool; a panic in it is the `JoinError`.
pub async fn run<F, T>(work: F) -> Result<T, JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match POOL.as_ref() {
        Some(pool) => pool.handle().spawn_blocking(work).await,
        None => tokio::task::spawn_blocking(work).await,
    }
}

/// Whether `value`'s strings, keys and numbers add up to at most `budget` bytes (stops as
/// soon as they do not: the walk costs at most the budget).
pub fn text_within(value: &Value, budget: &mut usize) -> bool {
    match value {
        Value::String(s) => spend(budget, s.len()),
        Value::Number(n) => spend(budget, n.as_str().len()),
        Value::Array(items) => {
            spend(budget, items.len()) && items.iter().all(|v| text_within(v, budget))
        }
        Value::Object(map) => {
            spend(budget, map.len())
                && map
                    .iter()
                    .all(|(k, v)| spend(budget, k.len()) && text_within(v, budget))
        }
        Value::Bool(_) | Value::Null => spend(budget, 1),
    }
}

/// Takes `n` from `budget`; `false` (budget unchanged) when it holds less.
fn spend(budget: &mut usize, n: usize) -> bool {
    match budget.checked_sub(n) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_a_lower_priority_thread_and_panics_are_errors() {
        let (name, nice) = run(|| {
            let name = std::thread::current().name().map(str::to_owned);
            // SAFETY: getpriority takes plain integers and touches no memory of ours.
            (name, unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
        })
        .await
        .expect("the work ran");
        assert_eq!(name.as_deref(), Some("orderlab-heavy"));
        // SAFETY: as above.
        let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(
            nice,
            (ours + NICE).min(19),
            "the heavy thread is {NICE} nicer"
        );
        assert!(run(|| panic!("boom")).await.is_err());
    }

    #[test]
    fn the_text_budget_stops_at_its_bound() {
        let small = serde_json::json!({"k": "v", "n": 1});
        assert!(text_within(&small, &mut 8));
        assert!(!text_within(&small, &mut 4));
        let big = serde_json::json!({"Items": vec!["x".repeat(100); 1000]});
        assert!(!text_within(&big, &mut LARGE_BODY_BYTES.clone()));
    }
}
