//! Where results come from during a call, through the real binary: an evidence packet from
//! the caller's computer (written by the evidence crate's writer) pre-fills the steps it
//! answers, matched by probe and arguments; the agent's override is recorded; a packet is
//! attached to an open call with `sessions attach`; a hostile packet, or one from another
//! computer, is refused with its exact message and the call stays as it was; a help desk
//! probe pre-fills nothing about the caller; a caller probe without a packet shows the
//! command for the caller's OS (or for each OS) and takes the agent's answer.

mod runtime_support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use deskbook_evidence::{Manifest, OsInfo, PacketWriter, StepRecord, FORMAT};
use deskbook_probes::{ProbeResult, Status};
use runtime_support::*;
use serde_json::{json, Value};

const CALLER: &str = "pc-0042.woodgrovebank.com";
const TARGET: &str = "srv-files-01";

fn result(probe: &str, status: Status, summary: &str) -> ProbeResult {
    ProbeResult {
        probe: probe.into(),
        status,
        summary: summary.into(),
        data: serde_json::Map::new(),
        duration_ms: 40,
        output: format!("{summary}\n"),
    }
}

fn step(id: &str, probe: &str, args: &[(&str, &str)], r: ProbeResult, file: &str) -> StepRecord {
    StepRecord {
        id: id.into(),
        kind: "probe".into(),
        probe: Some(probe.into()),
        args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        command: None,
        result: Some(r),
        files: vec![file.into()],
        missing: None,
    }
}

/// A packet as `deskbook collect` writes it on PC-0042 (Windows XP SP2), whose ping of the
/// target got `ping` and whose SMB test found the port open. Its steps are listed in
/// another order than the triage asks, so only probe and arguments can match them.
fn packet(dir: &Path, ping: Status) -> PathBuf {
    let path = dir.join("PC-0042_deskbook.zip");
    let w = PacketWriter::create(&path).expect("create packet");
    let summary = match ping {
        Status::Ok => "srv-files-01: 4 replies, 0% loss",
        _ => "srv-files-01: Request timed out (4 sent, 0 received)",
    };
    let steps = vec![
        step(
            "smb",
            "tcp",
            &[("host", TARGET), ("port", "445")],
            result("tcp", Status::Ok, "srv-files-01:445 is open"),
            "PC-0042_srv-files-01_netview.txt",
        ),
        step(
            "ping",
            "ping",
            &[("host", TARGET), ("count", "4")],
            result("ping", ping, summary),
            "PC-0042_srv-files-01_ping.txt",
        ),
    ];
    write_packet(w, "PC-0042", Some(TARGET), steps)
}

/// Finish a packet collected on `computer` (Windows XP SP2) with `steps`.
fn write_packet(
    mut w: PacketWriter,
    computer: &str,
    target: Option<&str>,
    steps: Vec<StepRecord>,
) -> PathBuf {
    for s in &steps {
        w.add(&s.files[0], b"output\n").expect("add member");
    }
    let manifest = Manifest {
        format: FORMAT,
        deskbook: env!("CARGO_PKG_VERSION").into(),
        content: "test".into(),
        playbook: "collect-diagnostics".into(),
        computer: computer.into(),
        user: "alice".into(),
        admin: true,
        os: OsInfo {
            name: "Microsoft Windows XP Professional".into(),
            version: "5.1.2600 Service Pack 2".into(),
            os_id: Some("winxp-sp2".into()),
        },
        target: target.map(str::to_string),
        started: "2026-12-01T10:42:05.000Z".into(),
        ended: "2026-12-01T10:43:40.000Z".into(),
        steps,
    };
    w.finish(&manifest, "README").expect("finish packet")
}

/// Answers for the triage from the start; `ping` (when given) answers `ping-address`.
fn triage_answers(desk: &Desk, ping: Option<&str>) -> PathBuf {
    let mut answers = BTreeMap::from([
        ("caller-check", "no".to_string()),
        ("scope", "only srv-files-01".to_string()),
        ("name-check", "yes".to_string()),
        ("other-apps", "others work".to_string()),
        (
            "application-details",
            "Outlook: cannot open the archive".to_string(),
        ),
    ]);
    if let Some(p) = ping {
        answers.insert("ping-address", p.to_string());
    }
    let text = serde_json::to_string(&json!({
        "vars": {"caller": CALLER, "target": TARGET},
        "answers": answers,
    }))
    .expect("answers");
    let path = desk.path().join("answers.yaml");
    std::fs::write(&path, text).expect("write answers");
    path
}

