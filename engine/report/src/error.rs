//! What can go wrong while reading calls back, phrased for the person who asked.

use deskbook_store::StoreError;

/// An error of the report crate. Messages are complete sentences for the agent or manager.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `sessions export` into a folder that already holds files.
    #[error("{0}")]
    Export(String),
    /// A command-line value of `report` (`--since`, `--until`, `--by`, `--format`).
    #[error("{0}")]
    Input(String),
    /// Reading or writing a file failed.
    #[error("{what}: {error}")]
    Io { what: String, error: std::io::Error },
}

impl ReportError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ReportError {
        let what = what.into();
        move |error| ReportError::Io { what, error }
    }
}
