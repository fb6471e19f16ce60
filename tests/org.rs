//! The organisation folder end to end: deskbook.yaml found by --config, DESKBOOK_CONFIG or
//! upward from the working folder; roles on every surface; restricted variables withheld
//! from tier1 in every output byte and in the call database; patches, `layers`,
//! `layers diff`, `init`; the Woodgrove example; bad organisation input with exact messages.
//!
//! The fixture `tests/fixtures/org/basic` gives every restricted value a unique string
//! (`ZQX-SECRET-...`), so a single grep over everything tier1 can read proves the rule.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SECRET: &str = "ZQX-SECRET";

fn org_config() -> String {
    fixture("org/basic/deskbook.yaml")
        .to_string_lossy()
        .into_owned()
}

/// Run with the fixture organisation and a database in `dir`.
fn org_run(dir: &Path, role: &str, args: &[&str]) -> Output {
    let config = org_config();
    let db = dir.join("calls.sqlite");
    let db = db.to_string_lossy();
    let mut all: Vec<&str> = vec!["--config", &config, "--role", role, "--db", &db];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

/// Every byte the process wrote.
fn bytes(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Every file under `dir` (the database, its WAL, exports), as lossy text.
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p, String::from_utf8_lossy(&b).into_owned()));
            }
        }
    }
    out
}

fn write_answers(dir: &Path) -> String {
    let path = dir.join("answers.yaml");
    std::fs::write(
        &path,
        "vars: {caller: pc-0042.woodgrovebank.com}\nanswers: {try-hosts: \"no\", call-desk: done}\n",
    )
    .expect("answers");
    path.to_string_lossy().into_owned()
}

fn session_of(o: &Output) -> String {
    let last = stdout(o).lines().last().unwrap_or("").to_string();
    let v: serde_json::Value = serde_json::from_str(&last).expect("end line is JSON");
    v["session"].as_str().expect("session").to_string()
}

// Every surface tier1 can reach, with the outputs and the database grepped for the
// restricted values; the same calls as tier2 do show them (so the grep can fail).
#[test]
fn tier1_never_sees_restricted_values_anywhere() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let answers = write_answers(d);
    let mut outputs: Vec<(String, Output)> = Vec::new();
    macro_rules! tier1 {
        ($args:expr) => {{
            let args: &[&str] = $args;
            outputs.push((args.join("\u{1f}"), org_run(d, "tier1", args)));
        }};
    }
    tier1!(&["check"]);
    tier1!(&["check", "--json"]);
    tier1!(&["list"]);
    tier1!(&["list", "--json"]);
    tier1!(&["show", "fixture-contacts"]);
    tier1!(&["show", "fixture-contacts", "--json"]);
    tier1!(&["show", "fixture-exemptions"]);
    tier1!(&["show", "fixture-desk"]);
    tier1!(&["show", "fixture-desk", "--json"]);
    for q in [
        "ZQX-SECRET-HOST-7781",
        "ZQX-SECRET-EXEMPT-9921",
        "exemption list",
        "test hosts",
        "fixture-exemptions",
    ] {
        tier1!(&["search", "--json", "--limit", "50", q]);
        tier1!(&["search", q]);
    }
    tier1!(&["layers"]);
    tier1!(&["layers", "--json"]);
    tier1!(&["layers", "diff", "common"]);
    tier1!(&["layers", "diff", "common", "--json"]);
    tier1!(&["test"]);
    tier1!(&["test", "--json"]);
    tier1!(&["run", "fixture-desk", "--answers", &answers, "--json"]);
    tier1!(&["run", "fixture-desk", "--answers", &answers]);
    let session = session_of(&outputs[outputs.len() - 2].1);
    tier1!(&["sessions", "list"]);
    tier1!(&["sessions", "show", &session]);
    tier1!(&["sessions", "show", &session, "--json"]);
    let export = d.join("export-1");
    tier1!(&[
        "sessions",
        "export",
        &session,
        "--out",
        &export.to_string_lossy()
    ]);
    // A call recorded by Tier 2 holds the values; Tier 1 reading it back sees them withheld.
    let t2 = org_run(
        d,
        "tier2",
        &["run", "fixture-desk", "--answers", &answers, "--json"],
    );
    assert!(
        bytes(&t2).contains("ZQX-SECRET-HOST-7781"),
        "{}",
        bytes(&t2)
    );
    let t2_session = session_of(&t2);
    tier1!(&["sessions", "show", &t2_session]);
    tier1!(&["sessions", "show", &t2_session, "--json"]);
    let export2 = d.join("export-2");
    tier1!(&[
        "sessions",
        "export",
        &t2_session,
        "--out",
        &export2.to_string_lossy()
    ]);

    for (what, o) in &outputs {
        // `search` and `show` echo what the agent typed; what they found is what counts.
        let args: Vec<&str> = what.split('\u{1f}').collect();
        let what = args.join(" ");
        let typed = args
            .iter()
            .rev()
            .find(|a| !a.starts_with("--"))
            .filter(|_| matches!(args[0], "search" | "show"));
        let shown = match typed {
            Some(q) => bytes(o).replace(q, "<query>"),
            None => bytes(o),
        };
        assert!(!shown.contains("panicked"), "{what}: {shown}");
        assert!(
            !shown.contains(SECRET),
            "tier1 `{what}` shows a restricted value:\n{shown}"
        );
        // Not even the restricted item's id (a link to it is withheld).
        assert!(
            !shown.contains("fixture-exemptions"),
            "tier1 `{what}` names the restricted item:\n{shown}"
        );
    }
    // The tier1 run is complete and shows the markers instead.
    let run_json = &outputs
        .iter()
        .find(|(w, _)| w.starts_with("run") && w.ends_with("--json"))
        .expect("run")
        .1;
    assert_eq!(run_json.status.code(), Some(0), "{}", bytes(run_json));
    assert!(stdout(run_json).contains("[withheld: test_hosts]"));
    assert!(stdout(run_json).contains("[withheld: exemption_list]"));
    assert!(
        stdout(run_json).contains("DESK-PHONE-5551"),
        "public values render"
    );
    // The exports tier1 wrote (of its own call and of the Tier 2 call) hold none either.
    for (path, text) in files_under(&export2)
        .into_iter()
        .chain(files_under(&export))
    {
        assert!(
            !text.contains(SECRET),
            "{} holds a restricted value",
            path.display()
        );
    }
}