fn run_triage(desk: &Desk, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "tier1-triage", "--answers", "answers.yaml"];
    args.extend(extra);
    desk.run_layers(&[], &args, "")
}

/// The recorded events of kind `kind` at `step` (payloads).
fn payloads(shown: &Value, kind: &str, step: Option<&str>) -> Vec<Value> {
    shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == kind && step.is_none_or(|s| e["step"] == s))
        .map(|e| e["payload"].clone())
        .collect()
}

fn packets_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/packets")
        .join(name)
}

/// This computer's name as the `os` probe reports it (what help desk results are shown
/// and recorded with).
fn host(desk: &Desk) -> String {
    let out = desk.run_layers(&[], &["probe", "os", "--json"], "");
    let v: Value = serde_json::from_slice(&out.stdout).expect("probe os --json");
    v["data"]["computer"]
        .as_str()
        .expect("computer")
        .to_string()
}

#[test]
fn a_packet_prefills_the_caller_steps_it_answers_and_is_recorded_as_attached() {
    let desk = Desk::new();
    let packet = packet(desk.path(), Status::Ok);
    triage_answers(&desk, None);
    let out = run_triage(&desk, &["--evidence", packet.to_str().expect("path")]);
    let text = success_stdout(&out);
    assert!(
        text.contains("\nattached PC-0042's packet, collected 10:42\n"),
        "{text}"
    );
    assert!(
        text.contains("  probe ping count=4 host=srv-files-01: ok: srv-files-01: 4 replies, 0% loss (from PC-0042's packet, collected 10:42)\n  -> replies\n"),
        "{text}"
    );
    let shown = desk.show(&session_of(&text));
    let attached = payloads(&shown, "attached", None);
    assert_eq!(attached.len(), 1, "{shown}");
    assert_eq!(attached[0]["computer"], "PC-0042");
    assert_eq!(attached[0]["os_id"], "winxp-sp2");
    assert_eq!(attached[0]["collected"], "2026-12-01T10:42:05.000Z");
    let probed = payloads(&shown, "probed", Some("ping-address"));
    assert_eq!(
        probed[0]["origin"],
        json!({"from": "caller", "computer": "PC-0042", "how": "packet", "collected": "2026-12-01T10:42:05.000Z"})
    );
    let answered = payloads(&shown, "answered", Some("ping-address"));
    assert_eq!(answered[0]["answer"], "replies");
    assert_eq!(answered[0]["prefill"], "replies");
    assert_eq!(answered[0]["overridden"], false);
    // The packet has no name lookup: the agent is shown the command for the packet's OS.
    assert!(
        text.contains("  not run here: on the caller's computer (pc-0042.woodgrovebank.com), ask the caller to run and read out:\n    nslookup srv-files-01\n"),
        "{text}"
    );
    // The `probes` column says where each result ran.
    assert_eq!(shown["call"]["probes"][0]["ran_on"], "caller", "{shown}");
    // The ticket summary names the packet the call used.
    assert!(
        text.contains("\nEvidence:    from PC-0042's packet, collected 10:42\n"),
        "{text}"
    );
    // The packet's result is the caller's: the escalation packet names it as Table 7.3 does.
    let session = session_of(&text);
    let out = desk.run_layers(&[], &["sessions", "export", &session, "--out", "esc"], "");
    success_stdout(&out);
    let ping = std::fs::read_to_string(desk.path().join("esc/PC-0042_srv-files-01_ping.txt"))
        .expect("the caller's ping under its Table 7.3 name");
    assert!(
        ping.contains("\nresult from PC-0042's packet, collected 10:42\n"),
        "{ping}"
    );
    // The transcript says where the result came from, and which packet was attached.
    let transcript =
        std::fs::read_to_string(desk.path().join("esc/transcript.txt")).expect("transcript");
    assert!(
        transcript.contains(&format!(
            ": {}, from PC-0042's packet, collected 10:42 (by alice, administrator; 2 results)\n",
            packet.display()
        )),
        "{transcript}"
    );
    assert!(
        transcript.contains("     probe ping count=4 host=srv-files-01 (from PC-0042's packet, collected 10:42): ok: srv-files-01: 4 replies, 0% loss\n"),
        "{transcript}"
    );
}

