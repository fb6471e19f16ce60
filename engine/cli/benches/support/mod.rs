//! Shared by the whole-process benchmarks: commands timed side by side in one hyperfine
//! run (so the figures of a comparison see the same load on the machine), and peak memory
//! from GNU time.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// One command's figures from a hyperfine run, in seconds.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub mean: f64,
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Timing {
    /// `1234 ± 56 ms` (or seconds above 10 s).
    pub fn show(&self) -> String {
        if self.mean >= 10.0 {
            format!("{:.2} ± {:.2} s", self.mean, self.stddev)
        } else {
            format!("{:.0} ± {:.0} ms", self.mean * 1e3, self.stddev * 1e3)
        }
    }

    /// This command's mean over `other`'s, with the spread of the ratio (first-order
    /// propagation of both standard deviations).
    pub fn ratio(&self, other: &Timing) -> (f64, f64) {
        let r = self.mean / other.mean;
        let rel = ((self.stddev / self.mean).powi(2) + (other.stddev / other.mean).powi(2)).sqrt();
        (r, r * rel)
    }
}

/// Time `commands` (a name and an argv each) in one hyperfine invocation, in `dir`: no
/// shell (`-N`), `warmup` untimed runs and `runs` timed runs each, `prepare` (a shell
/// command) before every run. Every run must succeed.
pub fn hyperfine(
    dir: &Path,
    commands: &[(&str, Vec<String>)],
    warmup: usize,
    runs: usize,
    prepare: Option<&str>,
) -> Vec<Timing> {
    let json = dir.join("hyperfine.json");
    let mut c = Command::new("hyperfine");
    c.current_dir(dir)
        .args(["--style", "none", "--warmup", &warmup.to_string()])
        .args(["--runs", &runs.to_string(), "--export-json"])
        .arg(&json);
    if let Some(p) = prepare {
        c.args(["--prepare", p]);
    } else {
        c.arg("-N");
    }
    for (name, _) in commands {
        c.args(["--command-name", name]);
    }
    for (_, argv) in commands {
        c.arg(quote(argv));
    }
    let out = c
        .output()
        .expect("hyperfine runs (Debian package hyperfine, installed by scripts/test)");
    assert!(
        out.status.success(),
        "hyperfine failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&json).expect("hyperfine's JSON");
    let v: serde_json::Value = serde_json::from_str(&text).expect("hyperfine's JSON parses");
    let results = v["results"].as_array().cloned().unwrap_or_default();
    commands
        .iter()
        .zip(results)
        .map(|((name, _), r)| Timing {
            name: name.to_string(),
            mean: r["mean"].as_f64().unwrap_or(f64::NAN),
            stddev: r["stddev"].as_f64().unwrap_or(0.0),
            min: r["min"].as_f64().unwrap_or(f64::NAN),
            max: r["max"].as_f64().unwrap_or(f64::NAN),
            runs: r["times"].as_array().map(Vec::len).unwrap_or(0),
        })
        .collect()
}

/// An argv as one command line hyperfine splits back (paths here hold no quotes).
fn quote(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains([' ', '\'', '"', '\\', '*', '?', '$']) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Peak resident memory of one run of `argv` in `dir`, in MB, from `/usr/bin/time -v`
/// (Debian's `time` package); the run must succeed.
pub fn peak_mb(dir: &Path, argv: &[String]) -> f64 {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .args(argv)
        .current_dir(dir)
        .output()
        .expect("/usr/bin/time runs (Debian package time)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{argv:?} failed: {err}");
    err.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .expect("GNU time's maximum resident set size")
}

/// `args` as owned strings, the program first.
pub fn argv(program: &str, args: &[&str]) -> Vec<String> {
    std::iter::once(program)
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect()
}

/// The machine's load average over the last minute (the figures are taken on a shared
/// machine; each benchmark prints it beside them).
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}
