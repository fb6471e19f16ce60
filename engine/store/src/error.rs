//! What can go wrong with the call database, phrased for the agent who gave `--db`.
//!
//! `db` is how the database is named in messages: the path as given, or the PostgreSQL URL
//! with its password hidden.

/// A problem opening, reading or writing the call database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not an SQLite database at all.
    #[error("{db}: not a call database: the file is not SQLite (give --db a new file name or an existing deskbook database)")]
    NotSqlite { db: String },
    /// An existing file with nothing in it: not something deskbook wrote.
    #[error("{db}: not a call database: the file is empty (0 bytes); give --db a new file name or an existing deskbook database")]
    Empty { db: String },
    /// Something that is not a regular file (a FIFO, a device, a socket).
    #[error("{db}: not a call database: it is {what}, not a regular file; give --db a file name")]
    NotAFile { db: String, what: &'static str },
    /// SQLite recognises the file but its pages are damaged.
    #[error("{db}: the call database is damaged ({reason}); restore it from a backup or give --db another file")]
    Corrupt { db: String, reason: String },
    /// A database that some other program owns.
    #[error("{db}: this {kind} database belongs to another program (it has tables but no deskbook schema); give --db another {place}")]
    Foreign {
        db: String,
        kind: &'static str,
        place: &'static str,
    },
    /// A deskbook database written by a newer version.
    #[error("{db}: the call database has schema version {found}, newer than this deskbook understands ({known}); use a newer deskbook")]
    NewerSchema { db: String, found: i64, known: i64 },
    /// A schema version no deskbook writes (negative, or zero with deskbook's mark).
    #[error("{db}: the call database has schema version {found}, which no deskbook writes; restore it from a backup or give --db another file")]
    BadVersion { db: String, found: i64 },
    /// An older database that must be upgraded, in a place this process may only read.
    #[error("{db}: the call database has schema version {found} and must be upgraded to {known}, but it can only be read here; open it once where it can be written")]
    UpgradeReadOnly { db: String, found: i64, known: i64 },
    /// A command that only reads calls was given a path where no database is: nothing has
    /// been recorded there (a mistyped `--db`), and reading creates nothing.
    #[error("{db}: no call database here (nothing has been recorded at this path; check --db)")]
    NoDatabase { db: String },
    /// The file could not be opened or created.
    #[error("{db}: cannot open the call database: {reason}")]
    Open { db: String, reason: String },
    /// The file is locked by another writer for longer than the timeout.
    #[error("{db}: the call database is locked by another deskbook process (waited {waited_ms} ms); try again when it has finished")]
    Locked { db: String, waited_ms: u64 },
    /// A read-only file or folder where this command must write; `why` names which (the
    /// SQLite file, a WAL file beside it, or their folder).
    #[error(
        "{db}: cannot {op}: {why} (check the permissions, or give --db a file this user may write)"
    )]
    ReadOnly {
        db: String,
        op: &'static str,
        why: String,
    },
    /// `--db` looks like a URL but is not one this deskbook can use.
    #[error("{db}: not a valid PostgreSQL URL ({reason}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")]
    BadUrl { db: String, reason: String },
    /// The PostgreSQL server does not answer.
    #[error("{db}: cannot reach the PostgreSQL server ({reason}); is it running, and is the host and port right?")]
    ServerDown { db: String, reason: String },
    /// The PostgreSQL server refused the user's password.
    #[error("{db}: the PostgreSQL server refused the password for user `{user}`")]
    PasswordRefused { db: String, user: String },
    /// The connection to the PostgreSQL server broke while deskbook was using it.
    #[error("{db}: lost the connection to the PostgreSQL server ({reason})")]
    ServerGone { db: String, reason: String },
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
    /// `sessions close` of a call that has ended.
    #[error("call {session} has already ended ({status}); only an open call can be closed")]
    AlreadyEnded { session: String, status: String },
    /// A failure while reading or writing an open database.
    #[error("{db}: cannot {op}: {error}")]
    Database {
        db: String,
        op: &'static str,
        error: String,
    },
    /// A stored JSON column that does not parse (written by hand or by another program).
    #[error("{db}: call {session}: the stored {what} is not valid JSON: {error}")]
    BadJson {
        db: String,
        session: String,
        what: &'static str,
        error: serde_json::Error,
    },
    /// A stored event that does not read back as a record.
    #[error("{db}: call {session}, event {seq}: the recorded `{kind}` event does not parse ({error}); the call's log is damaged")]
    BadRecord {
        db: String,
        session: String,
        seq: i64,
        kind: String,
        error: serde_json::Error,
    },
}

impl StoreError {
    /// The store went away (server down or gone, the file locked): what was committed is
    /// kept and the call can go on once the store is back.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::ServerGone { .. }
                | StoreError::ServerDown { .. }
                | StoreError::Locked { .. }
        )
    }
}