#[test]
fn the_agent_overrides_a_packet_result_and_the_override_is_recorded() {
    let desk = Desk::new();
    let packet = packet(desk.path(), Status::Fail);
    triage_answers(&desk, Some("replies"));
    let out = run_triage(&desk, &["--evidence", packet.to_str().expect("path")]);
    let text = success_stdout(&out);
    let shown = desk.show(&session_of(&text));
    let answered = payloads(&shown, "answered", Some("ping-address"));
    assert_eq!(answered[0]["answer"], "replies", "{shown}");
    assert_eq!(answered[0]["prefill"], "no reply");
    assert_eq!(answered[0]["overridden"], true);
    let probed = payloads(&shown, "probed", Some("ping-address"));
    assert_eq!(probed[0]["result"]["status"], "fail");
    assert_eq!(probed[0]["origin"]["how"], "packet");
}

/// A call that stops at `ping-address` (no packet, no answer); its session id.
fn open_call(desk: &Desk) -> (String, String) {
    triage_answers(desk, None);
    let out = run_triage(desk, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    (session_of(&text), text)
}

#[test]
fn a_caller_probe_without_a_packet_shows_the_command_for_each_os_and_waits_for_the_agent() {
    let desk = Desk::new();
    let (_, text) = open_call(&desk);
    assert!(
        text.contains("  not run here: on the caller's computer (pc-0042.woodgrovebank.com), ask the caller to run and read out:\n    win2000, win2003, windows, winxp, winxp-sp2: ping srv-files-01\n"),
        "{text}"
    );
}

/// `sessions attach SESSION PACKET` on the desk.
fn attach(desk: &Desk, session: &str, packet: &Path) -> std::process::Output {
    desk.run_layers(
        &[],
        &[
            "sessions",
            "attach",
            session,
            packet.to_str().expect("path"),
        ],
        "",
    )
}

#[test]
fn sessions_attach_adds_a_packet_to_an_open_call_and_resume_takes_its_results() {
    let desk = Desk::new();
    let (session, _) = open_call(&desk);
    let packet = packet(desk.path(), Status::Ok);
    let out = attach(&desk, &session, &packet);
    assert_eq!(
        success_stdout(&out),
        format!("attached PC-0042's packet, collected 10:42 to call {session}: 2 results for the steps of that computer\n")
    );
    // The same packet again adds nothing.
    let again = attach(&desk, &session, &packet);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        format!("error: call {session} already has PC-0042's packet, collected 10:42: nothing was added\n")
    );
    let out = desk.run_layers(
        &[],
        &["sessions", "resume", &session, "--answers", "answers.yaml"],
        "",
    );
    let text = success_stdout(&out);
    assert!(
        text.contains("(from PC-0042's packet, collected 10:42)\n  -> replies\n"),
        "{text}"
    );
    let shown = desk.show(&session);
    assert_eq!(payloads(&shown, "attached", None).len(), 1);
    assert_eq!(shown["call"]["status"], "not-fixed", "{shown}");
    assert_eq!(
        payloads(&shown, "probed", Some("ping-address"))[0]["origin"]["computer"],
        "PC-0042"
    );
    // An ended call takes no packet.
    let out = attach(&desk, &session, &packet);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("error: call {session} has ended (not-fixed): a packet is attached to an open call; start a new call with `deskbook run PLAYBOOK --evidence {}`\n", packet.display())
    );
}

