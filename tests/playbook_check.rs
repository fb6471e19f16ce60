//! `deskbook check` on bad playbooks: every fixture under tests/fixtures/playbooks-bad/ (a
//! layer with one bad playbook) gets its exact `path:line:column: message`, the line with a
//! caret, and exit code 1. The built-in playbooks pass the same checks.

mod common;

use common::*;

fn expect(name: &str, expected: &str) {
    let (code, got) = check_fixture(&fixture(&format!("playbooks-bad/{name}")));
    assert_eq!(got, expected.trim_end(), "fixture {name}");
    assert_eq!(code, 1, "fixture {name}: check must exit 1");
}

#[test]
fn builtin_playbooks_pass_check() {
    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
}

/// A layer's probe that does not say where it runs is a warning (it runs on the help desk
/// computer); check still passes.
#[test]
fn probe_without_vantage_in_a_layer_is_a_warning() {
    let layer = fixture("playbooks-bad/no-vantage");
    let (code, got) = check_fixture(&layer);
    assert_eq!(code, 0, "a warning only");
    assert_eq!(
        got,
        r#"$LAYER/playbooks/x.yaml:7:5: warning: step `a`: the probe does not say where it runs (`from: caller`, `target` or `helpdesk`); it runs on the help desk computer
7 |     probe: {name: tcp, with: {host: "192.0.2.1", port: "445"}}
  |     ^"#
    );
}

/// A templated `from:` must read one choice input whose choices are all vantages, so the
/// run can only resolve it to caller, target or helpdesk.
#[test]
fn from_word() {
    expect(
        "from-word",
        r#"$LAYER/playbooks/x.yaml:7:12: steps[0].probe: invalid `from` "nowhere": expected caller, target, helpdesk, or a choice input of them such as "{{ side }}"
7 |     probe: {name: tcp, from: nowhere, with: {host: "192.0.2.1", port: "445"}}
  |            ^"#,
    );
}

#[test]
fn from_template() {
    expect(
        "from-template",
        r#"$LAYER/playbooks/x.yaml:11:24: step `a`: `from: {{ computer }}`: input `computer` is not a choice input; a templated `from` reads a choice input whose choices are caller, target or helpdesk
11 |     probe: {name: tcp, from: "{{ computer }}", with: {host: "192.0.2.1", port: "445"}}
   |                        ^
$LAYER/playbooks/x.yaml:15:15: step `b`: `from: {{ where }}`: input `where` offers `nowhere`, which is not caller, target or helpdesk; a templated `from` reads a choice input whose choices are caller, target or helpdesk
15 |     command: {from: "{{ where }}", task: purge-computer-tickets}
   |               ^
$LAYER/playbooks/x.yaml:18:24: step `c`: `from: {{ side | upper }}` must name one choice input alone, such as "{{ side }}"
18 |     probe: {name: tcp, from: "{{ side | upper }}", with: {host: "192.0.2.1", port: "445"}}
   |                        ^
$LAYER/playbooks/x.yaml:18:34: template variable `side` is not defined: no input or step `save` of playbook `x` defines it
18 |     probe: {name: tcp, from: "{{ side | upper }}", with: {host: "192.0.2.1", port: "445"}}
   |                                  ^"#,
    );
}

#[test]
fn bad_probe_arg() {
    expect(
        "bad-probe-arg",
        r#"$LAYER/playbooks/x.yaml:7:50: step `check`: argument `port` = "70000": expected a port number from 1 to 65535
7 |     probe: {name: tcp, with: {host: "192.0.2.1", port: "70000"}, from: helpdesk}
  |                                                  ^"#,
    );
}

#[test]
fn bad_template() {
    expect(
        "bad-template",
        r#"$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `ask`: expected `or`, `and`, `not`, `<=`, `>=`, `<`, `>`, `==`, `!=`, `+`, `-`, `*`, `/`, `%`, a filter, or a variable end (`}}`) (template position 1:15)
9 |     ask: "Can {{ caller reach the server?"
  |     ^"#,
    );
}

