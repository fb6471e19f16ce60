//! The call database as a real SQLite file: where it lives by default, that it is in WAL
//! mode, and that a file that is not a deskbook database (`--db`) gets a clear error and is
//! left exactly as it was.

mod runtime_support;

use runtime_support::*;
use std::path::Path;

fn esc_answers(desk: &Desk) {
    std::fs::write(
        desk.path().join("esc.yaml"),
        "vars: {caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}\n\
         answers: {purge: done}\n\
         probes:\n  ping-target: {status: fail, summary: no reply}\n  purge: {status: ok}\n",
    )
    .expect("write answers");
}

/// Without `--db` the calls go to `deskbook/calls.sqlite` in the user's data directory
/// (XDG_DATA_HOME here), in WAL mode.
#[test]
fn default_database_is_in_the_data_directory_in_wal_mode() {
    let desk = Desk::new();
    esc_answers(&desk);
    let out = std::process::Command::new(bin())
        .current_dir(desk.path())
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", desk.path().join("data"))
        .args(["--content"])
        .arg(fixture("layer"))
        .args(["run", "rt-escalate", "--answers", "esc.yaml"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let db = desk.path().join("data/deskbook/calls.sqlite");
    let header = std::fs::read(&db).expect("the default database exists");
    assert_eq!(&header[..16], b"SQLite format 3\0");
    // File format read/write versions 2 mean WAL (sqlite.org/fileformat.html, offsets 18-19).
    assert_eq!((header[18], header[19]), (2, 2), "not in WAL mode");
    assert!(!desk.path().join("calls.sqlite").exists());
}

fn bad_db(case: &str) -> (std::process::Output, Vec<u8>, Vec<u8>) {
    let desk = Desk::new();
    let file = desk.path().join("calls.sqlite");
    let before = std::fs::read(fixture(&format!("db/{case}/calls.sqlite"))).expect("fixture");
    std::fs::write(&file, &before).expect("copy fixture");
    let out = desk.run(&["sessions", "list"], "");
    let after = std::fs::read(&file).expect("still there");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{case}");
    (out, before, after)
}

#[test]
fn a_text_file_is_not_a_call_database() {
    let (out, before, after) = bad_db("not-sqlite");
    assert_eq!(
        stderr(&out),
        "error: calls.sqlite: not a call database: the file is not SQLite (give --db a new file name or an existing deskbook database)\n"
    );
    assert_eq!(before, after, "the file must not change");
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let (out, before, after) = bad_db("foreign");
    assert_eq!(
        stderr(&out),
        "error: calls.sqlite: this SQLite database belongs to another program (it has tables but no deskbook schema); give --db another file\n"
    );
    assert_eq!(
        before, after,
        "the file must not change (not even to WAL mode)"
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let (out, before, after) = bad_db("newer");
    assert_eq!(
        stderr(&out),
        "error: calls.sqlite: the call database has schema version 99, newer than this deskbook understands (3); use a newer deskbook\n"
    );
    assert_eq!(before, after);
}

// A deskbook database whose b-tree pages (calls and events tables) were overwritten.
#[test]
fn a_damaged_database_says_so() {
    let (out, _, _) = bad_db("corrupt");
    assert_eq!(
        stderr(&out),
        "error: calls.sqlite: the call database is damaged (database disk image is malformed); restore it from a backup or give --db another file\n"
    );
}

#[test]
fn a_folder_or_a_missing_folder_is_not_a_database_file() {
    let desk = Desk::new();
    let run = |db: &str| {
        std::process::Command::new(bin())
            .current_dir(desk.path())
            .args(["--db", db, "sessions", "list"])
            .output()
            .expect("run")
    };
    let out = run("work");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: work: cannot open the call database: it is a folder; give --db a file name\n"
    );
    let out = run("nope/calls.sqlite");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: nope/calls.sqlite: cannot open the call database: the folder {} does not exist\n",
            Path::new("nope").display()
        )
    );
}

/// Two calls, listed newest first, and an id prefix finds one.
#[test]
fn sessions_list_and_show_by_prefix() {
    let desk = Desk::new();
    esc_answers(&desk);
    let a = desk.run_escalate("alice");
    let b = desk.run_escalate("bob");
    assert!(a.status.success() && b.status.success(), "{}", stderr(&a));
    let (ida, idb) = (session_of(&stdout(&a)), session_of(&stdout(&b)));
    let list = desk.run(&["sessions", "list", "--json"], "");
    let calls: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let ids: Vec<&str> = calls
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["session"].as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&ida.as_str()) && ids.contains(&idb.as_str()));
    assert_eq!(calls[0]["status"], "not-fixed");
    assert_eq!(calls[0]["escalate"], "tier2");

    let shown = desk.run(&["sessions", "show", &ida[..6]], "");
    let text = stdout(&shown);
    assert!(
        text.starts_with(&format!(
            "Call {ida}: playbook rt-escalate (Runtime test escalation)\nAgent: alice."
        )),
        "{text}"
    );
    assert!(text.contains("Outcome: not-fixed; category network-connectivity (Network connectivity); escalate to tier2."), "{text}");
}
