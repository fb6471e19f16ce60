//! The step engine against real playbook files (tests/fixtures/layer over the built-in
//! content): every step kind, choices, probes, commands and restores, calls, Back, resume
//! by replay, and input validation.

use std::collections::BTreeMap;
use std::path::PathBuf;

use deskbook_content::{Content, LayerSpec};
use deskbook_playbook::{Engine, EngineEvent, Pending, ProbeResult, Reply, RunError, Status};
use serde_json::{json, Map};

fn content() -> Content {
    let layer = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer");
    let c = deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(layer)]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    c
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn flow(c: &Content) -> Engine {
    Engine::start(
        c,
        "flow",
        vars(&[("caller", "pc-0042.example.com"), ("target", "192.0.2.10")]),
    )
    .expect("starts")
}

fn result(probe: &str, status: Status, data: serde_json::Value) -> ProbeResult {
    ProbeResult {
        probe: probe.into(),
        status,
        summary: "test".into(),
        data: data.as_object().cloned().unwrap_or_default(),
        duration_ms: 1,
        output: String::new(),
    }
}

fn answer(e: &mut Engine, a: &str) -> Vec<EngineEvent> {
    e.submit(Reply::Answer(a.into()))
        .unwrap_or_else(|err| panic!("answer {a:?}: {err}"))
}

fn step(e: &Engine) -> String {
    e.pending()
        .map(|p| p.step().to_string())
        .unwrap_or_default()
}

