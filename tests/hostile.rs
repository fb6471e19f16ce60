//! Hostile files and values against the real binary (issue 13): FIFOs, devices and links
//! out of a layer where content is expected, answers files that never end or nest without
//! bound. Each case ends within a bound with an exact message and exit code 1. Fixtures
//! live under `tests/fixtures/hostile/`; what git cannot hold (a FIFO, a link to a device,
//! 200 KB of brackets) is made from them in a temporary folder.

mod common;
mod runtime_support;

use std::path::Path;
use std::process::Command;

fn hostile(rel: &str) -> std::path::PathBuf {
    common::fixture(&format!("hostile/{rel}"))
}

/// Copies the fixture layer `name` into a temporary folder and returns the folder.
fn copy_layer(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    common::copy_dir(&hostile(name), dir.path());
    dir
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Regression: `kb/x.md` as a FIFO blocked `check` forever, and `kb/z.md` linked to
/// `/dev/zero` read until memory ran out. Only regular files are read.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_in_a_layer_is_refused_not_read() {
    let layer = copy_layer("special-files");
    mkfifo(&layer.path().join("kb/x.md"));
    std::os::unix::fs::symlink("/dev/zero", layer.path().join("kb/z.md")).expect("symlink");
    std::fs::create_dir_all(layer.path().join("playbooks/tests")).expect("mkdir");
    mkfifo(&layer.path().join("playbooks/tests/scenario.yaml"));
    let (code, got) = common::check_fixture(layer.path());
    // /dev/zero is outside the layer: the link is refused before its target is looked at.
    assert_eq!(
        got,
        "$LAYER/kb/x.md:1:1: not a regular file (a FIFO); expected a text file
$LAYER/kb/z.md:1:1: a symbolic link that leads outside the layer folder: a layer reads only its own files
$LAYER/playbooks/tests/scenario.yaml:1:1: not a regular file (a FIFO); expected a text file"
    );
    assert_eq!(code, 1);
}

/// A link to a device inside the layer folder (a `/dev/zero` stand-in made with mknod is
/// not possible without privileges, so: a link to a FIFO inside the layer) is followed and
/// still refused by what it leads to.
#[cfg(unix)]
#[test]
fn a_link_inside_the_layer_to_a_fifo_is_refused_too() {
    let layer = copy_layer("special-files");
    mkfifo(&layer.path().join("kb/pipe"));
    std::os::unix::fs::symlink("pipe", layer.path().join("kb/y.md")).expect("symlink");
    let (code, got) = common::check_fixture(layer.path());
    assert_eq!(
        got,
        "$LAYER/kb/y.md:1:1: not a regular file (a FIFO); expected a text file"
    );
    assert_eq!(code, 1);
}

/// Regression: a link inside a layer to `/etc/shadow` was followed and the file's first
/// line printed in a diagnostic. The link is an error, and no line of the target is shown.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_layer_is_an_error_that_shows_nothing_of_its_target() {
    let layer = hostile("symlink-out/layer");
    let out = common::run(&["--content", &layer.to_string_lossy(), "check"]);
    let all = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(!all.contains("root:"), "the target leaked: {all}");
    assert!(!all.contains("secret"), "the target leaked: {all}");
    let (code, got) = common::check_fixture(&layer);
    assert_eq!(
        got,
        "$LAYER/kb/leak.md:1:1: a symbolic link that leads outside the layer folder: a layer reads only its own files"
    );
    assert_eq!(code, 1);
}

fn run_with_answers(answers: &str) -> (i32, String) {
    let desk = runtime_support::Desk::new();
    let out = desk.run(&["run", "rt-escalate", "--answers", answers], "");
    let err = runtime_support::stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        runtime_support::stdout(&out).is_empty(),
        "no partial output: {}",
        runtime_support::stdout(&out)
    );
    (out.status.code().unwrap_or(-1), err)
}

