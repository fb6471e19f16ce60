//! `kill -9` at any prompt loses no answered step, and `sessions resume` goes on at the
//! right step: a real `deskbook run` process is driven one answer at a time through its
//! standard input, killed with SIGKILL at each prompt in turn, then resumed.

mod runtime_support;

use runtime_support::*;

/// The answers an agent types in a whole run of rt-call, the step each prompt belongs to,
/// and the event each answer must leave in the store.
const INPUTS: &[&str] = &["yes", "no files", "y", "done", "", "", "works now"];
const PROMPT_STEP: &[&str] = &[
    "reach",
    "describe",
    "change",
    "change",
    "marker",
    "check-log",
    "retest",
];
const RECORDED: &[(&str, &str)] = &[
    ("answered", "reach"),
    ("answered", "describe"),
    ("ran", "change"),
    ("answered", "change"),
    ("answered", "marker"),
    ("probed", "check-log"),
    ("answered", "retest"),
];
/// How many replies the log holds at each kill point (a question's probe is a reply of its
/// own, submitted before the question's prompt).
const REPLIES: &[usize] = &[0, 1, 2, 3, 5, 6, 7];
const PATH: &[&str] = &[
    "reach",
    "describe",
    "change",
    "marker",
    "check-log",
    "retest",
    "end-fixed",
];

#[test]
fn kill_at_every_prompt_then_resume_loses_nothing() {
    for k in 0..INPUTS.len() {
        let desk = Desk::new();
        let mut live = desk.spawn_rt_call("pc-0042.woodgrovebank.com", &["--agent", "alice"]);
        live.answer(&INPUTS[..k]);
        // The prompt for input k is on the screen: everything before it must be on disk.
        let screen = live.wait_prompt();
        assert!(
            // (The fourth prompt is the same step's choices after its command ran.)
            screen.contains(&format!("[{}]", PROMPT_STEP[k])) || k == 3,
            "kill point {k}: expected the prompt of `{}`:\n{screen}",
            PROMPT_STEP[k]
        );
        let transcript = live.kill9();
        let session = session_of(&transcript);

        let shown = desk.show(&session);
        assert!(
            shown["call"]["ended_at"].is_null(),
            "kill point {k}: the call must stay open"
        );
        for (kind, step) in &RECORDED[..k] {
            assert_eq!(
                count(&shown, kind, step),
                1,
                "kill point {k}: `{kind}` at `{step}` must be recorded exactly once: {:?}",
                kinds(&shown)
            );
        }
        // The command ran (and was not restored: the process died) from the fourth prompt on.
        assert_eq!(
            desk.work().join("changed").is_dir(),
            k >= 3,
            "kill point {k}"
        );

        let rest = INPUTS[k..].join("\n") + "\n";
        let out = desk.run(&["sessions", "resume", &session], &rest);
        let text = stdout(&out);
        assert!(
            out.status.success(),
            "kill point {k}: resume failed:\n{text}\n{}",
            stderr(&out)
        );
        let replies = match REPLIES[k] {
            1 => "1 recorded reply".to_string(),
            n => format!("{n} recorded replies"),
        };
        assert!(
            text.contains(&format!(
                "{replies} replayed, going on at `{}`",
                PROMPT_STEP[k]
            )),
            "kill point {k}:\n{text}"
        );

        let shown = desk.show(&session);
        for (kind, step) in RECORDED {
            assert_eq!(
                count(&shown, kind, step),
                1,
                "kill point {k}: `{kind}` at `{step}` once in the whole call: {:?}",
                kinds(&shown)
            );
        }
        // The marker question's probe ran once: before the kill, or after the resume.
        assert_eq!(count(&shown, "probed", "marker"), 1, "kill point {k}");
        assert_eq!(count(&shown, "resumed", ""), 1, "kill point {k}");
        assert_eq!(
            shown["call"]["status"], "fixed-understood",
            "kill point {k}"
        );
        let path: Vec<&str> = shown["events"]
            .as_array()
            .and_then(|e| e.last())
            .and_then(|e| e["payload"]["path"].as_array())
            .map(|p| p.iter().filter_map(|s| s.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(path, PATH, "kill point {k}");
        // The declared restore ran at the end of the resumed run.
        assert!(
            !desk.work().join("changed").exists(),
            "kill point {k}: not restored"
        );
        assert_eq!(count(&shown, "restored", "change"), 1, "kill point {k}");
    }
}

/// Resume against a changed playbook says which recorded steps no longer fit, keeps the
/// ones that do, and goes on from the first that does not.
#[test]
fn resume_against_a_changed_playbook_names_the_steps_that_no_longer_fit() {
    let desk = Desk::new();
    let session = desk.rt_call_killed_at_change();

    let text = desk.resume_changed(&session);
    let expected = format!(
        "resuming call {session} · rt-call · Runtime test call: 1 recorded reply replayed, going on at `change`
the playbook has changed since this call was recorded; these recorded steps no longer fit:
  - describe (answer \"no files\"): the run now waits at `change` instead
"
    );
    assert!(text.starts_with(&expected), "got:\n{text}");

    let shown = desk.show(&session);
    let resumed = shown["events"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "resumed"))
        .expect("a resumed event");
    assert_eq!(resumed["payload"]["changed"], true);
    assert_eq!(resumed["payload"]["kept"], 1);
    assert_eq!(shown["call"]["status"], "fixed-understood");

    // A second resume of an ended call refuses, naming the call.
    let again = desk.run(&["sessions", "resume", &session], "");
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        format!("error: call {session} has ended (fixed-understood); there is nothing to resume\n")
    );
}

/// The replay keeps what a first resume kept: a dropped-then-changed call resumed twice
/// replays the same prefix (the `resumed` event's `kept` count), not the stale answers.
#[test]
fn a_second_resume_replays_what_the_first_kept() {
    let desk = Desk::new();
    let session = desk.rt_call_killed_at_change();

    // First resume against the changed playbook: kill it at the command's prompt.
    let mut live =
        Live::spawn(desk.command(&["layer", "changed"], &["sessions", "resume", &session]));
    live.wait_prompt();
    live.kill9();

    let text = desk.resume_changed(&session);
    assert!(
        text.contains("1 recorded reply replayed, going on at `change`"),
        "{text}"
    );
    assert!(
        !text.contains("no longer fit") && !text.contains("has changed"),
        "{text}"
    );
}
