//! Opening a store: what `--db` names (a file or a PostgreSQL URL), recognising a
//! database before anything in it changes (not SQLite, empty, damaged, another program's,
//! newer), creating a new one atomically, upgrading an older one, and naming failures so
//! an agent can act on them.

use postgres::error::SqlState;
use rusqlite::{ErrorCode, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::db::{Db, DbError, Pg};
use crate::{migrate, schema, StoreError};

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether the command will write (a run, `sessions close`) or only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// An open database and how messages name it.
pub(crate) struct Opened {
    pub db: Db,
    pub name: String,
}

/// What `--db` names.
pub(crate) enum Location {
    File(PathBuf),
    Postgres(Box<postgres::Config>),
}

impl Location {
    pub fn parse(location: &str) -> Result<Location, StoreError> {
        let lower = location.to_ascii_lowercase();
        let scheme = lower
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| s.len() > 1 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+'));
        let bad = |reason: String| StoreError::BadUrl {
            db: redact(location),
            reason,
        };
        match scheme {
            Some("postgres" | "postgresql") => {
                if !lower.contains("://") {
                    return Err(bad("`//` must follow the scheme".into()));
                }
                let config = postgres::Config::from_str(location).map_err(|e| {
                    match std::error::Error::source(&e) {
                        Some(why) => bad(format!("{e}: {why}")),
                        None => bad(e.to_string()),
                    }
                })?;
                if config.get_hosts().is_empty() {
                    return Err(bad("it names no host".into()));
                }
                Ok(Location::Postgres(Box::new(config)))
            }
            Some(other) if lower.contains("://") => Err(bad(format!(
                "`{other}://` is not a database deskbook can use; give a PostgreSQL URL or an SQLite file path"
            ))),
            _ => Ok(Location::File(PathBuf::from(location))),
        }
    }
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..start],
            &userinfo[..colon],
            &url[start + at..]
        ),
        None => url.to_string(),
    }
}

/// How long a writer waits for another process's lock on an SQLite file
/// (`DESKBOOK_LOCK_TIMEOUT_MS`, default 10 s).
pub fn lock_timeout() -> Duration {
    let ms = std::env::var("DESKBOOK_LOCK_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(10_000);
    Duration::from_millis(ms)
}

/// Open the SQLite file at `path`, creating it when absent to write; to read, a path where
/// nothing is is refused ([`StoreError::NoDatabase`]) and nothing is created there.
pub(crate) fn sqlite(path: &Path, access: Access) -> Result<Opened, StoreError> {
    let name = path.display().to_string();
    if !precheck(path, &name)? {
        if access == Access::Read {
            return Err(StoreError::NoDatabase { db: name });
        }
        create_file(path, &name).map_err(|e| name_read_only(path, e))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn =
        rusqlite::Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
            db: name.clone(),
            reason: e.to_string(),
        })?;
    let db = Db::Sqlite(conn);
    match prepare_sqlite(&db, &name) {
        Ok(()) => Ok(Opened { db, name }),
        Err(StoreError::ReadOnly { .. }) if access == Access::Read => {
            drop(db);
            read_only(path, name)
        }
        Err(e) => Err(name_read_only(path, e)),
    }
}

/// A read-only error met while opening the SQLite store at `path` to write, saying which
/// part may not be written (whatever SQLite was doing when it found out, the command could
/// not record calls); any other error as it is.
fn name_read_only(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::ReadOnly { db, .. } => StoreError::ReadOnly {
            db,
            op: "record calls",
            why: read_only_place(path),
        },
        e => e,
    }
}

/// Which part of the SQLite store at `path` this process may not write: the file, one of
/// the WAL files SQLite keeps beside it, or the folder they live in (where SQLite must
/// create those). Opening for writing changes nothing in a file.
fn read_only_place(path: &Path) -> String {
    let writable = |p: &Path| std::fs::OpenOptions::new().write(true).open(p).is_ok();
    if path.exists() && !writable(path) {
        return format!("the file {} is read-only here", path.display());
    }
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_os_string();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() && !writable(&side) {
            return format!("the file {} is read-only here", side.display());
        }
    }
    // A bare file name lives in the working folder: name that folder.
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    if path.exists() {
        format!(
            "the folder {} is read-only here, and SQLite must create {file}-wal and {file}-shm in it",
            dir.display()
        )
    } else {
        format!(
            "the folder {} is read-only here, and the new call database {file} must be created in it",
            dir.display()
        )
    }
}

