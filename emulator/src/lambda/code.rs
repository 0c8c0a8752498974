//! A function's code: the uploaded zip, unpacked into a temporary directory, with
//! `bootstrap` made executable, plus the size and SHA-256 that GetFunction reports.
//!
//! Unpacked code is read-only and keyed by its `CodeSha256`, so one process (several emulator
//! instances, e.g. scenarios running in parallel) unpacks each distinct zip once: a later
//! CreateFunction with the same bytes shares the directory. A directory is deleted when the
//! last function using it is dropped.
//!
//! AWS's unzipped limit ([`MAX_UNZIPPED_BYTES`], 250 MB) is enforced before and while
//! inflating: the sizes the archive declares are summed first, and each entry is copied
//! through a counter that stops at the limit, so a zip bomb never writes more than the limit.
//! Unpacking is blocking work: callers run it off the async workers.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::protocol::AwsError;

/// Unpacked code, deleted from disk when dropped.
#[derive(Debug)]
pub struct Code {
    pub dir: Arc<tempfile::TempDir>,
    pub size: u64,
    pub sha256: String,
}

/// `InvalidParameterValueException` with AWS's wording for an unreadable zip.
fn unzip_error() -> AwsError {
    AwsError::new(
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )
}

/// AWS's limit on a function's unzipped code: 250 MB.
pub(crate) const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// `InvalidParameterValueException` with AWS's wording for code over the unzipped limit.
fn too_large_error(limit: u64) -> AwsError {
    AwsError::new(
        400,
        "InvalidParameterValueException",
        format!("Unzipped size must be smaller than {limit} bytes"),
    )
}

/// Decodes `Code.ZipFile` (base64) and unpacks it.
pub fn from_base64(zip_base64: &str) -> Result<Code, AwsError> {
    let zip = base64::engine::general_purpose::STANDARD
        .decode(zip_base64.trim())
        .map_err(|_| unzip_error())?;
    unpack(&zip)
}

/// One slot per `CodeSha256`; a slot holds its directory while some function uses it.
type Slot = Arc<Mutex<Weak<tempfile::TempDir>>>;

static UNPACKED: Mutex<Option<HashMap<String, Slot>>> = Mutex::new(None);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The slot for `sha256`, dropping slots whose directory is gone.
fn slot(sha256: &str) -> Slot {
    let mut cache = lock(&UNPACKED);
    let cache = cache.get_or_insert_with(HashMap::new);
    cache.retain(|_, slot| Arc::strong_count(slot) > 1 || lock(slot).strong_count() > 0);
    cache.entry(sha256.to_owned()).or_default().clone()
}

/// The unpacked code of `zip`, shared with any function deployed from the same bytes.
/// Different zips unpack concurrently; the same zip is unpacked once.
pub fn unpack(zip: &[u8]) -> Result<Code, AwsError> {
    let sha256 = sha256_base64(zip);
    let slot = slot(&sha256);
    let mut held = lock(&slot);
    let dir = match held.upgrade() {
        Some(dir) => dir,
        None => {
            let dir = Arc::new(unpack_into_new_dir(zip)?);
            *held = Arc::downgrade(&dir);
            dir
        }
    };
    Ok(Code {
        dir,
        size: zip.len() as u64,
        sha256,
    })
}

/// Unpacks `zip` into a new temporary directory.
fn unpack_into_new_dir(zip: &[u8]) -> Result<tempfile::TempDir, AwsError> {
    unpack_with_limit(zip, MAX_UNZIPPED_BYTES)
}

/// Unpacks `zip`, writing at most `limit` bytes in all (AWS refuses `limit` or more).
fn unpack_with_limit(zip: &[u8], limit: u64) -> Result<tempfile::TempDir, AwsError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| unzip_error())?;
    let declared = (0..archive.len())
        .filter_map(|index| archive.by_index_raw(index).ok().map(|entry| entry.size()))
        .fold(0_u64, u64::saturating_add);
    if declared >= limit {
        return Err(too_large_error(limit));
    }
    let dir = tempfile::Builder::new()
        .prefix("orderlab-lambda-")
        .tempdir()
        .map_err(|e| AwsError::internal(format!("Could not create a code directory: {e}")))?;
    let mut budget = limit;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| unzip_error())?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(unzip_error());
        };
        let target = dir.path().join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|_| unzip_error())?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|_| unzip_error())?;
        }
        let mut file = std::fs::File::create(&target).map_err(|_| unzip_error())?;
        let written =
            copy_limited(&mut entry, &mut file, budget)?.ok_or_else(|| too_large_error(limit))?;
        budget = budget.saturating_sub(written);
        let mode = entry.unix_mode().unwrap_or(0o644) & 0o777;
        set_mode(&target, mode | 0o400)?;
    }
    let bootstrap = dir.path().join("bootstrap");
    if !bootstrap.is_file() {
        return Err(AwsError::new(
            400,
            "InvalidParameterValueException",
            "The deployment package does not contain a file named bootstrap at its root, \
             which the provided runtimes require.",
        ));
    }
    set_mode(&bootstrap, 0o755)?;
    Ok(dir)
}

/// Copies `reader` to `writer` while fewer than `budget` bytes have been written: the bytes
/// copied, or `None` (having written less than `budget`) when the reader holds `budget` or
/// more.
fn copy_limited(
    reader: &mut impl Read,
    writer: &mut impl Write,
    budget: u64,
) -> Result<Option<u64>, AwsError> {
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut written = 0_u64;
    loop {
        let read = reader.read(&mut buffer).map_err(|_| unzip_error())?;
        if read == 0 {
            return Ok(Some(written));
        }
        let total = written.saturating_add(read as u64);
        if total >= budget {
            return Ok(None);
        }
        let chunk = buffer.get(..read).ok_or_else(unzip_error)?;
        writer.write_all(chunk).map_err(|_| unzip_error())?;
        written = total;
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), AwsError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| AwsError::internal(format!("Could not set file mode: {e}")))
}

/// Base64 of the SHA-256 of `bytes` (Lambda's `CodeSha256`).
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip of `files` (name, contents), deflated.
    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
        for (name, contents) in files {
            writer.start_file(*name, options).unwrap();
            writer.write_all(contents).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn the_copy_stops_at_the_budget() {
        let mut sink = Vec::new();
        let big = vec![0_u8; 300 * 1024];
        assert_eq!(
            copy_limited(&mut &big[..], &mut sink, 100 * 1024).unwrap(),
            None
        );
        assert!(sink.len() < 100 * 1024, "wrote {}", sink.len());
        let mut sink = Vec::new();
        assert_eq!(
            copy_limited(&mut &big[..10], &mut sink, 11).unwrap(),
            Some(10)
        );
        assert_eq!(
            copy_limited(&mut &big[..11], &mut Vec::new(), 11).unwrap(),
            None
        );
    }

    #[test]
    fn code_at_the_limit_is_refused_with_aws_wording() {
        let zip = zip_of(&[("bootstrap", b"#!/bin/sh\n"), ("data", &[7; 1000])]);
        let err = unpack_with_limit(&zip, 1000).unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
        assert_eq!(err.message, "Unzipped size must be smaller than 1000 bytes");
        assert!(unpack_with_limit(&zip, 1011).is_ok());
    }
}
