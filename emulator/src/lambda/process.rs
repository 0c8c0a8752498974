//! One function instance's `bootstrap` process: started with a clean environment in its own
//! process group, its output forwarded to tracing, and reaped by a watcher task that kills the
//! whole group when asked (or when its handle is dropped) and reports how the process ended.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::runtime_api::Outcome;

/// Every watcher task ever started, so shutdown can kill and await them all.
#[derive(Default)]
pub struct Reaper {
    processes: Mutex<HashMap<u64, Watched>>,
    pids: Mutex<Vec<u32>>,
}

struct Watched {
    kill: Option<oneshot::Sender<()>>,
    watcher: JoinHandle<()>,
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
        let (kill, killed) = oneshot::channel();
        let watcher = tokio::spawn(watch(child, pid, killed, outcomes));
        let mut processes = lock(&self.processes);
        processes.retain(|_, w| !w.watcher.is_finished());
        processes.insert(
            instance_id,
            Watched {
                kill: Some(kill),
                watcher,
            },
        );
        lock(&self.pids).push(pid);
        Ok(pid)
    }

    /// Asks the instance's watcher to kill its process group.
    pub fn kill(&self, instance_id: u64) {
        if let Some(watched) = lock(&self.processes).get_mut(&instance_id)
            && let Some(kill) = watched.kill.take()
        {
            let _ = kill.send(());
        }
    }

    /// Kills every process group and waits until each process is reaped.
    pub async fn kill_all(&self) {
        let watched: Vec<Watched> = lock(&self.processes).drain().map(|(_, w)| w).collect();
        for mut w in watched {
            if let Some(kill) = w.kill.take() {
                let _ = kill.send(());
            }
            let _ = w.watcher.await;
        }
    }

    /// The pid of every process ever started (for tests and diagnostics).
    pub fn pids(&self) -> Vec<u32> {
        lock(&self.pids).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn watch(
    mut child: Child,
    pid: u32,
    killed: oneshot::Receiver<()>,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = killed => {
            kill_group(pid);
            child.wait().await
        }
    };
    // Whatever the bootstrap left behind in its group goes with it.
    kill_group(pid);
    let status = match status {
        Ok(status) => describe_exit(status),
        Err(error) => format!("wait failed: {error}"),
    };
    let _ = outcomes.send(Outcome::Exited { status });
}

fn kill_group(pid: u32) {
    if let Ok(pgid) = i32::try_from(pid)
        && pgid > 0
    {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
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
