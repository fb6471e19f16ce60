//! The open store and every read and write the rest of deskbook does on it.
//!
//! Durability: one transaction per event (an `INSERT` in autocommit mode, or an explicit
//! transaction where the call's row changes with it), committed before `append` returns.
//! SQLite runs in WAL mode with `synchronous = NORMAL`: a commit is in the WAL file, in the
//! operating system's hands, when `append` returns, so a process killed at any point
//! (`kill -9`, a closed terminal, a crash) loses nothing it committed, and the database is
//! never corrupted. Only a power cut or kernel crash can drop the last commits before the
//! next checkpoint; `FULL` would close that window with an fsync per event, which costs more
//! than the whole engine per step on ordinary disks (see the runtime benchmark) while an
//! agent's call is re-typed in a minute. PostgreSQL commits as its server is configured.
//!
//! Many agents write at once: SQLite writers take the write lock per transaction
//! (`BEGIN IMMEDIATE`) and wait for each other up to the lock timeout; each call has one
//! writer, which numbers its events (`seq`), so two processes writing one call collide on
//! the primary key instead of interleaving.

use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::aggregate::{AggregateError, AggregateQuery, GroupRow};
use crate::db::{Backend, Db, Row, Val};
use crate::migrate::Summary;
use crate::model::{
    input_of, Call, CallFilter, Event, NewCall, Stamp, CALLER_INPUTS, CLOSED_BY_AGENT,
    CLOSED_BY_PLAYBOOK, TARGET_INPUTS,
};
use crate::open::{self, Access};
use crate::record::Record;
use crate::{id, time, StoreError};

/// The call store.
pub struct Store {
    pub(crate) db: Db,
    /// How the database is named in messages (a path, or a URL without its password).
    pub(crate) name: String,
    /// The SQLite file, when it is one.
    path: Option<PathBuf>,
    /// The call this process writes: its next `seq` and what its row's derived columns
    /// hold, so an append is one INSERT (and, for notes and probes, one UPDATE).
    current: Option<Current>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("db", &self.name).finish()
    }
}

struct Current {
    session: String,
    next: i64,
    summary: Summary,
}

const CALL_COLUMNS: &str = "session, playbook, fingerprint, content_version, agent, caller, \
                            target, rollout, vars, started_at, ended_at, duration_ms, status, \
                            category, escalate, path, notes, probes, flags, closed_by";

impl Store {
    /// Open (or create) the store `location` names: an SQLite file path, or a
    /// `postgres://` / `postgresql://` URL. Older schemas are upgraded.
    pub fn open(location: &str) -> Result<Store, StoreError> {
        Store::open_with(location, Access::Write)
    }

    /// Open the store to read it: a file this process may not write is opened read-only
    /// (when its schema is current) instead of failing; a path where no file is is refused
    /// ([`StoreError::NoDatabase`]), not created.
    pub fn open_read(location: &str) -> Result<Store, StoreError> {
        Store::open_with(location, Access::Read)
    }

    /// Open (or create) the SQLite file at `path`. The folder must exist.
    pub fn open_path(path: &Path) -> Result<Store, StoreError> {
        Store::from_opened(open::sqlite(path, Access::Write)?, Some(path.to_path_buf()))
    }

    fn open_with(location: &str, access: Access) -> Result<Store, StoreError> {
        match open::Location::parse(location)? {
            open::Location::Postgres(config) => {
                Store::from_opened(open::postgres(location, &config)?, None)
            }
            open::Location::File(path) => {
                Store::from_opened(open::sqlite(&path, access)?, Some(path))
            }
        }
    }

