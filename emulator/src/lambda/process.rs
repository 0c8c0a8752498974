//! One function instance's `bootstrap` process: started with a clean environment in its own
//! process group, its output forwarded to tracing, and reaped by a watcher task that, when
//! asked (or when the bootstrap exits), kills everything the instance started — its whole
//! process tree, `setsid` grandchildren included (see [`super::process_tree`]) — reaps it,
//! and reports how the bootstrap ended.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::process_tree::{self, Doomed};
use super::runtime_api::Outcome;

pub(crate) use super::process_tree::become_subreaper;

/// Every watcher task ever started, so shutdown can kill and await them all.
#[derive(Default)]
pub struct Reaper {
    processes: Mutex<HashMap<u64, Watched>>,
    /// The most recent [`PIDS_KEPT`] bootstrap pids, oldest first.
    pids: Mutex<std::collections::VecDeque<u32>>,
}

/// How many bootstrap pids [`Reaper::pids`] remembers (bounded: a long session starts
/// processes without end).
const PIDS_KEPT: usize = 65_536;

struct Watched {
    /// Asks the watcher to kill the instance; carries processes already killed synchronously
    /// (by [`Reaper::kill_all_now`]) that the watcher must still reap.
    kill: Option<oneshot::Sender<Vec<Doomed>>>,
    watcher: JoinHandle<()>,
    pid: u32,
    /// `AWS_LAMBDA_RUNTIME_API=ADDR`: what every process of the instance inherits.
    marker: String,
    /// Set once tokio has reaped the bootstrap: from then on its pid may name another process.
    reaped: Arc<AtomicBool>,
}

impl Reaper {
    /// Starts `bootstrap` in `code_dir` with exactly `env`; returns its pid.
    pub fn spawn(
        &self,
        instance_id: u64,
        function_name: &str,
        code_dir: &Path,
        env: &[(String, String)],
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> std::io::Result<u32> {
        let mut child = Command::new(code_dir.join("bootstrap"))
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(code_dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().unwrap_or_default();
        forward_output(child.stdout.take(), function_name, "stdout");
        forward_output(child.stderr.take(), function_name, "stderr");
        let marker = env
            .iter()
            .find(|(k, _)| k == "AWS_LAMBDA_RUNTIME_API")
            .map(|(k, v)| format!("{k}={v}"))
            .unwrap_or_default();
        let (kill, killed) = oneshot::channel();
        let reaped = Arc::new(AtomicBool::new(false));
        let watcher = tokio::spawn(watch(
            Bootstrap {
                child,
                pid,
                marker: marker.clone(),
                reaped: reaped.clone(),
            },
            killed,
            outcomes,
        ));
        let mut processes = lock(&self.processes);
        processes.retain(|_, w| !w.watcher.is_finished());
        processes.insert(
            instance_id,
            Watched {
                kill: Some(kill),
                watcher,
                pid,
                marker,
                reaped,
            },
        );
        let mut pids = lock(&self.pids);
        if pids.len() == PIDS_KEPT {
            pids.pop_front();
        }
        pids.push_back(pid);
        Ok(pid)
    }

    /// Asks the instance's watcher to kill everything the instance started.
    pub fn kill(&self, instance_id: u64) {
        if let Some(watched) = lock(&self.processes).get_mut(&instance_id)
            && let Some(kill) = watched.kill.take()
        {
            let _ = kill.send(Vec::new());
        }
    }

    /// Kills everything the instance started and waits until it is all reaped.
    pub(crate) async fn kill_and_wait(&self, instance_id: u64) {
        let watched = lock(&self.processes).remove(&instance_id);
        if let Some(mut watched) = watched {
            if let Some(kill) = watched.kill.take() {
                let _ = kill.send(Vec::new());
            }
            let _ = watched.watcher.await;
        }
    }

    /// Kills every instance's processes and waits until each is reaped.
    pub async fn kill_all(&self) {
        let mut watched: Vec<Watched> = lock(&self.processes).drain().map(|(_, w)| w).collect();
        for w in watched.iter_mut() {
            if let Some(kill) = w.kill.take() {
                let _ = kill.send(Vec::new());
            }
        }
        for w in watched {
            let _ = w.watcher.await;
        }
    }

    /// Kills every instance's processes now, without waiting (for `Drop`): the watchers, if
    /// the runtime still runs them, reap what was killed.
    pub(crate) fn kill_all_now(&self) {
        let mut processes = lock(&self.processes);
        for watched in processes.values_mut() {
            if let Some(kill) = watched.kill.take() {
                let root = (!watched.reaped.load(Ordering::SeqCst)).then_some(watched.pid);
                let doomed = process_tree::freeze_and_kill(root, &watched.marker);
                let _ = kill.send(doomed);
            }
        }
    }

    /// The pids of the bootstrap processes started, the most recent [`PIDS_KEPT`] (for tests
    /// and diagnostics).
    pub fn pids(&self) -> Vec<u32> {
        lock(&self.pids).iter().copied().collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A started bootstrap, as its watcher holds it.
struct Bootstrap {
    child: Child,
    pid: u32,
    marker: String,
    reaped: Arc<AtomicBool>,
}

async fn watch(
    bootstrap: Bootstrap,
    killed: oneshot::Receiver<Vec<Doomed>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    let Bootstrap {
        mut child,
        pid,
        marker,
        reaped,
    } = bootstrap;
    let (status, mut doomed) = tokio::select! {
        status = child.wait() => (status, Vec::new()),
        doomed = killed => {
            let mut doomed = doomed.unwrap_or_default();
            // The bootstrap is not reaped yet, so its pid still names it and its tree.
            let tree_marker = marker.clone();
            doomed.extend(blocking(move || process_tree::freeze_and_kill(Some(pid), &tree_marker)).await);
            (child.wait().await, doomed)
        }
    };
    reaped.store(true, Ordering::SeqCst);
    // The bootstrap is reaped: kill what it left behind (orphans carrying its marker), then
    // reap everything killed.
    blocking(move || {
        doomed.extend(process_tree::freeze_and_kill(None, &marker));
        process_tree::reap(&doomed);
    })
    .await;
    let status = match status {
        Ok(status) => describe_exit(status),
        Err(error) => format!("wait failed: {error}"),
    };
    let _ = outcomes.send(Outcome::Exited { status });
}

/// Runs blocking `/proc` work off the async workers.
async fn blocking<T: Default + Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap_or_default()
}

/// Go's `ExitError` wording, which is what AWS's runtime messages quote.
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    let name = match status.signal() {
        Some(libc::SIGKILL) => "killed",
        Some(libc::SIGTERM) => "terminated",
        Some(libc::SIGSEGV) => "segmentation fault",
        Some(libc::SIGABRT) => "aborted",
        Some(libc::SIGINT) => "interrupt",
        Some(libc::SIGBUS) => "bus error",
        _ => "unknown signal",
    };
    format!("signal: {name}")
}

fn forward_output(
    stream: Option<impl AsyncRead + Unpin + Send + 'static>,
    function_name: &str,
    stream_name: &'static str,
) {
    let Some(stream) = stream else { return };
    let function = function_name.to_owned();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(target: "lambda", function = %function, stream = stream_name, "{line}");
        }
    });
}