#[test]
fn a_hostile_packet_is_refused_with_its_message_and_the_call_is_unaffected() {
    let desk = Desk::new();
    let (session, _) = open_call(&desk);
    let before = desk.show(&session);
    let cases = [
        (
            "dotdot.zip",
            "member \"../evil.txt\": refused: its name climbs out of the packet (`..`)",
        ),
        (
            "bomb.zip",
            "member \"PC-0042_oakley.log\": refused: it expands 1028:1 (101923 bytes to 104857600): a zip bomb",
        ),
        (
            "other-computer.zip",
            "the packet was collected on PC-0099, which is neither this call's caller (pc-0042.woodgrovebank.com) nor its target (srv-files-01): a result speaks only for the computer it ran on",
        ),
        // No such file, and a folder given as the packet.
        (
            "missing.zip",
            "cannot read the packet: No such file or directory (os error 2)",
        ),
        ("", "cannot read the packet: Is a directory (os error 21)"),
    ];
    for (case, message) in cases {
        let path = packets_fixture(case);
        let out = desk.run_layers(
            &[],
            &["sessions", "attach", &session, path.to_str().expect("path")],
            "",
        );
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert_eq!(
            stderr(&out),
            format!("error: {}: {message}\n", path.display()),
            "{case}"
        );
        assert_eq!(desk.show(&session), before, "{case}: the call changed");
        // `run --evidence` refuses it before a call is recorded.
        let out = run_triage(&desk, &["--evidence", path.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert_eq!(
            stderr(&out),
            format!("error: {}: {message}\n", path.display())
        );
        assert_eq!(stdout(&out), "", "{case}");
    }
    let out = desk.run_layers(&[], &["sessions", "list", "--json"], "");
    let calls: Value = serde_json::from_slice(&out.stdout).expect("list --json");
    assert_eq!(calls.as_array().map(Vec::len), Some(1), "{calls}");
}

/// A listener on loopback, so the help desk's own tcp probe finds the port open.
fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port().to_string();
    (l, port)
}

fn run_vantage(desk: &Desk, port: &str, os: &str, answers: Value) -> std::process::Output {
    let text = serde_json::to_string(&json!({
        "vars": {"caller": "pc-0042", "target": "127.0.0.1", "port": port, "os": os},
        "answers": answers,
    }))
    .expect("answers");
    std::fs::write(desk.path().join("answers.yaml"), text).expect("write answers");
    desk.run_layers(
        &["vantage"],
        &["run", "rt-vantage", "--answers", "answers.yaml"],
        "",
    )
}

#[test]
fn a_help_desk_probe_prefills_nothing_about_the_caller_and_decides_nothing_alone() {
    let desk = Desk::new();
    let (_l, port) = listener();
    let host = host(&desk);
    let out = run_vantage(&desk, &port, "winxp", json!({}));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "  probe tcp host=127.0.0.1 port={port}: ok: 127.0.0.1:{port} is open"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(", from this help desk computer ({host}))\n  (this result is from this help desk computer ({host}); it says nothing about the caller's computer: ask the caller)\n")),
        "{text}"
    );
    assert_eq!(
        stderr(&out),
        "error: answers.yaml: no answer for step `desk-reach` (expected one of: yes, no)\n"
    );
    // The probe step about the target takes the agent's status, not the probe's alone.
    let out = run_vantage(
        &desk,
        &port,
        "winxp",
        json!({"desk-reach": "no", "caller-ping": "yes", "purge": "done"}),
    );
    assert_eq!(
        stderr(&out),
        "error: answers.yaml: no answer for step `target-port` (expected ok, fail or error)\n"
    );
    let out = run_vantage(
        &desk,
        &port,
        "winxp",
        json!({"desk-reach": "no", "caller-ping": "yes", "purge": "done", "target-port": "ok"}),
    );
    let text = success_stdout(&out);
    let shown = desk.show(&session_of(&text));
    let probed = payloads(&shown, "probed", Some("desk-reach"));
    assert_eq!(
        probed[0]["origin"],
        json!({"from": "helpdesk", "computer": host, "how": "probe"})
    );
    let answered = payloads(&shown, "answered", Some("desk-reach"));
    assert_eq!(answered[0]["answer"], "no");
    assert!(answered[0].get("prefill").is_none(), "{shown}");
    assert_eq!(shown["call"]["probes"][0]["ran_on"], "helpdesk");
    assert_eq!(shown["call"]["status"], "fixed-understood");
    // Help desk results are exported under a name that says so, never as the caller's.
    let session = session_of(&text);
    let out = desk.run_layers(
        &["vantage"],
        &["sessions", "export", &session, "--out", "esc"],
        "",
    );
    success_stdout(&out);
    let mut names: Vec<String> = std::fs::read_dir(desk.path().join("esc"))
        .expect("export")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let desk_name = deskbook_evidence::table73::comp_name(&host);
    assert_eq!(
        names,
        [
            "README.txt".to_string(),
            "call.json".to_string(),
            format!("helpdesk-{desk_name}_127.0.0.1_tcp{port}.txt"),
            format!("helpdesk-{desk_name}_127.0.0.1_tcp{port}_2.txt"),
            "transcript.txt".to_string(),
        ]
    );
    let readme = std::fs::read_to_string(desk.path().join("esc/README.txt")).expect("README");
    assert!(
        readme.contains("0 of the 18 files of Table 7.3 are in this packet"),
        "{readme}"
    );
    let transcript =
        std::fs::read_to_string(desk.path().join("esc/transcript.txt")).expect("transcript");
    assert!(
        transcript.contains(&format!("(from the help desk computer ({host})): ok: ")),
        "{transcript}"
    );
    assert!(
        transcript
            .contains("     not run by deskbook: on the caller's computer, `ping 127.0.0.1`\n"),
        "{transcript}"
    );
}

