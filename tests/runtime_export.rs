//! The escalation packet: `sessions export ID --out DIR` writes a README (what Tier 2
//! needs, present or missing), the transcript, the call as
//! JSON and every probe and command output under the names the seed's debug script gives
//! its files (Table 7.3), named after the caller's computer.

mod common;
mod runtime_support;

use runtime_support::*;

const ANSWERS: &str = "vars: {caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}
answers: {purge: done}
probes:
  ping-target: {status: fail, summary: no reply from 192.0.2.10, data: {loss: 100}, output: \"Request timed out.\\n\"}
  purge: {status: ok, summary: tickets purged, output: \"Deleting all tickets:\\nTicket(s) purged!\\n\"}
";

fn escalated_call(desk: &Desk) -> String {
    std::fs::write(desk.path().join("esc.yaml"), ANSWERS).expect("answers");
    let out = desk.run_escalate("alice");
    assert!(out.status.success(), "{}", stderr(&out));
    session_of(&stdout(&out))
}

#[test]
fn packet_files_are_named_like_the_seed_debug_script() {
    let desk = Desk::new();
    let session = escalated_call(&desk);
    let out = desk.run(&["sessions", "export", &session, "--out", "packet"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "escalation packet of call {session} in packet:
  README.txt
  transcript.txt
  call.json
  PC-0042_srv-files-01_ping.txt
  PC-0042_klist_purge_mt.txt
"
        )
    );
    let dir = desk.path().join("packet");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("packet folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "PC-0042_klist_purge_mt.txt",
            "PC-0042_srv-files-01_ping.txt",
            "README.txt",
            "call.json",
            "transcript.txt"
        ]
    );
    let ping = std::fs::read_to_string(dir.join("PC-0042_srv-files-01_ping.txt")).expect("ping");
    assert!(
        ping.contains("ping fail: no reply from 192.0.2.10"),
        "{ping}"
    );
    assert!(
        ping.ends_with("--- output ---\nRequest timed out.\n"),
        "{ping}"
    );
    let purge = std::fs::read_to_string(dir.join("PC-0042_klist_purge_mt.txt")).expect("purge");
    assert!(purge.contains("Ticket(s) purged!"), "{purge}");

    // The README marks what the seed's Escalation section asks Tier 2 to receive.
    let readme = std::fs::read_to_string(dir.join("README.txt")).expect("README");
    for line in [
        "[present] The caller's machine name, so that Tier 2 can identify the log files: pc-0042.woodgrovebank.com (files named PC-0042_...)\n",
        "[present] The destination computer to which access is denied, so that the escalation goes to the proper support group: srv-files-01.woodgrovebank.com\n",
        "[present] Log files generated with the IPsec_Debug.vbs script: 2 of the 18 files of Table 7.3 are in this packet:\n",
        "    [present] PC-0042_klist_purge_mt.txt\n",
        "    [present] PC-0042_srv-files-01_ping.txt\n",
        "    [missing] PC-0042_srv-files-01_netview.txt\n",
        "    [missing] PC-0042_gpresult.txt\n",
        "[present] The steps Tier 1 took, so that Tier 2 can check that none was missed: transcript.txt\n",
    ] {
        assert!(readme.contains(line), "{line}\nnot in\n{readme}");
    }
    assert_eq!(readme.matches("[missing]").count(), 16, "{readme}");

    let transcript = std::fs::read_to_string(dir.join("transcript.txt")).expect("transcript");
    assert!(
        transcript.starts_with(&format!(
            "Call {session}: playbook rt-escalate (Runtime test escalation)\nAgent: alice."
        )),
        "{transcript}"
    );
    assert!(transcript.contains("Collect for Tier 2: caller (pc-0042.woodgrovebank.com), target (srv-files-01.woodgrovebank.com), diagnostics\n"), "{transcript}");
    assert!(transcript.contains("\nEvent log:\n"), "{transcript}");

    let call: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("call.json")).expect("json"))
            .expect("call.json is JSON");
    assert_eq!(call["call"]["session"], session.as_str());
    assert_eq!(call["call"]["escalate"], "tier2");
    assert_eq!(call["events"].as_array().map(Vec::len), Some(10));

    // A second export into the same folder is refused and changes nothing.
    let again = desk.run(&["sessions", "export", &session, "--out", "packet"], "");
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        "error: packet: the folder is not empty; give --out a new or empty folder\n"
    );
}

