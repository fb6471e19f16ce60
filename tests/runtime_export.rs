//! The escalation packet: `sessions export ID --out DIR` writes a README (what Tier 2
//! needs, present or missing), the transcript, the call as
//! JSON and every probe and command output under the names the seed's debug script gives
//! its files (Table 7.3), named after the caller's computer.

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
        "    [present] PC-0042_<SrvName>_ping.txt\n",
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