#[test]
fn a_caller_probe_and_a_caller_command_show_the_command_for_the_callers_os() {
    let desk = Desk::new();
    let (_l, port) = listener();
    let answers = json!({"desk-reach": "no", "caller-ping": "no", "purge": "failed"});
    let out = run_vantage(&desk, &port, "winxp", answers.clone());
    let text = success_stdout(&out);
    assert!(
        text.contains("  not run here: on the caller's computer (pc-0042), ask the caller to run and read out:\n    ping 127.0.0.1\n"),
        "{text}"
    );
    assert!(
        text.contains("  not run here: on the caller's computer (pc-0042), ask the caller to run:\n    klist purge\n"),
        "{text}"
    );
    let shown = desk.show(&session_of(&text));
    let ping = payloads(&shown, "answered", Some("caller-ping"));
    assert_eq!(ping[0]["from"], "caller", "{shown}");
    assert_eq!(ping[0]["command"], "ping 127.0.0.1");
    let purge = payloads(&shown, "answered", Some("purge"));
    assert_eq!(purge[0]["command"], "klist purge");
    // Nothing ran here for the caller: no probe or command result for those steps.
    assert!(payloads(&shown, "probed", Some("caller-ping")).is_empty());
    assert!(payloads(&shown, "ran", Some("purge")).is_empty());
    // Windows Vista and later purge the computer's tickets with another command line.
    let text = success_stdout(&run_vantage(&desk, &port, "windows", answers));
    assert!(text.contains("\n    klist -li 0x3e7 purge\n"), "{text}");
}

/// refresh-policy's commands say `from: "{{ side }}"`: for the target they are shown for
/// the target's administrator, for the caller for the caller; neither runs here.
#[test]
fn refresh_policy_shows_its_commands_for_the_side_it_is_run_for() {
    let desk = Desk::new();
    let answers = json!({
        "check-admin": "yes", "purge-tickets": "done", "refresh-gp": "done",
        "refresh-ipsec": "done", "check-policy": "domain policy applied", "retest": "works now",
    });
    for (side, shown) in [
        (
            "target",
            "  not run here: on the target (srv-files-01), have its administrator run:\n",
        ),
        (
            "caller",
            "  not run here: on the caller's computer (srv-files-01), ask the caller to run:\n",
        ),
    ] {
        let text = serde_json::to_string(&json!({
            "vars": {"computer": "srv-files-01", "side": side},
            "answers": answers,
        }))
        .expect("answers");
        std::fs::write(desk.path().join("answers.yaml"), text).expect("write answers");
        let out = desk.run_layers(
            &[],
            &["run", "refresh-policy", "--answers", "answers.yaml"],
            "",
        );
        let text = success_stdout(&out);
        assert_eq!(text.matches(shown).count(), 4, "{side}: {text}");
        let shown = desk.show(&session_of(&text));
        let purge = payloads(&shown, "answered", Some("purge-tickets"));
        assert_eq!(purge[0]["from"], side, "{shown}");
        assert!(payloads(&shown, "ran", None).is_empty(), "{shown}");
        assert_eq!(shown["call"]["category"], format!("{side}-policy"));
    }
}

