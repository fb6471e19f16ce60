//! The call store through the real binary: schema upgrades, the typed record read back,
//! `sessions list` filters and `sessions close`, and every bad `--db` (a file that is not a
//! call database, a locked one, a damaged record, a malformed URL) refused with an exact
//! message and left byte for byte as it was.

mod common;
mod runtime_support;

use deskbook_testkit::pg::{self, PgServer};
use runtime_support::{bin, fixture, session_of, stderr, stdout, Live};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

/// A temporary folder and a store: `calls.sqlite` in it, or a fresh database on the
/// PostgreSQL server this test process starts (kept alive while the desk is).
struct Desk {
    dir: tempfile::TempDir,
    db: String,
    pg: Option<Arc<PgServer>>,
}

impl Desk {
    fn sqlite() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        Desk {
            dir,
            db: "calls.sqlite".into(),
            pg: None,
        }
    }

    /// A new database on the shared test server. A server that cannot start fails the
    /// test (never a skip).
    fn postgres() -> Desk {
        let pg = PgServer::shared().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
        Desk::on(pg)
    }

    /// A new database on `pg`.
    fn on(pg: Arc<PgServer>) -> Desk {
        let db = pg
            .fresh_database()
            .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
        Desk {
            dir: tempfile::tempdir().expect("temp dir"),
            db,
            pg: Some(pg),
        }
    }

    /// A desk whose `calls.sqlite` is a copy of fixture `db/CASE/calls.sqlite`.
    fn with_fixture(case: &str) -> Desk {
        let desk = Desk::sqlite();
        std::fs::copy(fixture(&format!("db/{case}/calls.sqlite")), desk.file())
            .expect("copy fixture");
        desk
    }

    /// How messages name the store: the path, or the URL with the password hidden.
    fn name(&self) -> String {
        deskbook_store::redact(&self.db)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self) -> PathBuf {
        self.path().join("calls.sqlite")
    }

    /// Run SQL on the store behind deskbook's back (`sqlite3` or `psql`); its output.
    fn sql(&self, sql: &str) -> String {
        match &self.pg {
            Some(pg) => pg.psql(&self.db, sql).unwrap_or_else(|e| panic!("{e}")),
            None => {
                let out = Command::new("sqlite3")
                    .arg(self.file())
                    .arg(sql)
                    .output()
                    .expect("sqlite3");
                assert!(out.status.success(), "sqlite3: {}", stderr(&out));
                stdout(&out)
            }
        }
    }

    /// Make the schema-version mark say `v`.
    fn set_version(&self, v: i64) {
        match &self.pg {
            Some(_) => self.sql(&format!("UPDATE deskbook_schema SET version = {v}")),
            None => self.sql(&format!("PRAGMA user_version = {v}")),
        };
    }

    fn command(&self, args: &[&str]) -> Command {
        self.command_db(&self.db, args)
    }

    /// The command with another `--db`.
    fn command_db(&self, db: &str, args: &[&str]) -> Command {
        self.command_at(Some(db), args)
    }

    fn command_at(&self, db: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("DESKBOOK_DB")
            .env_remove("DESKBOOK_CONFIG")
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .args(db.into_iter().flat_map(|db| ["--db", db]))
            .arg("--content")
            .arg(fixture("layer"))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// `deskbook ARGS` with no `--db`: the call database in the user's data folder
    /// (`XDG_DATA_HOME`, here `data/` in the desk's folder).
    fn command_default(&self, args: &[&str]) -> Command {
        self.command_at(None, args)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run deskbook")
    }

    fn answers(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write answers");
    }

    fn escalate(&self, agent: &str) -> String {
        self.answers("esc.yaml", ESCALATE);
        let out = self.run(&[
            "run",
            "rt-escalate",
            "--answers",
            "esc.yaml",
            "--agent",
            agent,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        session_of(&stdout(&out))
    }

    fn show(&self, session: &str) -> Value {
        let out = self.run(&["sessions", "show", session, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("json")
    }

    fn list_json(&self, filters: &[&str]) -> Vec<Value> {
        let mut args = vec!["sessions", "list", "--json"];
        args.extend(filters);
        let out = self.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v.as_array().cloned().unwrap_or_default()
    }
}

const ESCALATE: &str = "vars: {caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}\n\
                        answers: {purge: done}\n\
                        probes:\n  ping-target: {status: fail, summary: no reply}\n  purge: {status: ok}\n";

/// One test body run against each backend: `NAME::sqlite` and `NAME::postgres`.
macro_rules! both {
    ($(#[doc = $doc:expr])* fn $name:ident($desk:ident: Desk) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            use super::*;

            fn body($desk: Desk) $body

            #[test]
            fn sqlite() {
                body(Desk::sqlite())
            }

            #[test]
            fn postgres() {
                body(Desk::postgres())
            }
        }
    };
}

/// The steps a shown call (`sessions show --json`) answered, in order.
fn answered(shown: &serde_json::Value) -> Vec<&str> {
    shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "answered")
        .filter_map(|e| e["step"].as_str())
        .collect()
}

/// The error a command printed, which must be its only output, with exit status 1.
#[track_caller]
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    assert_eq!(stdout(out), "", "nothing on standard output");
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    err
}

both! {
/// A version-1 database (made by the deskbook of schema version 1: two escalation calls,
/// a finished call with a back step, a resumed call and two dropped ones) opens, upgrades,
/// reads back with the new columns filled from each log, and takes new calls. SQLite gets
/// the file itself; PostgreSQL the same tables and rows (`db/v1-sql`, dumped from it).
fn a_version_1_database_is_upgraded_on_open(desk: Desk) {
    let before = load_v1(&desk);
    let calls = desk.list_json(&[]);
    assert_eq!(calls.len(), 6, "{calls:?}");
    if let Some(before) = before {
        assert_ne!(std::fs::read(desk.file()).expect("read"), before);
    }
    let by = |id: &str| {
        calls
            .iter()
            .find(|c| c["session"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no call {id}"))
    };
    let esc = by("1001de3930");
    assert_eq!(esc["caller"], "pc-0042.woodgrovebank.com");
    assert_eq!(esc["target"], "srv-files-01.woodgrovebank.com");
    assert_eq!(esc["rollout"], "");
    assert_eq!(esc["content_version"], "");
    assert_eq!(esc["closed_by"], "playbook");
    assert_eq!(
        esc["path"],
        serde_json::json!(["ping-target", "purge", "end-escalate"])
    );
    assert!(esc["duration_ms"].as_i64().is_some_and(|d| d >= 0));
    let probes: Vec<(&str, &str)> = esc["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .map(|p| {
            (
                p["probe"].as_str().unwrap_or(""),
                p["ran_on"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(probes, [("ping", "canned"), ("command", "canned")]);
    // The command that version 1 recorded as `probed` reads back as `ran`.
    let shown = desk.show("1001de3930");
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"ran"), "{kinds:?}");
    // The finished call with a note and a back step.
    let noted = by("62abc1ec91");
    assert_eq!(noted["notes"][0]["text"], "looks odd");
    assert_eq!(noted["status"], "not-fixed");
    // An open call stays open, with the path it took so far.
    let open = by("7c4a044954");
    assert!(open["ended_at"].is_null() && open["duration_ms"].is_null());
    assert!(open["closed_by"].is_null());
    assert_eq!(open["path"], serde_json::json!(["reach", "describe"]));
    // The upgraded file takes a new call and resumes an old one.
    desk.escalate("alice");
    desk.answers(
        "rest.yaml",
        "answers: {describe: no files, change: done, retest: works now}\n\
         probes:\n  change: {status: ok}\n  marker: {status: ok}\n  check-log: {status: ok}\n",
    );
    let out = desk.run(&["sessions", "resume", "7c4a044954", "--answers", "rest.yaml"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(desk.list_json(&["--open"]).len(), 1);
    assert_eq!(desk.list_json(&[]).len(), 7);
}
}

/// Put the version-1 database in place; for SQLite, the file's bytes before the upgrade.
fn load_v1(desk: &Desk) -> Option<Vec<u8>> {
    if desk.pg.is_none() {
        std::fs::copy(fixture("db/v1/calls.sqlite"), desk.file()).expect("copy fixture");
        return Some(std::fs::read(desk.file()).expect("read"));
    }
    for file in ["schema.sql", "data.sql"] {
        let sql = std::fs::read_to_string(fixture(&format!("db/v1-sql/{file}"))).expect("read");
        desk.sql(&sql);
    }
    desk.sql("CREATE TABLE deskbook_schema (version BIGINT NOT NULL); INSERT INTO deskbook_schema VALUES (1)");
    None
}

#[test]
fn an_empty_file_is_refused_untouched() {
    let desk = Desk::with_fixture("empty");
    let err = refused(&desk.run(&["sessions", "list"]));
    assert_eq!(
        err,
        "error: calls.sqlite: not a call database: the file is empty (0 bytes); give --db a new file name or an existing deskbook database\n"
    );
    assert_eq!(std::fs::read(desk.file()).expect("read"), b"");
}

/// Regression: a negative schema version used to print the whole CREATE TABLE.
#[test]
fn a_negative_schema_version_gets_a_short_message() {
    let desk = Desk::with_fixture("minus5");
    let before = std::fs::read(desk.file()).expect("read");
    let err = refused(&desk.run(&["sessions", "list"]));
    assert_eq!(
        err,
        "error: calls.sqlite: the call database has schema version -5, which no deskbook writes; restore it from a backup or give --db another file\n"
    );
    assert_eq!(std::fs::read(desk.file()).expect("read"), before);
}

/// A recorded event whose payload was damaged (`answer` is a number): reading the call is
/// an error naming it and the event's seq, for every reader, and nothing is skipped.
#[test]
fn a_record_that_does_not_parse_names_the_call_and_seq() {
    let desk = Desk::with_fixture("bad-record");
    let before = std::fs::read(desk.file()).expect("read");
    let expected = "error: calls.sqlite: call 64f0bbc47d, event 4: the recorded `answered` event does not parse (invalid type: integer `3`, expected a string); the call's log is damaged\n";
    for args in [
        &["sessions", "show", "64f0bbc47d"][..],
        &["sessions", "show", "64f0bbc47d", "--json"],
        &["sessions", "export", "64f0bbc47d", "--out", "packet"],
    ] {
        assert_eq!(refused(&desk.run(args)), expected, "{args:?}");
    }
    assert!(!desk.path().join("packet").exists());
    assert_eq!(std::fs::read(desk.file()).expect("read"), before);
}

both! {
/// The same damage in a store of either kind: every reader names the call and seq.
fn a_damaged_record_is_an_error_for_every_reader(desk: Desk) {
    let id = desk.escalate("alice");
    desk.sql(&format!(
        "UPDATE events SET payload = '{{\"answer\": 3}}' WHERE session = '{id}' AND seq = 4"
    ));
    let expected = format!("error: {}: call {id}, event 4: the recorded `answered` event does not parse (invalid type: integer `3`, expected a string); the call's log is damaged\n", desk.name());
    for args in [
        &["sessions", "show", &id][..],
        &["sessions", "export", &id, "--out", "packet"],
    ] {
        assert_eq!(refused(&desk.run(args)), expected, "{args:?}");
    }
    // An open call whose recorded answer is damaged is not resumed from a guess.
    let out = desk.run(&["run", "rt-call", "--var", "caller=pc-0042", "--var", "workdir=w"]);
    let open = session_of(&stdout(&out));
    desk.answers("yes.yaml", "answers: {reach: \"yes\"}\n");
    let _ = desk.run(&["sessions", "resume", &open, "--answers", "yes.yaml"]);
    desk.sql(&format!(
        "UPDATE events SET payload = '{{}}' WHERE session = '{open}' AND kind = 'answered'"
    ));
    let seq = desk.sql(&format!(
        "SELECT seq FROM events WHERE session = '{open}' AND kind = 'answered'"
    ));
    assert_eq!(
        refused(&desk.run(&["sessions", "resume", &open])),
        format!("error: {}: call {open}, event {}: the recorded `answered` event does not parse (missing field `answer`); the call's log is damaged\n", desk.name(), seq.trim())
    );
}
}

both! {
/// A newer schema, and a version no deskbook writes, are refused with a short message,
/// and the store is left as it was.
fn a_newer_or_impossible_schema_version_is_refused(desk: Desk) {
    desk.escalate("alice");
    for (v, expected) in [
        (99, format!("error: {}: the call database has schema version 99, newer than this deskbook understands (3); use a newer deskbook\n", desk.name())),
        (-5, format!("error: {}: the call database has schema version -5, which no deskbook writes; restore it from a backup or give --db another file\n", desk.name())),
    ] {
        desk.set_version(v);
        let before = desk.sql("SELECT count(*) FROM events");
        assert_eq!(refused(&desk.run(&["run", "rt-escalate", "--answers", "esc.yaml"])), expected);
        assert_eq!(refused(&desk.run(&["sessions", "list"])), expected);
        assert_eq!(desk.sql("SELECT count(*) FROM events"), before);
    }
}
}

both! {
/// Another program's database (tables, no deskbook schema) is refused and left alone.
fn another_programs_database_is_refused(desk: Desk) {
    desk.answers("esc.yaml", ESCALATE);
    desk.sql("CREATE TABLE inventory (item TEXT); INSERT INTO inventory VALUES ('laptop')");
    let (kind, place) = if desk.pg.is_some() { ("PostgreSQL", "database") } else { ("SQLite", "file") };
    let expected = format!("error: {}: this {kind} database belongs to another program (it has tables but no deskbook schema); give --db another {place}\n", desk.name());
    assert_eq!(refused(&desk.run(&["sessions", "list"])), expected);
    assert_eq!(refused(&desk.run(&["run", "rt-escalate", "--answers", "esc.yaml"])), expected);
    assert_eq!(desk.sql("SELECT item FROM inventory").trim(), "laptop");
    let tables = if desk.pg.is_some() {
        desk.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
    } else {
        desk.sql("SELECT count(*) FROM sqlite_master")
    };
    assert_eq!(tables.trim(), "1");
}
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_not_a_database_file() {
    let desk = Desk::sqlite();
    let fifo = desk.path().join("calls.sqlite");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let err = refused(&desk.run(&["sessions", "list"]));
    assert_eq!(
        err,
        "error: calls.sqlite: not a call database: it is a FIFO (named pipe), not a regular file; give --db a file name\n"
    );
    let out = desk.command_db("/dev/null", &["sessions", "list"]).output();
    let err = refused(&out.expect("run"));
    assert_eq!(
        err,
        "error: /dev/null: not a call database: it is a device, not a regular file; give --db a file name\n"
    );
}

both! {
/// Another process holds the write lock (`sqlite3` in a transaction, or `psql` holding a
/// table lock) longer than the lock timeout: the run says the store is locked and records
/// nothing.
fn a_store_locked_longer_than_the_timeout_says_so(desk: Desk) {
    desk.escalate("alice");
    let (program, args, script) = match &desk.pg {
        None => (
            "sqlite3".to_string(),
            vec![desk.file().display().to_string()],
            "BEGIN IMMEDIATE;\nINSERT INTO inventory_lock_probe VALUES (1);\nSELECT 'held';\n",
        ),
        Some(pg) => (
            pg.bin("psql").display().to_string(),
            vec![
                "-X".into(),
                "-q".into(),
                "-A".into(),
                "-t".into(),
                "-d".into(),
                desk.db.clone(),
            ],
            "BEGIN;\nLOCK TABLE calls IN ACCESS EXCLUSIVE MODE;\nSELECT 'held';\n",
        ),
    };
    if desk.pg.is_none() {
        desk.sql("CREATE TABLE inventory_lock_probe (n BIGINT)");
    }
    let mut holder = Command::new(program)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the lock holder");
    {
        use std::io::{BufRead, Write};
        let stdin = holder.stdin.as_mut().expect("stdin");
        stdin.write_all(script.as_bytes()).expect("write");
        stdin.flush().expect("flush");
        let mut line = String::new();
        std::io::BufReader::new(holder.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "held");
    }
    let out = desk
        .command(&["run", "rt-escalate", "--answers", "esc.yaml"])
        .env("DESKBOOK_LOCK_TIMEOUT_MS", "300")
        .output()
        .expect("run");
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(refused(&out), format!(
        "error: {}: the call database is locked by another deskbook process (waited 300 ms); try again when it has finished\n",
        desk.name()
    ));
    assert_eq!(desk.list_json(&[]).len(), 1, "the locked run recorded nothing");
}
}

#[test]
fn a_malformed_url_is_refused() {
    let desk = Desk::sqlite();
    let cases = [
        (
            "postgres://desk@127.0.0.1:99999/calls",
            "error: postgres://desk@127.0.0.1:99999/calls: not a valid PostgreSQL URL (invalid connection string: invalid value for option `port`); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE\n",
        ),
        (
            "postgresql:calls",
            "error: postgresql:calls: not a valid PostgreSQL URL (`//` must follow the scheme); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE\n",
        ),
        (
            "mysql://desk:pw@db/calls",
            "error: mysql://desk:***@db/calls: not a valid PostgreSQL URL (`mysql://` is not a database deskbook can use; give a PostgreSQL URL or an SQLite file path); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE\n",
        ),
    ];
    for (url, expected) in cases {
        let out = desk
            .command_db(url, &["sessions", "list"])
            .output()
            .expect("run");
        assert_eq!(refused(&out), expected, "{url}");
    }
}

both! {
/// `sessions list` shows caller, target, agent, status, category and start time in aligned
/// columns, filters by status, category, agent, open and dates, and refuses bad filters.
fn sessions_list_filters_and_aligns(desk: Desk) {
    let a = desk.escalate("alice");
    desk.escalate("bob-the-longer-name");
    let out = desk.run(&["sessions", "list"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("session     started (UTC)     caller"),
        "{text}"
    );
    // Every column starts at the same place on every line.
    let col = |line: &str, word: &str| line.find(word).unwrap_or(usize::MAX);
    assert_eq!(
        col(lines[0], "agent"),
        col(lines[1], "bob-the-longer-name").min(col(lines[1], "alice"))
    );
    assert_eq!(col(lines[1], "not-fixed"), col(lines[2], "not-fixed"));
    assert_eq!(col(lines[0], "status"), col(lines[2], "not-fixed"));
    let ids = |filters: &[&str]| -> Vec<String> {
        desk.list_json(filters)
            .iter()
            .filter_map(|c| c["session"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(ids(&["--agent", "alice"]), vec![a]);
    assert_eq!(ids(&["--status", "not-fixed"]).len(), 2);
    assert_eq!(ids(&["--status", "fixed-unclear"]).len(), 0);
    assert_eq!(ids(&["--category", "network-connectivity"]).len(), 2);
    assert_eq!(ids(&["--open"]).len(), 0);
    assert_eq!(
        ids(&["--since", "2000-01-01", "--until", "2999-12-31"]).len(),
        2
    );
    assert_eq!(ids(&["--until", "2000-01-01"]).len(), 0);
    let out = desk.run(&["sessions", "list", "--since", "2999-01-01"]);
    assert_eq!(
        stdout(&out),
        format!("no call recorded in {} fits these filters\n", desk.name())
    );

    for (args, expected) in [
        (
            &["sessions", "list", "--since", "2026-13-01"][..],
            "error: --since 2026-13-01: not a valid date (",
        ),
        (
            &["sessions", "list", "--since", "2026-11-02", "--until", "2026-11-01"],
            "error: --until 2026-11-01 is not after --since 2026-11-02: give an --until later than --since\n",
        ),
        (
            &["sessions", "list", "--status", "solved"],
            "error: --status solved: not a call status; expected one of: fixed-understood, fixed-unclear, not-fixed\n",
        ),
    ] {
        let err = refused(&desk.run(args));
        assert!(err.starts_with(expected), "{args:?}: {err}");
    }
}
}

both! {
/// `sessions close` ends an abandoned open call on purpose: a `closed` record, the call's
/// row ended with the agent's status and category and `closed_by` = agent.
fn sessions_close_ends_an_open_call(desk: Desk) {
    let out = desk.run(&[
        "run",
        "rt-call",
        "--var",
        "caller=pc-0042",
        "--var",
        "workdir=w",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the input ended at the first step"
    );
    let id = session_of(&stdout(&out));
    let close = |status: &str, category: &str, more: &[&str]| {
        let mut args = vec!["sessions", "close", &id, "--status", status, "--category", category];
        args.extend_from_slice(more);
        desk.run(&args)
    };
    let err = refused(&close("done", "other", &[]));
    assert_eq!(err, "error: --status done: not a call status; expected one of: fixed-understood, fixed-unclear, not-fixed\n");
    let err = refused(&close("not-fixed", "weather", &[]));
    assert!(err.starts_with("error: --category weather: not a category of the taxonomy; expected one of: network-connectivity, "), "{err}");
    let out = close("not-fixed", "other", &["--agent", "carol"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("call {id} closed at ")),
        "{}",
        stdout(&out)
    );
    let shown = desk.show(&id);
    let call = &shown["call"];
    assert_eq!(call["status"], "not-fixed");
    assert_eq!(call["category"], "other");
    assert_eq!(call["closed_by"], "agent");
    assert!(call["duration_ms"].as_i64().is_some());
    let last = shown["events"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["kind"], "closed");
    assert_eq!(last["payload"]["agent"], "carol");
    let err = refused(&close("not-fixed", "other", &[]));
    assert_eq!(
        err,
        format!(
            "error: call {id} has already ended (not-fixed); only an open call can be closed\n"
        )
    );
    let err = refused(&desk.run(&["sessions", "resume", &id]));
    assert_eq!(
        err,
        format!("error: call {id} has ended (not-fixed); there is nothing to resume\n")
    );
}
}

/// Nothing listens where the URL points: the message says the server cannot be reached.
#[test]
fn a_server_that_is_down_is_named() {
    let desk = Desk::sqlite();
    let port = pg::free_port().expect("port");
    let url = format!("postgres://deskbook:secret@127.0.0.1:{port}/calls");
    let out = desk
        .command_db(&url, &["sessions", "list"])
        .output()
        .expect("run");
    assert_eq!(
        refused(&out),
        format!("error: postgres://deskbook:***@127.0.0.1:{port}/calls: cannot reach the PostgreSQL server (connection refused); is it running, and is the host and port right?\n")
    );
}

/// The server answers but refuses the password; the password never appears in the message.
#[test]
fn a_refused_password_is_named() {
    let server = PgServer::shared().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let desk = Desk::sqlite();
    let url = format!(
        "postgres://{}:wrong-password@127.0.0.1:{}/postgres",
        pg::USER,
        server.port()
    );
    let out = desk
        .command_db(&url, &["sessions", "list"])
        .output()
        .expect("run");
    assert_eq!(
        refused(&out),
        format!(
            "error: postgres://{}:***@127.0.0.1:{}/postgres: the PostgreSQL server refused the password for user `{}`\n",
            pg::USER,
            server.port(),
            pg::USER
        )
    );
}

/// The server goes away while an agent is on a call: the next answer cannot be recorded,
/// the run stops saying the call can be resumed once the store is back, and after the
/// server restarts `sessions resume` replays every step the agent had seen recorded.
#[test]
fn the_server_going_away_mid_call_loses_no_acknowledged_step() {
    let server =
        Arc::new(PgServer::start(pg::Commit::Fast).unwrap_or_else(|e| panic!("PostgreSQL: {e}")));
    let desk = Desk::on(Arc::clone(&server));
    let workdir = format!("workdir={}", desk.path().display());
    let err_file = desk.path().join("stderr.txt");
    let mut cmd = desk.command(&[
        "run",
        "rt-call",
        "--var",
        "caller=pc-0042",
        "--var",
        &workdir,
    ]);
    cmd.stderr(std::fs::File::create(&err_file).expect("stderr file"));
    let mut live = Live::spawn_keeping_stderr(cmd);
    live.answer(&["yes"]);
    // The prompt of `describe` is on the screen: `reach` is recorded.
    live.wait_prompt();
    server.stop();
    live.send("no files");
    let status = live.child.wait().expect("wait");
    assert_eq!(status.code(), Some(1));
    let id = session_of(&live.transcript());
    let err = std::fs::read_to_string(&err_file).expect("stderr");
    let mut lines = err.lines();
    let first = lines.next().unwrap_or("");
    assert!(
        first.starts_with(&format!(
            "error: {}: lost the connection to the PostgreSQL server (",
            desk.name()
        )),
        "{err}"
    );
    assert_eq!(
        lines.next(),
        Some(format!("call {id} is kept open: once the store is back, `deskbook sessions resume {id}` goes on from the last recorded step").as_str()),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    server.restart().unwrap_or_else(|e| panic!("restart: {e}"));
    desk.answers(
        "rest.yaml",
        "answers: {describe: no files, change: done, retest: works now}\n\
         probes:\n  change: {status: ok}\n  marker: {status: ok}\n  check-log: {status: ok}\n",
    );
    let out = desk.run(&["sessions", "resume", &id, "--answers", "rest.yaml"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("1 recorded reply replayed, going on at `describe`"),
        "{}",
        stdout(&out)
    );
    let shown = desk.show(&id);
    assert_eq!(shown["call"]["status"], "fixed-understood");
    assert_eq!(
        answered(&shown),
        ["reach", "describe", "change", "marker", "retest"]
    );
}

both! {
/// Many agents at once: 8 writer processes, each recording 500 scripted calls one after
/// the other (real `deskbook run --answers` processes, `DESKBOOK_STRESS_CALLS` changes the
/// 500), all on one store that none of them created beforehand, while a ninth, an agent at
/// a prompt, is killed with `kill -9` mid-call. Then every call is there, each with every
/// event, numbered 1, 2, 3 ... without a gap, and the killed call keeps its finished steps.
fn eight_writers_at_once_lose_nothing(desk: Desk) {
    const WRITERS: usize = 8;
    let per: usize = std::env::var("DESKBOOK_STRESS_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    desk.answers("esc.yaml", ESCALATE);
    let started = std::time::Instant::now();
    let desk = &desk;
    let killed = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                scope.spawn(move || {
                    let agent = format!("writer-{w}");
                    let mut ids = Vec::with_capacity(per);
                    for _ in 0..per {
                        let out = desk.run(&[
                            "run",
                            "rt-escalate",
                            "--answers",
                            "esc.yaml",
                            "--agent",
                            &agent,
                        ]);
                        assert!(out.status.success(), "{agent}: {}", stderr(&out));
                        ids.push(session_of(&stdout(&out)));
                    }
                    ids
                })
            })
            .collect();
        // The agent at a prompt, killed while the writers write.
        let workdir = format!("workdir={}", desk.path().display());
        let mut cmd = desk.command(&["run", "rt-call", "--var", "caller=pc-0099", "--var", &workdir]);
        cmd.stderr(Stdio::null());
        let mut live = Live::spawn_keeping_stderr(cmd);
        live.answer(&["yes", "no files"]);
        live.wait_prompt();
        let killed = session_of(&live.kill9());
        let mut all = Vec::new();
        for w in writers {
            all.extend(w.join().expect("writer"));
        }
        assert_eq!(all.len(), WRITERS * per);
        killed
    });
    eprintln!(
        "{} calls by {WRITERS} writers on {}: {:.1} s",
        WRITERS * per,
        if desk.pg.is_some() { "PostgreSQL" } else { "SQLite" },
        started.elapsed().as_secs_f64()
    );
    let rows = desk.sql(
        "SELECT session, count(*), min(seq), max(seq) FROM events GROUP BY session ORDER BY session",
    );
    let mut calls = 0;
    for line in rows.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), 4, "{line}");
        let (count, min, max) = (f[1], f[2], f[3]);
        assert_eq!(min, "1", "{line}");
        assert_eq!(count, max, "a gap in the seq of {line}");
        if f[0] == killed {
            // started, entered and answered reach, entered and answered describe, entered change.
            assert_eq!(count, "6", "{line}");
        } else {
            // started, entered, probed, answered, entered, ran, answered, entered, said, ended.
            assert_eq!(count, "10", "{line}");
        }
        calls += 1;
    }
    assert_eq!(calls, WRITERS * per + 1);
    let summary = desk.sql("SELECT count(*), count(ended_at) FROM calls");
    assert_eq!(summary.trim(), format!("{}|{}", WRITERS * per + 1, WRITERS * per));
    let shown = desk.show(&killed);
    assert!(shown["call"]["ended_at"].is_null());
    assert_eq!(answered(&shown), ["reach", "describe"]);
}
}

/// A call database in a folder this user may not write (as on a share the desk only
/// reads): `sessions list` and `sessions show` read it, and a run, which must write, is
/// refused naming what is read-only — the file itself, or, when only the folder is, the
/// folder where SQLite must keep its WAL files — with the store left byte for byte as it
/// was. As root (who may write anything) the commands run as `nobody`.
#[cfg(unix)]
#[test]
fn a_read_only_folder_is_read_and_a_write_names_what_is_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Desk::sqlite();
    let id = desk.escalate("alice");
    let before = std::fs::read(desk.file()).expect("read");
    let user = pg::Unprivileged::get().unwrap_or_else(|e| panic!("{e}"));
    // The other user reads the layer from the desk, not from the checkout (which may sit
    // in a folder only its owner may enter, such as root's home).
    let layer = fixture("layer");
    let copy = desk.path().join("layer");
    common::copy_dir(&layer, &copy);
    let as_user = |c: Command| {
        let args: Vec<&std::ffi::OsStr> = c
            .get_args()
            .map(|a| {
                if a == layer.as_os_str() {
                    copy.as_os_str()
                } else {
                    a
                }
            })
            .collect();
        let mut c = match &user {
            Some(u) => {
                let mut as_user = u.command(Path::new(c.get_program()));
                as_user.args(&args).current_dir(desk.path());
                for (k, v) in c.get_envs() {
                    match v {
                        Some(v) => as_user.env(k, v),
                        None => as_user.env_remove(k),
                    };
                }
                as_user
            }
            None => c,
        };
        c.stdin(Stdio::null()).output().expect("run deskbook")
    };
    let run_db = |db: &str, args: &[&str]| as_user(desk.command_db(db, args));
    let run = |args: &[&str]| run_db(&desk.db, args);
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let reads = || {
        let listed = run(&["sessions", "list", "--json"]);
        let calls: Value = serde_json::from_slice(&listed.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&listed), stderr(&listed)));
        assert_eq!(calls[0]["session"], id.as_str(), "{calls}");
        assert_eq!(stderr(&listed), "");
        let shown = run(&["sessions", "show", &id]);
        assert!(shown.status.success(), "{}", stderr(&shown));
        assert!(stdout(&shown).contains("not-fixed"), "{}", stdout(&shown));
    };
    let write = || refused(&run(&["run", "rt-escalate", "--answers", "esc.yaml"]));

    // The same file as the user's own call database (no `--db`), read-only with its
    // folder: reading it needs no write either.
    let data = desk.path().join("data").join("deskbook");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::copy(desk.file(), data.join("calls.sqlite")).expect("copy");
    set(&data.join("calls.sqlite"), 0o444);
    set(&data, 0o555);
    set(&desk.path().join("data"), 0o755);
    let listed = as_user(desk.command_default(&["sessions", "list", "--json"]));
    let calls: Value = serde_json::from_slice(&listed.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&listed), stderr(&listed)));
    assert_eq!(calls[0]["session"], id.as_str(), "{calls}");
    assert_eq!(stderr(&listed), "");
    let recorded = as_user(desk.command_default(&["run", "rt-escalate", "--answers", "esc.yaml"]));
    assert_eq!(
        refused(&recorded),
        format!("error: {0}: cannot record calls: the file {0} is read-only here (check the permissions, or give --db a file this user may write)\n", data.join("calls.sqlite").display())
    );
    set(&data, 0o755);

    set(desk.path(), 0o555);
    set(&desk.file(), 0o444);
    reads();
    assert_eq!(
        write(),
        "error: calls.sqlite: cannot record calls: the file calls.sqlite is read-only here (check the permissions, or give --db a file this user may write)\n"
    );

    // Only the folder: SQLite cannot create calls.sqlite-wal and -shm beside the file.
    set(&desk.file(), 0o666);
    reads();
    let folder = desk.path().canonicalize().expect("folder");
    assert_eq!(
        write(),
        format!("error: calls.sqlite: cannot record calls: the folder {} is read-only here, and SQLite must create calls.sqlite-wal and calls.sqlite-shm in it (check the permissions, or give --db a file this user may write)\n", folder.display())
    );
    // A new call database cannot be made there either.
    let new = run_db(
        "new.sqlite",
        &["run", "rt-escalate", "--answers", "esc.yaml"],
    );
    assert_eq!(
        refused(&new),
        format!("error: new.sqlite: cannot record calls: the folder {} is read-only here, and the new call database new.sqlite must be created in it (check the permissions, or give --db a file this user may write)\n", folder.display())
    );
    // Folder and file writable, but a WAL file beside them is not.
    set(desk.path(), 0o777);
    let wal = desk.path().join("calls.sqlite-wal");
    std::fs::write(&wal, b"").expect("write");
    set(&wal, 0o444);
    if user.is_some() {
        assert_eq!(
            write(),
            "error: calls.sqlite: cannot record the call's start: the file calls.sqlite-wal is read-only here (check the permissions, or give --db a file this user may write)\n"
        );
    }
    std::fs::remove_file(&wal).expect("rm");
    // SQLite made its shared-memory file beside the database before the write failed.
    let _ = std::fs::remove_file(desk.path().join("calls.sqlite-shm"));
    set(desk.path(), 0o700);
    set(&desk.file(), 0o644);
    assert_eq!(std::fs::read(desk.file()).expect("read"), before);
    let names: Vec<_> = std::fs::read_dir(desk.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("sqlite"))
        .collect();
    assert_eq!(names, ["calls.sqlite"]);
}
