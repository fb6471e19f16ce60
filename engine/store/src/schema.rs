//! The tables, written in SQL that SQLite and PostgreSQL both accept.
//!
//! Only plain types: TEXT (ids, JSON documents, RFC 3339 UTC timestamps) and BIGINT. JSON is
//! stored as text so the same rows load into PostgreSQL `text` (or cast to `jsonb`) without
//! conversion. SQLite-only settings (WAL, `application_id`, `user_version`) are applied in
//! `store.rs`, and SQLite's one storage option is added by [`sqlite`], never written into
//! [`CREATE`].

/// The schema version this code writes and reads (`PRAGMA user_version`).
pub const VERSION: i64 = 1;

/// Marks the file as deskbook's (`PRAGMA application_id`, "DSKB").
pub const APPLICATION_ID: i64 = 0x4453_4B42;

/// Creates every table and index of [`VERSION`].
pub const CREATE: &str = "
CREATE TABLE calls (
    session     TEXT PRIMARY KEY,
    playbook    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,   -- the playbook's fingerprint when last started or resumed
    agent       TEXT,
    rollout     TEXT,
    vars        TEXT NOT NULL,   -- JSON object of the run's inputs
    started_at  TEXT NOT NULL,   -- RFC 3339 UTC
    ended_at    TEXT,            -- NULL while the call is open
    status      TEXT,            -- fixed-understood | fixed-unclear | not-fixed
    category    TEXT,
    escalate    TEXT             -- NULL | tier2 | tier3
);
CREATE INDEX calls_started_at ON calls (started_at);
CREATE TABLE events (
    session TEXT NOT NULL REFERENCES calls (session),
    seq     BIGINT NOT NULL,     -- 1, 2, 3 ... within the call, no gaps
    kind    TEXT NOT NULL,       -- started, probed, answered, back, noted, ran, restored, ended ...
    step    TEXT,                -- the step id, PLAYBOOK/STEP inside a called playbook
    payload TEXT NOT NULL,       -- JSON object
    at      TEXT NOT NULL,       -- RFC 3339 UTC
    PRIMARY KEY (session, seq)
);
";

/// [`CREATE`] as SQLite runs it: `events` is stored `WITHOUT ROWID`, clustered on its
/// primary key, so appending an event writes one b-tree page instead of two (the table and
/// its key index). That halves the bytes every committed event puts in the WAL. PostgreSQL
/// takes [`CREATE`] as it is.
pub fn sqlite() -> String {
    CREATE.replace(
        "    PRIMARY KEY (session, seq)\n);",
        "    PRIMARY KEY (session, seq)\n) WITHOUT ROWID;",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_adds_only_the_storage_option() {
        let ddl = super::sqlite();
        assert_eq!(ddl.matches("WITHOUT ROWID").count(), 1);
        assert_eq!(ddl.replace(" WITHOUT ROWID", ""), super::CREATE);
    }
}
