//! Snapshot files in insta's format (`scenarios/snapshots/<name>.snap`: a `---` metadata block,
//! then the contents), so the CLI and `cargo test` (insta's `assert_snapshot!`) share one file
//! and `cargo insta review` can accept what the CLI proposes as `<name>.snap.new`. Reading goes
//! through insta's own parser; writing is insta's tiny format.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use similar::{ChangeTag, TextDiff};

/// The metadata the test suite's `assert_snapshot!` records (its source file).
const SOURCE: &str = "tests/scenarios.rs";

/// The outcome of checking a rendered snapshot against the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Same contents as the stored snapshot.
    Matched,
    /// `--accept`: the new contents were written as the snapshot.
    Accepted { path: PathBuf },
    /// Different: the diff (stored → new) and where the proposal was written.
    Mismatch { diff: String, new_path: PathBuf },
    /// No stored snapshot yet; the proposal was written.
    Missing { new_path: PathBuf },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Matched | Verdict::Accepted { .. })
    }
}

/// `dir/<name>.snap`
pub fn snap_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// `dir/<name>.snap.new`
pub fn new_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap.new"))
}

/// Compares `contents` with the stored snapshot; writes `.snap` (accept) or `.snap.new`.
pub fn check(dir: &Path, name: &str, contents: &str, accept: bool) -> anyhow::Result<Verdict> {
    let snap = snap_path(dir, name);
    let proposal = new_path(dir, name);
    let stored = read_contents(&snap)?;
    let new = normalise_contents(contents);
    if accept {
        write_snapshot(&snap, &new)?;
        remove_if_present(&proposal)?;
        return Ok(Verdict::Accepted { path: snap });
    }
    match stored {
        Some(stored) if stored == new => {
            remove_if_present(&proposal)?;
            Ok(Verdict::Matched)
        }
        Some(stored) => {
            write_snapshot(&proposal, &new)?;
            Ok(Verdict::Mismatch {
                diff: unified_diff(&stored, &new),
                new_path: proposal,
            })
        }
        None => {
            write_snapshot(&proposal, &new)?;
            Ok(Verdict::Missing { new_path: proposal })
        }
    }
}

/// The stored snapshot's contents (normalised as insta compares them), if the file exists.
pub fn read_contents(path: &Path) -> anyhow::Result<Option<String>> {
    if !path.exists() {
        return Ok(None);
    }
    let snapshot = insta::Snapshot::from_file(path)
        .map_err(|err| anyhow::anyhow!("cannot read snapshot {}: {err}", path.display()))?;
    let text = snapshot
        .as_text()
        .with_context(|| format!("{} is not a text snapshot", path.display()))?;
    Ok(Some(text.to_string()))
}

/// What insta compares: trailing whitespace trimmed, CRLF as LF.
pub fn normalise_contents(contents: &str) -> String {
    contents.trim_end().replace("\r\n", "\n")
}

/// Writes `contents` in insta's file format.
pub fn write_snapshot(path: &Path, contents: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = format!(
        "---\nsource: {SOURCE}\n---\n{}\n",
        normalise_contents(contents)
    );
    std::fs::write(path, file).with_context(|| format!("cannot write {}", path.display()))
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// A unified diff, stored (`-`) → new (`+`), three lines of context.
pub fn unified_diff(stored: &str, new: &str) -> String {
    TextDiff::from_lines(stored, new)
        .unified_diff()
        .context_radius(3)
        .header("stored snapshot", "this run")
        .to_string()
}

/// Prints a diff, coloured when stdout is a terminal.
pub fn colourise(diff: &str) -> String {
    if !std::io::stdout().is_terminal() {
        return diff.to_owned();
    }
    diff.lines()
        .map(|line| {
            let colour = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => Some("32"),
                Some('-') if !line.starts_with("---") => Some("31"),
                Some('@') => Some("36"),
                _ => None,
            };
            match colour {
                Some(code) => format!("\x1b[{code}m{line}\x1b[0m\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// How many lines a diff changes (for a one-line summary).
pub fn changed_lines(stored: &str, new: &str) -> usize {
    TextDiff::from_lines(stored, new)
        .iter_all_changes()
        .filter(|change| change.tag() != ChangeTag::Equal)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "orders:\n  - order_id: a\n    status: COMPLETED\n";

    #[test]
    fn written_files_read_back_through_insta() {
        let dir = tempfile::tempdir().unwrap();
        let path = snap_path(dir.path(), "demo");
        write_snapshot(&path, DOC).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("---\nsource: tests/scenarios.rs\n---\norders:\n"),
            "{text}"
        );
        assert_eq!(
            read_contents(&path).unwrap().as_deref(),
            Some(DOC.trim_end())
        );
    }

    #[test]
    fn missing_snapshot_writes_a_proposal_and_fails() {
        let dir = tempfile::tempdir().unwrap();
        let verdict = check(dir.path(), "demo", DOC, false).unwrap();
        let proposal = new_path(dir.path(), "demo");
        assert_eq!(
            verdict,
            Verdict::Missing {
                new_path: proposal.clone()
            }
        );
        assert!(!verdict.passed());
        assert_eq!(
            read_contents(&proposal).unwrap().as_deref(),
            Some(DOC.trim_end())
        );
        assert!(!snap_path(dir.path(), "demo").exists());
    }

    #[test]
    fn mismatch_diffs_and_proposes_then_accept_replaces() {
        let dir = tempfile::tempdir().unwrap();
        write_snapshot(&snap_path(dir.path(), "demo"), DOC).unwrap();
        let changed = DOC.replace("COMPLETED", "REJECTED");
        let Verdict::Mismatch {
            diff,
            new_path: proposal,
        } = check(dir.path(), "demo", &changed, false).unwrap()
        else {
            panic!("expected a mismatch");
        };
        assert!(diff.contains("-    status: COMPLETED\n"), "{diff}");
        assert!(diff.contains("+    status: REJECTED\n"), "{diff}");
        assert!(proposal.exists());

        let verdict = check(dir.path(), "demo", &changed, true).unwrap();
        assert!(verdict.passed());
        assert!(!proposal.exists(), "accepting removes the stale proposal");
        assert_eq!(
            check(dir.path(), "demo", &changed, false).unwrap(),
            Verdict::Matched
        );
    }

    #[test]
    fn trailing_whitespace_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        write_snapshot(&snap_path(dir.path(), "demo"), DOC).unwrap();
        let padded = format!("{DOC}\n\n");
        assert_eq!(
            check(dir.path(), "demo", &padded, false).unwrap(),
            Verdict::Matched
        );
        assert_eq!(changed_lines("a\nb\n", "a\nc\n"), 2);
    }
}