/// A packet attached from another desk while the call runs at a terminal answers the
/// caller steps still to come.
#[test]
fn a_packet_attached_while_the_call_runs_prefills_the_next_caller_step() {
    let desk = Desk::new();
    let packet = packet(desk.path(), Status::Ok);
    let vars = [format!("caller={CALLER}"), format!("target={TARGET}")];
    let mut live = Live::spawn(desk.command(
        &[],
        &["run", "tier1-triage", "--var", &vars[0], "--var", &vars[1]],
    ));
    live.answer(&["no"]);
    let at_scope = live.wait_prompt();
    let session = session_of(&live.transcript());
    assert!(at_scope.contains("[scope]"), "{at_scope}");
    let out = attach(&desk, &session, &packet);
    success_stdout(&out);
    live.send("only srv-files-01");
    let at_ping = live.wait_prompt();
    assert!(
        at_ping.contains("(from PC-0042's packet, collected 10:42)\n"),
        "{at_ping}"
    );
    assert!(at_ping.ends_with("answer [replies]: "), "{at_ping}");
    live.send("");
    live.wait_prompt();
    live.kill9();
    let shown = desk.show(&session);
    let answered = payloads(&shown, "answered", Some("ping-address"));
    assert_eq!(answered[0]["prefill"], "replies", "{shown}");
    assert_eq!(payloads(&shown, "attached", None).len(), 1);
}

/// detect-policy on the target (`side: target`, `computer` the target): a packet collected
/// on that computer is the target's, and its policy version answers the probe that runs
/// `from: "{{ side }}"`.
#[test]
fn a_packet_from_the_computer_a_side_playbook_checks_answers_its_probe() {
    let desk = Desk::new();
    let path = desk.path().join("SRV-FILES-01_deskbook.zip");
    let w = PacketWriter::create(&path).expect("create packet");
    let steps = vec![step(
        "read-policy-version",
        "command",
        &[("task", "show-policy-version")],
        result("command", Status::Ok, "policy version 42"),
        "SRV-FILES-01_policy_version.txt",
    )];
    let packet = write_packet(w, "SRV-FILES-01", None, steps);
    let answers = json!({
        "vars": {"computer": TARGET, "side": "target"},
        "answers": {"same-version": "matches", "still-failing": "works now"},
    });
    std::fs::write(desk.path().join("answers.yaml"), answers.to_string()).expect("write");
    let out = desk.run_layers(
        &[],
        &[
            "run",
            "detect-policy",
            "--answers",
            "answers.yaml",
            "--evidence",
            packet.to_str().expect("path"),
        ],
        "",
    );
    let text = success_stdout(&out);
    assert!(
        text.contains("\nattached SRV-FILES-01's packet, collected 10:42\n"),
        "{text}"
    );
    assert!(
        text.contains("policy version 42 (from SRV-FILES-01's packet, collected 10:42)"),
        "{text}"
    );
}

#[test]
fn a_caller_command_probe_given_as_a_command_line_shows_that_command_line() {
    let desk = Desk::new();
    let answers = json!({"vars": {"caller": "pc-0042"}, "answers": {"tickets": "ok"}});
    std::fs::write(desk.path().join("answers.yaml"), answers.to_string()).expect("write");
    let out = desk.run_layers(
        &["vantage"],
        &["run", "rt-vantage-argv", "--answers", "answers.yaml"],
        "",
    );
    let text = success_stdout(&out);
    assert!(
        text.contains("ask the caller to run and read out:\n    klist tickets\n"),
        "{text}"
    );
}

/// A probe step for the caller's computer at a terminal: the agent types what it showed
/// there; anything but ok, fail or error is refused and asked again.
#[test]
fn what_a_caller_probe_showed_is_ok_fail_or_error() {
    let desk = Desk::new();
    let mut live = Live::spawn(desk.command(
        &["vantage"],
        &["run", "rt-vantage-argv", "--var", "caller=pc-0042"],
    ));
    let first = live.wait_prompt();
    assert!(
        first.ends_with("what did it show? type ok / fail / error: "),
        "{first}"
    );
    live.send("maybe");
    let again = live.wait_prompt();
    assert!(again.contains("type ok, fail or error\n"), "{again}");
    assert!(
        again.ends_with("what did it show? type ok / fail / error: "),
        "{again}"
    );
    live.send("ok");
    // The call ends at its end step: wait for its summary.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !live.transcript().contains("fixed-understood") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            live.transcript()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let session = session_of(&live.transcript());
    live.kill9();
    let shown = desk.show(&session);
    let answered = payloads(&shown, "answered", Some("tickets"));
    assert_eq!(answered.len(), 1, "{shown}");
    assert_eq!(answered[0]["answer"], "ok");
}
