//! Commands that only read calls (`sessions list`, `sessions show`, `report`, `replay`)
//! never create a call database: a `--db` path where nothing is (a typo) is refused with
//! exit 1, and the user's own database before anything was recorded reads as no calls.

mod common;

use std::path::Path;

/// The files in `dir` whose name starts with `prefix` (the database and its WAL files).
fn created(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) || n.starts_with(&format!(".{prefix}")))
        .collect()
}

/// Regression: each of these created an empty `typo.sqlite` and said "no calls recorded" or
/// "0 calls".
#[test]
fn reading_a_db_path_where_nothing_is_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in [
        &["sessions", "list"][..],
        &["sessions", "list", "--json"],
        &["sessions", "show", "abc"],
        &["report"],
        &["replay"],
    ] {
        let mut args = vec!["--db", "typo.sqlite"];
        args.extend_from_slice(command);
        let out = common::run_in(dir.path(), &args);
        assert_eq!(
            common::stderr(&out),
            "error: typo.sqlite: no call database here (nothing has been recorded at this path; check --db)\n",
            "{command:?}"
        );
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        assert_eq!(common::stdout(&out), "", "{command:?}");
        assert_eq!(
            created(dir.path(), "typo.sqlite"),
            Vec::<String>::new(),
            "{command:?}"
        );
    }
    // In a folder that exists, given as a path: named as given.
    let sub = dir.path().join("calls");
    std::fs::create_dir(&sub).expect("mkdir");
    let db = sub.join("tpyo.sqlite");
    let out = common::run_in(
        dir.path(),
        &["sessions", "list", "--db", &db.to_string_lossy()],
    );
    assert_eq!(
        common::stderr(&out),
        format!(
            "error: {}: no call database here (nothing has been recorded at this path; check --db)\n",
            db.display()
        )
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!db.exists());
}

/// The user's own database (no `--db`) before the first call: no calls, as an empty
/// database reads, and neither the file nor its folder is created.
#[test]
fn reading_the_default_db_before_anything_was_recorded_finds_no_calls_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let default = data.join("deskbook/calls.sqlite");
    let out = common::run_in(dir.path(), &["sessions", "list"]);
    assert_eq!(
        common::stdout(&out),
        format!("no calls recorded in {}\n", default.display())
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let out = common::run_in(dir.path(), &["sessions", "list", "--json"]);
    assert_eq!(common::stdout(&out), "[]\n");
    let out = common::run_in(dir.path(), &["report"]);
    assert!(
        common::stdout(&out).starts_with("Call classification report: 0 calls\n"),
        "{}",
        common::stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let out = common::run_in(dir.path(), &["sessions", "show", "abc"]);
    assert_eq!(
        common::stderr(&out),
        "error: no call with session id `abc` (see `deskbook sessions list`)\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!data.exists(), "reading created {}", data.display());
}
