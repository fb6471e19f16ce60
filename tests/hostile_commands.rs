//! A layer's tool matrix against the real binary: a task's command line is content a layer
//! writes, and a `do` step or a `command` probe runs it on the help desk computer. `check`
//! refuses a line the probe could not run as an argv without a value becoming code (a
//! shell given a script, unbalanced quotes, a placeholder no caller fills or one glued to
//! other text), at the line of the tool item; the probe refuses a shell or an interpreter
//! given a script at run time too, and nothing starts. Fixtures: `tests/fixtures/hostile/tool-*`.

mod common;

/// Copies the fixture layer `name` into `to`, with `MARKER` in its files replaced by
/// `marker` (a file the layer's script would create).
fn copy_layer(name: &str, to: &std::path::Path, marker: &std::path::Path) {
    common::copy_dir(&common::fixture(&format!("hostile/{name}")), to);
    let tool = to.join("kb/tool-aaa.md");
    let text = std::fs::read_to_string(&tool).expect("read the tool item");
    std::fs::write(&tool, text.replace("MARKER", &marker.to_string_lossy()))
        .expect("write the tool item");
}

/// Regression: a layer's `tool.os.linux.tasks` held `sh -c "touch …"` and a line with
/// unbalanced quotes and an unknown placeholder, and `check` said ok.
#[test]
fn check_refuses_tool_task_lines_the_probe_could_not_run_as_an_argv() {
    let (code, got) = common::check_fixture(&common::fixture("hostile/tool-shell"));
    assert_eq!(code, 1);
    let firsts: Vec<&str> = got.lines().filter(|l| l.starts_with("$LAYER")).collect();
    assert_eq!(
        firsts,
        [
            "$LAYER/kb/tool-aaa.md:12:23: task `show-filters` on linux (tool `tool-aaa`): `sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself",
            "$LAYER/kb/tool-aaa.md:13:22: task `show-qm-sas` on linux (tool `tool-aaa`): it has unbalanced quotes",
            "$LAYER/kb/tool-aaa.md:14:22: task `show-mm-sas` on linux (tool `tool-aaa`): `{{ nosuch }}` is not a placeholder any caller fills: a task's command line may use `{{ host }}`, `{{ target }}`, `{{ caller }}`, `{{ server }}`, `{{ dc }}`, `{{ computer }}`, `{{ domain }}`, `{{ name }}`, `{{ port }}`, or a name a playbook step gives the task in `with`",
            "$LAYER/kb/tool-aaa.md:15:26: task `show-statistics` on linux (tool `tool-aaa`): `{{ host }}` is glued to `x` in the argument `{{ host }}x`: a value run into other text becomes part of another word (an option such as `-e` that takes code, another name); put one of : = / \\ @ , . between them, or give the placeholder an argument of its own",
            "$LAYER/kb/tool-aaa.md:16:30: task `show-policy-version` on linux (tool `tool-aaa`): `ssh` runs a command line on another computer or in another subsystem, where a shell reads every value in it as code: a probe runs its program here, as the argv itself",
            "$LAYER/kb/tool-aaa.md:17:24: task `show-services` on linux (tool `tool-aaa`): `sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself",
        ]
    );
    // The snippet and caret point at the command line itself.
    assert!(
        got.contains(
            "12 |         show-filters: 'sh -c \"touch MARKER\"'\n   |                       ^"
        ),
        "{got}"
    );
}

/// `show-log` uses `{{ note }}`, which a playbook step gives it in `with`: not an error.
/// The built-in tool matrix is clean (its `cmd /c` lines are for a person at a prompt).
#[test]
fn a_placeholder_a_step_gives_and_the_built_in_matrix_pass() {
    let (_, got) = common::check_fixture(&common::fixture("hostile/tool-shell"));
    assert!(!got.contains("show-log"), "{got}");
    assert!(!got.contains("test-connection"), "{got}");
    let out = common::run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
}

/// Regression: `run` executed the layer's `sh -c` (the file was created). The probe refuses
/// the line with an error result and never starts it.
#[cfg(target_os = "linux")]
#[test]
fn run_refuses_a_tool_task_that_hands_a_shell_a_script_and_never_starts_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layer = dir.path().join("layer");
    let marker = dir.path().join("PWNED");
    copy_layer("tool-shell", &layer, &marker);
    let answers = dir.path().join("answers.yaml");
    std::fs::write(&answers, "answers: {a: done}\n").expect("answers");
    let db = dir.path().join("calls.sqlite");
    let out = common::run_in(
        dir.path(),
        &[
            "--content",
            &layer.to_string_lossy(),
            "run",
            "usetool",
            "--db",
            &db.to_string_lossy(),
            "--answers",
            &answers.to_string_lossy(),
        ],
    );
    let stdout = common::stdout(&out);
    assert!(!marker.exists(), "the layer's shell script ran:\n{stdout}");
    let want = format!(
        "  probe command: error: the tool matrix's command line for `show-filters` on linux is refused, and nothing was run: `sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself (its command line is `sh -c \"touch {}\"`) (",
        marker.display()
    );
    assert!(
        stdout.lines().any(|l| l.starts_with(&want)),
        "no refusal in:\n{stdout}\n{}",
        common::stderr(&out)
    );
}
