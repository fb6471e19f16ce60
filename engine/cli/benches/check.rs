//! Whole-process benchmark of `deskbook check`: the built-in content, and a generated corpus
//! of 10,000 articles. Prints the median of 5 runs and the articles-per-second rate.
//!
//! `cargo bench --bench check` (set DESKBOOK_BENCH_ARTICLES to change the corpus size).

use std::process::Command;
use std::time::{Duration, Instant};

fn median_of_runs(args: &[&str], runs: usize) -> Duration {
    let bin = env!("CARGO_BIN_EXE_deskbook");
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(bin).args(args).output().expect("run deskbook");
            let took = t.elapsed();
            assert!(
                out.status.success(),
                "deskbook {args:?} failed: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            took
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let builtin = median_of_runs(&["check"], 5);
    println!(
        "check, built-in content: median {:.1} ms (5 runs)",
        builtin.as_secs_f64() * 1e3
    );

    let dir = tempfile::tempdir().expect("temp dir");
    deskbook_testkit::corpus::write_corpus(dir.path(), n).expect("write corpus");
    let layer = dir.path().to_string_lossy().to_string();
    let corpus = median_of_runs(&["--content", &layer, "check"], 5);
    println!(
        "check, built-in + {n} generated articles: median {:.1} ms (5 runs), {:.0} articles/s",
        corpus.as_secs_f64() * 1e3,
        n as f64 / corpus.as_secs_f64()
    );
}
