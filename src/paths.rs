//! Where the user's files are: the `scenarios/` directory (snapshots in its `snapshots/`),
//! the application's `app/` directory, and the checkout the Lambda functions are built in.
//! All are found at run time — in the current directory or the nearest parent holding them,
//! unless a flag names them — never compiled in, so an installed binary works on any checkout
//! and a scenario directory anywhere keeps its own snapshots.

use std::path::{Path, PathBuf};

/// The scenarios directory's name, looked for upwards from the current directory.
pub const SCENARIOS: &str = "scenarios";
/// The application directory's name.
pub const APP: &str = "app";

/// `start/name` or `<ancestor>/name` for the nearest ancestor of `start` holding a
/// directory called `name`.
pub fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_dir())
}

/// `name` found upwards from the current directory, or an error saying which flag names it.
pub fn discover(name: &str, flag: &str) -> Result<PathBuf, String> {
    let cwd = std::env::current_dir()
        .map_err(|err| format!("cannot read the current directory: {err}"))?;
    find_upwards(&cwd, name).ok_or_else(|| {
        format!(
            "no {name}/ directory in {} or any parent; run from the project's checkout or pass {flag}",
            cwd.display()
        )
    })
}

/// The snapshots of the scenarios in `scenarios_dir`: beside them, in `snapshots/`.
pub fn snapshots_dir(scenarios_dir: &Path) -> PathBuf {
    scenarios_dir.join("snapshots")
}

/// The checkout the application's Lambda functions are built in: the nearest directory at
/// or above `app_dir`'s parent holding a `Cargo.toml`.
pub fn checkout_of(app_dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(app_dir).ok()?;
    absolute
        .parent()?
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_holder_upwards() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(root.path().join("a/scenarios")).unwrap();
        std::fs::create_dir_all(root.path().join("scenarios")).unwrap();
        assert_eq!(
            find_upwards(&deep, "scenarios"),
            Some(root.path().join("a/scenarios"))
        );
        assert_eq!(find_upwards(&deep, "nowhere-to-be-found"), None);
    }

    #[test]
    fn the_checkout_is_the_nearest_cargo_project_above_the_app() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("shop/app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(root.path().join("shop/Cargo.toml"), "[workspace]\n").unwrap();
        assert_eq!(checkout_of(&app), Some(root.path().join("shop")));
        let bare = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(bare.path().join("app")).unwrap();
        assert_eq!(checkout_of(&bare.path().join("app")), None);
    }
}
