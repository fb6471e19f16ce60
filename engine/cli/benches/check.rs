//! Whole-process benchmark of `deskbook check`: the built-in content, a generated corpus of
//! 10,000 articles, and that corpus with 100 playbooks unpatched beside the same with a
//! second layer patching each of them (the organisation target: patched within 1.5x of
//! unpatched). Each comparison is one hyperfine run (mean ± standard deviation), so both
//! sides see the same load on the machine.
//!
//! `cargo bench --bench check` (DESKBOOK_BENCH_ARTICLES changes the corpus size,
//! DESKBOOK_BENCH_RUNS the number of timed runs, default 10).

#[path = "support/mod.rs"]
mod support;

use support::{argv, hyperfine, load};

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("DESKBOOK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let bin = env!("CARGO_BIN_EXE_deskbook");
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    println!("load average at start: {}", load());

    let corpus = root.join("corpus");
    deskbook_testkit::corpus::write_corpus(&corpus, n).expect("write corpus");
    let layer = corpus.to_string_lossy().to_string();
    let t = hyperfine(
        root,
        &[
            ("built-in", argv(bin, &["check"])),
            ("articles", argv(bin, &["--content", &layer, "check"])),
        ],
        2,
        runs,
        None,
    );
    println!(
        "check, built-in content: {} ({} runs)",
        t[0].show(),
        t[0].runs
    );
    println!(
        "check, built-in + {n} generated articles: {} ({} runs), {:.0} articles/s",
        t[1].show(),
        t[1].runs,
        n as f64 / t[1].mean
    );

    // The same articles with 100 playbooks, unpatched; then a second layer patches each.
    let pbs = corpus.join("playbooks");
    std::fs::create_dir_all(&pbs).expect("playbooks folder");
    let patch_dir = root.join("patches/playbooks");
    std::fs::create_dir_all(&patch_dir).expect("patch folder");
    for i in 0..100 {
        let pb = deskbook_testkit::playbook::triage_like(i);
        std::fs::write(pbs.join(format!("triage-{i}.yaml")), pb).expect("write playbook");
        let patch = deskbook_testkit::playbook::triage_patch(i);
        std::fs::write(patch_dir.join(format!("triage-{i}.patch.yaml")), patch)
            .expect("write patch");
    }
    let patches = root.join("patches").to_string_lossy().to_string();
    let unpatched = argv(bin, &["--content", &layer, "check"]);
    let patched = argv(bin, &["--content", &layer, "--content", &patches, "check"]);
    // The patches must apply cleanly, or the figure would time an error path.
    let out = std::process::Command::new(&patched[0])
        .args(&patched[1..])
        .output()
        .expect("run deskbook");
    assert!(
        out.status.success(),
        "patched check failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let t = hyperfine(
        root,
        &[("unpatched", unpatched), ("patched", patched)],
        2,
        runs,
        None,
    );
    let (r, sd) = t[1].ratio(&t[0]);
    println!(
        "check, built-in + {n} articles + 100 playbooks: unpatched {}, patched by a second layer {} ({} runs each): x{r:.2} ± {sd:.2} (target within x1.5)",
        t[0].show(),
        t[1].show(),
        t[1].runs
    );
    println!("load average at end: {}", load());
}
