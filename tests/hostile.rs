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
    copy_dir(&hostile(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
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