/// Regression: `--answers /dev/zero` read until memory ran out.
#[cfg(unix)]
#[test]
fn answers_from_a_device_are_refused() {
    assert_eq!(
        run_with_answers("/dev/zero"),
        (
            1,
            "error: /dev/zero:1:1: cannot read the answers file: not a regular file (a character device); expected a text file\n".to_owned()
        )
    );
}

#[cfg(unix)]
#[test]
fn answers_from_a_fifo_are_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("answers.yaml");
    mkfifo(&fifo);
    let shown = fifo.display().to_string();
    assert_eq!(
        run_with_answers(&shown),
        (
            1,
            format!("error: {shown}:1:1: cannot read the answers file: not a regular file (a FIFO); expected a text file\n")
        )
    );
}

/// Regression: 200 KB of nested brackets took 47 s before "nested too deeply". The depth
/// is checked before parsing, in one pass.
#[test]
fn an_answers_file_of_nested_brackets_is_refused_by_depth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested.yaml");
    let n = 100_000;
    std::fs::write(
        &path,
        format!("answers: {}{}\n", "[".repeat(n), "]".repeat(n)),
    )
    .expect("write");
    let shown = path.display().to_string();
    let (code, err) = run_with_answers(&shown);
    assert_eq!(code, 1);
    assert_eq!(
        err.lines().next(),
        Some(format!("error: {shown}:1:73: YAML is nested too deeply (more than 64 levels): the document is rejected").as_str())
    );
}

/// `check` on a layer whose one playbook has a template the sandbox refuses: the exact
/// first line of the diagnostic.
fn template_refusal(case: &str) -> String {
    let (code, got) = common::check_fixture(&hostile(case));
    assert_eq!(code, 1, "{case}: {got}");
    got.lines().next().unwrap_or("").to_owned()
}

/// Regression: `{{ get_env(name="HOME") }}` printed the agent's environment; a recursive
/// macro passed `check` and then aborted `run` with a stack overflow; a loop over
/// `range(end=100000000)` had no bound. `check` now refuses each, naming the step.
#[test]
fn check_refuses_templates_that_reach_outside_or_never_end() {
    let cases = [
        ("template-get-env", "$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `do`: unknown function `get_env` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)"),
        ("template-recursive-macro", "$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `do`: `{% macro m %}` is not allowed in playbook templates (macros can recurse without end)"),
        ("template-include", "$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `do`: `{% include %}` is not allowed in playbook templates (reads another template)"),
        ("template-huge-range", "$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `do`: `range` would make 100000000 numbers; the limit is 1000"),
        ("template-unknown-filter", "$LAYER/playbooks/x.yaml:9:5: step `a`: invalid template in `do`: unknown filter `shell_escape` (playbook templates may use: upper, lower, trim, trim_start, trim_end, truncate, wordcount, capitalize, title, length, reverse, join, first, last, nth, default, int, float, round, abs, as_str, split, sort, unique, slice, get, pluralize, replace)"),
    ];
    for (case, expected) in cases {
        assert_eq!(template_refusal(case), expected, "{case}");
    }
}

