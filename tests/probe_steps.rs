//! Probes wired into playbook steps, run live through the real binary: `deskbook run` with an
//! answers file that has no canned result, so each probe step connects to a real listener on
//! loopback; the probe's result is recorded and pre-fills the question that follows. Hostile
//! values from variables are refused before anything runs, or by the probe before it touches
//! the network.

mod common;

use common::*;
use serde_json::Value;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fixture layer with the `probe-tcp` playbook.
fn layer() -> String {
    fixture("probe-steps").to_string_lossy().into_owned()
}

/// A desk: a temporary folder with `calls.sqlite` and an answers file without canned results.
fn desk(answers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.yaml"), answers).expect("answers file");
    dir
}

/// `deskbook --db calls.sqlite --content <layer> run probe-tcp --answers a.yaml --json` with
/// `vars`; returns the output.
fn run_probe_tcp(dir: &Path, vars: &[String]) -> std::process::Output {
    run_playbook(dir, "probe-tcp", vars)
}

fn run_playbook(dir: &Path, playbook: &str, vars: &[String]) -> std::process::Output {
    let layer = layer();
    let mut args = vec!["--db", "calls.sqlite", "--content", &layer, "run", playbook];
    for v in vars {
        args.push("--var");
        args.push(v);
    }
    args.extend(["--answers", "a.yaml", "--json"]);
    run_in(dir, &args)
}

/// The last line of `run --json` (the `end` event).
fn end_event(out: &std::process::Output) -> Value {
    let text = stdout(out);
    let last = text.lines().last().expect("a line of output");
    serde_json::from_str(last).expect("the end event is JSON")
}

/// The recorded call as `sessions show --json` gives it.
fn show(dir: &Path, session: &str) -> Value {
    let layer = layer();
    let out = run_in(
        dir,
        &[
            "--db",
            "calls.sqlite",
            "--content",
            &layer,
            "sessions",
            "show",
            session,
            "--json",
        ],
    );
    assert!(out.status.success(), "sessions show: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("sessions show --json is JSON")
}

/// The one event of `kind` at `step`.
fn event<'a>(shown: &'a Value, kind: &str, step: &str) -> &'a Value {
    let found: Vec<&Value> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == kind && e["step"] == step)
        .collect();
    assert_eq!(found.len(), 1, "`{kind}` events at `{step}`: {shown:#}");
    found[0]
}

/// A loopback listener that accepts in the background and counts the connections it got.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if conn.is_ok() {
                count.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, accepted)
}

