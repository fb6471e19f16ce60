//! The call store through the real binary: schema upgrades, the typed record read back,
//! `sessions list` filters and `sessions close`, and every bad `--db` (a file that is not a
//! call database, a locked one, a damaged record, a malformed URL) refused with an exact
//! message and left byte for byte as it was.

mod runtime_support;

use runtime_support::{bin, fixture, session_of, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary folder with `calls.sqlite` as the store.
struct Desk {
    dir: tempfile::TempDir,
    db: String,
}

impl Desk {
    fn sqlite() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        Desk {
            dir,
            db: "calls.sqlite".into(),
        }
    }

    /// A desk whose `calls.sqlite` is a copy of fixture `db/CASE/calls.sqlite`.
    fn with_fixture(case: &str) -> Desk {
        let desk = Desk::sqlite();
        std::fs::copy(fixture(&format!("db/{case}/calls.sqlite")), desk.file())
            .expect("copy fixture");
        desk
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self) -> PathBuf {
        self.path().join("calls.sqlite")
    }

    fn command(&self, args: &[&str]) -> Command {
        self.command_db(&self.db, args)
    }

    /// The command with another `--db`.
    fn command_db(&self, db: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("DESKBOOK_DB")
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .arg("--db")
            .arg(db)
            .arg("--content")
            .arg(fixture("layer"))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run deskbook")
    }

    fn answers(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write answers");
    }

    fn escalate(&self, agent: &str) -> String {
        self.answers(
            "esc.yaml",
            "vars: {caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}\n\
             answers: {purge: done}\n\
             probes:\n  ping-target: {status: fail, summary: no reply}\n  purge: {status: ok}\n",
        );
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

/// The error a command printed, which must be its only output, with exit status 1.
#[track_caller]
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    assert_eq!(stdout(out), "", "nothing on standard output");
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A version-1 database (made by the deskbook of schema version 1: two escalation calls,
/// a finished call with a back step, a resumed call and two dropped ones) opens, upgrades,
/// reads back with the new columns filled from each log, and takes new calls.
#[test]
fn a_version_1_database_is_upgraded_on_open() {
    let desk = Desk::with_fixture("v1");
    let before = std::fs::read(desk.file()).expect("read");
    let calls = desk.list_json(&[]);
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert_ne!(std::fs::read(desk.file()).expect("read"), before);
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

/// Another process holds the write lock (here `sqlite3` inside a transaction) longer than
/// the lock timeout: the run says the database is locked, and records nothing.
#[test]
fn a_database_locked_longer_than_the_timeout_says_so() {
    let desk = Desk::sqlite();
    desk.escalate("alice");
    let mut holder = Command::new("sqlite3")
        .arg(desk.file())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sqlite3");
    {
        use std::io::{BufRead, Write};
        let stdin = holder.stdin.as_mut().expect("stdin");
        writeln!(stdin, "BEGIN IMMEDIATE;\nINSERT INTO calls (session, playbook, fingerprint, vars, started_at) VALUES ('x', 'p', 'f', '{{}}', 't');\nSELECT 'held';").expect("write");
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
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: calls.sqlite: the call database is locked by another deskbook process (waited 300 ms); try again when it has finished\n"
    );
    assert_eq!(
        desk.list_json(&[]).len(),
        1,
        "the locked run recorded nothing"
    );
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

/// `sessions list` shows caller, target, agent, status, category and start time in aligned
/// columns, filters by status, category, agent, open and dates, and refuses bad filters.
#[test]
fn sessions_list_filters_and_aligns() {
    let desk = Desk::sqlite();
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
        "no call recorded in calls.sqlite fits these filters\n"
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

/// `sessions close` ends an abandoned open call on purpose: a `closed` record, the call's
/// row ended with the agent's status and category and `closed_by` = agent.
#[test]
fn sessions_close_ends_an_open_call() {
    let desk = Desk::sqlite();
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
    let err = refused(&desk.run(&[
        "sessions",
        "close",
        &id,
        "--status",
        "done",
        "--category",
        "other",
    ]));
    assert_eq!(err, "error: --status done: not a call status; expected one of: fixed-understood, fixed-unclear, not-fixed\n");
    let err = refused(&desk.run(&[
        "sessions",
        "close",
        &id,
        "--status",
        "not-fixed",
        "--category",
        "weather",
    ]));
    assert!(err.starts_with("error: --category weather: not a category of the taxonomy; expected one of: network-connectivity, "), "{err}");
    let out = desk.run(&[
        "sessions",
        "close",
        &id,
        "--status",
        "not-fixed",
        "--category",
        "other",
        "--agent",
        "carol",
    ]);
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
    let err = refused(&desk.run(&[
        "sessions",
        "close",
        &id,
        "--status",
        "not-fixed",
        "--category",
        "other",
    ]));
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
