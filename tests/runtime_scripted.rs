//! Scripted and interactive runs of the real binary over the runtime fixture layer: answers
//! files (and their exact error messages), `--json`, `--dry-run`, probes that pre-fill and
//! are overridden, restores at the end of a failed run, and the terminal's `?`, `b` and `n`.

mod runtime_support;

use runtime_support::*;
use serde_json::Value;

/// Run rt-escalate with the fixture answers file `case` (copied into the desk, so messages
/// name `answers.yaml`).
fn answers_case(case: &str) -> std::process::Output {
    let desk = Desk::new();
    std::fs::copy(
        fixture(&format!("answers/{case}/answers.yaml")),
        desk.path().join("answers.yaml"),
    )
    .expect("copy fixture");
    let out = desk.run(&["run", "rt-escalate", "--answers", "answers.yaml"], "");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{case}: {}", stdout(&out));
    out
}

fn expect_error(case: &str, expected: &str) {
    let out = answers_case(case);
    assert_eq!(stderr(&out), expected, "fixture answers/{case}");
}

#[test]
fn answers_file_unknown_key() {
    expect_error(
        "unknown-key",
        "error: answers.yaml:2:1: unknown field `answer`, expected one of `playbook`, `name`, `vars`, `answers`, `probes`, `expect`
2 | answer: {purge: done}
  | ^
",
    );
}

#[test]
fn answers_file_bad_probe_status() {
    expect_error(
        "bad-status",
        "error: answers.yaml:3:25: probes.ping-target.status: unknown variant `maybe`, expected one of `ok`, `fail`, `error`
3 |   ping-target: {status: maybe}
  |                         ^
",
    );
}

#[test]
fn answers_file_canned_result_not_a_map() {
    expect_error(
        "canned-not-a-map",
        "error: answers.yaml:3:16: probes.ping-target: invalid type: string \"fail\", expected a canned probe result such as {status: ok, data: {}}
3 |   ping-target: fail
  |                ^
",
    );
}

#[test]
fn answers_file_yaml_syntax() {
    expect_error(
        "syntax",
        "error: answers.yaml:2:8: did not find expected ',' or '}', while parsing a flow mapping
2 | answers: {purge: done}
  |        ^
",
    );
}

#[test]
fn answers_file_not_utf8() {
    expect_error(
        "not-utf8",
        "error: answers.yaml:2:20: the answers file is not UTF-8 text\n",
    );
}

#[test]
fn answers_file_for_another_playbook() {
    expect_error(
        "wrong-playbook",
        "error: answers.yaml:1:1: this answers file is for playbook `tier1-triage`, not `rt-escalate`
1 | playbook: tier1-triage
  | ^
",
    );
}

// The engine refuses the answer; the message points at the answer in the file.
#[test]
fn answers_file_input_of_the_wrong_kind_points_at_the_value() {
    expect_error(
        "bad-var",
        "error: answers.yaml:3:3: input `caller` of playbook `rt-escalate` = \"pc 0042\": expected a host name such as pc-0042 or srv-files-01.example.com: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not a space
3 |   caller: \"pc 0042\"
  |   ^
",
    );
}

#[test]
fn answers_file_input_the_playbook_does_not_have() {
    expect_error(
        "unknown-var",
        "error: answers.yaml:1:47: playbook `rt-escalate` has no input `port` (its inputs: caller, target)
1 | vars: {caller: pc-0042, target: srv-files-01, port: 445}
  |                                               ^
",
    );
}

/// Refused before the call starts, as a misspelt step is: nothing is shown or recorded.
#[test]
fn answer_that_is_not_a_choice_points_at_the_answer() {
    let out = answers_case("not-a-choice");
    assert_eq!(
        stderr(&out),
        "error: answers.yaml:3:3: step `ping-target`: \"perhaps\" is not a choice (expected one of: yes, no)
3 |   ping-target: \"perhaps\"
  |   ^
"
    );
    assert_eq!(stdout(&out), "");
}

