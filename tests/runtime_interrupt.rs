//! Ctrl-C (SIGINT; SIGTERM and SIGHUP alike) at a prompt of a real `deskbook run` after a step's command changed the
//! system: the process restores what the step changed before it exits, records the failure
//! and the restore, and keeps the call open; `sessions resume` then finishes the call
//! without restoring a second time.
#![cfg(unix)]

mod runtime_support;

use runtime_support::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// Send SIGINT to the child, as a terminal's Ctrl-C does.
fn sigint(live: &Live) {
    signal(live, "-INT");
}

/// Send `kill SIGNAL` to the child.
fn signal(live: &Live, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &live.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} failed");
}

/// Wait for the child to exit on its own; its exit code.
fn wait_exit(live: &mut Live) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = live.child.try_wait().expect("wait for deskbook") {
            return status.code();
        }
        assert!(
            Instant::now() < deadline,
            "deskbook did not exit within 30 s of Ctrl-C:\n{}",
            live.transcript()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The exited process's whole output: what the reading thread has taken once the last line
/// (the one that says the call is kept open) is in.
fn final_output(live: &Live) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = live.transcript();
        if text.contains("is kept open") || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn ctrl_c_at_a_prompt_restores_what_the_run_changed() {
    let desk = Desk::new();
    let mut live = desk.spawn_rt_call("pc-0042", &[]);
    live.answer(&["yes", "no files", "y"]);
    // The command ran; the step's choices wait for the agent.
    let screen = live.wait_prompt();
    assert!(screen.contains("running: mkdir"), "{screen}");
    assert!(desk.work().join("changed").is_dir(), "the command ran");

    sigint(&live);
    let code = wait_exit(&mut live);
    let text = final_output(&live);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        !desk.work().join("changed").exists(),
        "Ctrl-C left the change in place:\n{text}"
    );
    assert!(
        text.contains("restoring what `change` changed: rmdir"),
        "{text}"
    );
    let session = session_of(&text);
    assert!(
        text.contains(&format!(
            "call {session} is kept open: `deskbook sessions resume {session}` goes on from here"
        )),
        "{text}"
    );

    let shown = desk.show(&session);
    assert!(shown["call"]["ended_at"].is_null(), "the call stays open");
    assert_eq!(
        count(&shown, "restored", "change"),
        1,
        "{:?}",
        kinds(&shown)
    );
    let failed = shown["events"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "failed"))
        .expect("a failed event");
    assert_eq!(
        failed["payload"]["message"],
        "interrupted (Ctrl-C or a stop signal)"
    );

    // The resumed call ends without running the restore again.
    let out = desk.run(&["sessions", "resume", &session], "done\n\n\nworks now\n");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let shown = desk.show(&session);
    assert_eq!(shown["call"]["status"], "fixed-understood");
    assert_eq!(
        count(&shown, "restored", "change"),
        1,
        "{:?}",
        kinds(&shown)
    );
}

/// Ctrl-C before any command ran: the run stops at once with the same message and nothing
/// to restore, and the process does not hang on its blocked read.
#[test]
fn ctrl_c_at_the_first_prompt_stops_the_run() {
    let desk = Desk::new();
    let mut live = desk.spawn_rt_call("pc-0042", &[]);
    live.wait_prompt();
    sigint(&live);
    assert_eq!(wait_exit(&mut live), Some(1));
    let session = session_of(&final_output(&live));
    let shown = desk.show(&session);
    assert_eq!(count(&shown, "restored", "change"), 0);
    assert_eq!(count(&shown, "failed", "reach"), 1, "{:?}", kinds(&shown));
}

/// SIGTERM and SIGHUP (a closed terminal) restore too, as Ctrl-C does.
#[test]
fn a_stop_signal_restores_what_the_run_changed() {
    for sig in ["-TERM", "-HUP"] {
        let desk = Desk::new();
        let mut live = desk.spawn_rt_call("pc-0042", &[]);
        live.answer(&["yes", "no files", "y"]);
        live.wait_prompt();
        assert!(
            desk.work().join("changed").is_dir(),
            "{sig}: the command ran"
        );
        signal(&live, sig);
        assert_eq!(wait_exit(&mut live), Some(1), "{sig}");
        assert!(
            !desk.work().join("changed").exists(),
            "{sig} left the change in place:\n{}",
            live.transcript()
        );
    }
}
