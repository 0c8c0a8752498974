//! A function's code: the uploaded zip, unpacked into its own temporary directory, with
//! `bootstrap` made executable, plus the size and SHA-256 that GetFunction reports.

use std::io::{Cursor, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::protocol::AwsError;

/// Unpacked code, deleted from disk when dropped.
#[derive(Debug)]
pub struct Code {
    pub dir: tempfile::TempDir,
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

/// Unpacks `zip` into a new temporary directory.
pub fn unpack(zip: &[u8]) -> Result<Code, AwsError> {
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
    Ok(Code {
        dir,
        size: zip.len() as u64,
        sha256: sha256_base64(zip),
    })
}

fn set_mode(path: &Path, mode: u32) -> Result<(), AwsError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| AwsError::internal(format!("Could not set file mode: {e}")))
}

/// Base64 of the SHA-256 of `bytes` (Lambda's `CodeSha256`).
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}
