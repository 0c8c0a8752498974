//! The Lambda executables and their deployment zips. The executables come from
//! `ORDERLAB_LAMBDA_DIR` when set, otherwise from one `cargo build -p orderlab-lambdas --bins`
//! per process and checkout, run in the application's checkout (the Cargo project holding
//! `app/`, found at run time: [`crate::paths::checkout_of`]), never in the directory the
//! harness was compiled in; its compiler-artifact messages name every executable's path.
//!
//! That build compiles nothing the harness's own build did not: `workspace-hack/` gives every
//! build of the workspace one feature set per dependency, and the variables cargo set for the
//! running harness are removed from the nested build's environment
//! ([`set_by_cargo_for_a_crate`]; inherited, they made build scripts rerun and the AWS SDK
//! recompile, in the nested build and again in the user's next one). `cargo` and `strip` run
//! through [`crate::cleanup`], so an interrupted run kills them and deletes the stripped copy.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context as _, bail};
use serde::Deserialize;
use zip::write::SimpleFileOptions;

/// Binary name → executable path.
pub type Executables = BTreeMap<String, PathBuf>;

/// The executable of every Lambda binary of the checkout holding `app_dir`, building them at
/// most once per process and checkout.
pub fn lambda_executables(app_dir: &Path) -> anyhow::Result<Executables> {
    type Slot = Arc<OnceLock<Result<Executables, String>>>;
    static BUILT: Mutex<BTreeMap<PathBuf, Slot>> = Mutex::new(BTreeMap::new());
    if let Some(dir) = std::env::var_os("ORDERLAB_LAMBDA_DIR") {
        return Ok(from_dir(Path::new(&dir)));
    }
    let checkout = crate::paths::checkout_of(app_dir).with_context(|| {
        format!(
            "cannot build the Lambda functions: no Cargo.toml at or above {}; \
             set ORDERLAB_LAMBDA_DIR to a directory holding prebuilt executables",
            app_dir.display()
        )
    })?;
    let slot = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(checkout.clone())
        .or_default()
        .clone();
    slot.get_or_init(|| build_lambdas(&checkout).map_err(|err| format!("{err:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The path of `binary`, or an error listing what there is.
pub fn executable<'a>(executables: &'a Executables, binary: &str) -> anyhow::Result<&'a Path> {
    executables
        .get(binary)
        .map(PathBuf::as_path)
        .with_context(|| {
            let known: Vec<&str> = executables.keys().map(String::as_str).collect();
            format!(
                "no Lambda executable {binary} (found: {})",
                known.join(", ")
            )
        })
}

fn from_dir(dir: &Path) -> Executables {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| Some((entry.file_name().to_str()?.to_owned(), entry.path())))
        .collect()
}

fn build_lambdas(checkout: &Path) -> anyhow::Result<Executables> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_for_a_crate) {
            command.env_remove(&name);
        }
    }
    command
        .current_dir(checkout)
        .args(["build", "-p", "orderlab-lambdas", "--bins"])
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    tracing::info!(?command, "building the Lambda executables");
    let output = crate::cleanup::output_in_own_group(&mut command).with_context(|| {
        format!(
            "cannot run `{cargo} build -p orderlab-lambdas --bins` in {}",
            checkout.display()
        )
    })?;
    if !output.status.success() {
        bail!(
            "`{cargo} build -p orderlab-lambdas --bins` failed ({}); see the compiler output above, \
             or set ORDERLAB_LAMBDA_DIR to a directory holding prebuilt executables",
            output.status
        );
    }
    let executables = parse_artifacts(&String::from_utf8_lossy(&output.stdout));
    if executables.is_empty() {
        bail!("`{cargo} build -p orderlab-lambdas --bins` reported no executables");
    }
    Ok(executables)
}