#[test]
fn tier1_run_records_no_restricted_value_in_the_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let answers = write_answers(d);
    let o = org_run(
        d,
        "tier1",
        &["run", "fixture-desk", "--answers", &answers, "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let files = files_under(d);
    assert!(files.iter().any(|(p, _)| p.ends_with("calls.sqlite")));
    for (path, text) in &files {
        assert!(
            !text.contains(SECRET),
            "{} holds a restricted value",
            path.display()
        );
    }
    // The same run as tier2 does write them: the grep above can fail.
    let o = org_run(
        d,
        "tier2",
        &["run", "fixture-desk", "--answers", &answers, "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert!(files_under(d).iter().any(|(_, t)| t.contains(SECRET)));
}

#[test]
fn tier2_sees_restricted_items_values_and_links() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = org_run(dir.path(), "tier2", &["show", "fixture-exemptions"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert!(stdout(&o).contains("Exempt computers: ZQX-SECRET-EXEMPT-9921."));
    assert!(stdout(&o).contains("ZQX-SECRET-HOST-7781, ZQX-SECRET-HOST-7782"));
    let o = org_run(dir.path(), "tier2", &["show", "fixture-contacts"]);
    assert!(
        stdout(&o).contains("[see: fixture-exemptions]"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("See also: fixture-exemptions, support-tiers"));
    let o = org_run(dir.path(), "tier1", &["show", "fixture-contacts"]);
    assert!(stdout(&o).contains("[see: withheld]"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("See also: support-tiers\n"),
        "{}",
        stdout(&o)
    );
    let o = org_run(dir.path(), "tier1", &["show", "fixture-exemptions"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn light_layer_article_gets_defaults() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = org_run(dir.path(), "tier1", &["show", "fixture-contacts", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["tier"], serde_json::json!([1, 2, 3]));
    assert_eq!(v["audience"], "public");
    assert_eq!(v["tags"], serde_json::json!([]));
    assert_eq!(v["os"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        v["summary"],
        "Call the network desk on DESK-PHONE-5551 when a caller's computer cannot reach anything."
    );
}

#[test]
fn unknown_role_is_a_clear_error() {
    let o = run(&["--role", "tier4", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "invalid value 'tier4' for '--role <ROLE>': unknown role `tier4`: expected one of tier1, tier2, tier3"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_is_found_upward_from_the_working_folder_and_by_environment() {
    let dir = tempfile::tempdir().expect("tmp");
    let org = dir.path().join("org");
    let deep = org.join("phase-1/playbooks");
    // A copy of the fixture organisation, run from a folder inside it.
    copy_dir(&fixture("org/basic"), &org);
    let o = run_in(&deep, &["show", "fixture-contacts"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert!(stdout(&o).contains("DESK-PHONE-5551"));
    // DESKBOOK_CONFIG from anywhere; --config wins over it.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let with_env = |args: &[&str], env: &Path| {
        Command::new(bin())
            .args(args)
            .current_dir(elsewhere.path())
            .env("DESKBOOK_CONFIG", env)
            .env("XDG_CACHE_HOME", elsewhere.path().join("cache"))
            .output()
            .expect("run")
    };
    let o = with_env(&["show", "fixture-contacts"], &org.join("deskbook.yaml"));
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let o = with_env(
        &[
            "--config",
            &org.join("deskbook.yaml").to_string_lossy(),
            "list",
        ],
        Path::new("/no/such/deskbook.yaml"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let o = with_env(&["list"], Path::new("/no/such/deskbook.yaml"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("/no/such/deskbook.yaml:1:1: cannot read the organisation configuration"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rollout_is_recorded_with_every_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let answers = write_answers(dir.path());
    let o = org_run(
        dir.path(),
        "tier1",
        &["run", "fixture-desk", "--answers", &answers, "--json"],
    );
    let session = session_of(&o);
    let o = org_run(
        dir.path(),
        "tier1",
        &["sessions", "show", &session, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["call"]["rollout"], "phase-1", "{}", stdout(&o));
}

fn woodgrove(file: &str) -> String {
    root()
        .join("examples/woodgrove")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn woodgrove_example_passes_check_and_test_on_both_phases() {
    for config in ["deskbook.yaml", "deskbook-phase-2.yaml"] {
        let c = woodgrove(config);
        let o = run(&["--config", &c, "check"]);
        assert_eq!(o.status.code(), Some(0), "{config}: {}", bytes(&o));
        let o = run(&["--config", &c, "test"]);
        assert_eq!(o.status.code(), Some(0), "{config}: {}", bytes(&o));
        assert!(
            stdout(&o).contains(", 0 failed, 12 set aside"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn layers_diff_shows_the_steps_a_phase_changes() {
    let o = run(&["--config", &woodgrove("deskbook.yaml"), "layers", "diff"]);
    assert_eq!(
        stdout(&o),
        "layer phase-1: 2 change(s)
  patched   playbook  tier1-triage
      + step pilot-group
      + step not-in-pilot
      ~ step scope
          \"next\": ping-address -> pilot-group
      ~ step test-hosts
          ask: \"Can the caller reach the help desk test computers ({{ org.helpdesk_test_hosts }})? Try `net view` a…\"
          help: [is-ipsec-the-problem, withheld, woodgrove-contacts]
  added     article   woodgrove-phase-1
"
    );
    let o = run(&["--config", &woodgrove("deskbook.yaml"), "layers"]);
    assert!(
        stdout(&o)
            .contains("tier1-triage                      playbook  builtin  patched by phase-1\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("woodgrove-contacts                article   common\n"));
    assert!(
        !stdout(&o).contains("woodgrove-exemptions"),
        "restricted for tier1"
    );
    let o = run(&[
        "--config",
        &woodgrove("deskbook.yaml"),
        "layers",
        "diff",
        "phase-7",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: unknown layer `phase-7`: the layers are builtin, common, phase-1\n"
    );
}

#[test]
fn patched_playbook_runs_and_shows_as_patched() {
    let dir = tempfile::tempdir().expect("tmp");
    let answers = dir.path().join("a.yaml");
    std::fs::write(
        &answers,
        "vars: {caller: pc-1.woodgrovebank.com, target: srv-1.woodgrovebank.com}\nanswers: {caller-check: \"no\", scope: \"only me\", pilot-group: \"no\", not-in-pilot: fixed}\n",
    )
    .expect("write");
    let db = dir.path().join("c.sqlite");
    let o = run_in(
        dir.path(),
        &[
            "--config",
            &woodgrove("deskbook.yaml"),
            "--db",
            &db.to_string_lossy(),
            "run",
            "tier1-triage",
            "--answers",
            &answers.to_string_lossy(),
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert!(stdout(&o).contains(
        "\"path\":[\"caller-check\",\"scope\",\"pilot-group\",\"not-in-pilot\",\"end-network-fixed\"]"
    ), "{}", stdout(&o));
    assert!(stdout(&o).contains("WGB-IPsec-Pilot"));
    let o = run(&[
        "--config",
        &woodgrove("deskbook.yaml"),
        "show",
        "tier1-triage",
    ]);
    // The outline names the patch file and holds the step the patch inserts.
    assert!(
        stdout(&o).contains("from playbooks/tier1-triage.yaml, patched by"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("phase-1/playbooks/tier1-triage.patch.yaml"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("\n  pilot-group "), "{}", stdout(&o));
}

#[test]
fn init_scaffolds_a_folder_that_passes_check_and_test() {
    let dir = tempfile::tempdir().expect("tmp");
    let org = dir.path().join("acme");
    let org_s = org.to_string_lossy().into_owned();
    let o = run(&[
        "init",
        &org_s,
        "--name",
        "Acme \"Quotes\": Bank",
        "--rollout",
        "wave-1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let o = run_in(&org, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let o = run_in(&org, &["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert!(
        stdout(&o).contains("ok    tier1-triage: wave-1: no reply by address"),
        "{}",
        stdout(&o)
    );
    let o = run_in(&org, &["--role", "tier2", "show", "tier1-triage"]);
    assert!(stdout(&o).contains("org.helpdesk_test_hosts"));
    // A second init changes nothing.
    let before = std::fs::read_to_string(org.join("deskbook.yaml")).expect("read");
    let o = run(&["init", &org_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("error: {org_s}/deskbook.yaml already exists: `init` writes a new organisation folder and changes no file\n")
    );
    assert_eq!(
        std::fs::read_to_string(org.join("deskbook.yaml")).expect("read"),
        before
    );
    let o = run(&[
        "init",
        &dir.path().join("x").to_string_lossy(),
        "--rollout",
        "Phase 1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: invalid rollout name `Phase 1`: use lowercase letters a-z, digits 0-9 and `-` (phase-1)\n"
    );
    assert!(
        !dir.path().join("x").exists(),
        "nothing written on a refusal"
    );
}

/// `check` with a bad organisation's deskbook.yaml: exit 1 and the exact diagnostics, with
/// the fixture's folder shown as `$ORG`.
fn expect_bad(name: &str, expected: &str) {
    let dir = fixture(&format!("org-bad/{name}"));
    let config = dir.join("deskbook.yaml");
    let o = run(&["--config", &config.to_string_lossy(), "check"]);
    assert!(!bytes(&o).contains("panicked"), "{}", bytes(&o));
    assert_eq!(o.status.code(), Some(1), "{name}: {}", bytes(&o));
    let shown = stdout(&o).replace(&dir.to_string_lossy().into_owned(), "$ORG");
    let kept: Vec<&str> = shown
        .lines()
        .filter(|l| !l.starts_with("ok:") && !l.contains(" error(s)"))
        .collect();
    assert_eq!(kept.join("\n"), expected.trim_end(), "fixture {name}");
}

#[test]
fn bad_organisation_files() {
    expect_bad(
        "unknown-field",
        "$ORG/deskbook.yaml:3:1: unknown field `rollouts` (known fields: name, rollout, version, layers, builtin, db, vars)
3 | rollouts: [phase-1]
  | ^",
    );
    expect_bad(
        "cycle",
        "$ORG/base.yaml:2:10: layer cycle: $ORG/deskbook.yaml -> $ORG/base.yaml -> $ORG/deskbook.yaml
2 | layers: [deskbook.yaml]
  |          ^",
    );
    expect_bad(
        "missing-layer",
        "$ORG/deskbook.yaml:2:27: layer folder `phase-9` does not exist: expected a folder with kb/ or playbooks/ at $ORG/phase-9
2 | layers: [builtin, common, phase-9]
  |                           ^",
    );
    expect_bad(
        "no-builtin",
        "$ORG/deskbook.yaml:2:9: `layers` leaves out `builtin`: list it (lowest first) to build on the built-in content, or say `builtin: false` to leave it out
2 | layers: [common]
  |         ^",
    );
    // Regression: an included file that does not load was followed by a false "`layers`
    // leaves out `builtin`" (the included file lists it).
    expect_bad(
        "bad-include",
        "$ORG/base.yaml:4:59: vars.test_hosts.audience: unknown variant `tier2`, expected `public` or `restricted`
4 |   test_hosts: {value: [hd-test-01.example.com], audience: tier2}
  |                                                           ^",
    );
    expect_bad(
        "missing-include",
        "$ORG/deskbook.yaml:2:10: layer `base.yaml` does not exist: expected an organisation file at $ORG/base.yaml
2 | layers: [base.yaml]
  |          ^",
    );
    expect_bad(
        "bad-var",
        "$ORG/deskbook.yaml:4:21: variable `contacts`: expected a value that is text or a list of texts
4 |   contacts: {value: {desk: 4100}}
  |                     ^
$ORG/deskbook.yaml:5:3: invalid variable name `Bad-Name`: use lowercase letters, digits and `_`, starting with a letter
5 |   Bad-Name: {value: x}
  |   ^",
    );
}

#[test]
fn bad_organisation_content() {
    expect_bad(
        "unknown-var",
        "$ORG/layer/kb/desk.md:5:33: unknown organisation variable `org.desk_fax`: no layer defines it (defined: desk_phone)
5 | Call {{ org.desk_phone }} or {{ org.desk_fax }}.
  |                                 ^",
    );
    expect_bad(
        "restricted-in-public",
        "$ORG/layer/kb/leak.md:5:29: restricted variable `exemption_list` in public item `leaky-page`: tier1 reads this text; make the item `audience: restricted` or the variable public
5 | The exempt computers are {{ org.exemption_list }}.
  |                             ^",
    );
}

#[test]
fn bad_patches() {
    expect_bad(
        "patch-missing-playbook",
        "$ORG/layer/playbooks/no-such.patch.yaml:2:8: patch against playbook `tier1-trage`, which no lower layer defines (a patch changes a playbook of a layer below it)
2 | patch: tier1-trage
  |        ^",
    );
    expect_bad(
        "patch-missing-step",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:4:10: `replace` names step `basic-netwrk`, which playbook `tier1-triage` does not have (steps: caller-check, decline-request, scope, ping-address, basic-network, network-evidence, name-check, basic-name, name-evidence, other-apps, application-details, test-hosts, ...)
4 |   - {id: basic-netwrk, do: \"Check the cable.\", choices: {fixed: end-network-fixed}}
  |          ^",
    );
    expect_bad(
        "patch-remove-referenced",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:2:10: step `basic-name` is removed but step `name-check` still leads to it: change it in `choices` or `replace` too
2 | remove: [basic-name]
  |          ^",
    );
    expect_bad(
        "patch-conflict",
        "$ORG/layer/playbooks/b.patch.yaml:1:8: conflicting patches of playbook `tier1-triage`: this one and $ORG/layer/playbooks/a.patch.yaml both change step `other-apps`
1 | patch: tier1-triage
  |        ^",
    );
    expect_bad(
        "patch-unknown-field",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:2:1: unknown field `delete` (known fields: patch, base, title, summary, start, replace, insert, remove, choices)
2 | delete: [scope]
  | ^",
    );
    expect_bad(
        "patch-broken-graph",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:4:3: step `check-vpn` leads to `vpn-end`, which the patched playbook `tier1-triage` does not have
4 |   - id: check-vpn
  |   ^",
    );
    expect_bad(
        "patch-unreachable",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:5:9: step `check-vpn` is unreachable: no path from `start` (`caller-check`) leads to it
5 |   - id: check-vpn
  |         ^
$ORG/layer/playbooks/tier1-triage.patch.yaml:9:9: step `orphan` is unreachable: no path from `start` (`caller-check`) leads to it
9 |   - id: orphan
  |         ^",
    );
    // Regression: the undefined variable was placed at the step's line, column 1 (3:1),
    // while `org.nosuch` on the same line was placed exactly.
    expect_bad(
        "patch-undefined-var",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:4:29: unknown organisation variable `org.nosuch`: no layer defines it (no deskbook.yaml defines any)
4 |     do: \"{{ nosuchvar }} {{ org.nosuch }}\"
  |                             ^
$ORG/layer/playbooks/tier1-triage.patch.yaml:4:13: template variable `nosuchvar` is not defined: no input or step `save` of playbook `tier1-triage` defines it
4 |     do: \"{{ nosuchvar }} {{ org.nosuch }}\"
  |             ^",
    );
    // Regression: steps a `replace` cut off were reported at the patch's first line (1:1),
    // the line every step the patch leaves alone has; now at the entry that dropped the edge.
    expect_bad(
        "patch-drops-edge",
        "$ORG/layer/playbooks/tier1-triage.patch.yaml:4:9: step `network-evidence` is unreachable: no path from `start` (`caller-check`) leads to it (the patch's step `basic-network` led to it before)
4 |   - id: basic-network
  |         ^
$ORG/layer/playbooks/tier1-triage.patch.yaml:4:9: step `escalate-network` is unreachable: no path from `start` (`caller-check`) leads to it (the patch's step `basic-network` led to `network-evidence` before, the way to it)
4 |   - id: basic-network
  |         ^",
    );
}

/// A copy of the fixture `org/rollout` (builtin, phase-1 and phase-2 patching tier1-triage)
/// in `dir`, with phase-2's patch replaced by `phase_2` when given.
fn rollout_org(dir: &Path, phase_2: Option<&str>) {
    copy_dir(&fixture("org/rollout"), dir);
    if let Some(text) = phase_2 {
        std::fs::write(dir.join("phase-2/playbooks/tier1-triage.patch.yaml"), text)
            .expect("write the patch");
    }
    std::fs::write(
        dir.join("answers.yaml"),
        "vars: {caller: pc-1.example.com, target: srv-1.example.com}\nanswers: {caller-check: \"no\", scope: \"me\", vpn-check: \"yes\"}\n",
    )
    .expect("answers");
}

/// `deskbook --config deskbook.yaml --db calls.sqlite ARGS` in the organisation folder `dir`.
fn in_rollout(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--config", "deskbook.yaml", "--db", "calls.sqlite"];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

/// Regression: a phase-2 patch that did not apply was filed as an error for `check` only.
/// `run` ran the phase-1 flowchart and recorded the call as rollout phase-2, `layers` showed
/// the playbook as patched by phase-1 and `layers diff` "0 change(s)", all with exit 0.
/// Now `run` refuses the playbook with the patch's error and records no call, and `layers`
/// and `layers diff` name the failed patch and exit 1.
#[test]
fn a_patch_that_does_not_apply_stops_run_and_shows_in_layers() {
    let cases = [
        (
            "patch: tier1-triage\nstart: nowhere\n",
            "2:8",
            "`start: nowhere` names a step the patched playbook `tier1-triage` does not have",
            "2 | start: nowhere\n  |        ^",
        ),
        (
            "patch: tier1-triage\nreplace:\n  - {id: basic-netwrk, do: \"x\", choices: {fixed: end-network-fixed}}\n",
            "3:10",
            "`replace` names step `basic-netwrk`, which playbook `tier1-triage` does not have (steps: caller-check, decline-request, scope, vpn-check, ping-address, basic-network, network-evidence, name-check, basic-name, name-evidence, other-apps, application-details, ...)",
            "3 |   - {id: basic-netwrk, do: \"x\", choices: {fixed: end-network-fixed}}\n  |          ^",
        ),
        (
            "patch: tier1-triage\nchoices:\n  scope: {next: nowhere}\n",
            "3:3",
            "step `scope` leads to `nowhere`, which the patched playbook `tier1-triage` does not have",
            "3 |   scope: {next: nowhere}\n  |   ^",
        ),
        (
            "patch: tier1-triage\ndelete: [scope]\n",
            "2:1",
            "unknown field `delete` (known fields: patch, base, title, summary, start, replace, insert, remove, choices)",
            "2 | delete: [scope]\n  | ^",
        ),
    ];
    for (patch, at, message, snippet) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        rollout_org(d, Some(patch));
        let file = "phase-2/playbooks/tier1-triage.patch.yaml";
        let o = in_rollout(d, &["run", "tier1-triage", "--answers", "answers.yaml"]);
        assert_eq!(o.status.code(), Some(1), "{patch}: {}", bytes(&o));
        assert_eq!(
            stderr(&o),
            format!("error: playbook `tier1-triage` has errors and does not run; the first: {file}:{at}: {message} (run `deskbook check`)\n"),
            "{patch}"
        );
        // No call was recorded: the run did not even create the call database.
        assert!(!d.join("calls.sqlite").exists(), "{patch}");
        let failed = format!(
            "{file}:{at}: {message}\n{snippet}\nerror: 1 patch(es) do not apply: playbook `tier1-triage` keeps the version below and does not run (run `deskbook check`)\n"
        );
        let o = in_rollout(d, &["layers"]);
        assert_eq!(o.status.code(), Some(1), "{patch}: {}", bytes(&o));
        assert!(
            stdout(&o).contains(
                "tier1-triage                      playbook  builtin  patched by phase-1  PATCH FAILED in phase-2: does not run\n"
            ),
            "{}",
            stdout(&o)
        );
        assert_eq!(stderr(&o), failed, "{patch}");
        let o = in_rollout(d, &["layers", "diff"]);
        assert_eq!(o.status.code(), Some(1), "{patch}: {}", bytes(&o));
        assert_eq!(
            stdout(&o),
            format!("layer phase-2: 0 change(s), 1 patch(es) that do not apply\n  FAILED    playbook  tier1-triage  (patch {file}:{at}: {message})\n"),
            "{patch}"
        );
        assert_eq!(stderr(&o), failed, "{patch}");
        let o = in_rollout(d, &["layers", "diff", "--json"]);
        assert_eq!(o.status.code(), Some(1), "{patch}: {}", bytes(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let (line, column) = at.split_once(':').expect("at");
        assert_eq!(
            v["failed"],
            serde_json::json!([{"playbook": "tier1-triage", "layer": "phase-2", "file": file,
                "line": line.parse::<u64>().expect("line"), "column": column.parse::<u64>().expect("column"),
                "message": message}]),
            "{patch}"
        );
        let o = in_rollout(d, &["layers", "--json"]);
        assert_eq!(o.status.code(), Some(1), "{patch}: {}", bytes(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        assert_eq!(v["failed_patches"][0]["file"], file, "{patch}");
        // The layer below still diffs cleanly.
        let o = in_rollout(d, &["layers", "diff", "phase-1"]);
        assert_eq!(o.status.code(), Some(0), "{patch}: {}", bytes(&o));
    }
}

/// A call recorded while the rollout's patches applied is not resumed once a patch breaks:
/// what would run is not the flowchart the layers say.
#[test]
fn a_call_is_not_resumed_on_a_playbook_whose_patch_does_not_apply() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    rollout_org(d, None);
    std::fs::write(
        d.join("part.yaml"),
        "vars: {caller: pc-1.example.com, target: srv-1.example.com}\nanswers: {caller-check: \"no\"}\n",
    )
    .expect("answers");
    let o = in_rollout(
        d,
        &["run", "tier1-triage", "--answers", "part.yaml", "--json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", bytes(&o));
    let o = in_rollout(d, &["sessions", "list", "--json"]);
    let calls: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let session = calls[0]["session"]
        .as_str()
        .expect("an open call")
        .to_string();
    std::fs::write(
        d.join("phase-2/playbooks/tier1-triage.patch.yaml"),
        "patch: tier1-triage\nstart: nowhere\n",
    )
    .expect("break the patch");
    let o = in_rollout(d, &["sessions", "resume", &session]);
    assert_eq!(o.status.code(), Some(1), "{}", bytes(&o));
    assert_eq!(
        stderr(&o),
        "error: playbook `tier1-triage` has errors and does not run; the first: phase-2/playbooks/tier1-triage.patch.yaml:2:8: `start: nowhere` names a step the patched playbook `tier1-triage` does not have (run `deskbook check`)\n"
    );
    let o = in_rollout(d, &["sessions", "show", &session, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert!(
        v["call"]["ended_at"].is_null(),
        "still open: {}",
        stdout(&o)
    );
    assert_eq!(
        v["events"].as_array().map(Vec::len),
        Some(5),
        "nothing added"
    );
}

/// Regression: a patch that replaced a step's `do:` text and set a new title showed only
/// `~ step basic-network` with nothing under it, the title change not at all, and `--json`
/// `{"id":"basic-network","choices":[]}`. Now each changed field is named, with its new value
/// on one line (cut, and neutralised), in the text and the JSON.
#[test]
fn layers_diff_names_the_fields_a_patch_changes() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    rollout_org(d, None);
    let o = in_rollout(d, &["layers", "diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    assert_eq!(
        stdout(&o),
        "layer phase-2: 1 change(s)
  patched   playbook  tier1-triage
      title: \"Caller cannot communicate with a target computer\" -> \"Triage (phase 2)\"
      ~ step basic-network
          do: \"Phase 2 network checks for {{ caller }}.\"
          -help
"
    );
    let o = in_rollout(d, &["layers", "diff", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let steps = &v["changes"][0]["steps"];
    assert_eq!(
        steps["title"],
        serde_json::json!([
            "Caller cannot communicate with a target computer",
            "Triage (phase 2)"
        ])
    );
    assert_eq!(
        steps["changed"][0],
        serde_json::json!({"id": "basic-network", "choices": [],
            "fields": [{"field": "do", "now": "Phase 2 network checks for {{ caller }}."},
                       {"field": "help", "now": null}]})
    );
    // A long text over several lines, with a terminal escape: one line, cut, the escape
    // shown and not obeyed; a new probe is named with its value.
    let long = "word ".repeat(40);
    std::fs::write(
        d.join("phase-2/playbooks/tier1-triage.patch.yaml"),
        format!("patch: tier1-triage\nreplace:\n  - id: basic-network\n    do: \"Red \\e[31m\\n{long}\"\n    command: {{argv: [ipconfig, /all]}}\n    choices: {{fixed: end-network-fixed, \"not fixed\": network-evidence}}\n"),
    )
    .expect("patch");
    let o = in_rollout(d, &["layers", "diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let shown = stdout(&o);
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    let do_line = shown
        .lines()
        .find(|l| l.trim_start().starts_with("do: "))
        .expect("the do line");
    assert_eq!(
        do_line,
        format!(
            "          do: \"Red \\u{{1b}}[31m {}…\"",
            "word ".repeat(17) + "word"
        )
    );
    assert!(
        shown.contains("\n          command: {\"argv\":[\"ipconfig\",\"/all\"]}\n"),
        "{shown}"
    );
}

/// Regression: `layers: [common, builtin]` was accepted silently, and the built-in
/// escalation-checklist then hid the organisation's own. DESIGN.md lists layers builtin
/// first; another order is a warning at the `builtin` entry naming the ids it hides.
#[test]
fn builtin_after_an_own_layer_is_a_warning_naming_what_it_hides() {
    let dir = fixture("org/builtin-last");
    let config = dir.join("deskbook.yaml");
    let o = run(&["--config", &config.to_string_lossy(), "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", bytes(&o));
    let shown = stdout(&o).replace(&dir.to_string_lossy().into_owned(), "$ORG");
    assert_eq!(
        shown,
        "$ORG/deskbook.yaml:2:18: warning: `builtin` is listed after layer `common`: the built-in content replaces its version of every id both define (today: `escalation-checklist`); list `builtin` first to build on the built-in content
2 | layers: [common, builtin]
  |                  ^
ok: 133 items, 6 playbooks, 1 warning(s)
"
    );
    // The usual order warns of nothing.
    let o = run(&["--config", &org_config(), "check"]);
    assert!(
        !stdout(&o).contains("`builtin` is listed after"),
        "{}",
        stdout(&o)
    );
}