    /// Open (or create) the database at [`crate::default_path`], creating its folder.
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open_default_with(Access::Write)
    }

    /// Open the database at [`crate::default_path`] to read it: read-only, as
    /// [`Store::open_read`] does, when this process may not write it; before anything was
    /// recorded, an empty store in memory (no calls), creating no file or folder.
    pub fn open_default_read() -> Result<Store, StoreError> {
        Store::open_default_with(Access::Read)
    }

    fn open_default_with(access: Access) -> Result<Store, StoreError> {
        let path = crate::default_path()?;
        // Nothing recorded yet: reading finds no calls, and creates neither file nor folder.
        let absent = matches!(std::fs::symlink_metadata(&path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
        if access == Access::Read && absent {
            return Store::from_opened(open::empty(path.display().to_string())?, None);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                db: path.display().to_string(),
                reason: format!("cannot create the folder {}: {e}", dir.display()),
            })?;
        }
        Store::from_opened(open::sqlite(&path, access)?, Some(path))
    }

    fn from_opened(opened: open::Opened, path: Option<PathBuf>) -> Result<Store, StoreError> {
        Ok(Store {
            db: opened.db,
            name: opened.name,
            path,
            current: None,
        })
    }

    /// How messages name this database.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SQLite file, or `None` for PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub(crate) fn fail(&self, op: &'static str) -> impl Fn(crate::db::DbError) -> StoreError + '_ {
        move |e| open::classify(&self.name, op, e)
    }

    /// Record a new call and its `started` record (one transaction); returns the call.
    pub fn begin_call(&mut self, new: &NewCall<'_>) -> Result<Call, StoreError> {
        let vars = serde_json::to_string(new.vars).unwrap_or_else(|_| "{}".into());
        let record = new.started();
        let (kind, step, payload) = row_of(&record);
        let started_at = time::now();
        let caller = input_of(new.vars, CALLER_INPUTS);
        let target = input_of(new.vars, TARGET_INPUTS);
        let rollout = new.rollout.unwrap_or_default().to_string();
        for _ in 0..8 {
            let session = id::new_session_id();
            let inserted = self
                .db
                .transaction(|db| {
                    let n = db.exec(
                        "INSERT INTO calls (session, playbook, fingerprint, content_version, agent, \
                         caller, target, rollout, vars, started_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (session) DO NOTHING",
                        &[
                            session.as_str().into(),
                            new.playbook.into(),
                            new.fingerprint.into(),
                            new.content_version.into(),
                            new.agent.into(),
                            caller.clone().into(),
                            target.clone().into(),
                            rollout.as_str().into(),
                            vars.as_str().into(),
                            started_at.as_str().into(),
                        ],
                    )?;
                    if n == 1 {
                        insert_event(db, &session, 1, kind, step.as_deref(), &payload, &started_at)?;
                    }
                    Ok(n)
                })
                .map_err(self.fail("record the call's start"))?;
            if inserted == 0 {
                continue; // an id collision: draw another
            }
            self.current = Some(Current {
                session: session.clone(),
                next: 2,
                summary: Summary::default(),
            });
            return Ok(new.call(&session, &started_at));
        }
        Err(StoreError::Open {
            db: self.name.clone(),
            reason: "could not draw an unused session id".into(),
        })
    }

    /// Append one record to a call's log, committed when this returns, with what it changes
    /// in the call's row (an end, a note, a probe result, a new fingerprint) in the same
    /// transaction. Returns its `seq` and time.
    pub fn append(&mut self, session: &str, record: &Record) -> Result<Stamp, StoreError> {
        // Another process may have appended to this call meanwhile (`sessions attach` at
        // another desk): its `seq` is then taken, and the position is read again, once.
        match self.append_at_next(session, record)? {
            Ok(stamp) => Ok(stamp),
            Err(e) if e.is_unique_violation() => {
                self.current = None;
                self.append_at_next(session, record)?
                    .map_err(|e| self.fail("record an event")(e))
            }
            Err(e) => Err(self.fail("record an event")(e)),
        }
    }

    /// Append at the position the store holds for the call; a database error is given
    /// back for [`Store::append`] to judge.
    fn append_at_next(
        &mut self,
        session: &str,
        record: &Record,
    ) -> Result<Result<Stamp, crate::db::DbError>, StoreError> {
        self.load_current(session)?;
        let Some(mut cur) = self.current.take() else {
            return Err(StoreError::NoSuchCall(session.to_string()));
        };
        let at = time::now();
        let seq = cur.next;
        // Folded in place (a long call's path is not copied per event): when the write
        // fails, `cur` is dropped and the next append reads the log again.
        cur.summary.fold(record, &at);
        let (kind, step, payload) = row_of(record);
        // Only an end needs the start time (for the duration): one query less per event.
        let started_at = match record {
            Record::Ended { .. } | Record::Closed { .. } => self.started_at(session)?,
            _ => None,
        };
        let update = row_update(record, &cur.summary, &at, started_at);
        let done = match &update {
            None => insert_event(&self.db, session, seq, kind, step.as_deref(), &payload, &at),
            Some((sql, params)) => self.db.transaction(|db| {
                insert_event(db, session, seq, kind, step.as_deref(), &payload, &at)?;
                let mut all = vec![Val::from(session)];
                all.extend(params.iter().cloned());
                db.exec(sql, &all)?;
                Ok(())
            }),
        };
        Ok(match done {
            Ok(()) => {
                cur.next = seq + 1;
                self.current = Some(cur);
                Ok(Stamp { seq, at })
            }
            // Forget the position: the next append reads it from the database again.
            Err(e) => Err(e),
        })
    }

    /// End an open call on purpose (`sessions close`): a `closed` record by `agent`.
    pub fn close_call(
        &mut self,
        id: &str,
        status: &str,
        category: &str,
        agent: Option<&str>,
    ) -> Result<(Call, Stamp), StoreError> {
        let call = self.call(id)?;
        if !call.is_open() {
            return Err(StoreError::AlreadyEnded {
                session: call.session,
                status: call.status.unwrap_or_default(),
            });
        }
        let record = Record::Closed {
            status: status.to_string(),
            category: category.to_string(),
            escalate: None,
            agent: agent.map(str::to_string),
        };
        let stamp = self.append(&call.session, &record)?;
        Ok((self.call(&call.session)?, stamp))
    }

    /// The start time of the call being written (for its duration).
    fn started_at(&self, session: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_opt(
                "SELECT started_at FROM calls WHERE session = $1",
                &[session.into()],
            )
            .map_err(self.fail("read the call"))?
            .map(|r| r.text(0)))
    }

    /// Make `session` the call this process writes, reading its position from the log.
    fn load_current(&mut self, session: &str) -> Result<(), StoreError> {
        if self.current.as_ref().is_some_and(|c| c.session == session) {
            return Ok(());
        }
        self.current = None;
        let events = self.events(session)?;
        let mut summary = Summary::default();
        for e in &events {
            summary.fold(&e.record, &e.at);
        }
        self.current = Some(Current {
            session: session.to_string(),
            next: events.last().map_or(1, |e| e.seq + 1),
            summary,
        });
        Ok(())
    }

    /// Calls that fit `filter`, newest first.
    pub fn calls(&self, filter: &CallFilter) -> Result<Vec<Call>, StoreError> {
        let mut sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE 1 = 1");
        let mut params: Vec<Val> = Vec::new();
        let mut cond = |col: &str, op: &str, v: &Option<String>| {
            if let Some(v) = v {
                params.push(v.into());
                sql.push_str(&format!(" AND {col} {op} ${}", params.len()));
            }
        };
        cond("started_at", ">=", &filter.since);
        cond("started_at", "<", &filter.until);
        cond("status", "=", &filter.status);
        cond("category", "=", &filter.category);
        cond("agent", "=", &filter.agent);
        if filter.open {
            sql.push_str(" AND ended_at IS NULL");
        }
        sql.push_str(" ORDER BY started_at DESC, session");
        let rows = self
            .db
            .query(&sql, &params)
            .map_err(self.fail("list calls"))?;
        rows.iter().map(|r| self.call_of(r)).collect()
    }

    /// Every call, newest first.
    pub fn all_calls(&self) -> Result<Vec<Call>, StoreError> {
        self.calls(&CallFilter::default())
    }

    /// The call with this session id, or the one call whose id starts with `id`.
    pub fn call(&self, id: &str) -> Result<Call, StoreError> {
        if id.is_empty() {
            return Err(StoreError::NoSuchCall(String::new()));
        }
        let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE session = $1");
        if let Some(row) = self
            .db
            .query_opt(&sql, &[id.into()])
            .map_err(self.fail("read a call"))?
        {
            return self.call_of(&row);
        }
        // Prefix match; the pattern's wildcards are escaped so `_` and `%` match themselves.
        let pattern = format!(
            "{}%",
            id.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE session LIKE $1 ESCAPE '\\' ORDER BY session LIMIT 6"
        );
        let found = self
            .db
            .query(&sql, &[pattern.into()])
            .map_err(self.fail("find a call"))?;
        match found.len() {
            0 => Err(StoreError::NoSuchCall(id.to_string())),
            1 => self.call_of(&found[0]),
            _ => Err(StoreError::Ambiguous {
                prefix: id.to_string(),
                matches: found.iter().map(|r| r.text(0)).collect(),
            }),
        }
    }

    /// A call's events in order. A row that does not read back as a record is an error
    /// naming the call and its `seq`.
    pub fn events(&self, session: &str) -> Result<Vec<Event>, StoreError> {
        read_events(&self.db, &self.name, session)
    }

    /// The call report's groups (see [`crate::aggregate`]).
    pub fn aggregate(&self, q: &AggregateQuery) -> Result<Vec<GroupRow>, StoreError> {
        crate::aggregate::run(&self.db, q).map_err(|e| match e {
            AggregateError::Db(e) => open::classify(&self.name, "count the calls", e),
            AggregateError::BadRow(reason) => StoreError::Corrupt {
                db: self.name.clone(),
                reason,
            },
        })
    }

    fn call_of(&self, r: &Row) -> Result<Call, StoreError> {
        let session = r.text(0);
        let name = &self.name;
        fn column<T: serde::de::DeserializeOwned>(
            r: &Row,
            i: usize,
            name: &str,
            session: &str,
            what: &'static str,
        ) -> Result<T, StoreError> {
            serde_json::from_str(&r.text(i)).map_err(|error| StoreError::BadJson {
                db: name.to_string(),
                session: session.to_string(),
                what,
                error,
            })
        }
        Ok(Call {
            playbook: r.text(1),
            fingerprint: r.text(2),
            content_version: r.text(3),
            agent: r.opt_text(4),
            caller: r.opt_text(5),
            target: r.opt_text(6),
            rollout: r.text(7),
            vars: column(r, 8, name, &session, "vars")?,
            started_at: r.text(9),
            ended_at: r.opt_text(10),
            duration_ms: r.opt_int(11),
            status: r.opt_text(12),
            category: r.opt_text(13),
            escalate: r.opt_text(14),
            path: column(r, 15, name, &session, "path")?,
            notes: column(r, 16, name, &session, "notes")?,
            probes: column(r, 17, name, &session, "probes")?,
            flags: column(r, 18, name, &session, "flags")?,
            closed_by: r.opt_text(19),
            session,
        })
    }
}

