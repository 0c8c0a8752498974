//! A function's code: the uploaded zip, unpacked into a temporary directory, with
//! `bootstrap` made executable, plus the size and SHA-256 that GetFunction reports.
//!
//! Unpacked code is read-only and keyed by its `CodeSha256`, so one process (several emulator
//! instances, e.g. scenarios running in parallel) unpacks each distinct zip once: a later
//! CreateFunction with the same bytes shares the directory. A directory is deleted when the
//! last function using it is dropped.

use std::collections::HashMap;
use std::io::{Cursor, Read};
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
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| unzip_error())?;
    let dir = tempfile::Builder::new()
        .prefix("orderlab-lambda-")
        .tempdir()
        .map_err(|e| AwsError::internal(format!("Could not create a code directory: {e}")))?;
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
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|_| unzip_error())?;
        std::fs::write(&target, &bytes).map_err(|_| unzip_error())?;
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

fn set_mode(path: &Path, mode: u32) -> Result<(), AwsError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| AwsError::internal(format!("Could not set file mode: {e}")))
}

/// Base64 of the SHA-256 of `bytes` (Lambda's `CodeSha256`).
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}
