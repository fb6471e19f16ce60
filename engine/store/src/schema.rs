//! The tables, written in SQL that SQLite and PostgreSQL both accept, and the migrations
//! between versions.
//!
//! Only plain types: TEXT (ids, JSON documents, RFC 3339 UTC timestamps) and BIGINT. JSON is
//! stored as text so the same rows load into PostgreSQL `text` (or cast to `jsonb`) without
//! conversion. Where the version is kept differs (SQLite: `PRAGMA user_version` and
//! `application_id`; PostgreSQL: the one-row table [`PG_VERSION_TABLE`]); SQLite's one
//! storage option is added by [`for_backend`], never written into the portable text.

use crate::db::Backend;

/// The schema version this code writes and reads. Version 3 has the tables of version 2;
/// its logs hold records an older deskbook cannot read (`attached`, and results that say
/// which computer they speak for), so the number tells an older deskbook to stop.
pub const VERSION: i64 = 3;

/// Marks an SQLite file as deskbook's (`PRAGMA application_id`, "DSKB").
pub const APPLICATION_ID: i64 = 0x4453_4B42;

/// The PostgreSQL table that holds the schema version (one row).
pub const PG_VERSION_TABLE: &str = "deskbook_schema";

/// The tables of [`VERSION`], named `{calls}` and `{events}` so a migration can build them
/// beside the old ones.
const TABLES: &str = "
CREATE TABLE {calls} (
    session         TEXT PRIMARY KEY,
    playbook        TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,            -- the playbook's fingerprint when last started or resumed
    content_version TEXT NOT NULL DEFAULT '', -- hash of the effective content ('' before version 2)
    agent           TEXT,
    caller          TEXT,                     -- the caller's computer
    target          TEXT,                     -- the computer it cannot reach
    rollout         TEXT NOT NULL DEFAULT '', -- the organisation's rollout phase, '' when none
    vars            TEXT NOT NULL,            -- JSON object of the run's inputs
    started_at      TEXT NOT NULL,            -- RFC 3339 UTC
    ended_at        TEXT,                     -- NULL while the call is open
    duration_ms     BIGINT,                   -- NULL while the call is open
    status          TEXT,                     -- fixed-understood | fixed-unclear | not-fixed
    category        TEXT,
    escalate        TEXT,                     -- NULL | tier2 | tier3
    path            TEXT NOT NULL DEFAULT '[]', -- JSON array of step ids
    notes           TEXT NOT NULL DEFAULT '[]', -- JSON array of {step, text, at}
    probes          TEXT NOT NULL DEFAULT '[]', -- JSON array of {step, probe, status, summary, ran_on, overridden, at}
    flags           TEXT NOT NULL DEFAULT '[]', -- JSON array, e.g. social-engineering
    closed_by       TEXT                      -- NULL | playbook | agent
);
CREATE TABLE {events} (
    session TEXT NOT NULL REFERENCES {calls} (session),
    seq     BIGINT NOT NULL,     -- 1, 2, 3 ... within the call, no gaps
    kind    TEXT NOT NULL,       -- the record's `event` tag: started, answered, probed ...
    step    TEXT,                -- the step id, PLAYBOOK/STEP inside a called playbook
    payload TEXT NOT NULL,       -- JSON object: the rest of the record
    at      TEXT NOT NULL,       -- RFC 3339 UTC
    PRIMARY KEY (session, seq)
);
";

const INDEXES: &str = "CREATE INDEX calls_started_at ON calls (started_at);\n";

fn tables(calls: &str, events: &str) -> String {
    TABLES.replace("{calls}", calls).replace("{events}", events)
}

/// Creates every table and index of [`VERSION`] (portable text).
pub fn create() -> String {
    tables("calls", "events") + INDEXES
}

/// `sql` as `backend` runs it. SQLite stores `events` `WITHOUT ROWID`, clustered on its
/// primary key, so appending an event writes one b-tree page instead of two (the table and
/// its key index): that halves the bytes every committed event puts in the WAL.
pub fn for_backend(sql: &str, backend: Backend) -> String {
    match backend {
        Backend::Postgres => sql.to_string(),
        Backend::Sqlite => sql.replace(
            "    PRIMARY KEY (session, seq)\n);",
            "    PRIMARY KEY (session, seq)\n) WITHOUT ROWID;",
        ),
    }
}

/// Version 1 → 2, the SQL half: new `calls` columns (and `rollout` NOT NULL), built as new
/// tables beside the old ones, filled, and renamed into place (SQLite cannot change a
/// column's constraints in place). The store then fills the derived columns from each
/// call's log (`migrate.rs`).
pub fn v1_to_v2() -> String {
    tables("calls_v2", "events_v2")
        + "
INSERT INTO calls_v2 (session, playbook, fingerprint, agent, rollout, vars, started_at,
                      ended_at, status, category, escalate, closed_by)
    SELECT session, playbook, fingerprint, agent, COALESCE(rollout, ''), vars, started_at,
           ended_at, status, category, escalate,
           CASE WHEN ended_at IS NULL THEN NULL ELSE 'playbook' END
    FROM calls;
INSERT INTO events_v2 (session, seq, kind, step, payload, at)
    SELECT session, seq, kind, step, payload, at FROM events;
DROP TABLE events;
DROP TABLE calls;
ALTER TABLE calls_v2 RENAME TO calls;
ALTER TABLE events_v2 RENAME TO events;
" + INDEXES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_adds_only_the_storage_option() {
        let ddl = for_backend(&create(), Backend::Sqlite);
        assert_eq!(ddl.matches("WITHOUT ROWID").count(), 1);
        assert_eq!(ddl.replace(" WITHOUT ROWID", ""), create());
        let m = for_backend(&v1_to_v2(), Backend::Sqlite);
        assert_eq!(m.matches("WITHOUT ROWID").count(), 1);
    }

    #[test]
    fn the_calls_table_has_the_agreed_columns() {
        let ddl = create();
        let body = ddl
            .split("CREATE TABLE calls (")
            .nth(1)
            .and_then(|s| s.split(");").next())
            .unwrap_or_default();
        let cols: Vec<&str> = body
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(
            cols,
            [
                "session",
                "playbook",
                "fingerprint",
                "content_version",
                "agent",
                "caller",
                "target",
                "rollout",
                "vars",
                "started_at",
                "ended_at",
                "duration_ms",
                "status",
                "category",
                "escalate",
                "path",
                "notes",
                "probes",
                "flags",
                "closed_by"
            ]
        );
    }
}
