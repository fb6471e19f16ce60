//! A reader that went away: standard error or standard output is a pipe whose other end is
//! closed (`deskbook show nosuch 2>&1 | true`, `deskbook list | head -1`). deskbook exits
//! with the code of what it did, never with a panic (101) about printing.

mod common;

use std::process::{Command, Stdio};

/// A pipe whose read end is already closed: a write to it fails with a broken pipe.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer
}

fn deskbook(args: &[&str]) -> Command {
    let dir = std::env::temp_dir();
    let mut c = Command::new(common::bin());
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// Regression: `eprintln!` of the error panicked ("failed printing to stderr: Broken pipe")
/// and the process ended with 101.
#[test]
fn an_error_with_standard_error_closed_exits_1_quietly() {
    let out = deskbook(&["show", "nosuch"])
        .stdout(Stdio::piped())
        .stderr(closed_pipe())
        .output()
        .expect("run deskbook");
    assert_eq!(out.status.code(), Some(1));
    // The same error with standard error open, for the message the closed pipe lost.
    let open = deskbook(&["show", "nosuch"])
        .output()
        .expect("run deskbook");
    assert_eq!(open.status.code(), Some(1));
    assert!(
        common::stderr(&open).starts_with("error: "),
        "{}",
        common::stderr(&open)
    );
}

/// Output to a reader that went away is not an error either: the listing's exit code.
#[test]
fn output_with_standard_output_closed_does_not_panic() {
    for args in [
        &["list"][..],
        &["show", "tool-ping"],
        &["search", "ping"],
        &["check"],
    ] {
        let out = deskbook(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .expect("run deskbook");
        let err = common::stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// Both closed: an error and its output go nowhere, and the exit code is still 1.
#[test]
fn an_error_with_both_closed_exits_1() {
    let out = deskbook(&["show", "nosuch"])
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .expect("run deskbook");
    assert_eq!(out.code(), Some(1));
}
