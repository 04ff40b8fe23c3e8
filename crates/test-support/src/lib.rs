//! Test helpers shared by the workspace's test suites.
//!
//! Tests that read the real routing data in `../shared/data` run only when the
//! environment variable `MANRS_SHARED_DATA` points at that directory (the CI
//! script sets it). When it is unset they print a skip note and pass; when it
//! is set but the directory or a named file is missing they fail loudly, so a
//! broken CI setup can never pass by skipping. A relative path is taken
//! relative to the workspace root (`MANRS_SHARED_DATA=../shared/data`).

use std::path::PathBuf;

/// The environment variable naming the shared data directory.
pub const ENV: &str = "MANRS_SHARED_DATA";

/// The shared data directory, or `None` (with a note on stderr) when
/// [`ENV`] is unset.
///
/// # Panics
/// When [`ENV`] is set but does not name a directory.
pub fn shared_data_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os(ENV) else {
        eprintln!("note: {ENV} is not set; skipping a test that needs ../shared/data");
        return None;
    };
    let mut dir = PathBuf::from(dir);
    if dir.is_relative() {
        // Test binaries run in their crate's directory; a relative path is
        // meant relative to the workspace root, where the user typed it.
        dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
    }
    assert!(dir.is_dir(), "{ENV}={} is set but is not a directory", dir.display());
    Some(dir)
}

/// A file under the shared data directory, or `None` when [`ENV`] is unset.
///
/// # Panics
/// When [`ENV`] is set but the file does not exist.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let path = shared_data_dir()?.join(relative);
    assert!(path.exists(), "{ENV} is set but {} does not exist", path.display());
    Some(path)
}

/// Returns early from a test (which then passes as skipped) when the shared
/// data is not configured; evaluates to the path of the named file otherwise.
#[macro_export]
macro_rules! require_shared {
    ($relative:expr) => {
        match $crate::shared_file($relative) {
            Some(p) => p,
            None => return,
        }
    };
}
