//! `deskbook collect` on this computer, through the real binary: the dry run lists and
//! changes nothing, a run writes a packet that the reader accepts with every step
//! accounted for, a run without administrator rights says so and marks the changes
//! missing, and bad values are refused before anything runs.

mod common;

use common::*;
use deskbook_evidence::Packet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn collect_in(dir: &Path, args: &[&str]) -> Output {
    let out = run_in(dir, &[&["collect"], args].concat());
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    out
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn dry_run_lists_every_command_and_its_restore_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let out = collect_in(dir.path(), &["--target", "127.0.0.1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("dry run on "), "{text}");
    assert!(
        text.contains("  would run: ping count=4 host=127.0.0.1\n"),
        "{text}"
    );
    // The Group Policy logging change and the line that puts it back.
    assert!(text.contains("  would run: reg add 'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' /v UserEnvDebugLevel /t REG_DWORD /d 0x10002 /f\n"), "{text}");
    assert!(text.contains("  would restore: reg delete 'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon' /v UserEnvDebugLevel /f\n"), "{text}");
    assert!(
        text.ends_with("command(s) would run; nothing was changed or written\n"),
        "{text}"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn a_collection_writes_one_packet_the_reader_accepts_with_every_step_accounted_for() {
    let dir = tempfile::tempdir().expect("dir");
    let out = collect_in(
        dir.path(),
        &["--target", "127.0.0.1", "--out", "packet.zip"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("packet written: packet.zip ("),
        "{}",
        stdout(&out)
    );
    assert_eq!(files_in(dir.path()), ["packet.zip"], "no partial file left");
    let p = Packet::open(&dir.path().join("packet.zip")).expect("the packet reads back");
    let m = &p.manifest;
    assert_eq!(m.format, deskbook_evidence::FORMAT);
    assert_eq!(m.playbook, "collect-diagnostics");
    assert_eq!(m.target.as_deref(), Some("127.0.0.1"));
    assert_eq!(m.os.os_id.as_deref(), Some("linux"));
    let comp = deskbook_evidence::table73::comp_name(&m.computer);
    // The ping of the target: a result, in the Table 7.3 file.
    let ping = m.steps.iter().find(|s| s.id == "ping").expect("ping step");
    assert_eq!(ping.files, [format!("{comp}_127.0.0.1_ping.txt")]);
    assert_eq!(
        ping.result.as_ref().map(|r| r.status),
        Some(deskbook_probes::Status::Ok)
    );
    assert!(p.members.contains_key(&ping.files[0]));
    let smb = m.steps.iter().find(|s| s.id == "netview").expect("netview");
    assert_eq!(smb.files, [format!("{comp}_127.0.0.1_netview.txt")]);
    // Every step has a result or says why not; manual steps say they are manual.
    for s in &m.steps {
        assert!(
            s.result.is_some() || s.missing.is_some(),
            "step {} has neither",
            s.id
        );
    }
    let filever = m.steps.iter().find(|s| s.id == "filever").expect("filever");
    assert!(
        filever
            .missing
            .as_deref()
            .is_some_and(|w| w.starts_with("a manual step: ")),
        "{filever:?}"
    );
    let last = m.steps.last().expect("steps");
    assert!(
        last.id.ends_with("/restore") || last.id == "problem-after",
        "{last:?}"
    );
    let readme = p.text("README.txt").expect("README");
    assert!(
        readme.contains("deskbook run tier1-triage --evidence"),
        "{readme}"
    );
}

/// As the seed's script needs a local administrator, the collector says when it is not
/// one, still runs the probes, and marks every change it did not make.
#[test]
fn without_administrator_rights_it_says_so_and_marks_the_changes_missing() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let out = if root {
        // Root is an administrator: run as nobody instead.
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin())
            .args(["collect", "--target", "127.0.0.1", "--out", "p.zip"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("setpriv")
    } else {
        collect_in(dir.path(), &["--target", "127.0.0.1", "--out", "p.zip"])
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("not running as an administrator: the probes run, but the steps that change this computer"),
        "{}",
        stdout(&out)
    );
    let p = Packet::open(&dir.path().join("p.zip")).expect("packet");
    assert!(!p.manifest.admin);
    let purge = p
        .manifest
        .steps
        .iter()
        .find(|s| s.id == "raise-gp-logging")
        .expect("step");
    assert_eq!(
        purge.missing.as_deref(),
        Some("not run: needs administrator rights")
    );
    assert!(purge.result.is_none());
    assert!(
        !p.manifest.steps.iter().any(|s| s.id.ends_with("/restore")),
        "nothing changed, so nothing is restored"
    );
    assert!(p
        .manifest
        .steps
        .iter()
        .any(|s| s.id == "ping" && s.result.is_some()));
}

#[test]
fn bad_values_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let out = collect_in(dir.path(), &["--target", "bad host!"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: --target \"bad host!\": expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not a space\n"
    );
    let out = collect_in(dir.path(), &["--out", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: --out .: a folder; give the packet's file name\n"
    );
    assert!(files_in(dir.path()).is_empty());
}