#[test]
fn call_missing() {
    expect(
        "call-missing",
        r#"$LAYER/playbooks/x.yaml:7:11: `call` to missing playbook `no-such-playbook`
7 |     call: no-such-playbook
  |           ^"#,
    );
}

#[test]
fn dangling() {
    expect(
        "dangling",
        r#"$LAYER/playbooks/x.yaml:4:8: `start` names missing step `begin`
4 | start: begin
  |        ^
$LAYER/playbooks/x.yaml:8:34: step `a` goes to missing step `nowhere`
8 |     choices: {"yes": done, "no": nowhere}
  |                                  ^"#,
    );
}

#[test]
fn duplicate_step() {
    expect(
        "duplicate-step",
        r#"$LAYER/playbooks/x.yaml:12:9: duplicate step id `a`: also at line 6
12 |   - id: a
   |         ^"#,
    );
}

#[test]
fn lua_io() {
    expect(
        "lua-io",
        r#"$LAYER/playbooks/x.lua:2:1: Lua: `io` is not available to playbooks (the Lua sandbox has no files, processes or modules)
2 | local secrets = io.open("/etc/passwd")
  | ^"#,
    );
}

#[test]
fn lua_literals() {
    expect(
        "lua-literals",
        r#"$LAYER/playbooks/x.lua:5:26: unknown probe `traceroute`: expected one of os, ping, resolve, tcp, udp, ike, command, file
5 |     local r = ctx:probe("traceroute", { host = "192.0.2.1" }, "trace")
  |                          ^
$LAYER/playbooks/x.lua:6:27: unknown status `fixed`: expected one of fixed-understood, fixed-unclear, not-fixed
6 |     ctx:finish{ status = "fixed", category = "printer-jam" }
  |                           ^
$LAYER/playbooks/x.lua:6:47: unknown category `printer-jam`: it is not in the taxonomy (kb/taxonomy.yaml)
6 |     ctx:finish{ status = "fixed", category = "printer-jam" }
  |                                               ^"#,
    );
}

#[test]
fn lua_step_syntax() {
    expect(
        "lua-step-syntax",
        r#"$LAYER/playbooks/x.yaml:8:7: Lua: unexpected symbol near 'then'
8 |       if vars.x == then
  |       ^"#,
    );
}

#[test]
fn lua_syntax() {
    expect(
        "lua-syntax",
        r#"$LAYER/playbooks/x.lua:5:5: Lua: unexpected symbol near '='
5 |     local a = = 1
  |     ^"#,
    );
}

#[test]
fn no_end() {
    expect(
        "no-end",
        r#"$LAYER/playbooks/x.yaml:9:9: no path from step `a` reaches an `end`
9 |   - id: a
  |         ^
$LAYER/playbooks/x.yaml:12:9: no path from step `b` reaches an `end`
12 |   - id: b
   |         ^"#,
    );
}

// A step's kind is decided when the playbook is parsed; the positions are the YAML parser's
// own marks (a step without a kind: its first key).
#[test]
fn step_kind() {
    expect(
        "step-kind",
        r#"$LAYER/playbooks/x.yaml:8:5: step `a` has both `ask` and `do`: a step is exactly one of ask, do, probe, lua, call, end
8 |     do: "Fix it."
  |     ^
$LAYER/playbooks/x.yaml:10:5: step `b` has no kind: expected one of ask, do, probe, lua, call, end
10 |   - id: b
   |     ^"#,
    );
}

#[test]
fn undefined_variable() {
    expect(
        "undefined-variable",
        r#"$LAYER/playbooks/x.yaml:9:37: template variable `target` is not defined: no input or step `save` of playbook `x` defines it
9 |     ask: "Can {{ caller }} reach {{ target }}?"
  |                                     ^
$LAYER/playbooks/x.yaml:18:30: template variable `seen` may be undefined in step `b`: not every path to it saves `seen`
18 |     say: "The caller saw: {{ seen }}"
   |                              ^"#,
    );
}

