//! Whole-process benchmark of `deskbook check`: the built-in content, a generated corpus of
//! 10,000 articles, and that corpus with 100 playbooks unpatched and then patched by a
//! second layer (the organisation target: patched within 1.5x of unpatched). Prints the
//! median of 5 runs and the articles-per-second rate.
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

    // The same articles with 100 playbooks, unpatched; then a second layer patches each.
    let pbs = dir.path().join("playbooks");
    std::fs::create_dir_all(&pbs).expect("playbooks folder");
    let patches = tempfile::tempdir().expect("temp dir");
    let patch_dir = patches.path().join("playbooks");
    std::fs::create_dir_all(&patch_dir).expect("patch folder");
    for i in 0..100 {
        let pb = deskbook_testkit::playbook::triage_like(i);
        std::fs::write(pbs.join(format!("triage-{i}.yaml")), pb).expect("write playbook");
        let patch = deskbook_testkit::playbook::triage_patch(i);
        std::fs::write(patch_dir.join(format!("triage-{i}.patch.yaml")), patch)
            .expect("write patch");
    }
    let unpatched = median_of_runs(&["--content", &layer, "check"], 5);
    let patch_layer = patches.path().to_string_lossy().to_string();
    let patched = median_of_runs(
        &["--content", &layer, "--content", &patch_layer, "check"],
        5,
    );
    println!(
        "check, built-in + {n} articles + 100 playbooks: unpatched median {:.1} ms, \
         patched by a second layer median {:.1} ms (x{:.2}; target within x1.5)",
        unpatched.as_secs_f64() * 1e3,
        patched.as_secs_f64() * 1e3,
        patched.as_secs_f64() / unpatched.as_secs_f64()
    );
}