#[test]
fn first_step_is_rendered_with_its_probe() {
    let c = content();
    let e = flow(&c);
    assert_eq!(
        e.initial_events(),
        [EngineEvent::Entered {
            step: "ping".into()
        }]
    );
    match e.pending() {
        Some(Pending::Ask {
            step,
            text,
            choices,
            help,
            probe,
            prefill,
        }) => {
            assert_eq!(step, "ping");
            assert_eq!(text, "Can pc-0042.example.com ping 192.0.2.10?");
            assert_eq!(choices, ["yes", "no"]);
            assert_eq!(help, ["network-path-connectivity"]);
            let probe = probe.expect("a probe to run first");
            assert_eq!(probe.name, "ping");
            assert_eq!(
                probe.args.get("host").map(String::as_str),
                Some("192.0.2.10")
            );
            assert_eq!(prefill, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn probe_prefills_and_agent_overrides() {
    let c = content();
    let mut e = flow(&c);
    let ev = e
        .submit(Reply::Probe(result("ping", Status::Ok, json!({}))))
        .expect("probe result");
    assert!(matches!(&ev[..], [EngineEvent::Probed { step, .. }] if step == "ping"));
    match e.pending() {
        Some(Pending::Ask { probe, prefill, .. }) => {
            assert_eq!(probe, None, "the probe ran");
            assert_eq!(prefill.as_deref(), Some("yes"));
        }
        other => panic!("{other:?}"),
    }
    // The agent overrides the probe's "yes".
    let ev = answer(&mut e, "no");
    assert_eq!(
        ev[0],
        EngineEvent::Answered {
            step: "ping".into(),
            answer: "no".into()
        }
    );
    assert_eq!(step(&e), "fix-network");
}

#[test]
fn a_bad_answer_changes_nothing() {
    let c = content();
    let mut e = flow(&c);
    let err = e
        .submit(Reply::Answer("maybe".into()))
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "step `ping`: \"maybe\" is not a choice (expected one of: yes, no)"
    );
    assert_eq!(step(&e), "ping");
    // Case and surrounding space are forgiven.
    answer(&mut e, " YES ");
    assert_eq!(step(&e), "smb");
}

#[test]
fn command_restore_and_end() {
    let c = content();
    let mut e = flow(&c);
    answer(&mut e, "no");
    match e.pending() {
        Some(Pending::Confirm {
            step,
            text,
            command,
            choices,
            ..
        }) => {
            assert_eq!(step, "fix-network");
            assert_eq!(text, "Fix the network path to 192.0.2.10.");
            let cmd = command.expect("a command");
            assert_eq!(cmd.task.as_deref(), Some("enable-ike-logging"));
            assert_eq!(cmd.probe_request().name, "command");
            assert_eq!(choices, ["fixed", "not fixed"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.restores().is_empty(), "nothing ran yet");
    // The runtime ran the command after the agent confirmed: the restore is armed.
    e.submit(Reply::Probe(result("command", Status::Ok, json!({}))))
        .expect("command result");
    let armed = e.restores();
    assert_eq!(armed.len(), 1);
    assert_eq!(armed[0].task.as_deref(), Some("disable-ike-logging"));
    assert_eq!(armed[0].step, "fix-network");
    let ev = answer(&mut e, "not fixed");
    let kinds: Vec<String> = ev
        .iter()
        .map(|x| match x {
            EngineEvent::Answered { .. } => "answered".to_string(),
            EngineEvent::Entered { step } => format!("entered {step}"),
            EngineEvent::Said { text } => format!("said {text}"),
            EngineEvent::Restore { action } => format!("restore {}", action.display()),
            EngineEvent::Ended(o) => format!("ended {} {}", o.status, o.category),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "answered",
            "entered escalate",
            "said Escalated: pc-0042.example.com to 192.0.2.10.",
            "restore task disable-ike-logging",
            "ended not-fixed other"
        ]
    );
    let o = e.outcome().expect("ended");
    assert_eq!(o.escalate.as_deref(), Some("tier2"));
    assert_eq!(o.collect, ["caller", "target"]);
    assert_eq!(o.path, ["ping", "fix-network", "escalate"]);
    assert_eq!(e.pending(), None);
    assert_eq!(
        e.submit(Reply::Answer("x".into())).expect_err("refused"),
        RunError::Ended
    );
}

#[test]
fn probe_step_saves_data_for_lua_and_templates_then_calls() {
    let c = content();
    let mut e = flow(&c);
    answer(&mut e, "yes");
    match e.pending() {
        Some(Pending::Probe { step, request, .. }) => {
            assert_eq!(step, "smb");
            assert_eq!(request.name, "tcp");
            assert_eq!(request.args.get("port").map(String::as_str), Some("445"));
        }
        other => panic!("{other:?}"),
    }
    // The lua step reads the saved data and picks `sub`, which calls `child`.
    let ev = e
        .submit(Reply::Probe(result(
            "tcp",
            Status::Ok,
            json!({"open": true, "port": 445}),
        )))
        .expect("probe");
    let entered: Vec<&str> = ev
        .iter()
        .filter_map(|x| match x {
            EngineEvent::Entered { step } => Some(step.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(entered, ["pick", "sub", "child/works"]);
    match e.pending() {
        Some(Pending::Ask { step, text, .. }) => {
            assert_eq!(step, "child/works");
            assert_eq!(text, "Does it work on pc-0042.example.com now?");
        }
        other => panic!("{other:?}"),
    }
    // `fixed-unclear` is not in the caller's `on`: the callee's end ends the run.
    let ev = answer(&mut e, "unclear");
    assert!(ev.contains(&EngineEvent::Said {
        text: "Unclear on pc-0042.example.com.".into()
    }));
    let o = e.outcome().expect("ended");
    assert_eq!(o.status, "fixed-unclear");
    assert_eq!(o.playbook, "flow");
    assert_eq!(
        o.path,
        ["ping", "smb", "pick", "sub", "child/works", "child/unclear"]
    );
}

#[test]
fn callee_status_mapped_by_on_continues_in_the_caller() {
    let c = content();
    let mut e = flow(&c);
    answer(&mut e, "yes");
    // A probe answered by hand (`error`) goes to `describe`, a free answer.
    answer(&mut e, "error");
    match e.pending() {
        Some(Pending::Input { step, save, .. }) => {
            assert_eq!(step, "describe");
            assert_eq!(save.as_deref(), Some("what"));
        }
        other => panic!("{other:?}"),
    }
    answer(&mut e, "shares time out");
    answer(&mut e, "yes");
    let o = e.outcome().expect("ended");
    assert_eq!(o.status, "fixed-understood");
    assert_eq!(o.category, "network-connectivity");
    assert_eq!(o.say.as_deref(), Some("Fixed for pc-0042.example.com."));
    assert_eq!(
        o.path,
        [
            "ping",
            "smb",
            "describe",
            "sub",
            "child/works",
            "child/ok",
            "end-fixed"
        ]
    );
}

#[test]
fn back_is_recorded_and_the_path_follows_the_new_answer() {
    let c = content();
    let mut e = flow(&c);
    assert_eq!(
        e.submit(Reply::Back).expect_err("refused"),
        RunError::NothingToGoBack("ping".into())
    );
    answer(&mut e, "no");
    assert_eq!(step(&e), "fix-network");
    let ev = e.submit(Reply::Back).expect("back");
    assert_eq!(
        ev,
        [EngineEvent::Back {
            from: "fix-network".into(),
            to: "ping".into()
        }]
    );
    assert_eq!(e.path(), ["ping"]);
    answer(&mut e, "yes");
    assert_eq!(step(&e), "smb");
    assert_eq!(e.path(), ["ping", "smb"]);
}

#[test]
fn notes_change_nothing() {
    let c = content();
    let mut e = flow(&c);
    let ev = e
        .submit(Reply::Note("caller is on wireless".into()))
        .expect("note");
    assert_eq!(
        ev,
        [EngineEvent::Noted {
            step: "ping".into(),
            text: "caller is on wireless".into()
        }]
    );
    assert_eq!(step(&e), "ping");
}

/// Resume = start again and re-submit the recorded replies: the run is where it was.
#[test]
fn replaying_recorded_events_resumes_the_run() {
    let c = content();
    let mut e = flow(&c);
    let mut log: Vec<EngineEvent> = e.initial_events().to_vec();
    let replies = [
        Reply::Probe(result("ping", Status::Fail, json!({}))),
        Reply::Answer("no".into()),
        Reply::Back,
        Reply::Note("retry".into()),
        Reply::Answer("yes".into()),
        Reply::Probe(result("tcp", Status::Ok, json!({"open": true}))),
    ];
    for r in replies {
        log.extend(e.submit(r).expect("reply"));
    }
    assert_eq!(step(&e), "child/works");
    let mut again = flow(&c);
    for ev in &log {
        if let Some(r) = ev.reply() {
            again.submit(r).expect("replay");
        }
    }
    assert_eq!(again.pending(), e.pending());
    assert_eq!(again.path(), e.path());
    assert_eq!(again.restores(), e.restores());
}

#[test]
fn inputs_are_validated_by_kind_before_the_run() {
    let c = content();
    let err = |v: &[(&str, &str)]| {
        Engine::start(&c, "flow", vars(v))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        err(&[("caller", "pc_42"), ("target", "192.0.2.1")]),
        "input `caller` of playbook `flow` = \"pc_42\": expected a host name such as pc-0042 or srv-files-01.example.com: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `_`"
    );
    assert_eq!(
        err(&[("caller", "pc-42"), ("target", "-oProxyCommand=x")]),
        "input `target` of playbook `flow` = \"-oProxyCommand=x\": expected an IP address or a host name: a host name may not start with `-` (it would read as an option)"
    );
    assert_eq!(
        err(&[("caller", "pc-42")]),
        "playbook `flow` needs the input `target` (Target name or address)"
    );
    assert_eq!(
        err(&[("caller", "pc-42"), ("target", "srv"), ("tagret", "x")]),
        "playbook `flow` has no input `tagret` (its inputs: caller, target, note)"
    );
    assert_eq!(
        Engine::start(&c, "no-such", BTreeMap::new())
            .err()
            .map(|e| e.to_string()),
        Some("unknown playbook `no-such`".to_string())
    );
    // An optional input may be left out.
    assert!(Engine::start(&c, "flow", vars(&[("caller", "pc-42"), ("target", "srv")])).is_ok());
    let e = flow(&c);
    let expected: Map<String, serde_json::Value> = json!({
        "caller": "pc-0042.example.com", "target": "192.0.2.10", "note": ""
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    assert_eq!(e.vars(), &expected);
}

#[test]
fn lua_playbook_asks_probes_says_and_finishes() {
    let c = content();
    let mut e = Engine::start(&c, "scripted", vars(&[("computer", "pc-7")])).expect("starts");
    assert_eq!(
        e.initial_events(),
        [
            EngineEvent::Said {
                text: "Checking pc-7".into()
            },
            EngineEvent::Entered { step: "smb".into() }
        ]
    );
    match e.pending() {
        Some(Pending::Probe { step, request, .. }) => {
            assert_eq!(step, "smb");
            assert_eq!(request.name, "tcp");
            assert_eq!(request.args.get("host").map(String::as_str), Some("pc-7"));
            assert_eq!(request.args.get("port").map(String::as_str), Some("445"));
        }
        other => panic!("{other:?}"),
    }
    e.submit(Reply::Probe(result("tcp", Status::Fail, json!({}))))
        .expect("probe");
    match e.pending() {
        Some(Pending::Ask { step, text, .. }) => {
            assert_eq!(step, "same");
            assert_eq!(text, "Probe said fail. Same version?");
        }
        other => panic!("{other:?}"),
    }
    answer(&mut e, "no");
    assert!(matches!(e.pending(), Some(Pending::Input { ref step, .. }) if step == "why"));
    // Back inside Lua: the coroutine is rebuilt by replay.
    e.submit(Reply::Back).expect("back");
    assert_eq!(step(&e), "same");
    answer(&mut e, "no");
    let ev = answer(&mut e, "old policy");
    assert!(ev.contains(&EngineEvent::Said {
        text: "because old policy".into()
    }));
    let o = e.outcome().expect("ended");
    assert_eq!(
        (
            o.status.as_str(),
            o.category.as_str(),
            o.escalate.as_deref()
        ),
        ("not-fixed", "caller-policy", Some("tier2"))
    );
    assert_eq!(o.path, ["smb", "same", "why"]);
}

#[test]
fn yaml_calls_lua_with_qualified_ids() {
    let c = content();
    let mut e = Engine::start(&c, "calls-lua", vars(&[("caller", "pc-9")])).expect("starts");
    let ev = answer(&mut e, "go");
    assert!(ev.contains(&EngineEvent::Said {
        text: "Checking pc-9".into()
    }));
    assert_eq!(step(&e), "scripted/smb");
    answer(&mut e, "ok");
    assert_eq!(step(&e), "scripted/same");
    answer(&mut e, "yes");
    // fixed-understood is not mapped by `on`: the Lua playbook's end ends the run.
    let o = e.outcome().expect("ended");
    assert_eq!(o.status, "fixed-understood");
    assert_eq!(
        o.path,
        ["first", "lua-part", "scripted/smb", "scripted/same"]
    );
}

#[test]
fn fingerprint_covers_callees() {
    let c = content();
    let a = Engine::fingerprint(&c, "flow");
    assert_eq!(a.len(), 16);
    assert_eq!(a, Engine::fingerprint(&c, "flow"));
    assert_ne!(a, Engine::fingerprint(&c, "child"));
    // A change in the callee changes the caller's fingerprint.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    let child = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer/playbooks/child.yaml"),
    )
    .expect("read");
    std::fs::write(
        dir.path().join("playbooks/child.yaml"),
        child.replace("Does it work", "Does it still fail"),
    )
    .expect("write");
    let layer = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer");
    let changed = deskbook_content::load(&[
        LayerSpec::BuiltIn,
        LayerSpec::Dir(layer),
        LayerSpec::Dir(dir.path().to_path_buf()),
    ]);
    assert_ne!(a, Engine::fingerprint(&changed, "flow"));
}

/// The generated playbooks the benchmarks use pass `check` and run to their end.
#[test]
fn generated_playbooks_check_and_run() {
    use deskbook_testkit::playbook;
    let dir = tempfile::tempdir().expect("temp dir");
    let pb = dir.path().join("playbooks");
    std::fs::create_dir_all(&pb).expect("mkdir");
    std::fs::write(pb.join("linear.yaml"), playbook::linear(1_000)).expect("write");
    std::fs::write(pb.join("lua-steps.yaml"), playbook::with_lua_steps(50)).expect("write");
    std::fs::write(pb.join("lua-asks.lua"), playbook::lua_asks(50)).expect("write");
    let c = deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(dir.path().to_path_buf())]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let problems = deskbook_playbook::check::check(&c);
    assert!(problems.is_empty(), "{problems:?}");
    let caller = vars(&[("caller", "pc-1")]);
    let mut e = Engine::start(&c, "linear", caller.clone()).expect("starts");
    for i in 1..1_000 {
        answer(&mut e, playbook::linear_answer(i));
    }
    assert_eq!(e.outcome().map(|o| o.path.len()), Some(1_000));
    for id in ["lua-steps", "lua-asks"] {
        let mut e = Engine::start(&c, id, caller.clone()).expect("starts");
        for _ in 0..50 {
            answer(&mut e, "yes");
        }
        assert_eq!(
            e.outcome().map(|o| o.status.as_str()),
            Some("fixed-understood"),
            "{id}"
        );
    }
}