// The probe pre-fills `ping-target`; `purge` has no answer and the run fails naming it,
// keeping the call open for resume.
#[test]
fn missing_answer_names_the_step() {
    let out = answers_case("missing-answer");
    assert_eq!(
        stderr(&out),
        "error: answers.yaml: no answer for step `purge` (expected one of: done)\n"
    );
    let session = session_of(&stdout(&out));
    assert!(
        stdout(&out).ends_with(&format!(
            "call {session} is kept open: `deskbook sessions resume {session}` goes on from here\n"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_answers_file_is_named() {
    let desk = Desk::new();
    let out = desk.run(&["run", "rt-escalate", "--answers", "nope.yaml"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: nope.yaml:1:1: cannot read the answers file: "),
        "{}",
        stderr(&out)
    );
}

fn rt_call_answers(desk: &Desk, answers: &str) {
    let text = format!(
        "vars: {{caller: pc-0042.woodgrovebank.com, workdir: \"{}\"}}\n{answers}",
        desk.work().display()
    );
    std::fs::write(desk.path().join("a.yaml"), text).expect("answers");
}

const FULL: &str =
    "answers:\n  reach: \"yes\"\n  describe: no files\n  change: done\n  retest: works now\n";

/// `--json`: one JSON object per line, every one with an `event`; the last line is exactly
/// the contract's `end` object, with its keys in the contract's order.
#[test]
fn json_lines_end_with_the_contract_line() {
    let desk = Desk::new();
    rt_call_answers(&desk, FULL);
    let out = desk.run(&["run", "rt-call", "--answers", "a.yaml", "--json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(|l| l["event"].is_string()), "{text}");
    assert_eq!(lines[0]["event"], "started");
    let session = lines[0]["session"].as_str().expect("session").to_string();
    let last = text.lines().last().expect("a last line");
    assert_eq!(
        last,
        format!(
            "{{\"event\":\"end\",\"session\":\"{session}\",\"status\":\"fixed-understood\",\"category\":\"caller-policy\",\"escalate\":null,\"path\":[\"reach\",\"describe\",\"change\",\"marker\",\"check-log\",\"retest\",\"end-fixed\"]}}"
        )
    );
    // The command ran and was restored: both are events, and the folder is gone again.
    assert!(text.contains("\"event\":\"restored\""), "{text}");
    assert!(!desk.work().join("changed").exists());
    // Nothing but JSON on standard output.
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// `--dry-run` prints every command the run would execute (the action and its restore),
/// runs none, and records nothing.
#[test]
fn dry_run_shows_commands_and_runs_none() {
    let desk = Desk::new();
    rt_call_answers(&desk, FULL);
    let out = desk.run(&["run", "rt-call", "--answers", "a.yaml", "--dry-run"], "");
    let text = success_stdout(&out);
    let work = desk.work().display().to_string();
    assert!(
        text.contains(&format!("  would run: mkdir {work}/changed\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("  would restore (change): rmdir {work}/changed\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Commands this run would execute:\n  mkdir {work}/changed\n  rmdir {work}/changed\n\ndeskbook call dry-run: rt-call"
        )),
        "{text}"
    );
    assert!(
        !desk.work().join("changed").exists(),
        "a dry run ran the command"
    );
    assert!(
        !desk.path().join("calls.sqlite").exists(),
        "a dry run recorded a call"
    );
}

/// A run that fails after a command changed something still runs the declared restore.
#[test]
fn restore_runs_when_the_run_fails() {
    let desk = Desk::new();
    rt_call_answers(
        &desk,
        "answers:\n  reach: \"yes\"\n  describe: no files\n  change: done\n",
    );
    let out = desk.run(&["run", "rt-call", "--answers", "a.yaml"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: a.yaml: no answer for step `retest` (expected one of: works now, still fails)\n"
    );
    assert!(
        !desk.work().join("changed").exists(),
        "the restore did not run"
    );
    let shown = desk.show(&session_of(&stdout(&out)));
    assert_eq!(count(&shown, "ran", "change"), 1);
    assert_eq!(count(&shown, "restored", "change"), 1);
    assert_eq!(count(&shown, "failed", "retest"), 1);
    assert!(
        shown["call"]["ended_at"].is_null(),
        "a failed call stays open"
    );
}

/// A probe pre-fills the answer; an answer that differs overrides it, and both the probe's
/// result and the override are recorded. On a probe step the override is an `observed`
/// result plus the agent's answer.
#[test]
fn probe_results_are_recorded_with_the_agents_override() {
    let desk = Desk::new();
    rt_call_answers(
        &desk,
        "answers:\n  reach: \"yes\"\n  describe: x\n  change: done\n  marker: \"no\"\n",
    );
    let out = desk.run(&["run", "rt-call", "--answers", "a.yaml", "--json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let first: Value =
        serde_json::from_str(stdout(&out).lines().next().expect("a line")).expect("json");
    let shown = desk.show(first["session"].as_str().expect("session"));
    let events = shown["events"].as_array().expect("events");
    let probed = events
        .iter()
        .find(|e| e["kind"] == "probed" && e["step"] == "marker")
        .expect("the probe result is recorded");
    assert_eq!(probed["payload"]["result"]["status"], "ok");
    assert_eq!(probed["payload"]["canned"], false);
    let answered = events
        .iter()
        .find(|e| e["kind"] == "answered" && e["step"] == "marker")
        .expect("the answer is recorded");
    assert_eq!(answered["payload"]["answer"], "no");
    assert_eq!(answered["payload"]["prefill"], "yes");
    assert_eq!(answered["payload"]["overridden"], true);
    assert_eq!(shown["call"]["status"], "fixed-unclear");

    // The probe step: the file exists (ok) but the agent says it failed.
    let desk = Desk::new();
    rt_call_answers(&desk, &format!("{FULL}  check-log: fail\n"));
    let out = desk.run(&["run", "rt-call", "--answers", "a.yaml"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = desk.show(&session_of(&stdout(&out)));
    assert_eq!(count(&shown, "observed", "check-log"), 1);
    assert_eq!(count(&shown, "answered", "check-log"), 1);
    assert_eq!(shown["call"]["status"], "not-fixed");
    assert_eq!(shown["call"]["escalate"], "tier3");
}

/// At the terminal: `?` lists the linked articles, `?1` shows the first, `n` adds a note,
/// `b` goes back one step (recorded, the earlier answer kept in the log), numbers pick
/// choices.
#[test]
fn terminal_help_note_and_back() {
    let desk = Desk::new();
    let input = "?\n?1\nn caller is on VPN\n1\nfirst try\nb\nsecond try\ns\n1\n\n\n2\n";
    let out = desk.run_rt_call(input);
    let text = success_stdout(&out);
    // The step shows its help article's title; `?` renders the article's body.
    assert!(
        text.contains("  help ?1: Network path connectivity under IPsec (the ping ladder and the IPsec ports) (network-path-connectivity)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  1) Network path connectivity under IPsec (the ping ladder and the IPsec ports): "
        ),
        "{text}"
    );
    assert!(
        text.contains("\nNetwork path connectivity under IPsec"),
        "{text}"
    );
    assert!(text.contains("  (note recorded)\n"), "{text}");
    let shown = desk.show(&session_of(&text));
    assert_eq!(count(&shown, "noted", "reach"), 1);
    assert_eq!(count(&shown, "back", "change"), 1);
    // Both answers to `describe` stay in the log; the second one is the run's.
    let answers: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "answered" && e["step"] == "describe")
        .filter_map(|e| e["payload"]["answer"].as_str())
        .collect();
    assert_eq!(answers, ["first try", "second try"]);
    // The command was skipped: recorded as declined, never run.
    assert_eq!(count(&shown, "declined", "change"), 1);
    assert!(!desk.work().join("changed").exists());
    assert_eq!(shown["call"]["status"], "not-fixed");
    assert!(text.contains("\nNotes:       caller is on VPN\n"), "{text}");
}

/// The end of the input at a prompt fails the run naming the step, and the call can be
/// resumed from there.
#[test]
fn end_of_input_names_the_step() {
    let desk = Desk::new();
    let out = desk.run_rt_call("yes\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no answer for step `describe`: the input ended (expected a free answer)\n"
    );
}

/// An answer or a note too long for the log, or with a control character in it, is
/// refused and the step asked again: the agent's reply, not the playbook, was at fault, so
/// the run goes on.
#[test]
fn a_reply_too_long_or_with_control_characters_is_refused_and_asked_again() {
    let desk = Desk::new();
    let long = "x".repeat(65 * 1024);
    let out = desk.run_rt_call(&format!("yes\nn {long}\n{long}\nsees \u{1b}[31mred\n"));
    assert!(
        stdout(&out).contains(
            "step `describe`: an answer must be one line of text without control characters"
        ),
        "{}",
        &stdout(&out)[..stdout(&out).len().min(2000)]
    );
    assert_eq!(out.status.code(), Some(1));
    let both = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        both.contains("step `describe`: a note is limited to 65536 bytes"),
        "{}",
        &both[..both.len().min(2000)]
    );
    assert!(
        both.contains("step `describe`: an answer is limited to 65536 bytes"),
        "{}",
        &both[..both.len().min(2000)]
    );
    assert_eq!(
        stderr(&out),
        "error: no answer for step `describe`: the input ended (expected a free answer)\n"
    );
}

/// A free answer in an answers file that holds a line break (it would forge a line of
/// its own in the transcript and the ticket) is refused before the call starts.
#[test]
fn a_free_answer_with_a_line_break_is_refused_before_the_call_starts() {
    let desk = Desk::new();
    std::fs::write(
        desk.path().join("answers.yaml"),
        "answers:\n  reach: \"yes\"\n  describe: \"fine\\r\\nStatus: fixed\"\n",
    )
    .expect("write");
    let mut args = desk.rt_call_args("pc-0042", &["--answers", "answers.yaml"]);
    args.retain(|a| !a.is_empty());
    let out = desk.run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: answers.yaml:3:3: step `describe`: an answer must be one line of text without control characters
3 |   describe: \"fine\\r\\nStatus: fixed\"
  |   ^
"
    );
    assert_eq!(stdout(&out), "");
}

/// A missing input is asked for at the terminal, with the playbook's prompt.
#[test]
fn missing_inputs_are_asked_for() {
    let desk = Desk::new();
    let work = desk.work().display().to_string();
    let out = desk.run(&["run", "rt-call"], &format!("pc-0042\n{work}\nno\n"));
    let text = success_stdout(&out);
    assert!(text.contains("Caller's computer name: pc-0042\n"), "{text}");
    assert!(text.contains("Folder the test commands change: "), "{text}");
    let shown = desk.show(&session_of(&text));
    assert_eq!(shown["call"]["vars"]["caller"], "pc-0042");
    assert_eq!(shown["call"]["status"], "not-fixed");
}