/// The listener's count once it reaches `n` (the accepting thread may lag behind the
/// kernel's handshake), or after two seconds whatever it is.
fn accepted_count(accepted: &AtomicUsize, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    while accepted.load(Ordering::SeqCst) < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    accepted.load(Ordering::SeqCst)
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Both tcp probes connect to the listener for real; the probe step saves its data and
/// branches on `ok`; the question's answer is taken from the second probe (the answers file
/// has none for it) and recorded as pre-filled, not overridden.
#[test]
fn live_tcp_probe_steps_record_their_result_and_prefill_the_answer() {
    let (port, accepted) = counting_listener();
    let dir = desk("answers: {}\n");
    let out = run_probe_tcp(
        dir.path(),
        &["host=127.0.0.1".into(), format!("port={port}")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let end = end_event(&out);
    assert_eq!(end["status"], "fixed-understood", "{end}");
    assert_eq!(
        end["path"],
        serde_json::json!(["connect", "reach", "end-open"])
    );
    assert_eq!(
        accepted_count(&accepted, 2),
        2,
        "each live probe connects once"
    );

    let shown = show(dir.path(), end["session"].as_str().expect("session"));
    let connect = &event(&shown, "probed", "connect")["payload"];
    assert_eq!(connect["canned"], false);
    assert_eq!(connect["request"]["args"]["port"], port.to_string());
    assert_eq!(connect["result"]["probe"], "tcp");
    assert_eq!(connect["result"]["status"], "ok");
    assert_eq!(connect["result"]["data"]["state"], "open");
    assert_eq!(connect["result"]["data"]["port"], port);

    let reach = &event(&shown, "probed", "reach")["payload"];
    assert_eq!(reach["canned"], false);
    assert_eq!(reach["result"]["status"], "ok");
    let answered = &event(&shown, "answered", "reach")["payload"];
    assert_eq!(answered["answer"], "yes");
    assert_eq!(answered["prefill"], "yes");
    assert_eq!(answered["overridden"], false);
    // The saved probe data reaches later templates.
    assert_eq!(
        answered["text"],
        format!("Does 127.0.0.1 still answer on port {port}?")
    );
    assert!(
        stdout(&out).contains(&format!("Port {port} on 127.0.0.1 is open.")),
        "{}",
        stdout(&out)
    );
}

/// `ctx:probe` in a Lua playbook runs live the same way, under its stable step id.
#[test]
fn live_tcp_probe_from_a_lua_playbook() {
    let (port, accepted) = counting_listener();
    let dir = desk("answers: {}\n");
    let out = run_playbook(
        dir.path(),
        "probe-tcp-lua",
        &["host=127.0.0.1".into(), format!("port={port}")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let end = end_event(&out);
    assert_eq!(end["status"], "fixed-understood", "{end}");
    assert_eq!(accepted_count(&accepted, 1), 1);
    let shown = show(dir.path(), end["session"].as_str().expect("session"));
    let connect = &event(&shown, "probed", "connect")["payload"];
    assert_eq!(connect["canned"], false);
    assert_eq!(connect["result"]["data"]["state"], "open");

    let dir = desk("answers: {}\n");
    let out = run_playbook(
        dir.path(),
        "probe-tcp-lua",
        &["host=127.0.0.1".into(), format!("port={}", closed_port())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(end_event(&out)["status"], "not-fixed");
}

/// Nothing listens: the live probe reports `fail` (closed) and the run takes the `fail`
/// branch, which a canned or skipped probe could not do.
#[test]
fn live_tcp_probe_step_to_a_closed_port_takes_the_fail_branch() {
    let port = closed_port();
    let dir = desk("answers: {}\n");
    let out = run_probe_tcp(
        dir.path(),
        &["host=127.0.0.1".into(), format!("port={port}")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let end = end_event(&out);
    assert_eq!(end["status"], "not-fixed");
    assert_eq!(end["path"], serde_json::json!(["connect", "end-closed"]));
    let shown = show(dir.path(), end["session"].as_str().expect("session"));
    let connect = &event(&shown, "probed", "connect")["payload"];
    assert_eq!(connect["canned"], false);
    assert_eq!(connect["result"]["status"], "fail");
    assert_eq!(connect["result"]["data"]["state"], "closed");
}

/// An answer in the answers file overrides what the live probe pre-filled; both are kept.
#[test]
fn an_answer_overrides_the_live_probe() {
    let (port, _accepted) = counting_listener();
    let dir = desk("answers: {reach: \"no\"}\n");
    let out = run_probe_tcp(
        dir.path(),
        &["host=127.0.0.1".into(), format!("port={port}")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let end = end_event(&out);
    assert_eq!(
        end["path"],
        serde_json::json!(["connect", "reach", "end-closed"])
    );
    let shown = show(dir.path(), end["session"].as_str().expect("session"));
    assert_eq!(
        event(&shown, "probed", "reach")["payload"]["result"]["status"],
        "ok"
    );
    let answered = &event(&shown, "answered", "reach")["payload"];
    assert_eq!(answered["answer"], "no");
    assert_eq!(answered["prefill"], "yes");
    assert_eq!(answered["overridden"], true);
}

/// A hostile variable for an input that reaches a probe is refused before the run starts:
/// a clear message, exit 1, no call recorded and no connection made.
#[test]
fn hostile_target_variables_fail_before_anything_runs() {
    let (port, accepted) = counting_listener();
    const RFC: &str = "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not";
    for (hostile, shown, expected) in [
        ("$(reboot)", "\"$(reboot)\"", format!("{RFC} `$`")),
        ("127.0.0.1;reboot", "\"127.0.0.1;reboot\"", format!("{RFC} `;`")),
        ("`reboot`", "\"`reboot`\"", format!("{RFC} a backtick")),
        (
            "-oProxyCommand=nc evil 22",
            "\"-oProxyCommand=nc evil 22\"",
            "expected an IP address or a host name: a host name may not start with `-` (it would read as an option)".to_owned(),
        ),
        ("127.0.0.1\nreboot", "\"127.0.0.1\\nreboot\"", format!("{RFC} `\\n`")),
        (
            "0x7f.1",
            "\"0x7f.1\"",
            "expected an IP address or a host name: `0x7f.1` is not an IPv4 address as four decimal numbers 0-255 without leading zeros (the resolver would read it as 127.0.0.1), and a host name may not end in a number".to_owned(),
        ),
    ] {
        let dir = desk("answers: {}\n");
        let out = run_probe_tcp(
            dir.path(),
            &[format!("host={hostile}"), format!("port={port}")],
        );
        assert_eq!(out.status.code(), Some(1), "{hostile:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("error: input `host` of playbook `probe-tcp` = {shown}: {expected}\n")
        );
        assert_eq!(stdout(&out), "", "{hostile:?}: the run started");
        let layer = layer();
        let listed = run_in(
            dir.path(),
            &[
                "--db",
                "calls.sqlite",
                "--content",
                &layer,
                "sessions",
                "list",
            ],
        );
        assert!(
            !dir.path().join("calls.sqlite").exists()
                || stdout(&listed).starts_with("no calls recorded"),
            "{hostile:?}: a call was recorded: {}",
            stdout(&listed)
        );
    }
    // The same value from an answers file's `vars`, and a 10 KB value.
    let dir = desk("vars: {host: \"$(reboot)\"}\nanswers: {}\n");
    let out = run_probe_tcp(dir.path(), &[format!("port={port}")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("input `host` of playbook `probe-tcp` = \"$(reboot)\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let dir = desk("answers: {}\n");
    let out = run_probe_tcp(
        dir.path(),
        &[
            format!("host={}", "a".repeat(10_240)),
            format!("port={port}"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).ends_with(": expected at most 1024 bytes, got 10240\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // The same through a built-in playbook.
    let dir = desk("answers: {}\n");
    let out = run_in(
        dir.path(),
        &[
            "--db",
            "calls.sqlite",
            "run",
            "tier1-triage",
            "--var",
            "caller=pc-0042",
            "--var",
            "target=$(reboot)",
            "--answers",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("error: input `target` of playbook `tier1-triage` = \"$(reboot)\": {RFC} `$`\n")
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "a probe connected");
}

/// A free-text value that reaches a probe argument is checked by the probe before it touches
/// the network: the step records `error` with the reason and takes the `error` branch.
#[test]
fn hostile_text_reaching_a_probe_is_refused_by_the_probe() {
    for (hostile, reason) in [
        (
            "445;reboot",
            "argument `port` = \"445;reboot\": expected a port number from 1 to 65535",
        ),
        (
            "$(reboot)",
            "argument `port` = \"$(reboot)\": expected a port number from 1 to 65535",
        ),
        (
            "-oProxyCommand=x",
            "argument `port` = \"-oProxyCommand=x\": expected a port number from 1 to 65535",
        ),
    ] {
        let dir = desk("answers: {}\n");
        let out = run_probe_tcp(
            dir.path(),
            &["host=127.0.0.1".into(), format!("port={hostile}")],
        );
        assert!(out.status.success(), "{hostile:?}: {}", stderr(&out));
        let end = end_event(&out);
        assert_eq!(end["path"], serde_json::json!(["connect", "end-error"]));
        let shown = show(dir.path(), end["session"].as_str().expect("session"));
        let connect = &event(&shown, "probed", "connect")["payload"];
        assert_eq!(connect["canned"], false);
        assert_eq!(connect["result"]["status"], "error");
        assert_eq!(connect["result"]["summary"], reason);
    }
}