/// An empty call database in memory, named `name`: what reading the user's own database
/// finds before anything was recorded, without creating its file.
pub(crate) fn empty(name: String) -> Result<Opened, StoreError> {
    let conn = rusqlite::Connection::open_in_memory().map_err(|e| StoreError::Open {
        db: name.clone(),
        reason: e.to_string(),
    })?;
    let db = Db::Sqlite(conn);
    db.transaction(migrate::create)
        .map_err(|e| classify(&name, "create the schema", e))?;
    Ok(Opened { db, name })
}

/// Open a file this process may not write, to read it.
fn read_only(path: &Path, name: String) -> Result<Opened, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    // `immutable`: no -shm file is needed (its folder may be read-only); nobody can write
    // the file from here either.
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = rusqlite::Connection::open_with_flags(uri, flags).map_err(|e| StoreError::Open {
        db: name.clone(),
        reason: e.to_string(),
    })?;
    let db = Db::Sqlite(conn);
    match recognise_sqlite(&db, &name)? {
        Found::Current => Ok(Opened { db, name }),
        Found::Older(found) => Err(StoreError::UpgradeReadOnly {
            db: name,
            found,
            known: schema::VERSION,
        }),
        Found::Empty => Err(StoreError::ReadOnly {
            db: name,
            op: "create the schema",
            why: read_only_place(path),
        }),
    }
}

fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    out
}

/// Lock timeout, recognise, create or upgrade, then WAL and the other settings.
fn prepare_sqlite(db: &Db, name: &str) -> Result<(), StoreError> {
    let Db::Sqlite(conn) = db else {
        return Ok(());
    };
    conn.busy_timeout(lock_timeout())
        .map_err(|e| classify(name, "set the lock timeout", e.into()))?;
    // Recognise the file before changing anything in it: another program's database
    // must not be switched to WAL mode.
    if recognise_sqlite(db, name)? != Found::Current {
        db.begin()
            .map_err(|e| classify(name, "lock the database to upgrade it", e))?;
        let done = (|| {
            match recognise_sqlite(db, name)? {
                Found::Current => {}
                Found::Empty => {
                    migrate::create(db).map_err(|e| classify(name, "create the schema", e))?
                }
                Found::Older(v) => migrate::upgrade(db, name, v)?,
            }
            db.commit()
                .map_err(|e| classify(name, "commit the schema", e))
        })();
        if let Err(e) = done {
            db.rollback();
            return Err(e);
        }
    }
    let mode = db
        .query_opt("PRAGMA journal_mode = WAL", &[])
        .map_err(|e| classify(name, "switch to WAL mode", e))?
        .map(|r| r.text(0))
        .unwrap_or_default();
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open {
            db: name.to_string(),
            reason: format!("SQLite kept journal mode `{mode}` instead of WAL"),
        });
    }
    db.batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        .map_err(|e| classify(name, "configure the database", e))?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum Found {
    Current,
    Older(i64),
    /// No tables yet: the schema is created.
    Empty,
}

fn recognise_sqlite(db: &Db, name: &str) -> Result<Found, StoreError> {
    let read = |sql: &str, op| {
        db.query_opt(sql, &[])
            .map(|r| r.map_or(0, |r| r.int(0)))
            .map_err(|e| classify(name, op, e))
    };
    // The first read of the file's header: where a file that is not SQLite shows itself.
    let app = read("PRAGMA application_id", "read the application id")?;
    let version = read("PRAGMA user_version", "read the schema version")?;
    let tables = read(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        "list the tables",
    )?;
    let foreign = || StoreError::Foreign {
        db: name.to_string(),
        kind: "SQLite",
        place: "file",
    };
    if app == schema::APPLICATION_ID {
        judge_version(name, version)
    } else if app != 0 || tables > 0 {
        Err(foreign())
    } else {
        Ok(Found::Empty)
    }
}