#[test]
fn unknown_session_is_named() {
    let desk = Desk::new();
    escalated_call(&desk);
    let out = desk.run(&["sessions", "export", "zzzz", "--out", "p"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no call with session id `zzzz` (see `deskbook sessions list`)\n"
    );
    assert!(!desk.path().join("p").exists());
}

/// A packet's step as `deskbook collect` records it: a probe (`probe` given) or a `do`
/// step's command, with the member holding its output.
fn packet_step(
    id: &str,
    probe: Option<&str>,
    args: &[(&str, &str)],
    command: Option<&str>,
    summary: &str,
    file: &str,
) -> deskbook_evidence::StepRecord {
    use deskbook_probes::{ProbeResult, Status};
    deskbook_evidence::StepRecord {
        id: id.into(),
        kind: if probe.is_some() { "probe" } else { "do" }.into(),
        probe: probe.map(str::to_string),
        args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        command: command.map(str::to_string),
        result: Some(ProbeResult {
            probe: probe.unwrap_or("command").into(),
            status: Status::Ok,
            summary: summary.into(),
            data: serde_json::Map::new(),
            duration_ms: 40,
            output: format!("{summary}\n"),
        }),
        files: vec![file.into()],
        missing: None,
    }
}

/// Recorded text with ESC, BEL, a C1 CSI (U+009B) and a right-to-left override (U+202E).
const HOSTILE: &str = "\x1b]0;pwned\x07 \u{9b}31m \u{202e}txt.exe";

/// A packet from PC-0042 whose text (its user, its OS name, its results) carries terminal
/// control sequences; the triage takes only its ping.
fn hostile_packet(dir: &std::path::Path) -> std::path::PathBuf {
    use deskbook_evidence::{Manifest, OsInfo, PacketWriter, FORMAT};
    let path = dir.join("PC-0042_deskbook.zip");
    let mut w = PacketWriter::create(&path).expect("create packet");
    let steps = vec![
        packet_step(
            "osinfo",
            Some("os"),
            &[],
            None,
            &format!("Windows {HOSTILE}"),
            "PC-0042_OSInfo.txt",
        ),
        packet_step(
            "ping",
            Some("ping"),
            &[("host", "srv-files-01"), ("count", "4")],
            None,
            &format!("srv-files-01: 4 replies {HOSTILE}"),
            "PC-0042_srv-files-01_ping.txt",
        ),
        packet_step(
            "netview",
            Some("tcp"),
            &[("host", "srv-files-01"), ("port", "445")],
            None,
            "srv-files-01:445 is open",
            "PC-0042_srv-files-01_netview.txt",
        ),
        packet_step(
            "show-all",
            Some("command"),
            &[("task", "show-active-policy")],
            None,
            &format!("policy {HOSTILE}"),
            "PC-0042_show_active_policy.txt",
        ),
        packet_step(
            "klist-purge-mt",
            None,
            &[],
            Some("klist -li 0x3e7 purge"),
            "Ticket(s) purged!",
            "PC-0042_klist_purge_mt.txt",
        ),
    ];
    for s in &steps {
        w.add(&s.files[0], b"output\n").expect("add member");
    }
    let manifest = Manifest {
        format: FORMAT,
        deskbook: env!("CARGO_PKG_VERSION").into(),
        content: "test".into(),
        playbook: "collect-diagnostics".into(),
        computer: "PC-0042".into(),
        user: format!("alice{HOSTILE}"),
        admin: true,
        os: OsInfo {
            name: format!("Microsoft Windows XP {HOSTILE}"),
            version: "5.1.2600 Service Pack 2".into(),
            os_id: Some("winxp-sp2".into()),
        },
        target: Some("srv-files-01".into()),
        started: "2026-12-01T10:42:05.000Z".into(),
        ended: "2026-12-01T10:43:40.000Z".into(),
        steps,
    };
    w.finish(&manifest, "README").expect("finish packet")
}

/// A triage call with `hostile_packet` attached (it takes the ping); its session.
fn call_with_packet(desk: &Desk) -> String {
    let packet = hostile_packet(desk.path());
    let answers = serde_json::json!({
        "vars": {"caller": "pc-0042.woodgrovebank.com", "target": "srv-files-01"},
        "answers": {
            "caller-check": "no",
            "scope": "only srv-files-01",
            "name-check": "yes",
            "other-apps": "others work",
            "application-details": "Outlook: cannot open the archive",
        },
    });
    std::fs::write(desk.path().join("answers.yaml"), answers.to_string()).expect("answers");
    let out = desk.run_layers(
        &[],
        &[
            "run",
            "tier1-triage",
            "--answers",
            "answers.yaml",
            "--evidence",
            packet.to_str().expect("path"),
        ],
        "",
    );
    session_of(&success_stdout(&out))
}

/// Regression: the export wrote a packet's text (its user, OS name, results) raw into
/// transcript.txt and the result files, so `cat` handed Tier 2's terminal to whoever
/// wrote the packet. Every file is neutralised; call.json keeps the values JSON-escaped.
#[test]
fn every_file_of_the_export_shows_control_characters_neutralised() {
    let desk = Desk::new();
    let session = call_with_packet(&desk);
    let out = desk.run_layers(&[], &["sessions", "export", &session, "--out", "esc"], "");
    success_stdout(&out);
    let dir = desk.path().join("esc");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("packet folder") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path()).expect("read");
        let text = String::from_utf8(bytes).expect("UTF-8");
        common::no_raw_controls(&name, &text);
        names.push(name);
    }
    assert!(names.len() >= 4, "{names:?}");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect(f);
    let transcript = read("transcript.txt");
    assert!(
        transcript.contains(
            "(by alice^[]0;pwned^G <U+009B>31m <U+202E>txt.exe, administrator; 5 results)"
        ),
        "{transcript}"
    );
    assert!(
        transcript.contains("srv-files-01: 4 replies ^[]0;pwned^G <U+009B>31m <U+202E>txt.exe"),
        "{transcript}"
    );
    let ping = read("PC-0042_srv-files-01_ping.txt");
    assert!(
        ping.contains(
            "\nping ok: srv-files-01: 4 replies ^[]0;pwned^G <U+009B>31m <U+202E>txt.exe (40 ms)\n"
        ),
        "{ping}"
    );
    // call.json keeps the recorded values, JSON-escaped.
    let call: serde_json::Value = serde_json::from_str(&read("call.json")).expect("JSON");
    let attached = call["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "attached")
        .expect("attached");
    assert_eq!(attached["payload"]["user"], format!("alice{HOSTILE}"));
    assert_eq!(
        attached["payload"]["os"],
        format!("Microsoft Windows XP {HOSTILE}")
    );
}