/// A record as its row: kind, step, payload text.
fn row_of(record: &Record) -> (&'static str, Option<String>, String) {
    (
        record.kind(),
        record.step().map(str::to_string),
        Value::Object(record.payload()).to_string(),
    )
}

/// What a record changes in its call's row: the UPDATE (its first parameter is the
/// session) and the other parameters.
fn row_update(
    record: &Record,
    summary: &Summary,
    at: &str,
    started_at: Option<String>,
) -> Option<(&'static str, Vec<Val>)> {
    let duration = || -> Val {
        started_at
            .as_deref()
            .and_then(|s| time::millis_between(s, at))
            .into()
    };
    match record {
        Record::Ended {
            status,
            category,
            escalate,
            path,
            flags,
            ..
        } => Some((
            "UPDATE calls SET ended_at = $2, duration_ms = $3, status = $4, category = $5, \
             escalate = $6, path = $7, flags = $8, notes = $9, probes = $10, closed_by = $11 \
             WHERE session = $1",
            vec![
                at.into(),
                duration(),
                status.into(),
                category.into(),
                escalate.clone().into(),
                json(path).into(),
                json(flags).into(),
                json(&summary.notes).into(),
                json(&summary.probes).into(),
                CLOSED_BY_PLAYBOOK.into(),
            ],
        )),
        Record::Closed {
            status,
            category,
            escalate,
            ..
        } => Some((
            "UPDATE calls SET ended_at = $2, duration_ms = $3, status = $4, category = $5, \
             escalate = $6, path = $7, closed_by = $8 WHERE session = $1",
            vec![
                at.into(),
                duration(),
                status.into(),
                category.into(),
                escalate.clone().into(),
                json(&summary.path).into(),
                CLOSED_BY_AGENT.into(),
            ],
        )),
        Record::Resumed { fingerprint, .. } => Some((
            "UPDATE calls SET fingerprint = $2 WHERE session = $1",
            vec![fingerprint.into()],
        )),
        Record::Noted { .. } => Some((
            "UPDATE calls SET notes = $2 WHERE session = $1",
            vec![json(&summary.notes).into()],
        )),
        Record::Probed { .. } | Record::Observed { .. } | Record::Ran { .. } => Some((
            "UPDATE calls SET probes = $2 WHERE session = $1",
            vec![json(&summary.probes).into()],
        )),
        _ => None,
    }
}