fn judge_version(name: &str, version: i64) -> Result<Found, StoreError> {
    if version > schema::VERSION {
        Err(StoreError::NewerSchema {
            db: name.to_string(),
            found: version,
            known: schema::VERSION,
        })
    } else if version == schema::VERSION {
        Ok(Found::Current)
    } else if version < 1 {
        Err(StoreError::BadVersion {
            db: name.to_string(),
            found: version,
        })
    } else {
        Ok(Found::Older(version))
    }
}

/// Refuse, before SQLite touches it, a path that is a folder, not a regular file, empty,
/// unreadable or not SQLite. `Ok(false)` when nothing is there yet.
fn precheck(path: &Path, name: &str) -> Result<bool, StoreError> {
    let open_err = |reason: String| StoreError::Open {
        db: name.to_string(),
        reason,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    return Err(open_err(format!(
                        "the folder {} does not exist",
                        dir.display()
                    )));
                }
            }
            return Ok(false);
        }
        Err(e) => return Err(open_err(io_reason(&e))),
    };
    if meta.is_dir() {
        return Err(open_err("it is a folder; give --db a file name".into()));
    }
    if !meta.is_file() {
        return Err(StoreError::NotAFile {
            db: name.to_string(),
            what: file_kind(&meta),
        });
    }
    if meta.len() == 0 {
        return Err(StoreError::Empty {
            db: name.to_string(),
        });
    }
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| open_err(format!("cannot read the file ({})", io_reason(&e))))?;
    if head.as_slice() != SQLITE_MAGIC {
        return Err(StoreError::NotSqlite {
            db: name.to_string(),
        });
    }
    Ok(true)
}

#[cfg(unix)]
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn file_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// An I/O error as a short reason (`permission denied`), without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    text.to_lowercase()
}

/// Create a new call database at `path` all at once: the schema is written into a
/// temporary file beside it, which is then linked into place. A process that opens the
/// path meanwhile sees nothing or the whole database, never an empty file.
fn create_file(path: &Path, name: &str) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "calls.sqlite".into());
    let tmp = dir.join(format!(".{file}.new-{}", crate::id::new_session_id()));
    let built = (|| {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&tmp, flags)
            .map_err(|e| classify(name, "create the call database", e.into()))?;
        let db = Db::Sqlite(conn);
        db.transaction(migrate::create)
            .map_err(|e| classify(name, "create the call database", e))?;
        db.query_opt("PRAGMA journal_mode = WAL", &[])
            .map_err(|e| classify(name, "switch to WAL mode", e))?;
        drop(db);
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) => std::fs::rename(&tmp, path).map_err(|e| StoreError::Open {
                db: name.to_string(),
                reason: format!("cannot create the file ({})", io_reason(&e)),
            }),
        }
    })();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = tmp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    built
}

/// Connect to PostgreSQL, then recognise, create or upgrade the schema (one transaction,
/// under an advisory lock so that agents opening a new database at once do not race).
pub(crate) fn postgres(location: &str, config: &postgres::Config) -> Result<Opened, StoreError> {
    let name = redact(location);
    let mut config = config.clone();
    config
        .connect_timeout(Duration::from_secs(10))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("deskbook");
    let user = config.get_user().unwrap_or("").to_string();
    let client = config
        .connect(postgres::NoTls)
        .map_err(|e| classify_connect(&name, &user, e))?;
    let db = Db::Postgres(Box::new(Pg::new(client)));
    // Wait for another writer's lock as long as SQLite would, then say so.
    db.batch(&format!(
        "SET lock_timeout = {}",
        lock_timeout().as_millis()
    ))
    .map_err(|e| classify(&name, "set the lock timeout", e))?;
    db.begin().map_err(|e| classify(&name, "begin", e))?;
    let done = (|| {
        db.query_opt("SELECT pg_advisory_xact_lock(4453424200)", &[])
            .map_err(|e| classify(&name, "lock the schema", e))?;
        match recognise_pg(&db, &name)? {
            Found::Current => {}
            Found::Empty => {
                migrate::create(&db).map_err(|e| classify(&name, "create the schema", e))?
            }
            Found::Older(v) => migrate::upgrade(&db, &name, v)?,
        }
        db.commit()
            .map_err(|e| classify(&name, "commit the schema", e))
    })();
    if let Err(e) = done {
        db.rollback();
        return Err(e);
    }
    Ok(Opened { db, name })
}

