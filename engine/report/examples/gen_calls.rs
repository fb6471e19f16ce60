//! Fill a call store with generated calls, for trying the report and for its benchmark:
//!
//! ```sh
//! cargo run --release -p deskbook-report --example gen_calls -- 1000000 /tmp/calls.sqlite [SEED]
//! deskbook --db /tmp/calls.sqlite report --format html --out report.html
//! gen_calls 1000000 --copy | psql URL -c "COPY calls ($(gen_calls --columns)) FROM STDIN"
//! ```
//!
//! The store is created (or opened) by `deskbook-store`, so the file has the real schema
//! and version; the calls go straight into its `calls` table in one transaction.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--columns") {
        println!("{}", deskbook_testkit::calls::copy_columns());
        return ExitCode::SUCCESS;
    }
    if args.get(1).map(String::as_str) == Some("--copy") {
        let Some(n) = args
            .first()
            .and_then(|n| n.replace('_', "").parse::<usize>().ok())
        else {
            eprintln!("usage: gen_calls N --copy [SEED]");
            return ExitCode::from(2);
        };
        let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
        return copy(n, seed);
    }
    let (Some(n), Some(path)) = (
        args.first()
            .and_then(|n| n.replace('_', "").parse::<usize>().ok()),
        args.get(1).map(PathBuf::from),
    ) else {
        eprintln!("usage: gen_calls N DB_FILE [SEED]");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    match fill(n, &path, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fill(n: usize, path: &std::path::Path, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    drop(deskbook_store::Store::open_path(path)?);
    let t = std::time::Instant::now();
    let written =
        deskbook_testkit::calls::write_sqlite(path, deskbook_testkit::calls::calls(n, seed))?;
    eprintln!(
        "{written} calls written to {} in {:.1} s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// COPY text on standard output, in chunks so a million calls never sit in memory whole.
fn copy(n: usize, seed: u64) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut text = String::new();
    let mut calls = deskbook_testkit::calls::calls(n, seed).peekable();
    while calls.peek().is_some() {
        text.clear();
        deskbook_testkit::calls::copy_text(calls.by_ref().take(10_000), &mut text);
        if out.write_all(text.as_bytes()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
