//! Whole-process benchmark of `deskbook run` with an answers file: a generated playbook of
//! 10,000 steps (`deskbook_testkit::playbook::linear`), every event committed to SQLite (one
//! transaction each). Target: at most 1 s for the whole process.
//!
//! `cargo bench --bench run` (DESKBOOK_BENCH_STEPS changes the size). Timed with hyperfine
//! (10 runs after a warm-up, a fresh database each run; Debian's hyperfine, installed by
//! scripts/test).

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use support::{argv, hyperfine};

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("layer/playbooks")).expect("layer");
    std::fs::write(
        root.join("layer/playbooks/linear.yaml"),
        deskbook_testkit::playbook::linear(n),
    )
    .expect("playbook");
    let mut answers = String::from("vars: {caller: pc-0042.woodgrovebank.com}\nanswers:\n");
    for i in 1..n {
        let _ = writeln!(
            answers,
            "  s{i}: \"{}\"",
            deskbook_testkit::playbook::linear_answer(i)
        );
    }
    std::fs::write(root.join("answers.yaml"), answers).expect("answers");

    let bin = env!("CARGO_BIN_EXE_deskbook");
    let args = [
        "--db",
        "bench.sqlite",
        "--content",
        "layer",
        "run",
        "linear",
        "--answers",
        "answers.yaml",
    ];
    let events = check_once(bin, root, &args);

    let t = hyperfine(
        root,
        &[("run", argv(bin, &args))],
        1,
        10,
        Some("rm -f bench.sqlite bench.sqlite-wal bench.sqlite-shm"),
    );
    let mean = t[0].mean;
    println!(
        "run, {n}-step playbook, answers file, {events} events each committed to SQLite: {:.0} ± {:.0} ms (hyperfine, {} runs after a warm-up); {:.1} µs per step; target 1000 ms",
        mean * 1e3,
        t[0].stddev * 1e3,
        t[0].runs,
        mean * 1e6 / n as f64
    );
}

fn clean(root: &Path) {
    for f in ["bench.sqlite", "bench.sqlite-wal", "bench.sqlite-shm"] {
        let _ = std::fs::remove_file(root.join(f));
    }
}

/// One run that must succeed and record the whole call; returns the number of events.
fn check_once(bin: &str, root: &Path, args: &[&str]) -> usize {
    clean(root);
    let out = Command::new(bin)
        .args(args)
        .current_dir(root)
        .output()
        .expect("run deskbook");
    assert!(
        out.status.success(),
        "deskbook run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = Command::new(bin)
        .args(["--db", "bench.sqlite", "sessions", "list", "--json"])
        .current_dir(root)
        .output()
        .expect("list");
    let calls: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    let session = calls[0]["session"].as_str().expect("a call").to_string();
    assert_eq!(calls[0]["status"], "fixed-understood");
    let shown = Command::new(bin)
        .args([
            "--db",
            "bench.sqlite",
            "sessions",
            "show",
            &session,
            "--json",
        ])
        .current_dir(root)
        .output()
        .expect("show");
    let call: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    call["events"].as_array().map(Vec::len).unwrap_or(0)
}
