//! Where the call database lives when `--db` is not given.

use std::path::PathBuf;

use crate::StoreError;

/// `calls.sqlite` in the user's data directory: `$XDG_DATA_HOME/deskbook` on Linux,
/// `%APPDATA%\deskbook\data` on Windows, `~/Library/Application Support/deskbook` on macOS.
pub fn default_path() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("", "", "deskbook")
        .map(|d| d.data_dir().join("calls.sqlite"))
        .ok_or(StoreError::NoDataDir)
}
