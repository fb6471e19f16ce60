//! Shared helpers for the integration tests: run the real `deskbook` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_deskbook"))
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// Run deskbook with `args` from an empty temporary directory (so only the embedded content
/// and the given layers are seen).
pub fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    run_in(dir.path(), args)
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .output()
        .expect("run deskbook")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run `check` with the fixture layer and return (exit code, the layer's own diagnostics as
/// rendered text, with the layer's path replaced by `$LAYER`): each `path:line:column:`
/// header and the snippet lines under it.
pub fn check_fixture(layer: &Path) -> (i32, String) {
    let layer_s = layer.to_string_lossy().to_string();
    let out = run(&["--content", &layer_s, "check"]);
    let text = stdout(&out);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let mut kept = Vec::new();
    let mut keep = false;
    for line in text.lines() {
        if line.starts_with(&layer_s) {
            keep = true;
            kept.push(line.replace(&layer_s, "$LAYER"));
        } else if keep && (line.starts_with(' ') || is_snippet_line(line)) {
            kept.push(line.to_string());
        } else {
            keep = false;
        }
    }
    (out.status.code().unwrap_or(-1), kept.join("\n"))
}

/// `12 | text` or `   |    ^`: the snippet lines under a diagnostic.
fn is_snippet_line(line: &str) -> bool {
    let gutter = line.split(" | ").next().unwrap_or("");
    line.contains(" | ") && gutter.trim().chars().all(|c| c.is_ascii_digit())
        || line.trim_end().ends_with(" |")
}

/// Copy the folder `from` (files and folders, recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The fuzz targets' proptest settings: `DESKBOOK_FUZZ_CASES` cases (32 by default), a
/// failing case kept beside its test under `proptest-regressions/`.
pub fn fuzz_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("DESKBOOK_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(32),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}

/// Fails naming `what` when `text` holds a raw control character (but newline and tab) or
/// a bidirectional control: what the terminal and the files for Tier 2 must never get.
pub fn no_raw_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} in:\n{text}"
    );
}