/// Regression: the export took only the results a step used, so a packet's OSInfo,
/// netview and policy were listed in the README as missing while the call had them; and
/// the README named a missing `<SrvName>` file with the placeholder, not the target.
#[test]
fn an_attached_packets_results_are_exported_whether_a_step_used_them_or_not() {
    let desk = Desk::new();
    let session = call_with_packet(&desk);
    let out = desk.run_layers(&[], &["sessions", "export", &session, "--out", "esc"], "");
    // The ping a step took once; the packet's other results under the packet's names.
    assert_eq!(
        success_stdout(&out),
        format!(
            "escalation packet of call {session} in esc:
  README.txt
  transcript.txt
  call.json
  PC-0042_OSInfo.txt
  PC-0042_srv-files-01_netview.txt
  PC-0042_show_active_policy.txt
  PC-0042_klist_purge_mt.txt
  PC-0042_srv-files-01_ping.txt
"
        )
    );
    let dir = desk.path().join("esc");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect(f);
    let os = read("PC-0042_OSInfo.txt");
    assert!(
        os.starts_with(&format!(
            "deskbook call {session}, step osinfo of the packet attached at "
        )),
        "{os}"
    );
    assert!(
        os.contains(" (no step of the call used it)\nresult from PC-0042's packet, collected 10:42\nos ok: Windows ^[]0;pwned^G <U+009B>31m <U+202E>txt.exe (40 ms)\n"),
        "{os}"
    );
    let transcript = read("transcript.txt");
    assert!(
        transcript.contains("\nFiles:\n  PC-0042_OSInfo.txt\n  PC-0042_srv-files-01_netview.txt\n"),
        "{transcript}"
    );
    // The README counts them present, and names the missing ones after the target.
    let readme = read("README.txt");
    for line in [
        "[present] Log files generated with the IPsec_Debug.vbs script: 4 of the 18 files of Table 7.3 are in this packet:\n",
        "    [present] PC-0042_OSInfo.txt\n",
        "    [present] PC-0042_srv-files-01_netview.txt\n",
        "    [present] PC-0042_srv-files-01_ping.txt\n",
        "    [present] PC-0042_klist_purge_mt.txt\n",
        "    [missing] PC-0042_gpresult.txt\n",
    ] {
        assert!(readme.contains(line), "{line}\nnot in\n{readme}");
    }
    assert_eq!(readme.matches("[missing]").count(), 14, "{readme}");
    assert!(!readme.contains("<SrvName>"), "{readme}");
}
