//! The `check`, `list` and `show` contract of DESIGN.md, driven through the real binary from
//! an empty directory (so only the embedded content and the given layers are seen).

mod common;

use common::*;

#[test]
fn list_json_has_id_kind_title_for_every_kind() {
    let out = run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).expect("json");
    for kind in ["article", "event", "tool", "guidance", "playbook"] {
        assert!(rows.iter().any(|r| r["kind"] == kind), "no {kind} listed");
    }
    for r in &rows {
        let keys: Vec<&String> = r.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["id", "kind", "title"]);
    }
    assert!(rows
        .iter()
        .any(|r| r["id"] == "event-4268" && r["kind"] == "event"));
}

#[test]
fn list_filters_by_kind_and_rejects_unknown_kinds() {
    let out = run(&["list", "--kind", "tool"]);
    let text = stdout(&out);
    assert!(text.lines().count() >= 25);
    assert!(text.lines().all(|l| l.contains("  tool  ")), "{text}");
    let bad = run(&["list", "--kind", "recipe"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad).trim(),
        "error: unknown kind `recipe`: expected one of article, event, tool, guidance, playbook"
    );
}

#[test]
fn show_json_gives_front_matter_and_body() {
    let out = run(&["show", "tool-netdiag", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["id"], "tool-netdiag");
    assert_eq!(v["kind"], "tool");
    assert!(v["tool"]["os"]
        .as_object()
        .is_some_and(|m| m.contains_key("win2000")));
    assert!(v["body"].as_str().is_some_and(|b| !b.is_empty()));
}

#[test]
fn show_renders_plain_text_when_piped() {
    let out = run(&["show", "event-4268"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "escape codes in piped output");
    assert!(
        !text.contains("](kb:"),
        "raw Markdown links in rendered output"
    );
    assert!(text.lines().next().is_some_and(|l| l.contains("4268")));
}

#[test]
fn show_unknown_id_is_a_clear_error() {
    let out = run(&["show", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: no item with id `no-such-thing` (try `deskbook search no-such-thing` or `deskbook list`)"
    );
}

#[test]
fn a_later_layer_replaces_an_item_with_the_same_id() {
    let layer = fixture("layers/override");
    let out = run(&[
        "--content",
        &layer.to_string_lossy(),
        "show",
        "support-tiers",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["title"], "Woodgrove Bank support tiers");
    let check = run(&["--content", &layer.to_string_lossy(), "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn a_layer_that_is_not_a_folder_is_reported() {
    let out = run(&["--content", "/nonexistent/layer", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v[0]["file"], "/nonexistent/layer");
    assert_eq!(
        v[0]["message"],
        "no such folder (a layer is a folder with kb/, playbooks/ or site/)"
    );
}

/// `check` in `dir` with `--content LAYER`: exit code and the lines that name the layer.
fn check_layer(dir: &std::path::Path, layer: &str) -> (Option<i32>, Vec<String>) {
    let out = run_in(dir, &["--content", layer, "check"]);
    let lines = stdout(&out)
        .lines()
        .filter(|l| l.starts_with(layer) || l.starts_with("ok:") || l.contains("error(s)"))
        .map(str::to_owned)
        .collect();
    (out.status.code(), lines)
}

// Regression: a `--content` folder that loads nothing (the kb/ folder itself, an empty
// folder, one whose kb is a file) said "ok"; a missing one said "not a directory".
#[test]
fn a_layer_that_loads_nothing_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("ok/kb")).expect("mkdir");
    std::fs::write(d.join("ok/kb/a.md"), "---\nid: a\ntitle: A\n---\nBody.\n").expect("write");
    std::fs::create_dir_all(d.join("empty")).expect("mkdir");
    std::fs::create_dir_all(d.join("kbfile")).expect("mkdir");
    std::fs::write(d.join("kbfile/kb"), "x\n").expect("write");

    let (code, lines) = check_layer(d, "nonexist");
    assert_eq!(code, Some(1));
    assert_eq!(
        lines[0],
        "nonexist:1:1: no such folder (a layer is a folder with kb/, playbooks/ or site/)"
    );

    let (code, lines) = check_layer(d, "ok/kb");
    assert_eq!(code, Some(0));
    assert_eq!(
        lines,
        [
            "ok/kb:1:1: warning: nothing to load: a layer is a folder with kb/, playbooks/ or site/, and this one holds none of them; it holds content files directly: did you mean its parent folder, ok/?",
            "ok: 132 items, 6 playbooks, 1 warning(s)",
        ]
    );

    let (code, lines) = check_layer(d, "empty");
    assert_eq!(code, Some(0));
    assert_eq!(
        lines[0],
        "empty:1:1: warning: nothing to load: a layer is a folder with kb/, playbooks/ or site/, and this one holds none of them"
    );

    let (code, lines) = check_layer(d, "kbfile");
    assert_eq!(code, Some(1));
    assert_eq!(
        lines[0],
        "kbfile/kb:1:1: `kb` is a file, not a folder: nothing is loaded from it (a layer is a folder with kb/, playbooks/ or site/)"
    );

    // The parent the warning suggests is the layer: its article loads.
    let (code, lines) = check_layer(d, "ok");
    assert_eq!(code, Some(0));
    assert_eq!(lines, ["ok: 133 items, 6 playbooks, 0 warning(s)"]);
}

#[test]
fn bad_command_line_values_exit_non_zero_without_a_trace() {
    let out = run(&["--role", "admin", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'admin' for '--role"));
    assert!(!stderr(&out).contains("panicked"));
}

// Regression: `deskbook list | head -1` used to panic with "failed printing to stdout" when
// the reader went away. Every printing command treats a closed pipe as done.
#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    use std::process::{Command, Stdio};
    for args in [
        &["list"][..],
        &["check"],
        &["show", "event-547"],
        &["test"],
        &["list", "--json"],
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(bin())
            .args(args)
            .current_dir(dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

// Regression: `run` created an empty call database before refusing a playbook that does
// not run (unknown, with errors) or an answers file that does not fit it.
#[test]
fn a_refused_run_leaves_no_call_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("layer/playbooks")).expect("mkdir");
    std::fs::write(
        d.join("layer/playbooks/hello.yaml"),
        "id: hello\ntitle: Hello\nsummary: One question.\nstart: ask\nsteps:\n  - id: ask\n    ask: \"Ready?\"\n    next: done\n  - id: done\n    end: fixed-understood\n    category: rras\n",
    )
    .expect("write");
    let bad = fixture("bad/start-missing");
    let bad = bad.to_string_lossy();
    std::fs::write(
        d.join("unknown-step.yaml"),
        "answers: {nosuch-step: \"yes\"}\n",
    )
    .expect("write");
    std::fs::write(
        d.join("other.yaml"),
        "playbook: tier1-triage\nanswers: {ask: ok}\n",
    )
    .expect("write");
    std::fs::write(d.join("good.yaml"), "answers: {ask: \"yes\"}\n").expect("write");
    let refused: [(&[&str], String); 4] = [
        (&["run", "nosuch"], "error: unknown playbook `nosuch`".into()),
        (
            &["--content", &bad, "run", "start-missing"],
            format!("error: {bad}/playbooks/start-missing.yaml: `start` names missing step `a` (run `deskbook check`)"),
        ),
        (
            &["--content", "layer", "run", "hello", "--answers", "unknown-step.yaml"],
            "error: unknown-step.yaml:1:11: no step `nosuch-step` in playbook `hello` or the playbooks it calls".into(),
        ),
        (
            &["--content", "layer", "run", "hello", "--answers", "other.yaml"],
            "error: other.yaml:1:1: this answers file is for playbook `tier1-triage`, not `hello`".into(),
        ),
    ];
    for (args, expected) in refused {
        let mut all = vec!["--db", "x.sqlite"];
        all.extend(args);
        let out = run_in(d, &all);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().next(),
            Some(expected.as_str()),
            "{args:?}"
        );
        assert!(
            !d.join("x.sqlite").exists(),
            "{args:?} left x.sqlite behind"
        );
    }
    // The same database is created by a run that is accepted.
    let out = run_in(
        d,
        &[
            "--db",
            "x.sqlite",
            "--content",
            "layer",
            "run",
            "hello",
            "--answers",
            "good.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(d.join("x.sqlite").exists());
}