/// What cargo sets in the environment of the crate it runs (`cargo run`, `cargo test`) and of
/// build scripts. Inherited by the nested build, they look changed to build scripts that watch
/// them (`ring`'s watches `CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, `OUT_DIR`): the build script
/// reruns and `ring`, rustls and every AWS SDK crate above them recompile — then again in the
/// user's next plain `cargo` command, which sees them unset. Removed, the nested build is the
/// same build as the shell's.
fn set_by_cargo_for_a_crate(name: &str) -> bool {
    const EXACT: [&str; 9] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    const PREFIXES: [&str; 4] = [
        "CARGO_PKG_",
        "CARGO_BIN_EXE_",
        "CARGO_CFG_",
        "CARGO_FEATURE_",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// Reads the executables out of cargo's JSON messages (one a line).
pub fn parse_artifacts(stdout: &str) -> Executables {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Message>(line).ok())
        .filter(|message| message.reason == "compiler-artifact")
        .filter_map(|message| {
            let target = message.target?;
            let is_bin = target.kind.iter().any(|kind| kind == "bin");
            Some((target.name, message.executable?)).filter(|_| is_bin)
        })
        .collect()
}

/// A deployment zip holding `executable`, stripped, as `bootstrap` (mode 0755, deflated):
/// made once per process and executable; different executables are zipped concurrently.
pub fn bootstrap_zip(executable: &Path) -> anyhow::Result<Arc<Vec<u8>>> {
    type Slot = Arc<OnceLock<Result<Arc<Vec<u8>>, String>>>;
    static ZIPS: Mutex<BTreeMap<PathBuf, Slot>> = Mutex::new(BTreeMap::new());
    let slot = ZIPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(executable.to_owned())
        .or_default()
        .clone();
    slot.get_or_init(|| {
        zip_as_bootstrap(executable)
            .map(Arc::new)
            .map_err(|err| format!("{err:#}"))
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Writes `<binary>.zip` (the executable as `bootstrap`) into `out_dir` for every Lambda
/// executable of the checkout holding `app_dir` (`orderlab lambda-zips`: the deployment
/// packages Terraform's `filename` takes); returns the paths written.
pub fn write_zips(app_dir: &Path, out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut written = Vec::new();
    for (binary, path) in lambda_executables(app_dir)? {
        let zip = bootstrap_zip(&path)?;
        let target = out_dir.join(format!("{binary}.zip"));
        std::fs::write(&target, zip.as_slice())
            .with_context(|| format!("cannot write {}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

fn zip_as_bootstrap(executable: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = stripped(executable).map_or_else(
        || {
            std::fs::read(executable)
                .with_context(|| format!("cannot read {}", executable.display()))
        },
        Ok,
    )?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .unix_permissions(0o755);
    writer.start_file("bootstrap", options)?;
    writer.write_all(&bytes)?;
    Ok(writer.finish()?.into_inner())
}

/// The executable without symbols and debug info (`strip`, as `cargo lambda` deploys them):
/// a third of the bytes to deflate, upload and unpack per function and scenario. None when
/// `strip` is unavailable or fails (the executable is then deployed as built).
fn stripped(executable: &Path) -> Option<Vec<u8>> {
    let name = executable.file_name()?.to_str()?;
    let copy = crate::cleanup::TempFile::new(
        std::env::temp_dir().join(format!("orderlab-{}-{name}", std::process::id())),
    )
    .ok()?;
    let output = crate::cleanup::output_in_own_group(
        Command::new("strip")
            .arg("--strip-all")
            .arg("-o")
            .arg(copy.path())
            .arg(executable)
            .stderr(Stdio::null()),
    )
    .ok()?;
    output
        .status
        .success()
        .then(|| std::fs::read(copy.path()).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nested_build_drops_what_cargo_set_for_the_running_crate() {
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "OUT_DIR",
            "CARGO_BIN_EXE_orderlab",
        ] {
            assert!(set_by_cargo_for_a_crate(name), "{name}");
        }
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_INCREMENTAL",
            "PATH",
        ] {
            assert!(!set_by_cargo_for_a_crate(name), "{name}");
        }
    }

    #[test]
    fn reads_bin_artifacts_only() {
        let stdout = [
            r#"{"reason":"compiler-artifact","target":{"name":"orderlab_lambdas","kind":["lib"]},"executable":null}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"alex-payment","kind":["bin"]},"executable":"/t/debug/alex-payment"}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        let executables = parse_artifacts(&stdout);
        assert_eq!(executables.len(), 1);
        assert_eq!(
            executables["alex-payment"],
            PathBuf::from("/t/debug/alex-payment")
        );
    }

    #[test]
    fn zips_the_executable_as_an_executable_bootstrap() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("alex-payment");
        std::fs::write(&exe, b"#!/bin/sh\necho hi\n").unwrap();
        let zipped = bootstrap_zip(&exe).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(zipped.to_vec())).unwrap();
        let file = archive.by_name("bootstrap").unwrap();
        assert_eq!(file.unix_mode().map(|mode| mode & 0o777), Some(0o755));
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
    }

    #[test]
    fn missing_binary_names_what_exists() {
        let mut executables = Executables::new();
        executables.insert("alex-payment".into(), PathBuf::from("/x"));
        let err = executable(&executables, "alex-nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no Lambda executable alex-nope (found: alex-payment)"
        );
    }
}
