//! Upgrades from older schema versions, run on open inside the transaction that checks the
//! version, and the derived columns of a call's row (path, notes, probes) as folded from
//! its log: the writer keeps them current event by event, and the upgrade computes them
//! for calls recorded before they existed.

use serde_json::{Map, Value};

use crate::db::{Backend, Db, DbResult};
use crate::model::{input_of, Note, ProbeSeen, CALLER_INPUTS, TARGET_INPUTS};
use crate::record::Record;
use crate::store::json;
use crate::{schema, time, StoreError};

/// What a call's log says about the call's row, so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    pub path: Vec<String>,
    pub notes: Vec<Note>,
    pub probes: Vec<ProbeSeen>,
    pub flags: Vec<String>,
}

impl Summary {
    /// Take one more record (committed at `at`) into account.
    pub fn fold(&mut self, record: &Record, at: &str) {
        let seen = |step: &str,
                    r: &deskbook_probes::ProbeResult,
                    canned: bool,
                    origin: &Option<crate::record::Origin>,
                    overridden| ProbeSeen {
            step: step.to_string(),
            probe: r.probe.clone(),
            status: r.status.as_str().to_string(),
            summary: r.summary.clone(),
            ran_on: ran_on(canned, origin.as_ref()),
            overridden,
            at: at.to_string(),
        };
        match record {
            Record::Entered { step } if self.path.last() != Some(step) => {
                self.path.push(step.clone());
            }
            Record::Back { to, .. } => {
                if let Some(i) = self.path.iter().rposition(|s| s == to) {
                    self.path.truncate(i + 1);
                }
            }
            Record::Noted { step, text } => self.notes.push(Note {
                step: step.clone(),
                text: text.clone(),
                at: at.to_string(),
            }),
            Record::Probed {
                step,
                result,
                canned,
                origin,
                ..
            }
            | Record::Ran {
                step,
                result,
                canned,
                origin,
                ..
            } => self.probes.push(seen(step, result, *canned, origin, false)),
            Record::Observed {
                step,
                result,
                canned,
                origin,
                ..
            } => self.probes.push(seen(step, result, *canned, origin, true)),
            Record::Ended { path, flags, .. } => {
                self.path = path.clone();
                self.flags = flags.clone();
            }
            _ => {}
        }
    }
}

/// Where a result ran, for the `probes` column: `helpdesk`, `caller` or `target` (a
/// packet's result is the caller's or the target's), `canned` for a result an answers
/// file or a dry run gave.
fn ran_on(canned: bool, origin: Option<&crate::record::Origin>) -> String {
    match origin {
        Some(o) if o.how == "canned" => "canned".to_string(),
        Some(o) => o.from.clone(),
        None if canned => "canned".to_string(),
        None => "helpdesk".to_string(),
    }
}

/// The schema version a database holds.
pub(crate) fn version(db: &Db) -> DbResult<i64> {
    Ok(match db.backend() {
        Backend::Sqlite => db
            .query_opt("PRAGMA user_version", &[])?
            .map_or(0, |r| r.int(0)),
        Backend::Postgres => db
            .query_opt(
                &format!("SELECT version FROM {}", schema::PG_VERSION_TABLE),
                &[],
            )?
            .map_or(0, |r| r.int(0)),
    })
}

fn set_version(db: &Db, v: i64) -> DbResult<()> {
    match db.backend() {
        Backend::Sqlite => db.batch(&format!("PRAGMA user_version = {v}")),
        Backend::Postgres => db
            .exec(
                &format!("UPDATE {} SET version = $1", schema::PG_VERSION_TABLE),
                &[v.into()],
            )
            .map(|_| ()),
    }
}

/// Create the schema in an empty database (inside the caller's transaction).
pub(crate) fn create(db: &Db) -> DbResult<()> {
    let backend = db.backend();
    db.batch(&schema::for_backend(&schema::create(), backend))?;
    match backend {
        Backend::Sqlite => db.batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = {}",
            schema::APPLICATION_ID,
            schema::VERSION
        )),
        Backend::Postgres => {
            db.batch(&format!(
                "CREATE TABLE {} (version BIGINT NOT NULL)",
                schema::PG_VERSION_TABLE
            ))?;
            db.exec(
                &format!(
                    "INSERT INTO {} (version) VALUES ($1)",
                    schema::PG_VERSION_TABLE
                ),
                &[schema::VERSION.into()],
            )
            .map(|_| ())
        }
    }
}

/// Bring a database at version `from` to [`schema::VERSION`] (inside the caller's
/// transaction: all of it happens, or none).
pub(crate) fn upgrade(db: &Db, name: &str, from: i64) -> Result<(), StoreError> {
    let fail = |op| move |e| crate::open::classify(name, op, e);
    if from < 2 {
        v1_to_v2(db, name)?;
    }
    // 2 -> 3 changes no table: older records read as they are (a result without an
    // origin ran on the help desk computer), so only the number moves.
    set_version(db, schema::VERSION).map_err(fail("set the schema version"))
}

fn v1_to_v2(db: &Db, name: &str) -> Result<(), StoreError> {
    let fail = |op| move |e| crate::open::classify(name, op, e);
    db.batch(&schema::for_backend(&schema::v1_to_v2(), db.backend()))
        .map_err(fail("upgrade the tables to version 2"))?;
    // Version 1 recorded a command that ran as `probed` with a `command`; it is `ran` now.
    let probed = db
        .query(
            "SELECT session, seq, payload FROM events WHERE kind = 'probed'",
            &[],
        )
        .map_err(fail("read the recorded probes"))?;
    for r in probed {
        let payload: Map<String, Value> = serde_json::from_str(&r.text(2)).unwrap_or_default();
        if payload.contains_key("command") {
            db.exec(
                "UPDATE events SET kind = 'ran' WHERE session = $1 AND seq = $2",
                &[r.text(0).into(), r.int(1).into()],
            )
            .map_err(fail("mark the recorded commands"))?;
        }
    }
    let calls = db
        .query("SELECT session, vars, started_at, ended_at FROM calls", &[])
        .map_err(fail("read the calls"))?;
    for c in calls {
        let session = c.text(0);
        let vars: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&c.text(1)).unwrap_or_default();
        let mut summary = Summary::default();
        for e in crate::store::read_events(db, name, &session)? {
            summary.fold(&e.record, &e.at);
        }
        let duration = c
            .opt_text(3)
            .and_then(|end| time::millis_between(&c.text(2), &end));
        db.exec(
            "UPDATE calls SET caller = $2, target = $3, duration_ms = $4, path = $5, notes = $6, \
             probes = $7, flags = $8 WHERE session = $1",
            &[
                session.as_str().into(),
                input_of(&vars, CALLER_INPUTS).into(),
                input_of(&vars, TARGET_INPUTS).into(),
                duration.into(),
                json(&summary.path).into(),
                json(&summary.notes).into(),
                json(&summary.probes).into(),
                json(&summary.flags).into(),
            ],
        )
        .map_err(fail("fill the new columns"))?;
    }
    Ok(())
}