/// Regression: `search --limit 18446744073709551615` panicked with a capacity overflow and
/// `--limit 4294967296` aborted allocating 64 GB. Limits above 1000 are refused.
#[test]
fn search_limits_that_would_size_a_huge_allocation_are_refused() {
    for limit in ["18446744073709551615", "4294967296", "1001"] {
        let out = common::run(&["search", "spi", "--limit", limit]);
        assert_eq!(out.status.code(), Some(1), "{limit}");
        assert_eq!(
            common::stderr(&out),
            format!("error: --limit must be at most 1000 (got {limit})\n")
        );
        assert_eq!(common::stdout(&out), "");
    }
    let out = common::run(&["search", "spi", "--limit", "99999999999999999999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("invalid value '99999999999999999999999' for '--limit <N>'")
    );
    let out = common::run(&["search", "spi", "--limit", "1000", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// A desk whose layers are the runtime fixture layer and the hostile fixture `name`.
fn hostile_desk_run(
    name: &str,
    args: &[&str],
    stdin: &str,
) -> (runtime_support::Desk, std::process::Output) {
    let desk = runtime_support::Desk::new();
    let mut c = desk.command(&[], &[]);
    c.arg("--content").arg(hostile(name)).args(args);
    let out = feed(c, stdin);
    (desk, out)
}

/// Regression: `run` executed a playbook `check` rejects (an unknown probe whose error
/// branch ended the call as fixed-understood). `run` and `test` refuse it, naming the
/// first error.
#[test]
fn a_playbook_with_errors_does_not_run() {
    let layer = hostile("run-check-error");
    let (desk, out) = hostile_desk_run("run-check-error", &["run", "x"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        runtime_support::stderr(&out),
        format!("error: playbook `x` has errors and does not run; the first: {}/playbooks/x.yaml:12:19: unknown probe `nosuch`: expected one of os, ping, resolve, tcp, udp, ike, command, file (run `deskbook check`)\n", layer.display())
    );
    assert!(
        !desk.path().join("calls.sqlite").exists() || runtime_support::stdout(&out).is_empty(),
        "no call is recorded"
    );
}

fn events_of(desk: &runtime_support::Desk) -> usize {
    let session = first_session(desk);
    let out = desk
        .command(&[], &["sessions", "show", &session, "--json"])
        .output()
        .expect("show");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["events"].as_array().map_or(0, Vec::len)
}

/// The run failed with the step bound's message.
fn stopped_by_the_bound(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(1));
    let err = runtime_support::stderr(out);
    assert!(err.contains(LOOP_MESSAGE), "{err}");
}

/// The first recorded call of `desk`.
fn first_session(desk: &runtime_support::Desk) -> String {
    let list = desk
        .command(&[], &["sessions", "list", "--json"])
        .output()
        .expect("list");
    let calls: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    calls[0]["session"].as_str().expect("a call").to_owned()
}

const LOOP_MESSAGE: &str = "step `again` was entered 100 times: the run goes around a loop without ending (the limit is 100 visits of one step)";

/// Regression: answers that send a scripted run around a loop wrote 779,437 events in 15 s
/// and went on. A run enters one step at most 100 times, for scripted, interactive and
/// resumed runs alike, YAML or Lua.
#[test]
fn a_run_around_a_loop_stops_at_the_step_bound() {
    let answers = hostile("loop/answers.yaml");
    let (desk, out) = hostile_desk_run(
        "loop",
        &["run", "loop", "--answers", &answers.to_string_lossy()],
        "",
    );
    stopped_by_the_bound(&out);
    let recorded = events_of(&desk);
    assert!(recorded > 100 && recorded < 1000, "{recorded} events");

    // Interactive: the agent keeps answering "yes".
    let (_, out) = hostile_desk_run("loop", &["run", "loop"], &"yes\n".repeat(150));
    stopped_by_the_bound(&out);

    // Lua: `while true do ctx:ask{…} end`.
    let answers = hostile("lua-loop/answers.yaml");
    let (_, out) = hostile_desk_run(
        "lua-loop",
        &["run", "lua-loop", "--answers", &answers.to_string_lossy()],
        "",
    );
    stopped_by_the_bound(&out);
}

/// Regression: a Lua playbook that failed after an answer was taken for the answer being
/// refused: at a terminal the question came back forever (only another answer got past
/// it), and a scripted run blamed the answers file. The run ends with the playbook's error,
/// neutralised, and the call stays open with the answer not recorded.
#[test]
fn a_lua_error_after_an_answer_ends_the_run_with_the_playbooks_error() {
    let layer = hostile("lua-error");
    let message = format!(
        "error: {}/playbooks/lua-error.lua:10: boom ^[[31mred at run time\n",
        layer.display()
    );
    let answers = hostile("lua-error/answers.yaml");
    let (desk, scripted) = hostile_desk_run(
        "lua-error",
        &["run", "lua-error", "--answers", &answers.to_string_lossy()],
        "",
    );
    assert_eq!(scripted.status.code(), Some(1));
    assert_eq!(runtime_support::stderr(&scripted), message);
    // At a terminal (stdin fed): the second "yes" and the "no" are never read.
    let (_, asked) = hostile_desk_run("lua-error", &["run", "lua-error"], "yes\nyes\nno\n");
    assert_eq!(asked.status.code(), Some(1));
    assert_eq!(runtime_support::stderr(&asked), message);
    assert_eq!(
        runtime_support::stdout(&asked).matches("answer:").count(),
        1
    );
    let session = first_session(&desk);
    let shown = desk
        .command(&[], &["sessions", "show", &session, "--json"])
        .output()
        .expect("show");
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert!(shown["call"]["ended_at"].is_null(), "{shown}");
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(!kinds.contains(&"answered"), "{kinds:?}");
}

/// The same bound for a resumed call: resuming replays the recorded visits, and the run
/// stops when the total reaches the bound.
#[test]
fn a_resumed_run_around_a_loop_stops_at_the_same_bound() {
    let (desk, out) = hostile_desk_run("loop", &["run", "loop"], &"yes\n".repeat(60));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the input ended at the question"
    );
    let session = first_session(&desk);
    let mut c = desk.command(&[], &[]);
    c.arg("--content")
        .arg(hostile("loop"))
        .args(["sessions", "resume", &session]);
    let out = feed(c, &"yes\n".repeat(60));
    stopped_by_the_bound(&out);
}

/// Regression: `["sh", "-c", "echo {{ host }}"]` with the input `x; touch pwned` ran the
/// `touch`. `check` rejects a shell given a script, and argv placeholders that are not
/// inputs of a checked kind.
#[test]
fn check_refuses_argv_commands_that_would_read_values_as_code() {
    let (code, got) = common::check_fixture(&hostile("argv-shell"));
    assert_eq!(code, 1);
    assert_eq!(
        got.lines().next(),
        Some("$LAYER/playbooks/x.yaml:14:23: step `a`: `command`: `sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
    );
    let (code, got) = common::check_fixture(&hostile("argv-text"));
    assert_eq!(code, 1);
    let firsts: Vec<&str> = got.lines().filter(|l| l.starts_with("$LAYER")).collect();
    assert_eq!(
        firsts,
        [
            "$LAYER/playbooks/x.yaml:18:29: step `a`: `command` argv element 1 uses `{{ note }}`, but input `note` is free text (kind text): an argv takes only inputs of a checked kind (hostname, host, address, port, path, choice)",
            "$LAYER/playbooks/x.yaml:18:43: step `a`: `command` argv element 2 uses `{{ file }}`, but `file` is not an input (a saved answer is free text): an argv takes only inputs of a checked kind (hostname, host, address, port, path, choice)",
        ]
    );
}

/// Runs `c` with `stdin` as its whole standard input (written from a thread, so a run that
/// stops reading early cannot block the test).
fn feed(mut c: Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn deskbook");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

/// The loop playbook run with the answers fixture `answers/NAME.yaml`: (exit code, stderr).
fn loop_answers(name: &str) -> (i32, String) {
    let path = hostile(&format!("answers/{name}.yaml"));
    let (_, out) = hostile_desk_run(
        "loop",
        &["run", "loop", "--answers", &path.to_string_lossy()],
        "",
    );
    let err = runtime_support::stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    (
        out.status.code().unwrap_or(-1),
        err.replace(&*hostile("answers").to_string_lossy(), "$ANSWERS"),
    )
}

/// Regression: `{q: null}` and `{q: [..]}` said "data did not match any variant of
/// untagged enum Scalar" at the map; a top-level list said "expected struct Raw";
/// duplicate keys and unknown step ids were silently accepted.
#[test]
fn answers_file_messages_name_the_value_and_the_step() {
    let cases = [
        ("null-value", "error: $ANSWERS/null-value.yaml:1:18: answers.again: expected a string, a number or true/false, got an empty value (null): write the value, quoted if need be"),
        ("list-value", "error: $ANSWERS/list-value.yaml:2:10: answers.again: expected a string, a number or true/false, got a list: give one value"),
        ("top-level-list", "error: $ANSWERS/top-level-list.yaml:1:1: invalid type: sequence, expected an answers file: a map with `vars`, `answers` and `probes` (see `deskbook run --help`)"),
        ("duplicate-key", "error: $ANSWERS/duplicate-key.yaml:3:3: answers: duplicate key `again`: each name may be given once"),
        ("unknown-step", "error: $ANSWERS/unknown-step.yaml:2:3: no step `againn` in playbook `loop` or the playbooks it calls (did you mean `again`?)"),
        ("unknown-probe-step", "error: $ANSWERS/unknown-probe-step.yaml:3:3: no step `nowhere` in playbook `loop` or the playbooks it calls"),
    ];
    for (name, first) in cases {
        let (code, err) = loop_answers(name);
        assert_eq!(code, 1, "{name}: {err}");
        assert_eq!(err.lines().next(), Some(first), "{name}: {err}");
    }
}

/// Regression: resuming a call recorded from a layer that is not given said "unknown
/// playbook" without a word about `--content`.
#[test]
fn resuming_a_call_from_a_layer_not_given_suggests_content() {
    let (desk, _) = hostile_desk_run("loop", &["run", "loop"], "yes\n");
    let session = first_session(&desk);
    let out = feed(desk.command(&[], &["sessions", "resume", &session]), "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        runtime_support::stderr(&out),
        format!("error: call {session} was recorded with playbook `loop`, which no loaded layer has: resume it with the layer it came from, `deskbook --content DIR sessions resume {session}`\n")
    );
}

/// Regression: recorded text and probe output reached the terminal raw (a DNS CNAME, file
/// content, an `--agent` name with ESC and BEL). Every terminal surface neutralises them.
#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let layer = hostile("terminal");
    let layer_s = layer.to_string_lossy().to_string();
    // show: title, summary and body.
    let out = common::run(&["--content", &layer_s, "show", "hostile-esc"]);
    let shown = common::stdout(&out);
    common::no_raw_controls("show", &shown);
    assert!(
        shown.contains("A title that clears the screen ^[[2J"),
        "{shown}"
    );
    assert!(shown.contains("^[]52;c;cHduZWQ=^G"), "{shown}");
    // run: step text, and an agent name with ESC and BEL in the summary.
    let desk = runtime_support::Desk::new();
    let mut c = desk.command(&[], &[]);
    c.arg("--content")
        .arg(&layer)
        .args(["run", "esc", "--agent", "agent\x1b]0;pwned\x07"]);
    let out = feed(c, "yes\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        runtime_support::stderr(&out)
    );
    let text = runtime_support::stdout(&out);
    common::no_raw_controls("run", &text);
    assert!(
        text.contains("Did the screen clear? ^[[2J^[]0;pwned^G"),
        "{text}"
    );
    assert!(text.contains("agent^[]0;pwned^G"), "{text}");
    // sessions show: the transcript and the event log.
    let session = first_session(&desk);
    let mut c = desk.command(&[], &[]);
    c.arg("--content")
        .arg(&layer)
        .args(["sessions", "show", &session]);
    let out = c.output().expect("show");
    common::no_raw_controls("sessions show", &runtime_support::stdout(&out));
    assert!(runtime_support::stdout(&out).contains("agent^[]0;pwned^G"));
    // sessions list and report --format table: the recorded agent name, in its column.
    let out = desk
        .command(&[], &["sessions", "list"])
        .output()
        .expect("list");
    let text = runtime_support::stdout(&out);
    common::no_raw_controls("sessions list", &text);
    let row = text.lines().nth(1).unwrap_or_default();
    assert!(
        row.ends_with("  -       -       agent^[]0;pwned^G  fixed-understood  other"),
        "{text}"
    );
    // Every column of the list is recorded text: a shared database written by another
    // program can hold anything, the start time included.
    let sql = "UPDATE calls SET started_at = char(27) || '[2J' || started_at";
    let o = std::process::Command::new("sqlite3")
        .arg(desk.path().join("calls.sqlite"))
        .arg(sql)
        .output()
        .expect("sqlite3 (installed by scripts/test)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = desk
        .command(&[], &["sessions", "list"])
        .output()
        .expect("list");
    let text = runtime_support::stdout(&out);
    common::no_raw_controls("sessions list", &text);
    assert!(text.contains("  ^[[2J2026-"), "{text}");
    let out = desk
        .command(&[], &["report", "--by", "agent"])
        .output()
        .expect("report");
    let text = runtime_support::stdout(&out);
    common::no_raw_controls("report", &text);
    assert!(
        text.contains("\nagent              calls  share esc uncl median p90\nagent^[]0;pwned^G      1 100.0%  0%   0%"),
        "{text}"
    );
    // probe: a file whose content holds control sequences.
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("oakley.log");
    std::fs::write(&log, "IKE \x1b[2J main mode \x1b]0;pwned\x07\n").expect("write");
    let out = common::run(&["probe", "file", "--arg", &format!("path={}", log.display())]);
    let text = common::stdout(&out);
    common::no_raw_controls("probe file", &text);
    assert!(text.contains("IKE ^[[2J main mode ^[]0;pwned^G"), "{text}");
    // check: a diagnostic's snippet of a line holding ESC.
    let (_, got) = common::check_fixture(&hostile("terminal-bad"));
    common::no_raw_controls("check", &got);
    assert!(
        got.contains("See [this](kb:no-such-page) ^[[31mred^[[0m"),
        "{got}"
    );
}

/// Regression: `list` titles, `search` titles and snippets, and `test` scenario names
/// reached the terminal raw; `layers` and `layers diff` show layer folders, here named with
/// ESC. The fixture layer's title, summary, scenario name and a patch's choice label hold
/// ESC and BEL.
#[test]
fn listings_show_control_characters_neutralised() {
    let layer = hostile("terminal").to_string_lossy().to_string();
    let out = common::run(&["--content", &layer, "list", "--kind", "article"]);
    let text = common::stdout(&out);
    common::no_raw_controls("list", &text);
    let line = text
        .lines()
        .find(|l| l.starts_with("hostile-esc "))
        .unwrap_or_default();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>().join(" "),
        "hostile-esc article A title that clears the screen ^[[2J"
    );
    let out = common::run(&[
        "--content",
        &layer,
        "search",
        "clears",
        "the",
        "screen",
        "--limit",
        "1",
    ]);
    assert_eq!(
        common::stdout(&out),
        "hostile-esc  article   A title that clears the screen ^[[2J
    A summary that rings ^G and sets the window title ^[]0;pwned^G
"
    );
    // The layers' folders too are written by someone: named with ESC here, shown
    // neutralised by `layers diff` and `layers`.
    let tmp = tempfile::tempdir().expect("temp dir");
    let esc_layer = tmp.path().join("esc\x1b[2J-layer");
    let esc_patch = tmp.path().join("esc\x1b[2J-patch");
    common::copy_dir(&hostile("terminal"), &esc_layer);
    common::copy_dir(&hostile("terminal-patch"), &esc_patch);
    let (layer_e, patch_e) = (
        esc_layer.to_string_lossy().to_string(),
        esc_patch.to_string_lossy().to_string(),
    );
    let shown_patch = patch_e.replace('\x1b', "^[");
    let out = common::run(&[
        "--content",
        &layer_e,
        "--content",
        &patch_e,
        "layers",
        "diff",
    ]);
    let text = common::stdout(&out);
    common::no_raw_controls("layers diff", &text);
    assert!(text.contains("esc^[[2J-patch"), "{text}");
    assert_eq!(
        text.replace(&shown_patch, "$PATCH"),
        "layer $PATCH: 1 change(s)
  patched   playbook  esc
      ~ step q
          +\"maybe \\u{1b}]0;pwned\\u{7}\" -> done
"
    );
    // --json: the same value, with DEL, C1 and bidirectional controls as \u escapes.
    let out = common::run(&["--content", &layer, "show", "hostile-esc", "--json"]);
    let text = common::stdout(&out);
    common::no_raw_controls("show --json", &text);
    assert!(
        text.contains(r"an 8-bit CSI \u009b2J and a right-to-left override \u202eevil."),
        "{text}"
    );
    let shown: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let body = shown["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("CSI \u{9b}2J and a right-to-left override \u{202e}evil."),
        "{body}"
    );
    let out = common::run(&["--content", &layer_e, "layers"]);
    let text = common::stdout(&out);
    common::no_raw_controls("layers", &text);
    assert!(text.contains("esc^[[2J-layer"), "{text}");
    let out = common::run(&["--content", &layer, "test"]);
    let text = common::stdout(&out);
    common::no_raw_controls("test", &text);
    let scenario =
        format!("ok    esc: the screen ^[[2J clears^G  ({layer}/playbooks/tests/esc.yaml)");
    assert!(text.lines().any(|l| l == scenario), "{text}");
}

/// A DNS server on loopback that answers every query with a CNAME whose first label holds
/// ESC and BEL.
fn hostile_dns_server() -> u16 {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sock.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            if n < 12 {
                continue;
            }
            // The question ends after its name (zero label) and 4 bytes of type and class.
            let mut end = 12;
            while end < n && buf[end] != 0 {
                end += usize::from(buf[end]) + 1;
            }
            let qend = (end + 5).min(n);
            let mut r = Vec::with_capacity(512);
            r.extend_from_slice(&buf[..2]);
            r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
            r.extend_from_slice(&buf[12..qend]);
            let label = b"evil\x1b]0;pwned\x07";
            let mut rdata = vec![label.len() as u8];
            rdata.extend_from_slice(label);
            rdata.extend_from_slice(b"\x07example\x03com\x00");
            r.extend_from_slice(&[0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60]);
            r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            r.extend_from_slice(&rdata);
            let _ = sock.send_to(&r, from);
        }
    });
    port
}

#[test]
fn a_dns_cname_with_control_characters_is_shown_neutralised() {
    let port = hostile_dns_server();
    let out = common::run(&[
        "probe",
        "resolve",
        "--arg",
        "name=www.example.com",
        "--arg",
        &format!("server=127.0.0.1:{port}"),
        "--arg",
        "type=CNAME",
    ]);
    let text = common::stdout(&out);
    common::no_raw_controls("probe resolve", &text);
    assert!(text.contains("evil^[]0;pwned^G.example.com"), "{text}");
}

/// Regression: a backtracking pattern inside one C call ran for minutes and ignored
/// SIGTERM. The run now ends within its step time, and a stop signal ends the process.
#[cfg(unix)]
#[test]
fn a_backtracking_lua_pattern_ends_and_sigterm_ends_the_process() {
    let desk = runtime_support::Desk::new();
    let mut c = desk.command(&[], &[]);
    c.arg("--content")
        .arg(hostile("lua-pattern"))
        .args(["run", "pattern"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let began = std::time::Instant::now();
    let child = c.spawn().expect("spawn");
    // The Lua step runs as the run starts, searching from its first moment.
    std::thread::sleep(std::time::Duration::from_millis(400));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert!(
        began.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        began.elapsed()
    );
    assert_ne!(out.status.code(), Some(0));
    let err = runtime_support::stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    // Ended by the signal itself, or by the run failing at the step's time limit.
    if out.status.code().is_some() {
        assert!(
            err.contains("interrupted") || err.contains("the Lua code ran longer than 1 s"),
            "{err}"
        );
    }
}
