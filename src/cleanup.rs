//! What the harness itself leaves on the machine while it works — temporary files and child
//! processes (`cargo build` of the Lambdas, `strip`) — registered here so that an interrupted
//! run removes them: [`remove_all`] kills every registered child's process group and deletes
//! every registered file, and refuses new ones from then on (a blocking thread that is still
//! running cannot start another child after the cleanup).
//!
//! Children run in their own process group (so a group kill reaches `rustc` under `cargo`)
//! and stay registered until they have exited but before they are reaped, so a group id is
//! never signalled after the kernel may have reused it.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Registry {
    /// Set by [`remove_all`]: nothing new may be registered.
    closed: bool,
    groups: BTreeSet<i32>,
    files: BTreeSet<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    closed: false,
    groups: BTreeSet::new(),
    files: BTreeSet::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn stopping() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "orderlab is stopping")
}

/// Kills every registered child process group and deletes every registered file; from now
/// on nothing new can be registered (starting a child or a temporary file fails).
pub fn remove_all() {
    let mut registry = registry();
    registry.closed = true;
    for group in std::mem::take(&mut registry.groups) {
        kill_group(group);
    }
    for file in std::mem::take(&mut registry.files) {
        let _ = std::fs::remove_file(&file);
    }
}

fn kill_group(group: i32) {
    if group > 0 {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

/// A temporary file path, deleted when dropped (or by [`remove_all`]).
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Registers `path` (which need not exist yet).
    pub fn new(path: PathBuf) -> io::Result<TempFile> {
        let mut registry = registry();
        if registry.closed {
            return Err(stopping());
        }
        registry.files.insert(path.clone());
        Ok(TempFile { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        registry().files.remove(&self.path);
    }
}

/// Runs `command` to completion in its own process group, registered for [`remove_all`],
/// and returns its stdout (read whole). Its stderr must not be piped (inherit or null it).
pub fn output_in_own_group(command: &mut Command) -> io::Result<Output> {
    command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let (mut child, group) = {
        let mut registry = registry();
        if registry.closed {
            return Err(stopping());
        }
        let child = command.spawn()?;
        let group = i32::try_from(child.id()).unwrap_or(0);
        registry.groups.insert(group);
        (child, group)
    };
    let mut stdout = Vec::new();
    let read = match child.stdout.take() {
        Some(mut pipe) => pipe.read_to_end(&mut stdout).map(drop),
        None => Ok(()),
    };
    if read.is_err() {
        kill_group(group);
    }
    wait_until_exited(group);
    registry().groups.remove(&group);
    let status = child.wait()?;
    read?;
    Ok(Output {
        status,
        stdout,
        stderr: Vec::new(),
    })
}

/// Blocks until process `pid` has exited, leaving it to be reaped (`WNOWAIT`).
fn wait_until_exited(pid: i32) {
    let Ok(id) = libc::id_t::try_from(pid) else {
        return;
    };
    loop {
        // SAFETY: waitid(2) writes only into the zeroed siginfo_t we own.
        let result = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if result == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_a_child_and_forgets_its_group_once_it_exits() {
        let output = output_in_own_group(Command::new("sh").args(["-c", "echo hi"])).unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"hi\n");
        assert!(registry().groups.is_empty());
    }

    #[test]
    fn a_temp_file_is_deleted_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        let file = TempFile::new(path.clone()).unwrap();
        std::fs::write(file.path(), b"x").unwrap();
        drop(file);
        assert!(!path.exists());
        assert!(!registry().files.contains(&path));
    }
}
