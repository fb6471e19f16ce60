//! The ticket summary at the end of a call (issue 12): about ten lines to paste into a
//! ticketing system, `run --summary-format text|markdown|json`; `--json` runs keep standard
//! output for the JSON lines only.

mod runtime_support;

use runtime_support::*;

const ANSWERS: &str = "vars: {caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}
answers: {purge: done}
probes:
  ping-target: {status: fail, summary: no reply from 192.0.2.10, data: {loss: 100}, output: \"Request timed out.\\n\"}
  purge: {status: ok, summary: tickets purged, output: \"Ticket(s) purged!\\n\"}
";

fn run(desk: &Desk, extra: &[&str]) -> std::process::Output {
    std::fs::write(desk.path().join("esc.yaml"), ANSWERS).expect("answers");
    let mut args = vec![
        "run",
        "rt-escalate",
        "--answers",
        "esc.yaml",
        "--agent",
        "alice",
    ];
    args.extend_from_slice(extra);
    desk.run(&args, "")
}

/// The summary's lines after the one with the times (which differ from run to run).
fn after_agent_line(text: &str, head: &str) -> String {
    let start = text
        .rfind(head)
        .unwrap_or_else(|| panic!("no {head:?} in:\n{text}"));
    let rest = &text[start..];
    let mut lines = rest.lines().filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let agent = lines.next().unwrap_or("");
    assert!(agent.contains("alice, 20"), "{agent}");
    let mut out = format!("{first}\n");
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[test]
fn text_summary_has_the_ticket_fields() {
    let desk = Desk::new();
    let out = run(&desk, &[]);
    let text = success_stdout(&out);
    let session = session_of(&text);
    assert_eq!(
        after_agent_line(&text, "deskbook call "),
        format!(
            "deskbook call {session}: rt-escalate (Runtime test escalation)
Caller:      pc-0042.woodgrovebank.com
Target:      srv-files-01.woodgrovebank.com
Scope:       (not recorded)
Findings:    Can pc-0042.woodgrovebank.com ping srv-files-01.woodgrovebank.com? no (ping (canned, the caller's computer): fail: no reply from 192.0.2.10)
             Purge the computer's Kerberos tickets on pc-0042.woodgrovebank.com. done (`win2000, win2003, winxp, winxp-sp2: klist purge; windows: klist …
Status:      not-fixed
Category:    Network connectivity (network-connectivity)
Escalate to: tier2
Next action: escalate to tier2 with the packet from `deskbook sessions export {session} --out DIR` (collect: caller, target, diagnostics). Escalated to Tier 2 with the ping output.
"
        )
    );
}

#[test]
fn markdown_summary_is_a_list() {
    let desk = Desk::new();
    let text = success_stdout(&run(&desk, &["--summary-format", "markdown"]));
    let session = session_of(&text);
    let md = after_agent_line(&text, "### deskbook call ");
    assert!(
        md.starts_with(&format!(
            "### deskbook call {session}: rt-escalate (Runtime test escalation)\n- **Caller:** pc-0042.woodgrovebank.com\n- **Target:** srv-files-01.woodgrovebank.com\n- **Scope:** (not recorded)\n- **Findings:**\n  - Can pc-0042"
        )),
        "{md}"
    );
    assert!(md.contains("\n- **Escalate to:** tier2\n"), "{md}");
}

/// `--json --summary-format json`: standard output is the contract's JSON lines only, the
/// last one `end`; the summary is one JSON document on standard error.
#[test]
fn json_run_keeps_stdout_for_events() {
    let desk = Desk::new();
    let out = run(&desk, &["--json", "--summary-format", "json"]);
    let stdout = success_stdout(&out);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect();
    let end = lines.last().expect("an end line");
    assert_eq!(end["event"], "end");
    assert_eq!(end["escalate"], "tier2");
    let ticket: serde_json::Value =
        serde_json::from_str(&stderr(&out)).expect("the summary on stderr is JSON");
    assert_eq!(ticket["session"], end["session"]);
    assert_eq!(ticket["caller"], "pc-0042.woodgrovebank.com");
    assert_eq!(ticket["category_title"], "Network connectivity");
    assert_eq!(ticket["status"], "not-fixed");
    assert_eq!(ticket["findings"].as_array().map(Vec::len), Some(2));

    // Without --summary-format a scripted --json run prints nothing but the JSON lines.
    let out = run(&desk, &["--json"]);
    success_stdout(&out);
    assert_eq!(stderr(&out), "");
}

#[test]
fn unknown_summary_format_is_refused() {
    let desk = Desk::new();
    let out = run(&desk, &["--summary-format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: invalid value 'yaml' for '--summary-format <FORMAT>'\n  [possible values: text, markdown, json]"
        ),
        "{}",
        stderr(&out)
    );
}

/// Regression: a finding was cut at its width after `question answer`, so a long question
/// lost its answer. The question is cut, at a word, and the answer kept.
#[test]
fn a_long_question_keeps_its_answer() {
    let desk = Desk::new();
    let caller = "pc-0042.branch-office-north-east.region-emea.woodgrovebank.com";
    let target =
        "srv-files-01.branch-office-north-east.region-emea.datacentre-two.woodgrovebank.com";
    std::fs::write(
        desk.path().join("long.yaml"),
        ANSWERS.replace(
            "{caller: pc-0042.woodgrovebank.com, target: srv-files-01.woodgrovebank.com}",
            &format!("{{caller: {caller}, target: {target}}}"),
        ),
    )
    .expect("answers");
    let out = desk.run(
        &[
            "run",
            "rt-escalate",
            "--answers",
            "long.yaml",
            "--agent",
            "alice",
        ],
        "",
    );
    let text = success_stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("Findings:"))
        .unwrap_or_else(|| panic!("no findings in:\n{text}"));
    assert_eq!(line, format!("Findings:    Can {caller} ping …: no"));
}