#[test]
fn unknown_category() {
    expect(
        "unknown-category",
        r#"$LAYER/playbooks/x.yaml:8:15: unknown category `printer-jam`: it is not in the taxonomy (kb/taxonomy.yaml)
8 |     category: printer-jam
  |               ^"#,
    );
}

#[test]
fn unknown_probe() {
    expect(
        "unknown-probe",
        r#"$LAYER/playbooks/x.yaml:7:19: unknown probe `traceroute`: expected one of os, ping, resolve, tcp, udp, ike, command, file
7 |     probe: {name: traceroute, with: {host: "192.0.2.1"}, from: helpdesk}
  |                   ^"#,
    );
}

#[test]
fn unknown_task() {
    expect(
        "unknown-task",
        r#"$LAYER/playbooks/x.yaml:8:21: unknown task `purge-everything`: expected one of show-assigned-policy, show-active-policy, show-filters, show-mm-sas, show-qm-sas, show-statistics, show-policy-version, show-policy-in-directory, enable-ike-logging, disable-ike-logging, refresh-group-policy, show-group-policy, show-rsop, list-tickets, list-computer-tickets, purge-tickets, purge-computer-tickets, find-dc, test-secure-channel, repair-secure-channel, test-port, test-path, show-services, run-diagnostics, capture-start, capture-stop, enable-audit, show-audit, show-log, show-ip-config, restart-ipsec-service, disable-offload, test-connection, lookup-name
8 |     command: {task: purge-everything}
  |                     ^"#,
    );
}

#[test]
fn unreachable() {
    expect(
        "unreachable",
        r#"$LAYER/playbooks/x.yaml:9:9: step `orphan` is unreachable: no path from `start` (`a`) leads to it
9 |   - id: orphan
  |         ^"#,
    );
}

#[test]
fn call_cycle() {
    expect(
        "call-cycle",
        r#"$LAYER/playbooks/x.yaml:7:5: call cycle: x -> y -> x (a playbook may not call itself)
7 |     call: y
  |     ^"#,
    );
}

#[test]
fn call_inputs() {
    expect(
        "call-inputs",
        r#"$LAYER/playbooks/x.yaml:9:5: step `sub` calls `caller-computer` without its input `target` (add it to `with`)
9 |     call: caller-computer
  |     ^
$LAYER/playbooks/x.yaml:10:36: playbook `caller-computer` has no input `computer` (its inputs: caller, target)
10 |     with: {caller: "{{ caller }}", computer: "{{ caller }}"}
   |                                    ^"#,
    );
}

#[test]
fn probe_branches() {
    expect(
        "probe-branches",
        r#"$LAYER/playbooks/x.yaml:8:5: probe step `check` has no branch for status `error`: add it to `on` or give `next`
8 |     on: {ok: done, fail: done}
  |     ^"#,
    );
}

#[test]
fn prefill() {
    expect(
        "prefill",
        r#"$LAYER/playbooks/x.yaml:8:66: the probe's answer `maybe` is not a choice of step `ping`
8 |     probe: {name: ping, with: {host: "192.0.2.1"}, answer: {ok: "maybe", fail: "no"}, from: helpdesk}
  |                                                                  ^"#,
    );
}

#[test]
fn answer_key() {
    expect(
        "answer-key",
        r#"$LAYER/playbooks/x.yaml:8:62: unknown probe status `data.Negotiating IP` in `answer`: expected ok, fail, error, or data.FIELD (a true/false field of the probe's result, such as data.negotiating_ip_security)
8 |     probe: {name: ping, with: {host: "192.0.2.1"}, answer: {"data.Negotiating IP": "no", ok: "yes"}, from: helpdesk}
  |                                                              ^"#,
    );
}

