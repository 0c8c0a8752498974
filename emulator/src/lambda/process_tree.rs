//! Killing everything a function instance started, grandchildren included.
//!
//! A `bootstrap` runs in its own process group, but its children may leave the group (e.g.
//! `setsid`) and, once their parent dies, be re-parented away from it. So the emulator process
//! makes itself a *child subreaper* ([`become_subreaper`]): orphaned descendants are
//! re-parented to it instead of to init, where it can still find and reap them.
//!
//! [`freeze_and_kill`] finds an instance's processes through `/proc`: the bootstrap's whole
//! descendant tree (parent links), plus orphans re-parented to us whose environment names the
//! instance's Runtime API address (every process the bootstrap starts inherits
//! `AWS_LAMBDA_RUNTIME_API`), plus their trees. It stops them all (`SIGSTOP`, so none can fork
//! or exit while the tree is read), re-reads until nothing new appears, then `SIGKILL`s them
//! and the bootstrap's process group. [`reap`] then waits for each killed process that is our
//! child by now — only those pids, never `waitpid(-1)`, so exit statuses tokio's own process
//! reaper waits for are never stolen. Each pid is checked against its start time before it is
//! signalled or reaped, so a recycled pid is never touched.

use std::collections::{HashMap, HashSet};

/// How many times the tree is re-read while stopping it (each pass stops what appeared since).
const MAX_FREEZE_PASSES: usize = 16;

/// One process as `/proc/PID/stat` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    ppid: i32,
    start_time: u64,
    zombie: bool,
}

/// A process to kill and reap: its pid and the start time that identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doomed {
    pid: i32,
    start_time: u64,
}

/// Makes this process the subreaper of its descendants (Linux `PR_SET_CHILD_SUBREAPER`), so
/// orphaned Lambda grandchildren are re-parented to it and can be killed and reaped.
pub fn become_subreaper() {
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) only sets a flag on this process.
    let result = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if result != 0 {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "cannot become a child subreaper; escaped Lambda grandchildren may outlive the emulator"
        );
    }
}

fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses `/proc/PID/stat`: the fields after the command name (which may hold spaces and
/// parentheses) are state, ppid, …, and the 22nd field overall is the start time.
fn parse_stat(text: &str) -> Option<Stat> {
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        zombie: fields.first()? == &"Z",
        ppid: fields.get(1)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Every live process: pid → stat.
fn processes() -> HashMap<i32, Stat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, stat(pid)?)))
        .collect()
}

/// Whether `pid`'s environment holds exactly `marker` (`NAME=value`).
fn has_marker(pid: i32, marker: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
        environ
            .split(|b| *b == 0)
            .any(|var| var == marker.as_bytes())
    })
}

/// The processes belonging to the instance whose bootstrap is `root`: its descendants, and
/// our orphans carrying `marker` with their descendants (never ourselves).
fn members(table: &HashMap<i32, Stat>, root: Option<i32>, marker: &str) -> HashSet<i32> {
    let me = std::process::id() as i32;
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (pid, stat) in table {
        children.entry(stat.ppid).or_default().push(*pid);
    }
    let mut found = HashSet::new();
    let mut stack: Vec<i32> = root.into_iter().collect();
    for (pid, stat) in table {
        if stat.ppid == me && Some(*pid) != root && !stat.zombie && has_marker(*pid, marker) {
            stack.push(*pid);
        }
    }
    while let Some(pid) = stack.pop() {
        if pid == me || !table.contains_key(&pid) || !found.insert(pid) {
            continue;
        }
        stack.extend(children.get(&pid).into_iter().flatten());
    }
    found
}

