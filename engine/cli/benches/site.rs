//! Whole-process benchmark of `deskbook site build`: the built-in content, a generated
//! corpus of 10,000 articles rebuilt and built into an empty folder (time, and peak memory
//! from GNU time), and the same 1,000
//! articles through `deskbook site build` and mdBook side by side in one hyperfine run, with
//! the ratio. Times are hyperfine's mean ± standard deviation.
//!
//! `cargo bench --bench site`. Targets: built-in ≤ 1 s; 10,000 articles ≤ 5 s and ≤ 1 GB.
//! mdBook is found as `$MDBOOK` or `mdbook` on the PATH (install it outside the
//! repository, e.g. `cargo install mdbook --root /opt/mdbook`); without it the side by side
//! run says so and is left out. `DESKBOOK_BENCH_ARTICLES` changes the large corpus size.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use support::{argv, hyperfine, load, peak_mb};

/// The generated corpus as an mdBook: one chapter per article (its body), in SUMMARY.md.
fn write_book(dir: &Path, n: usize) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(
        dir.join("book.toml"),
        "[book]\ntitle = \"generated\"\n[output.html]\n",
    )
    .expect("book.toml");
    let mut summary = String::from("# Summary\n\n");
    for i in 0..n {
        let id = deskbook_testkit::corpus::article_id(i);
        let text = deskbook_testkit::corpus::article(i, n);
        let (front, body) = text
            .trim_start_matches("---\n")
            .split_once("\n---\n")
            .expect("front matter");
        let title = front
            .lines()
            .find_map(|l| l.strip_prefix("title: "))
            .unwrap_or("untitled")
            .trim_matches('"');
        // kb: links become chapter links, as the site resolves them.
        let body = body.replace("(kb:", "(").replace(
            &format!("({})", deskbook_testkit::corpus::article_id((i + 7) % n)),
            &format!("({}.md)", deskbook_testkit::corpus::article_id((i + 7) % n)),
        );
        std::fs::write(src.join(format!("{id}.md")), format!("# {title}\n\n{body}"))
            .expect("chapter");
        summary.push_str(&format!("- [{title}](./{id}.md)\n"));
    }
    std::fs::write(src.join("SUMMARY.md"), summary).expect("summary");
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_deskbook");
    let n: usize = std::env::var("DESKBOOK_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    println!("load average at start: {}", load());

    let builtin = argv(bin, &["site", "build", "--out", "builtin"]);
    let t = hyperfine(dir, &[("built-in", builtin.clone())], 1, 10, None);
    println!(
        "site build, built-in content: {} ({} runs), peak {:.0} MB (target 1 s)",
        t[0].show(),
        t[0].runs,
        peak_mb(dir, &builtin)
    );

    let corpus = dir.join("corpus");
    deskbook_testkit::corpus::write_corpus(&corpus, n).expect("corpus");
    let layer = corpus.to_string_lossy().to_string();
    let large = argv(
        bin,
        &["--content", &layer, "site", "build", "--out", "large"],
    );
    let t = hyperfine(dir, &[("large", large.clone())], 1, 3, None);
    println!(
        "site build, built-in + {n} generated articles, a rebuild (it writes over the build before last): {} ({} runs), peak {:.0} MB, {:.0} pages/s (target 5 s, 1024 MB)",
        t[0].show(),
        t[0].runs,
        peak_mb(dir, &large),
        n as f64 / t[0].mean
    );
    // The first build into an empty folder, each run's output removed before the next (on
    // a file system that is slow to create files just after removing many, the worst case).
    let cold = argv(
        bin,
        &["--content", &layer, "site", "build", "--out", "cold"],
    );
    let t = hyperfine(
        dir,
        &[("cold", cold)],
        0,
        3,
        Some("rm -rf cold .cold.previous"),
    );
    println!(
        "site build, built-in + {n} generated articles, into an empty folder: {} ({} runs) (target 5 s)",
        t[0].show(),
        t[0].runs
    );

    let small = 1_000;
    let corpus = dir.join("corpus-1000");
    deskbook_testkit::corpus::write_corpus(&corpus, small).expect("corpus");
    let layer = corpus.to_string_lossy().to_string();
    let ours = argv(
        bin,
        &["--content", &layer, "site", "build", "--out", "small"],
    );
    let mdbook = std::env::var("MDBOOK").unwrap_or_else(|_| "mdbook".to_string());
    let found = Command::new(&mdbook).arg("--version").output();
    match found {
        Ok(o) if o.status.success() => {
            let book = dir.join("book");
            write_book(&book, small);
            let theirs = argv(&mdbook, &["build", &book.to_string_lossy()]);
            let version = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let t = hyperfine(
                dir,
                &[("deskbook", ours.clone()), ("mdbook", theirs.clone())],
                1,
                5,
                None,
            );
            let (r, sd) = t[1].ratio(&t[0]);
            println!(
                "{small} articles, one hyperfine run ({} runs each): deskbook site build {} (peak {:.0} MB), {version} {} (peak {:.0} MB): mdBook takes x{r:.1} ± {sd:.1} as long",
                t[0].runs,
                t[0].show(),
                peak_mb(dir, &ours),
                t[1].show(),
                peak_mb(dir, &theirs),
            );
        }
        _ => {
            let t = hyperfine(dir, &[("deskbook", ours.clone())], 1, 5, None);
            println!(
                "{small} articles: deskbook site build {} (peak {:.0} MB); mdBook not found (set MDBOOK or put mdbook on the PATH) - side by side left out",
                t[0].show(),
                peak_mb(dir, &ours)
            );
        }
    }
    println!("load average at end: {}", load());
}