#[test]
fn next_forms() {
    expect(
        "next-forms",
        r#"$LAYER/playbooks/x.yaml:6:1: step `a` needs `choices` or `next` (where the run goes after the answer)
6 |   - id: a
  | ^
$LAYER/playbooks/x.yaml:10:5: `next` of step `b` lists 2 steps: only a `lua` step may choose among several
10 |     next: [c, done]
   |     ^
$LAYER/playbooks/x.yaml:12:5: lua step `c` needs `next`: the list of step ids its code may return
12 |     lua: return "done"
   |     ^"#,
    );
}

#[test]
fn bad_scenario() {
    expect(
        "bad-scenario",
        r#"$LAYER/playbooks/tests/x.yaml:4:1: unknown field `expects` (known fields: playbook, name, vars, answers, probes, expect)
4 | expects:
  | ^
$LAYER/playbooks/tests/y.yaml:1:11: scenario for missing playbook `no-such-playbook`
1 | playbook: no-such-playbook
  |           ^"#,
    );
}

// Regression: in flow style, and with the field's name inside the step's own text, the
// position is the field's mark, not the first place its name appears on the line.
#[test]
fn step_kind_in_flow_style() {
    expect(
        "flow-step-kind",
        r#"$LAYER/playbooks/y.yaml:6:44: step `a` has both `ask` and `do`: a step is exactly one of ask, do, probe, lua, call, end
6 |   - {id: a, ask: "Can you do: a restart?", do: "Restart it.", choices: {"yes": b, "no": b}}
  |                                            ^
$LAYER/playbooks/y.yaml:7:75: `choices` does not belong to a `end` step (step `b` may have: end, category, escalate, collect, say)
7 |   - {id: b, say: "choices: none", end: fixed-understood, category: other, choices: {"yes": b}}
  |                                                                           ^"#,
    );
}

#[test]
fn task_missing_on_one_of_the_playbooks_systems() {
    expect(
        "task-missing-on-os",
        r#"$LAYER/playbooks/x.yaml:9:21: task `show-assigned-policy` has no command for linux in the tool matrix, yet playbook `x` supports it (`os:`): add it to a tool item's `tool.os.<os>.tasks`
9 |     command: {task: show-assigned-policy}
  |                     ^"#,
    );
}

#[test]
fn unknown_os() {
    expect(
        "unknown-os",
        r#"$LAYER/playbooks/x.yaml:4:6: unknown OS `winnt` in `os`: expected one of win2000, winxp, winxp-sp2, win2003, windows, linux
4 | os: [winnt]
  |      ^"#,
    );
}

#[test]
fn templated_category() {
    expect(
        "category-template",
        r#"$LAYER/playbooks/x.yaml:14:16: `category` renders `printer-policy` for side = printer, which is not in the taxonomy (kb/taxonomy.yaml)
14 |     category: "{{ side }}-policy"
   |                ^
$LAYER/playbooks/x.yaml:17:16: a templated `category` may read only choice inputs: `who` is not one
17 |     category: "{{ who }}-policy"
   |                ^"#,
    );
}

#[test]
fn bad_flag() {
    expect(
        "bad-flag",
        r#"$LAYER/playbooks/x.yaml:8:11: invalid flag `Social Engineering`: flags use only lowercase letters a-z, digits 0-9 and `-`
8 |     flag: Social Engineering
  |           ^"#,
    );
}

#[test]
fn lua_task_missing_on_one_of_the_playbooks_systems() {
    expect(
        "lua-task-os",
        r#"$LAYER/playbooks/x.lua:6:36: task `refresh-group-policy` has no command for linux in the tool matrix, yet playbook `x` supports it (`os:`): add it to a tool item's `tool.os.<os>.tasks`
6 |     ctx:probe("command", { task = "refresh-group-policy" }, "refresh")
  |                                    ^"#,
    );
}
