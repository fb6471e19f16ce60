//! The open database and every read and write the rest of deskbook does on it.
//!
//! Durability: WAL journal, one transaction per event (an `INSERT` in autocommit mode, or an
//! explicit transaction where a call row changes with it). `synchronous = NORMAL`: in WAL
//! mode a commit is in the WAL file, in the operating system's hands, when `append` returns,
//! so a process killed at any point (`kill -9`, a closed terminal, a crash) loses nothing it
//! committed, and the database is never corrupted. Only a power cut or kernel crash can drop
//! the last commits before the next checkpoint; `FULL` would close that window with an fsync
//! per event, which costs more than the whole engine per step on ordinary disks (see the
//! runtime benchmark) while an agent's call is re-typed in a minute.

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::aggregate::{AggregateError, AggregateQuery, GroupRow};
use crate::id::new_session_id;
use crate::model::{Call, Event, NewCall, Outcome, Stamp};
use crate::{schema, time, StoreError};

/// The call database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The next `seq` of the call this process writes, so an append is one plain INSERT.
    /// Two processes writing one call collide on the primary key instead of interleaving.
    next: Option<(String, i64)>,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

const CALL_COLUMNS: &str = "session, playbook, fingerprint, agent, rollout, vars, started_at, \
                            ended_at, status, category, escalate";

