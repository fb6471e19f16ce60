//! Whole-process benchmark of `deskbook site build`: the built-in content (median of 5), a
//! generated corpus of 10,000 articles (median of 3, with peak memory), and the same 1,000
//! articles through `deskbook site build` and mdBook side by side, with the ratio.
//!
//! `cargo bench --bench site`. Peak memory comes from GNU time (`/usr/bin/time`, Debian's
//! `time` package). mdBook is found as `$MDBOOK` or `mdbook` on the PATH (install it outside
//! the repository, e.g. `cargo install mdbook --root /opt/mdbook`); without it the side by
//! side run says so and is left out. `DESKBOOK_BENCH_ARTICLES` changes the large corpus size.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One run of `program args`: wall time and peak resident memory in MB (0 when unknown).
fn run(program: &str, args: &[&str], cwd: &Path) -> (Duration, f64) {
    let report = cwd.join("time.txt");
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(&report).arg(program);
        c
    } else {
        Command::new(program)
    };
    let t = Instant::now();
    let out = cmd.args(args).current_dir(cwd).output().expect("run");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let kb: f64 = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0.0);
    (took, kb / 1024.0)
}

/// The median time and the largest peak memory of `runs` runs.
fn median(program: &str, args: &[&str], cwd: &Path, runs: usize) -> (Duration, f64) {
    let mut all: Vec<(Duration, f64)> = (0..runs).map(|_| run(program, args, cwd)).collect();
    let peak = all.iter().map(|r| r.1).fold(0.0, f64::max);
    all.sort_by_key(|r| r.0);
    (all[runs / 2].0, peak)
}

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

    let (t, mb) = median(bin, &["site", "build", "--out", "builtin"], dir, 5);
    println!(
        "site build, built-in content: median {:.0} ms (5 runs), peak {mb:.0} MB",
        t.as_secs_f64() * 1e3
    );

    let corpus = dir.join("corpus");
    deskbook_testkit::corpus::write_corpus(&corpus, n).expect("corpus");
    let layer = corpus.to_string_lossy().to_string();
    let (t, mb) = median(
        bin,
        &["--content", &layer, "site", "build", "--out", "large"],
        dir,
        3,
    );
    println!(
        "site build, built-in + {n} generated articles: median {:.2} s (3 runs), peak {mb:.0} MB, {:.0} pages/s",
        t.as_secs_f64(),
        n as f64 / t.as_secs_f64()
    );

    let small = 1_000;
    let corpus = dir.join("corpus-1000");
    deskbook_testkit::corpus::write_corpus(&corpus, small).expect("corpus");
    let layer = corpus.to_string_lossy().to_string();
    let (ours, ours_mb) = median(
        bin,
        &["--content", &layer, "site", "build", "--out", "small"],
        dir,
        3,
    );
    let mdbook = std::env::var("MDBOOK").unwrap_or_else(|_| "mdbook".to_string());
    let found = Command::new(&mdbook).arg("--version").output();
    match found {
        Ok(o) if o.status.success() => {
            let book = dir.join("book");
            write_book(&book, small);
            let book_s = book.to_string_lossy().to_string();
            let (theirs, theirs_mb) = median(&mdbook, &["build", &book_s], dir, 3);
            println!(
                "{small} articles: deskbook site build {:.2} s ({ours_mb:.0} MB), {} {:.2} s ({theirs_mb:.0} MB): mdBook takes {:.1}x as long",
                ours.as_secs_f64(),
                String::from_utf8_lossy(&o.stdout).trim(),
                theirs.as_secs_f64(),
                theirs.as_secs_f64() / ours.as_secs_f64()
            );
        }
        _ => println!(
            "{small} articles: deskbook site build {:.2} s ({ours_mb:.0} MB); mdBook not found (set MDBOOK or put mdbook on the PATH) - side by side left out",
            ours.as_secs_f64()
        ),
    }
}
