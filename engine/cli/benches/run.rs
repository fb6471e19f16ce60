//! Whole-process benchmark of `deskbook run` with an answers file: a generated playbook of
//! 10,000 steps (`deskbook_testkit::playbook::linear`), every event committed to SQLite (one
//! transaction each). Target: at most 1 s for the whole process.
//!
//! `cargo bench --bench run` (DESKBOOK_BENCH_STEPS changes the size). Timed with hyperfine
//! (10 runs after a warm-up, a fresh database each run) when it is installed, else the
//! median of 5 runs timed here.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

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

    let (mean, how) = match hyperfine(bin, root, &args) {
        Some(mean) => (mean, "hyperfine, mean of 10 runs after a warm-up"),
        None => (median_of_5(bin, root, &args), "median of 5 runs"),
    };
    println!(
        "run, {n}-step playbook, answers file, {events} events each committed to SQLite: {:.0} ms ({how}); {:.1} µs per step; target 1000 ms",
        mean.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e6 / n as f64
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

fn hyperfine(bin: &str, root: &Path, args: &[&str]) -> Option<Duration> {
    let command = std::iter::once(format!("'{bin}'"))
        .chain(args.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let status = Command::new("hyperfine")
        .current_dir(root)
        .args([
            "--warmup",
            "1",
            "--runs",
            "10",
            "--style",
            "basic",
            "--prepare",
            "rm -f bench.sqlite bench.sqlite-wal bench.sqlite-shm",
            "--export-json",
            "hyperfine.json",
            &command,
        ])
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let text = std::fs::read_to_string(root.join("hyperfine.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["results"][0]["mean"]
        .as_f64()
        .map(Duration::from_secs_f64)
}

fn median_of_5(bin: &str, root: &Path, args: &[&str]) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            clean(root);
            let t = Instant::now();
            let out = Command::new(bin)
                .args(args)
                .current_dir(root)
                .output()
                .expect("run deskbook");
            assert!(out.status.success());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}