fn signal(pid: i32, signal: i32) {
    if pid > 1 {
        // SAFETY: kill(2) sends a signal; no memory is touched.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Stops and kills every process of an instance (see the module docs): the tree under its
/// bootstrap `root` while that is still unreaped (pass `None` once tokio has reaped it, as
/// its pid may be reused), and the orphans carrying `marker`. Returns the killed processes
/// other than `root`, parents before children, for [`reap`]. Blocking (reads `/proc`): run
/// it off the async workers.
pub fn freeze_and_kill(root: Option<u32>, marker: &str) -> Vec<Doomed> {
    let root = root
        .and_then(|pid| i32::try_from(pid).ok())
        .filter(|pid| *pid > 1);
    let mut frozen: HashMap<i32, u64> = HashMap::new();
    let mut table = processes();
    for _ in 0..MAX_FREEZE_PASSES {
        let new: Vec<i32> = members(&table, root, marker)
            .into_iter()
            .filter(|pid| !frozen.contains_key(pid))
            .collect();
        if new.is_empty() {
            break;
        }
        for pid in new {
            if let Some(stat) = table.get(&pid) {
                signal(pid, libc::SIGSTOP);
                frozen.insert(pid, stat.start_time);
            }
        }
        table = processes();
    }
    if let Some(root) = root {
        // The group catches members whose parent links were lost (re-parented elsewhere).
        signal(-root, libc::SIGKILL);
    }
    let mut doomed = Vec::new();
    for (pid, start_time) in &frozen {
        if table.get(pid).is_some_and(|s| s.start_time == *start_time) {
            signal(*pid, libc::SIGKILL);
            if Some(*pid) != root {
                doomed.push(Doomed {
                    pid: *pid,
                    start_time: *start_time,
                });
            }
        }
    }
    doomed.sort_by_key(|d| depth(&table, d.pid));
    await_death(&frozen);
    doomed
}

/// How many times [`await_death`] looks at a killed process before giving up on it.
const DEATH_CHECKS: usize = 100_000;

/// Waits until every killed process is dead (gone or a zombie), so "killed" means no process
/// of the instance runs any more. `SIGKILL` acts within microseconds; the wait is bounded.
fn await_death(killed: &HashMap<i32, u64>) {
    for (pid, start_time) in killed {
        for _ in 0..DEATH_CHECKS {
            match stat(*pid) {
                Some(stat) if stat.start_time == *start_time && !stat.zombie => {
                    std::thread::yield_now();
                }
                _ => break,
            }
        }
    }
}

/// How many ancestors `pid` has in `table` (bounded by the table's size).
fn depth(table: &HashMap<i32, Stat>, pid: i32) -> usize {
    let mut depth = 0;
    let mut current = pid;
    while let Some(stat) = table.get(&current) {
        if depth > table.len() {
            break;
        }
        depth += 1;
        current = stat.ppid;
    }
    depth
}

/// Reaps the killed processes that are our children by now (their parents died first, and
/// we are their subreaper), parents before children. A process still parented elsewhere is
/// left to its parent. Blocking: run it off the async workers once the bootstrap is reaped.
pub fn reap(doomed: &[Doomed]) {
    let me = std::process::id() as i32;
    for _ in 0..2 {
        for process in doomed {
            let Some(stat) = stat(process.pid) else {
                continue;
            };
            if stat.start_time != process.start_time || stat.ppid != me {
                continue;
            }
            let mut status = 0;
            // SAFETY: waitpid(2) on one pid that is our (killed) child; `status` is a valid
            // out-pointer for the call's duration.
            unsafe {
                libc::waitpid(process.pid, &mut status, 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_awkward_command_names_parse() {
        let line = "4242 (a (weird) name) S 17 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 \
                    987654 1000 100 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                ppid: 17,
                start_time: 987654,
                zombie: false
            })
        );
        assert!(parse_stat("1 (x) Z 0").is_none());
        let zombie = "9 (x) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0";
        assert!(parse_stat(zombie).unwrap().zombie);
    }

    #[test]
    fn members_are_the_tree_and_marked_orphans() {
        let me = std::process::id() as i32;
        let stat = |ppid| Stat {
            ppid,
            start_time: 1,
            zombie: false,
        };
        // 100 (root) → 101 → 102; 200 is our child without the marker; 1 → 300 unrelated.
        let table: HashMap<i32, Stat> = [
            (100, stat(me)),
            (101, stat(100)),
            (102, stat(101)),
            (200, stat(me)),
            (300, stat(1)),
        ]
        .into_iter()
        .collect();
        let found = members(&table, Some(100), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1");
        assert_eq!(found, [100, 101, 102].into_iter().collect());
        assert!(members(&table, None, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1").is_empty());
        assert_eq!(depth(&table, 102), depth(&table, 101) + 1);
    }
}
