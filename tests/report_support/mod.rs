//! The report tests' harness: a store filled with generated calls, the real binary, and
//! headless Chromium (Debian's `chromium`) driven from its command line.

#![allow(dead_code)]

use deskbook_testkit::calls::{self, GenCall};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_deskbook"))
}

/// A temporary folder with a call store of `n` generated calls (seed `seed`).
pub struct Filled {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub calls: Vec<GenCall>,
}

impl Filled {
    pub fn new(n: usize, seed: u64) -> Filled {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("calls.sqlite");
        drop(deskbook_store::Store::open_path(&db).expect("create the store"));
        let calls: Vec<GenCall> = calls::calls(n, seed).collect();
        calls::write_sqlite(&db, calls.iter().cloned()).expect("generated calls written");
        Filled { dir, db, calls }
    }

    /// `deskbook --db DB ARGS...` in the folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DESKBOOK_DB")
            .output()
            .expect("run deskbook")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output of a run that must have succeeded.
#[track_caller]
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

/// Where tests keep what a person should look at (screenshots): `<target>/test-artefacts`.
pub fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("test-artefacts"))
        .unwrap_or_else(|| PathBuf::from("test-artefacts"));
    std::fs::create_dir_all(&dir).expect("artefacts folder");
    dir
}

/// What headless Chromium made of a page: the DOM after load and every console message.
pub struct Page {
    pub dom: String,
    pub console: Vec<String>,
}

fn chromium(args: &[String]) -> Output {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium runs (Debian package `chromium`, installed by scripts/test)");
    assert!(out.status.success(), "chromium failed: {}", stderr(&out));
    out
}

/// Open `file` and return its DOM after load and the console messages it logged.
pub fn load(file: &Path) -> Page {
    let out = chromium(&["--dump-dom".into(), url(file)]);
    let console = stderr(&out)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Page {
        dom: stdout(&out),
        console,
    }
}

/// A screenshot of `file` at `width`×`height` into `png`.
pub fn screenshot(file: &Path, png: &Path, width: u32, height: u32) {
    chromium(&[
        format!("--window-size={width},{height}"),
        format!("--screenshot={}", png.display()),
        url(file),
    ]);
    let bytes = std::fs::read(png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
}

fn url(file: &Path) -> String {
    format!(
        "file://{}",
        file.canonicalize().expect("page exists").display()
    )
}

/// The markup of `<svg id="ID" ...>...</svg>` in `dom`.
pub fn svg<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let end = dom[start..].find("</svg>").expect("closed svg") + start;
    &dom[start..end]
}

/// A database of its own on the test process's shared PostgreSQL server (the testkit's,
/// started from Debian's postgresql package, installed by scripts/test).
pub struct Postgres {
    server: std::sync::Arc<deskbook_testkit::pg::PgServer>,
    pub url: String,
}

impl Postgres {
    pub fn start() -> Postgres {
        let server = deskbook_testkit::pg::PgServer::shared().expect("PostgreSQL starts");
        let url = server.fresh_database().expect("a fresh database");
        Postgres { server, url }
    }

    /// Load `calls` into the server's `calls` table with psql's COPY.
    pub fn load(&self, calls: &[GenCall]) {
        let mut text = String::new();
        calls::copy_text(calls.iter().cloned(), &mut text);
        let mut child = Command::new(self.server.bin("psql"))
            .args(["-X", "-q", &self.url, "-c"])
            .arg(format!("COPY calls ({}) FROM STDIN", calls::copy_columns()))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("psql runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(text.as_bytes()).expect("COPY data");
        }
        assert!(child.wait().expect("psql").success(), "COPY failed");
    }
}