impl Store {
    /// Open (or create) the database at `path`. The folder must exist.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        precheck(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| StoreError::Open {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut store = Store {
            conn,
            path,
            next: None,
        };
        // Recognise the file before changing anything in it: another program's database
        // must not be switched to WAL mode.
        store.migrate()?;
        store.configure()?;
        Ok(store)
    }

    /// Open (or create) the database at [`crate::default_path`], creating its folder.
    pub fn open_default() -> Result<Store, StoreError> {
        let path = crate::default_path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.clone(),
                reason: format!("cannot create the folder {}: {e}", dir.display()),
            })?;
        }
        Store::open(&path)
    }

    /// Keep the database locked by this process until it exits, for a batch of appends that
    /// nobody else needs to read meanwhile (a scripted run): SQLite then skips the lock
    /// calls it makes around every transaction, about a third of an append's cost. Other
    /// processes wait (up to the busy timeout) until this one is done.
    pub fn hold_lock(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.conn
            .query_row("PRAGMA locking_mode = EXCLUSIVE", [], |r| {
                r.get::<_, String>(0)
            })
            .map_err(on(&path, "lock the database"))?;
        // Checkpoint every 10,000 WAL frames instead of 1,000: each checkpoint syncs the
        // disk twice, and a burst of small commits would otherwise wait on dozens of syncs.
        // The WAL grows to about 40 MB at most and is folded in when the store closes.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 10_000)
            .map_err(on(&path, "set the checkpoint interval"))?;
        Ok(())
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, op: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        on(&self.path, op)
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |op| on(&path, op);
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err("switch to WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Open {
                path: self.path.clone(),
                reason: format!("SQLite kept journal mode `{mode}` instead of WAL"),
            });
        }
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(err("set synchronous"))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(err("enable foreign keys"))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |op| on(&path, op);
        self.conn
            .busy_timeout(Duration::from_secs(10))
            .map_err(err("set the busy timeout"))?;
        // The first read of the file's header: where a file that is not SQLite shows itself.
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(err("read the application id"))?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err("read the schema version"))?;
        if app == schema::APPLICATION_ID {
            if version > schema::VERSION {
                return Err(StoreError::NewerSchema {
                    path: self.path.clone(),
                    found: version,
                    known: schema::VERSION,
                });
            }
            if version == schema::VERSION {
                return Ok(());
            }
        } else if app != 0 {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        let tables: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(err("list the tables"))?;
        if app == 0 && tables > 0 {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        // A new file: create the schema and mark the file, all or nothing.
        let tx = self
            .conn
            .transaction()
            .map_err(err("begin creating the schema"))?;
        tx.execute_batch(&schema::sqlite())
            .map_err(err("create the schema"))?;
        tx.pragma_update(None, "application_id", schema::APPLICATION_ID)
            .map_err(err("mark the file as deskbook's"))?;
        tx.pragma_update(None, "user_version", schema::VERSION)
            .map_err(err("set the schema version"))?;
        tx.commit().map_err(err("commit the schema"))?;
        Ok(())
    }

    /// Record a new call and its `started` event (one transaction); returns the call.
    pub fn begin_call(&mut self, new: &NewCall<'_>, payload: &Value) -> Result<Call, StoreError> {
        let vars = serde_json::to_string(new.vars).unwrap_or_else(|_| "{}".into());
        let started_at = time::now();
        let path = self.path.clone();
        let err = |op| on(&path, op);
        for _ in 0..8 {
            let session = new_session_id();
            let tx = self.conn.transaction().map_err(err("begin a call"))?;
            let inserted = tx
                .execute(
                    "INSERT INTO calls (session, playbook, fingerprint, agent, rollout, vars, started_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (session) DO NOTHING",
                    params![
                        session,
                        new.playbook,
                        new.fingerprint,
                        new.agent,
                        new.rollout,
                        vars,
                        started_at
                    ],
                )
                .map_err(err("record the call"))?;
            if inserted == 0 {
                continue; // an id collision: draw another
            }
            insert_event(&tx, &session, 1, "started", None, payload, &started_at)
                .map_err(err("record the call's start"))?;
            tx.commit().map_err(err("commit the call's start"))?;
            self.next = Some((session.clone(), 2));
            return Ok(Call {
                session,
                playbook: new.playbook.to_string(),
                fingerprint: new.fingerprint.to_string(),
                agent: new.agent.map(str::to_string),
                rollout: new.rollout.map(str::to_string),
                vars: new.vars.clone(),
                started_at,
                ended_at: None,
                status: None,
                category: None,
                escalate: None,
            });
        }
        Err(StoreError::Open {
            path: self.path.clone(),
            reason: "could not draw an unused session id".into(),
        })
    }

    /// Append one event to a call's log, committed when this returns. Returns its `seq`
    /// and time.
    pub fn append(
        &mut self,
        session: &str,
        kind: &str,
        step: Option<&str>,
        payload: &Value,
    ) -> Result<Stamp, StoreError> {
        let at = time::now();
        let seq = self.next_seq(session)?;
        let done = insert_event(&self.conn, session, seq, kind, step, payload, &at);
        self.settle(session, done, at, "append an event")
    }

    /// The `seq` the next event of `session` gets.
    fn next_seq(&mut self, session: &str) -> Result<i64, StoreError> {
        match &self.next {
            Some((s, seq)) if s == session => Ok(*seq),
            _ => last_seq(&self.conn, session)
                .map(|n| n + 1)
                .map_err(self.err("read the call's last event")),
        }
    }

    /// Remember the next `seq` after a committed event; forget it after a failure, so the
    /// next append reads it from the database again.
    fn settle(
        &mut self,
        session: &str,
        done: rusqlite::Result<i64>,
        at: String,
        op: &'static str,
    ) -> Result<Stamp, StoreError> {
        match done {
            Ok(seq) => {
                self.next = Some((session.to_string(), seq + 1));
                Ok(Stamp { seq, at })
            }
            Err(e) => {
                self.next = None;
                Err(classify(&self.path, op, e))
            }
        }
    }

    /// Append an event and move the call to `fingerprint` (a resume against a changed
    /// playbook), in one transaction.
    pub fn append_refingerprint(
        &mut self,
        session: &str,
        kind: &str,
        payload: &Value,
        fingerprint: &str,
    ) -> Result<Stamp, StoreError> {
        let at = time::now();
        let seq = self.next_seq(session)?;
        let done = (|| {
            let tx = self.conn.transaction()?;
            tx.execute(
                "UPDATE calls SET fingerprint = ?2 WHERE session = ?1",
                params![session, fingerprint],
            )?;
            insert_event(&tx, session, seq, kind, None, payload, &at)?;
            tx.commit()?;
            Ok(seq)
        })();
        self.settle(session, done, at, "record the resume")
    }

    /// Record the `ended` event and close the call (one transaction).
    pub fn end_call(
        &mut self,
        session: &str,
        outcome: &Outcome<'_>,
        payload: &Value,
    ) -> Result<Stamp, StoreError> {
        let at = time::now();
        let seq = self.next_seq(session)?;
        let done = (|| {
            let tx = self.conn.transaction()?;
            insert_event(&tx, session, seq, "ended", None, payload, &at)?;
            tx.execute(
                "UPDATE calls SET ended_at = ?2, status = ?3, category = ?4, escalate = ?5 WHERE session = ?1",
                params![session, at, outcome.status, outcome.category, outcome.escalate],
            )?;
            tx.commit()?;
            Ok(seq)
        })();
        self.settle(session, done, at, "record the call's end")
    }

    /// Every call, newest first.
    pub fn calls(&self) -> Result<Vec<Call>, StoreError> {
        let sql = format!("SELECT {CALL_COLUMNS} FROM calls ORDER BY started_at DESC, session");
        let mut stmt = self.conn.prepare(&sql).map_err(self.err("list calls"))?;
        let rows = stmt
            .query_map([], raw_call)
            .map_err(self.err("list calls"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err("list calls"))?;
        rows.into_iter().map(|r| self.finish_call(r)).collect()
    }

    /// The call with this session id, or the one call whose id starts with `id`.
    pub fn call(&self, id: &str) -> Result<Call, StoreError> {
        if id.is_empty() {
            return Err(StoreError::NoSuchCall(String::new()));
        }
        let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE session = ?1");
        let exact = self
            .conn
            .query_row(&sql, [id], raw_call)
            .optional()
            .map_err(self.err("read a call"))?;
        if let Some(raw) = exact {
            return self.finish_call(raw);
        }
        // Prefix match; the pattern's wildcards are escaped so `_` and `%` match themselves.
        let pattern = format!(
            "{}%",
            id.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE session LIKE ?1 ESCAPE '\\' ORDER BY session LIMIT 6"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err("find a call"))?;
        let mut found = stmt
            .query_map([pattern], raw_call)
            .map_err(self.err("find a call"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err("find a call"))?;
        match found.len() {
            0 => Err(StoreError::NoSuchCall(id.to_string())),
            1 => self.finish_call(found.remove(0)),
            _ => Err(StoreError::Ambiguous {
                prefix: id.to_string(),
                matches: found.into_iter().map(|r| r.0).collect(),
            }),
        }
    }

    /// A call's events in order.
    pub fn events(&self, session: &str) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, kind, step, payload, at FROM events WHERE session = ?1 ORDER BY seq",
            )
            .map_err(self.err("read events"))?;
        let rows = stmt
            .query_map([session], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(self.err("read events"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err("read events"))?;
        rows.into_iter()
            .map(|(seq, kind, step, payload, at)| {
                let payload =
                    serde_json::from_str(&payload).map_err(|error| StoreError::BadJson {
                        path: self.path.clone(),
                        session: session.to_string(),
                        what: "event payload",
                        error,
                    })?;
                Ok(Event {
                    seq,
                    kind,
                    step,
                    payload,
                    at,
                })
            })
            .collect()
    }

    /// The call report's groups (see [`crate::aggregate`]).
    pub fn aggregate(&self, q: &AggregateQuery) -> Result<Vec<GroupRow>, StoreError> {
        crate::aggregate::sqlite(&self.conn, q).map_err(|e| match e {
            AggregateError::Sqlite(e) => classify(&self.path, "count the calls", e),
            AggregateError::BadRow(reason) => StoreError::Corrupt {
                path: self.path.clone(),
                reason,
            },
        })
    }

    fn finish_call(&self, raw: RawCall) -> Result<Call, StoreError> {
        let vars: BTreeMap<String, String> =
            serde_json::from_str(&raw.5).map_err(|error| StoreError::BadJson {
                path: self.path.clone(),
                session: raw.0.clone(),
                what: "vars",
                error,
            })?;
        Ok(Call {
            session: raw.0,
            playbook: raw.1,
            fingerprint: raw.2,
            agent: raw.3,
            rollout: raw.4,
            vars,
            started_at: raw.6,
            ended_at: raw.7,
            status: raw.8,
            category: raw.9,
            escalate: raw.10,
        })
    }
}

type RawCall = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn raw_call(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawCall> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

/// Insert event number `seq` of a call. The statement has no WHERE clause on purpose: a
/// bound parameter in a WHERE clause makes SQLite re-prepare the statement on every run
/// (its query planner may pick another plan for another value), which cost more than the
/// insert itself.
fn insert_event(
    conn: &Connection,
    session: &str,
    seq: i64,
    kind: &str,
    step: Option<&str>,
    payload: &Value,
    at: &str,
) -> rusqlite::Result<i64> {
    let payload = payload.to_string();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (session, seq, kind, step, payload, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![session, seq, kind, step, payload, at])?;
    Ok(seq)
}

/// The last `seq` of a call's events (0 when it has none).
fn last_seq(conn: &Connection, session: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM events WHERE session = ?1",
        [session],
        |r| r.get(0),
    )
}

/// Refuse, before SQLite touches it, a path that is a folder or a file that is not SQLite.
fn precheck(path: &Path) -> Result<(), StoreError> {
    if path.is_dir() {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            reason: "it is a folder; give --db a file name".into(),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                reason: format!("the folder {} does not exist", dir.display()),
            });
        }
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(()); // absent (SQLite creates it) or unreadable (SQLite says why)
    };
    let mut head = Vec::with_capacity(16);
    if let Err(e) = (&mut file).take(16).read_to_end(&mut head) {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        });
    }
    if !head.is_empty() && head.as_slice() != SQLITE_MAGIC {
        return Err(StoreError::NotSqlite {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// The error mapper for operation `op` on the database at `path`.
fn on<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError + 'a {
    move |e| classify(path, op, e)
}

/// Name the two failures an agent can act on (not a database, damaged) apart from the rest.
fn classify(path: &Path, op: &'static str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotSqlite {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            op,
            error: e,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([("caller".to_string(), "pc-0042".to_string())])
    }

    fn new_call<'a>(vars: &'a BTreeMap<String, String>) -> NewCall<'a> {
        NewCall {
            playbook: "tier1-triage",
            fingerprint: "f1",
            agent: Some("alice"),
            rollout: None,
            vars,
        }
    }

    #[test]
    fn events_get_consecutive_seqs_and_survive_reopening() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::NoSuchCall(e.to_string()))?;
        let path = dir.path().join("calls.sqlite");
        let vars = vars();
        let session = {
            let mut s = Store::open(&path)?;
            let call = s.begin_call(&new_call(&vars), &json!({"vars": vars}))?;
            assert_eq!(
                s.append(
                    &call.session,
                    "answered",
                    Some("a"),
                    &json!({"answer": "yes"})
                )?
                .seq,
                2
            );
            assert_eq!(
                s.append(&call.session, "noted", None, &json!({"text": "x"}))?
                    .seq,
                3
            );
            call.session
        };
        let s = Store::open(&path)?;
        let events = s.events(&session)?;
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["started", "answered", "noted"]);
        assert_eq!(events[1].payload, json!({"answer": "yes"}));
        assert_eq!(events[1].step.as_deref(), Some("a"));
        let call = s.call(&session)?;
        assert!(call.is_open());
        assert_eq!(call.vars, vars);
        Ok(())
    }

    #[test]
    fn end_call_closes_the_row() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::NoSuchCall(e.to_string()))?;
        let mut s = Store::open(&dir.path().join("c.sqlite"))?;
        let vars = vars();
        let call = s.begin_call(&new_call(&vars), &json!({}))?;
        let outcome = Outcome {
            status: "not-fixed",
            category: Some("network-connectivity"),
            escalate: Some("tier2"),
        };
        s.end_call(&call.session, &outcome, &json!({"path": ["a"]}))?;
        let c = s.call(&call.session)?;
        assert_eq!(c.status.as_deref(), Some("not-fixed"));
        assert_eq!(c.escalate.as_deref(), Some("tier2"));
        assert!(!c.is_open());
        Ok(())
    }

    #[test]
    fn prefixes_find_one_call_or_say_ambiguous() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::NoSuchCall(e.to_string()))?;
        let mut s = Store::open(&dir.path().join("c.sqlite"))?;
        let vars = vars();
        // 17 ids over 16 hex digits: two of them start with the same digit.
        let mut ids = Vec::new();
        for _ in 0..17 {
            ids.push(s.begin_call(&new_call(&vars), &json!({}))?.session);
        }
        ids.sort();
        let (a, b) = ids
            .windows(2)
            .map(|w| (w[0].clone(), w[1].clone()))
            .find(|(a, b)| a[..1] == b[..1])
            .ok_or_else(|| StoreError::NoSuchCall("no shared first digit".into()))?;
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        assert_eq!(s.call(&a[..common + 1])?.session, a);
        assert!(matches!(
            s.call(&a[..common]),
            Err(StoreError::Ambiguous { .. })
        ));
        assert!(matches!(s.call("zz_%"), Err(StoreError::NoSuchCall(_))));
        assert!(matches!(s.call(""), Err(StoreError::NoSuchCall(_))));
        assert_eq!(s.calls()?.len(), 17);
        Ok(())
    }

    #[test]
    fn database_is_in_wal_mode_and_marked() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::NoSuchCall(e.to_string()))?;
        let s = Store::open(&dir.path().join("c.sqlite"))?;
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(s.err("t"))?;
        let app: i64 = s
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(s.err("t"))?;
        assert_eq!(mode, "wal");
        assert_eq!(app, schema::APPLICATION_ID);
        Ok(())
    }
}
