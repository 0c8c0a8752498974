//! The background executor: work no request waits for — Step Functions executions and
//! EventBridge deliveries — runs on its own runtime, with its own worker threads.
//!
//! Why: a client can make that work unbounded in CPU (a rule whose target's execution puts an
//! event the rule matches again is a loop that never ends, on AWS too). On the request
//! runtime such a loop fills the run queue, and every request — a ListTables, the
//! StopExecution that would end it — waits behind it for seconds. Here the loop gets its own
//! [`WORKERS`] threads, and the operating system's scheduler shares the CPU between them and
//! the threads that answer requests; how much work is queued no longer decides how fast a
//! request is answered. Blocking work the background starts (`spawn_blocking`,
//! `block_in_place` for a long JSONata evaluation) uses the background runtime's own pool, so
//! one slow evaluation holds up neither requests nor other executions.
//!
//! Invariant: a task started here never outlives the emulator. [`Background::stop`] ends the
//! thread's runtime (dropping every task it holds), bounded by [`STOP_GRACE`] for blocking work.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a stopping background runtime waits for its blocking tasks (a JSONata evaluation,
/// a DynamoDB operation) before it leaves them to finish on their own threads.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// The background runtime's worker threads.
const WORKERS: usize = 2;

#[derive(Debug)]
pub(crate) struct Background {
    handle: Handle,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Background {
    /// Starts the background runtime and the thread that owns it.
    pub fn start() -> std::io::Result<Background> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .thread_name("orderlab-background")
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stop_requested) = oneshot::channel::<()>();
        let (done, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("orderlab-background-owner".into())
            .spawn(move || {
                runtime.block_on(async {
                    // An error means the sender is gone: the emulator was dropped. Stop too.
                    let _ = stop_requested.await;
                });
                runtime.shutdown_timeout(STOP_GRACE);
                let _ = done.send(());
            })?;
        Ok(Background {
            handle,
            stop: Mutex::new(Some(stop)),
            stopped: Mutex::new(Some(stopped)),
        })
    }

    /// Runs `future` on the background runtime.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Asks the background runtime to stop (every task it holds is dropped); returns at once.
    pub fn stop(&self) {
        let sender = self.stop.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }

    /// Stops the background runtime and waits (bounded by the caller) until its thread ended.
    pub async fn stop_and_wait(&self) {
        self.stop();
        let stopped = self
            .stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(stopped) = stopped {
            let _ = stopped.await;
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spawned_work_runs_on_the_background_thread() {
        let background = Background::start().unwrap();
        let name = background
            .spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("orderlab-background"));
        background.stop_and_wait().await;
    }

    #[tokio::test]
    async fn stopping_drops_tasks_that_never_end() {
        let background = Background::start().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let endless = background.spawn(async move {
            let _keep = tx;
            std::future::pending::<()>().await;
        });
        background.stop_and_wait().await;
        assert!(rx.await.is_err(), "the task's state was dropped");
        assert!(endless.await.unwrap_err().is_cancelled());
    }
}