fn recognise_pg(db: &Db, name: &str) -> Result<Found, StoreError> {
    let count = |sql: &str| {
        db.query_opt(sql, &[])
            .map(|r| r.map_or(0, |r| r.int(0)))
            .map_err(|e| classify(name, "list the tables", e))
    };
    let ours = count(&format!(
        "SELECT count(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = '{}'",
        schema::PG_VERSION_TABLE
    ))?;
    if ours > 0 {
        let v = migrate::version(db).map_err(|e| classify(name, "read the schema version", e))?;
        return judge_version(name, v);
    }
    let tables = count(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )?;
    if tables > 0 {
        return Err(StoreError::Foreign {
            db: name.to_string(),
            kind: "PostgreSQL",
            place: "database",
        });
    }
    Ok(Found::Empty)
}

fn classify_connect(name: &str, user: &str, e: postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            return StoreError::PasswordRefused {
                db: name.to_string(),
                user: user.to_string(),
            };
        }
        return StoreError::Open {
            db: name.to_string(),
            reason: db.message().to_string(),
        };
    }
    let text = e.to_string();
    if text.contains("password") {
        return StoreError::PasswordRefused {
            db: name.to_string(),
            user: user.to_string(),
        };
    }
    StoreError::ServerDown {
        db: name.to_string(),
        reason: cause(&e),
    }
}

/// The innermost cause of an error, short.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// Name the failures an agent can act on (not a database, damaged, locked, read-only, the
/// server gone) apart from the rest.
pub(crate) fn classify(name: &str, op: &'static str, e: DbError) -> StoreError {
    let db = name.to_string();
    match e {
        DbError::Sqlite(e) => match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => StoreError::NotSqlite { db },
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                db,
                reason: e.to_string(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                db,
                waited_ms: u64::try_from(lock_timeout().as_millis()).unwrap_or(u64::MAX),
            },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                // Name what is read-only: the file, a WAL file beside it, or the folder.
                StoreError::ReadOnly {
                    why: read_only_place(Path::new(&db)),
                    db,
                    op,
                }
            }
            _ => StoreError::Database {
                db,
                op,
                error: e.to_string(),
            },
        },
        DbError::Postgres(e) => {
            let gone = e.is_closed()
                || e.as_db_error().is_none() && cause(&e) != e.to_string()
                || e.code().is_some_and(|c| {
                    *c == SqlState::ADMIN_SHUTDOWN
                        || *c == SqlState::CRASH_SHUTDOWN
                        || *c == SqlState::CANNOT_CONNECT_NOW
                });
            if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
                return StoreError::Locked {
                    db,
                    waited_ms: u64::try_from(lock_timeout().as_millis()).unwrap_or(u64::MAX),
                };
            }
            if gone {
                StoreError::ServerGone {
                    db,
                    reason: cause(&e),
                }
            } else {
                StoreError::Database {
                    db,
                    op,
                    error: DbError::Postgres(e).to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://desk:s3cret@db.example.com:5432/calls"),
            "postgres://desk:***@db.example.com:5432/calls"
        );
        assert_eq!(
            redact("postgresql://desk@db/calls"),
            "postgresql://desk@db/calls"
        );
        assert_eq!(redact("calls.sqlite"), "calls.sqlite");
    }

    #[test]
    fn locations() {
        assert!(matches!(
            Location::parse("calls.sqlite"),
            Ok(Location::File(_))
        ));
        assert!(matches!(
            Location::parse("C:\\Users\\a\\calls.sqlite"),
            Ok(Location::File(_))
        ));
        assert!(matches!(
            Location::parse("postgres://desk@127.0.0.1:5432/calls"),
            Ok(Location::Postgres(_))
        ));
        assert!(matches!(
            Location::parse("mysql://desk@db/calls"),
            Err(StoreError::BadUrl { .. })
        ));
    }
}
