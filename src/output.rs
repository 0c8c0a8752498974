//! Writing to stdout and stderr without `print!`'s panic when the reader has gone away
//! (`orderlab list | head -1`): stdout writes return the error for the caller to stop on
//! (quietly for a broken pipe, as ripgrep does); stderr writes drop errors, since there is
//! nowhere left to report them.

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it.
pub fn write_out(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes `text` to stderr; a failure is ignored.
pub fn write_err(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// Writes `line` and a newline to stderr; a failure is ignored.
pub fn error_line(line: &str) {
    write_err(&format!("{line}\n"));
}

/// Whether a stdout error means that the reader closed the pipe (stop quietly) rather than
/// a real failure (say so).
pub fn is_closed_pipe(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}
