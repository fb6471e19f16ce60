//! What can go wrong with the call database, phrased for the agent who gave `--db`.

use std::path::PathBuf;

/// A problem opening, reading or writing the call database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not an SQLite database at all.
    #[error("{}: not a call database: the file is not SQLite (give --db a new file name or an existing deskbook database)", path.display())]
    NotSqlite { path: PathBuf },
    /// SQLite recognises the file but its pages are damaged.
    #[error("{}: the call database is damaged ({reason}); restore it from a backup or give --db another file", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// An SQLite database that some other program owns.
    #[error("{}: this SQLite database belongs to another program (it has tables but no deskbook schema); give --db another file", path.display())]
    Foreign { path: PathBuf },
    /// A deskbook database written by a newer version.
    #[error("{}: the call database has schema version {found}, newer than this deskbook understands ({known}); use a newer deskbook", path.display())]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// The file could not be opened or created.
    #[error("{}: cannot open the call database: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    /// No user data directory is known (no home directory).
    #[error("no user data directory is known for the call database; give --db PATH")]
    NoDataDir,
    /// No call has this session id (or id prefix).
    #[error("no call with session id `{0}` (see `deskbook sessions list`)")]
    NoSuchCall(String),
    /// An id prefix that fits more than one call.
    #[error("session id `{prefix}` is ambiguous: it fits {}", matches.join(", "))]
    Ambiguous {
        prefix: String,
        matches: Vec<String>,
    },
    /// A failure while reading or writing an open database.
    #[error("{}: cannot {op}: {error}", path.display())]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        error: rusqlite::Error,
    },
    /// A stored JSON column that does not parse (written by hand or by another program).
    #[error("{}: call {session}: the stored {what} is not valid JSON: {error}", path.display())]
    BadJson {
        path: PathBuf,
        session: String,
        what: &'static str,
        error: serde_json::Error,
    },
}
