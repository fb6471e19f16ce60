//! The real `deskbook.exe` under Wine: help desks and their callers run Windows.
//!
//! `scripts/test` builds the exe the help desk hands out (`cargo build --profile dist
//! --target x86_64-pc-windows-gnu`, Debian's mingw) and sets DESKBOOK_WINE_TESTS=1, which
//! makes a missing exe, Wine or mingw a failure here; elsewhere these tests skip with a
//! printed notice. The tests copy the exe into a fresh folder, build the test-only
//! `bcryptprimitives.dll` shim beside it (`tests/wine/bcryptprimitives.c`: Debian's Wine 8.0
//! lacks the DLL that Rust's std takes random numbers from), and run it in one Wine prefix
//! shared by every test of this binary (a prefix's first start takes many seconds).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longest a single run of the exe under Wine may take (the first one creates the prefix).
const RUN_LIMIT: Duration = Duration::from_secs(240);

struct Wine {
    /// `wine64` (or `wine`).
    loader: PathBuf,
    /// The Wine prefix.
    prefix: PathBuf,
    /// The copied exe, with the shim DLL beside it.
    exe: PathBuf,
    /// Scratch space for the tests (under the test binary's temporary folder).
    scratch: PathBuf,
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(PathBuf::from)
        .chain([PathBuf::from("/usr/lib/wine")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The exe `scripts/test` built: DESKBOOK_WINDOWS_EXE, or the dist build in this target
/// folder.
fn built_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("DESKBOOK_WINDOWS_EXE") {
        return PathBuf::from(p);
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .unwrap_or(tmp)
        .join("x86_64-pc-windows-gnu/dist/deskbook.exe")
}

fn setup() -> Result<Wine, String> {
    let exe = built_exe();
    if !exe.is_file() {
        return Err(format!(
            "{} is missing (build it: cargo build --profile dist --target x86_64-pc-windows-gnu)",
            exe.display()
        ));
    }
    let loader = which("wine64")
        .or_else(|| which("wine"))
        .ok_or("Wine is not installed (apt-get install wine wine64)")?;
    let gcc = which("x86_64-w64-mingw32-gcc")
        .ok_or("mingw is not installed (apt-get install gcc-mingw-w64-x86-64)")?;
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine");
    // A fresh prefix and folder each run: nothing left from an earlier, broken-off run.
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    }
    let bin = root.join("bin");
    let scratch = root.join("scratch");
    for d in [&bin, &scratch] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let copied = bin.join("deskbook.exe");
    std::fs::copy(&exe, &copied).map_err(|e| format!("copy {}: {e}", exe.display()))?;
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wine/bcryptprimitives.c");
    let built = Command::new(gcc)
        .args(["-shared", "-O2", "-s", "-o"])
        .arg(bin.join("bcryptprimitives.dll"))
        .arg(&shim)
        .arg("-ladvapi32")
        .output()
        .map_err(|e| format!("run mingw: {e}"))?;
    if !built.status.success() {
        return Err(format!(
            "mingw could not build the shim: {}",
            String::from_utf8_lossy(&built.stderr)
        ));
    }
    // The prefix is made once here, before the tests run in parallel: two first runs making
    // it at the same time fail ("chdir to /tmp/wine-…/server-…: No such file").
    let prefix = root.join("prefix");
    let booted = Command::new(&loader)
        .args(["wineboot", "--init"])
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run wineboot: {e}"))?;
    if !booted.status.success() {
        return Err(format!(
            "wineboot could not make the prefix: {}",
            String::from_utf8_lossy(&booted.stderr)
        ));
    }
    Ok(Wine {
        loader,
        prefix,
        exe: copied,
        scratch,
    })
}

/// The shared Wine set-up, or `None` (with a notice) when it cannot run and
/// DESKBOOK_WINE_TESTS=1 does not demand it.
fn wine(test: &str) -> Option<&'static Wine> {
    static WINE: OnceLock<Result<Wine, String>> = OnceLock::new();
    match WINE.get_or_init(setup) {
        Ok(w) => Some(w),
        Err(why) if std::env::var("DESKBOOK_WINE_TESTS").as_deref() == Ok("1") => {
            panic!("{test}: DESKBOOK_WINE_TESTS=1 but the Wine tests cannot run: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: {why} (set DESKBOOK_WINE_TESTS=1 to make this a failure)");
            None
        }
    }
}

/// A Linux path as the Windows program sees it (Wine maps `/` to drive Z:).
fn win(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

impl Wine {
    /// A fresh folder for one test.
    fn folder(&self, name: &str) -> PathBuf {
        let d = self.scratch.join("tests").join(name);
        std::fs::create_dir_all(&d).expect("test folder");
        d
    }

    /// Runs `deskbook.exe ARGS` in `cwd` under Wine, its output captured, within
    /// [`RUN_LIMIT`].
    fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        // Captured beside the test folders, so a test sees only what the exe wrote.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out_path = self.scratch.join(format!("run-{n}.stdout"));
        let err_path = self.scratch.join(format!("run-{n}.stderr"));
        let mut child = Command::new(&self.loader)
            .arg(&self.exe)
            .args(args)
            .current_dir(cwd)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer dialogs while the prefix is made.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("NO_COLOR", "1")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).expect("stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("start wine");
        let began = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for wine") {
                break s;
            }
            if began.elapsed() > RUN_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("deskbook.exe {args:?} ran longer than {RUN_LIMIT:?} under Wine");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Output {
            status,
            stdout: std::fs::read(&out_path).expect("stdout"),
            stderr: std::fs::read(&err_path).expect("stderr"),
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace("\r\n", "\n")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn exe_checks_the_built_in_content_and_fails_a_bad_layer_with_exit_1() {
    let Some(w) = wine("exe_checks_the_built_in_content_and_fails_a_bad_layer_with_exit_1") else {
        return;
    };
    let dir = w.folder("check");
    let ok = w.run(&dir, &["check"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}{}",
        text(&ok.stdout),
        text(&ok.stderr)
    );
    assert!(text(&ok.stdout).starts_with("ok: "), "{}", text(&ok.stdout));

    let layer = root().join("tests/fixtures/playbooks-bad/dangling");
    let bad = w.run(&dir, &["--content", &win(&layer), "check", "--json"]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad.stderr));
    let diags = json(&bad);
    let first = &diags[0];
    assert!(
        first["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(r"dangling\playbooks\x.yaml")),
        "{first}"
    );
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(4), Some(8))
    );
    assert_eq!(first["message"], "`start` names missing step `begin`");
}

#[test]
fn exe_searches_and_shows_items() {
    let Some(w) = wine("exe_searches_and_shows_items") else {
        return;
    };
    let dir = w.folder("search");
    let found = w.run(&dir, &["search", "bad", "spi", "--json"]);
    assert_eq!(found.status.code(), Some(0), "{}", text(&found.stderr));
    assert_eq!(json(&found)["hits"][0]["id"], "event-4268");

    let shown = w.run(&dir, &["show", "event-4268"]);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
    assert!(
        text(&shown.stdout).contains("Received packets with a bad SPI (event 4268)"),
        "{}",
        text(&shown.stdout)
    );

    let missing = w.run(&dir, &["show", "no-such-item"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).starts_with("error: "),
        "{}",
        text(&missing.stderr)
    );
}

#[test]
fn exe_probe_os_reports_windows_and_its_tool_matrix_column() {
    let Some(w) = wine("exe_probe_os_reports_windows_and_its_tool_matrix_column") else {
        return;
    };
    let dir = w.folder("probe-os");
    let out = w.run(&dir, &["probe", "os", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = json(&out);
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["data"]["platform"], "windows", "{r}");
    // Wine 8 presents itself as a current Windows, whose tool-matrix column is `windows`.
    assert_eq!(r["data"]["os_id"], "windows", "{r}");
}

#[test]
fn exe_runs_a_playbook_from_an_answers_file_and_records_it_in_sqlite() {
    let Some(w) = wine("exe_runs_a_playbook_from_an_answers_file_and_records_it_in_sqlite") else {
        return;
    };
    let dir = w.folder("run");
    let answers = root().join("playbooks/tests/tier1-triage-network-fixed.yaml");
    let db = win(&dir.join("calls.sqlite"));
    let out = w.run(
        &dir,
        &[
            "--db",
            &db,
            "run",
            "tier1-triage",
            "--answers",
            &win(&answers),
            "--agent",
            "wine",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("end line");
    assert_eq!(last["event"], "end", "{stdout}");
    assert_eq!(last["status"], "fixed-understood");
    assert_eq!(last["category"], "network-connectivity");

    let listed = w.run(&dir, &["--db", &db, "sessions", "list", "--json"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let calls = json(&listed);
    assert_eq!(calls[0]["session"], last["session"], "{calls}");
}

/// The collector is one file a caller downloads: the distribution build stays small.
#[test]
fn the_exe_a_help_desk_hands_out_is_at_most_25_mb() {
    let Some(w) = wine("the_exe_a_help_desk_hands_out_is_at_most_25_mb") else {
        return;
    };
    let size = std::fs::metadata(&w.exe).expect("exe").len();
    assert!(size <= 25 << 20, "deskbook.exe is {size} bytes");
}

#[test]
fn exe_collect_dry_run_lists_the_windows_commands_and_writes_nothing() {
    let Some(w) = wine("exe_collect_dry_run_lists_the_windows_commands_and_writes_nothing") else {
        return;
    };
    let dir = w.folder("collect-dry");
    let out = w.run(&dir, &["collect", "--target", "127.0.0.1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    // The tool matrix's Windows column, for the OS Wine presents.
    assert!(
        listed.contains("  would run: gpupdate /target:computer /force\n"),
        "{listed}"
    );
    assert!(listed.contains("  would restore: reg delete "), "{listed}");
    assert!(
        listed.contains("  would run: ping count=4 host=127.0.0.1\n"),
        "{listed}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nothing written"
    );
}

/// Under Wine most Windows tools are missing and the account's rights cannot be told: the
/// collector still finishes, and the packet says what is missing and why.
#[test]
fn exe_collect_writes_a_packet_with_what_wine_lacks_marked_missing() {
    let Some(w) = wine("exe_collect_writes_a_packet_with_what_wine_lacks_marked_missing") else {
        return;
    };
    let dir = w.folder("collect");
    let out = w.run(
        &dir,
        &[
            "collect",
            "--target",
            "127.0.0.1",
            "--out",
            &win(&dir.join("p.zip")),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let p = deskbook_evidence::Packet::open(&dir.join("p.zip")).expect("the packet reads back");
    let m = &p.manifest;
    assert_eq!(m.os.os_id.as_deref(), Some("windows"));
    assert!(m.os.name.starts_with("Microsoft Windows"), "{:?}", m.os);
    let comp = deskbook_evidence::table73::comp_name(&m.computer);
    assert!(
        p.members.contains_key(&format!("{comp}_OSInfo.txt")),
        "{:?}",
        p.members.keys()
    );
    for s in &m.steps {
        assert!(
            s.result.is_some() || s.missing.is_some(),
            "step {} has neither",
            s.id
        );
    }
    if !m.admin {
        let purge = m
            .steps
            .iter()
            .find(|s| s.id == "klist-purge-mt")
            .expect("step");
        assert_eq!(
            purge.missing.as_deref(),
            Some("not run: needs administrator rights")
        );
    }
}
