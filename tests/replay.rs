//! `deskbook replay`: past calls (recorded by real scripted runs of the built-in triage)
//! replayed against a changed flowchart (`fixtures/runtime/replay-phase`, a patch), listing
//! the calls that would change and the ones that can no longer be replayed, naming the step;
//! and its bad values refused with exact messages.

mod runtime_support;

use runtime_support::*;
use serde_json::Value;
use std::path::PathBuf;

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks/tests")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Three finished calls, one through each branch the patch touches or leaves alone, and a
/// call that stopped at a step its answers do not give (open, so not replayed).
fn recorded(desk: &Desk) -> Vec<String> {
    let mut sessions = Vec::new();
    for s in [
        "tier1-triage-name-escalated.yaml",
        "tier1-triage-network-fixed.yaml",
        "tier1-triage-network-escalated.yaml",
    ] {
        let o = desk.run_layers(&[], &["run", "tier1-triage", "--answers", &scenario(s)], "");
        assert_eq!(o.status.code(), Some(0), "{s}: {}", stderr(&o));
        sessions.push(session_of(&stdout(&o)));
    }
    let partial = desk.path().join("partial.yaml");
    std::fs::write(
        &partial,
        "vars: {caller: pc-0042, target: srv-files-01}\nanswers: {caller-check: \"no\"}\n",
    )
    .expect("answers");
    let o = desk.run_layers(
        &[],
        &[
            "run",
            "tier1-triage",
            "--answers",
            &partial.to_string_lossy(),
        ],
        "",
    );
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    sessions
}

#[test]
fn changed_flowchart_lists_the_calls_that_would_change_and_those_that_cannot_replay() {
    let desk = Desk::new();
    let sessions = recorded(&desk);

    // Against the playbooks they were recorded with, nothing changes.
    let o = desk.run_layers(&[], &["replay"], "");
    assert_eq!(
        success_stdout(&o),
        "3 recorded call(s) replayed against the current playbooks: 3 unchanged, 0 would change, 0 cannot be replayed (1 open or closed by hand, not replayed)\n"
    );

    let o = desk.run_layers(&["replay-phase"], &["replay"], "");
    let text = success_stdout(&o);
    assert!(
        text.starts_with("3 recorded call(s) replayed against the current playbooks: 1 unchanged, 1 would change, 1 cannot be replayed (1 open or closed by hand, not replayed)\n"),
        "{text}"
    );
    let changed = format!("\nwould change: call {} (tier1-triage, ", sessions[0]);
    assert!(text.contains(&changed), "{text}");
    assert!(text.contains("  recorded: not-fixed · name-resolution\n  now:      not-fixed · name-resolution\n  the path parts at `escalate-name`\n  recorded path: caller-check > scope > ping-address > name-check > basic-name > name-evidence > escalate-name\n  path now:      caller-check > scope > ping-address > name-check > basic-name > escalate-name\n"), "{text}");
    let stuck = format!("\ncannot be replayed: call {} (tier1-triage, ", sessions[2]);
    assert!(text.contains(&stuck), "{text}");
    assert!(
        text.contains(
            "  at `route-check`: the current playbook asks a step this call never answered\n"
        ),
        "{text}"
    );
    assert!(
        !text.contains(&sessions[1]),
        "unchanged calls are not listed: {text}"
    );

    // The same as JSON, and only the triage's calls with --playbook.
    let o = desk.run_layers(
        &["replay-phase"],
        &["replay", "--playbook", "tier1-triage", "--json"],
        "",
    );
    let v: Value = serde_json::from_str(&success_stdout(&o)).expect("json");
    assert_eq!(v["replayed"], 3);
    assert_eq!(v["changed"], 1);
    assert_eq!(v["unreplayable"], 1);
    assert_eq!(v["skipped"], 1);
    let calls = v["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2);
    let c = calls
        .iter()
        .find(|c| c["result"] == "changed")
        .expect("changed");
    assert_eq!(c["session"], sessions[0].as_str());
    assert_eq!(c["diverges_at"], "escalate-name");
    assert_eq!(c["now"]["path"].as_array().map(Vec::len), Some(6));
    let u = calls
        .iter()
        .find(|c| c["result"] == "unreplayable")
        .expect("unreplayable");
    assert_eq!(u["step"], "route-check");

    // Replay only reads: the store holds the same calls as before, none added.
    let o = desk.run_layers(&[], &["sessions", "list", "--json"], "");
    let listed: Value = serde_json::from_str(&success_stdout(&o)).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(4));

    // A later --since leaves every call out.
    let o = desk.run_layers(&["replay-phase"], &["replay", "--since", "2999-01-01"], "");
    assert_eq!(
        success_stdout(&o),
        "0 recorded call(s) replayed against the current playbooks: 0 unchanged, 0 would change, 0 cannot be replayed\n"
    );
}

#[test]
fn bad_values_are_refused_with_exact_messages() {
    let desk = Desk::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["replay", "--since", "2026-13-01"],
            "error: --since 2026-13-01: not a valid date (failed to parse two digit integer as month: parameter 'month' is not in the required range of 1..=12); expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS], UTC unless it ends with Z or an offset such as +02:00)\n",
        ),
        (
            &["replay", "--playbook", "tier1-trage"],
            "error: --playbook \"tier1-trage\": no such playbook in the effective content (see `deskbook list --kind playbook`)\n",
        ),
    ];
    for (args, message) in cases {
        let o = desk.run_layers(&[], args, "");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), *message, "{args:?}");
    }
    assert!(
        !desk.path().join("calls.sqlite").exists(),
        "a refused replay opens no store"
    );
}