/// JSON text of a derived column's value.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Insert event number `seq` of a call.
pub(crate) fn insert_event(
    db: &Db,
    session: &str,
    seq: i64,
    kind: &str,
    step: Option<&str>,
    payload: &str,
    at: &str,
) -> crate::db::DbResult<()> {
    db.exec(
        "INSERT INTO events (session, seq, kind, step, payload, at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            session.into(),
            seq.into(),
            kind.into(),
            step.into(),
            payload.into(),
            at.into(),
        ],
    )?;
    Ok(())
}

/// The events of `session` in the database `name`.
pub(crate) fn read_events(db: &Db, name: &str, session: &str) -> Result<Vec<Event>, StoreError> {
    let rows = db
        .query(
            "SELECT seq, kind, step, payload, at FROM events WHERE session = $1 ORDER BY seq",
            &[session.into()],
        )
        .map_err(|e| open::classify(name, "read events", e))?;
    rows.iter()
        .map(|r| {
            let (seq, kind, step, payload) = (r.int(0), r.text(1), r.opt_text(2), r.text(3));
            let record = Record::from_row(&kind, step.as_deref(), &payload).map_err(|error| {
                StoreError::BadRecord {
                    db: name.to_string(),
                    session: session.to_string(),
                    seq,
                    kind: kind.clone(),
                    error,
                }
            })?;
            Ok(Event {
                seq,
                at: r.text(4),
                record,
            })
        })
        .collect()
}
