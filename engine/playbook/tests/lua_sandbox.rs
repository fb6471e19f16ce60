//! Every limit of the Lua sandbox, proven against a real playbook file
//! (tests/fixtures/layer/playbooks/sandbox.lua): each way out fails with a message naming
//! the file and the line, and the same run goes on working afterwards.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use deskbook_content::{Content, LayerSpec};
use deskbook_playbook::{Engine, Limits, Reply, RunError};

fn layer() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer")
}

fn content() -> Content {
    deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(layer())])
}

/// The path the loader shows for the fixture playbook.
fn file(name: &str) -> String {
    format!("{}/playbooks/{name}", layer().display())
}

/// Line of `needle` in the fixture file.
fn line_of(name: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(layer().join("playbooks").join(name)).expect("read");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle in file")
}

fn quick() -> Limits {
    Limits {
        step_time: Duration::from_millis(200),
        ..Limits::default()
    }
}

fn sandbox_engine(c: &Content, limits: Limits) -> Engine {
    Engine::start_with(c, "sandbox", BTreeMap::new(), limits).expect("starts")
}

/// Answer `attack`: it must fail with `message` at the line holding `needle`, and the run
/// must still wait at the same question and finish normally afterwards.
fn refused(attack: &str, needle: &str, message: &str) {
    let c = content();
    let mut e = sandbox_engine(&c, quick());
    let err = e
        .submit(Reply::Answer(attack.into()))
        .expect_err("the sandbox refuses");
    let expected = format!(
        "{}:{}: {message}",
        file("sandbox.lua"),
        line_of("sandbox.lua", needle)
    );
    assert_eq!(err, RunError::Step(expected), "attack {attack}");
    assert_eq!(
        e.pending().map(|p| p.step().to_string()).as_deref(),
        Some("attack"),
        "the run still waits at the question"
    );
    e.submit(Reply::Answer("none".into()))
        .expect("the run goes on");
    assert_eq!(
        e.outcome().map(|o| o.status.as_str()),
        Some("fixed-understood")
    );
}

#[test]
fn io_is_not_available() {
    refused(
        "io",
        "io.open(",
        "`io` is not available to playbooks (the Lua sandbox has no files, processes or modules)",
    );
}

#[test]
fn os_is_not_available() {
    refused(
        "os",
        "os.execute(",
        "`os` is not available to playbooks (the Lua sandbox has no files, processes or modules)",
    );
}

#[test]
fn require_is_not_available() {
    refused(
        "require",
        "require(\"socket\")",
        "`require` is not available to playbooks (the Lua sandbox has no files, processes or modules)",
    );
}

#[test]
fn bytecode_cannot_be_loaded() {
    refused(
        "bytecode",
        "assert(load(",
        "attempt to load a binary chunk (mode is 't')",
    );
}

#[test]
fn bytecode_cannot_be_made() {
    refused(
        "dump",
        "string.dump(",
        "attempt to call a nil value (field 'dump')",
    );
}

#[test]
fn memory_is_limited() {
    refused(
        "memory",
        "string.rep(",
        "the Lua code ran out of memory (the limit is 16 MB)",
    );
}

#[test]
fn an_endless_loop_is_stopped() {
    let started = Instant::now();
    refused(
        "loop",
        "while true do end end",
        "the Lua code ran longer than 200 ms (the limit for one step): is there an endless loop?",
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// `pcall` cannot swallow the deadline: the hook fires again outside it.
#[test]
fn pcall_does_not_hide_an_endless_loop() {
    let c = content();
    let mut e = sandbox_engine(&c, quick());
    let err = e
        .submit(Reply::Answer("pcall-loop".into()))
        .expect_err("stopped")
        .to_string();
    assert!(
        err.starts_with(&format!("{}:", file("sandbox.lua")))
            && err.ends_with("the Lua code ran longer than 200 ms (the limit for one step): is there an endless loop?"),
        "{err}"
    );
}

/// Finalizers run with hooks off, so a `__gc` metamethod could loop for ever: refused.
/// Regression: a backtracking pattern ran for minutes inside one C call, where the
/// instruction hook never fires. The pattern functions watch the step's deadline.
#[test]
fn a_backtracking_pattern_is_stopped_at_the_step_time() {
    let began = Instant::now();
    refused(
        "pattern",
        "string.rep(\"a\", 200000)",
        "the Lua code ran longer than 200 ms (the limit for one step) in a string pattern: is the pattern backtracking over a long text?",
    );
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "took {:?}",
        began.elapsed()
    );
}

/// Regression: `ctx:probe("command", {argv = {"sh", "-c", …}})` ran a shell. Lua reaches
/// the system only through tool-matrix tasks and the other probes.
#[test]
fn a_command_probe_with_an_argv_is_refused() {
    refused(
        "argv",
        "argv = {",
        "ctx:probe(\"command\", …) takes a tool-matrix `task`, not `argv`: a Lua playbook runs no program of its own choosing",
    );
}

#[test]
fn finalizers_are_refused() {
    refused(
        "gc",
        "__gc = function()",
        "`__gc` metamethods are not available to playbooks",
    );
}

/// The default limit is one second of Lua per step.
#[test]
fn default_time_limit_is_one_second() {
    let c = content();
    let mut e = sandbox_engine(&c, Limits::default());
    let started = Instant::now();
    let err = e.submit(Reply::Answer("loop".into())).expect_err("stopped");
    let took = started.elapsed();
    assert!(err.to_string().contains("ran longer than 1 s"), "{err}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert_eq!(Limits::default().memory, 16 * 1024 * 1024);
}

#[test]
fn runaway_recursion_fails_cleanly() {
    let c = content();
    let mut e = sandbox_engine(&c, quick());
    let err = e
        .submit(Reply::Answer("recursion".into()))
        .expect_err("stopped")
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:{}: ",
            file("sandbox.lua"),
            line_of("sandbox.lua", "local function f(n)")
        )),
        "{err}"
    );
    e.submit(Reply::Answer("none".into())).expect("goes on");
}

/// Each run gets a fresh environment: a global set by one run is not seen by the next.
#[test]
fn globals_do_not_leak_between_runs() {
    let c = content();
    let mut first = sandbox_engine(&c, quick());
    first.submit(Reply::Answer("global".into())).expect("runs");
    assert_eq!(
        first.outcome().map(|o| o.collect.clone()),
        Some(vec!["set by a run".to_string()])
    );
    let mut second = sandbox_engine(&c, quick());
    second.submit(Reply::Answer("none".into())).expect("runs");
    assert_eq!(
        second.outcome().map(|o| o.collect.clone()),
        Some(vec!["nil".to_string()])
    );
}

/// `pairs` walks keys in order, so a replayed run takes the same path.
#[test]
fn pairs_is_in_key_order() {
    let c = content();
    let mut e = sandbox_engine(&c, quick());
    e.submit(Reply::Answer("pairs".into())).expect("runs");
    assert_eq!(
        e.outcome().map(|o| o.collect.clone()),
        Some(vec!["1,3,alpha,mid,zeta".to_string()])
    );
}

fn yaml_lua(mode: &str) -> Result<Engine, RunError> {
    let c = content();
    let vars = BTreeMap::from([("mode".to_string(), mode.to_string())]);
    Engine::start_with(&c, "yaml-lua", vars, quick())
}

/// A `lua` step inside YAML: errors name the YAML file's own line.
#[test]
fn lua_steps_in_yaml_name_the_yaml_line() {
    let yaml = file("yaml-lua.yaml");
    let at = |needle: &str| line_of("yaml-lua.yaml", needle);
    assert_eq!(
        yaml_lua("io").err(),
        Some(RunError::Step(format!(
            "{yaml}:{}: `io` is not available to playbooks (the Lua sandbox has no files, processes or modules)",
            at("return io.open")
        )))
    );
    assert_eq!(
        yaml_lua("wrong").err(),
        Some(RunError::Step(format!(
            "{yaml}:{}: the lua step `go` returned \"nowhere\", which is not one of its `next` steps (done)",
            at("- id: go")
        )))
    );
    assert_eq!(
        yaml_lua("loop").err(),
        Some(RunError::Step(format!(
            "{yaml}:{}: the Lua code ran longer than 200 ms (the limit for one step): is there an endless loop?",
            at("while true do end")
        )))
    );
    let ok = yaml_lua("ok").expect("runs");
    let o = ok.outcome().expect("ended");
    assert_eq!(
        o.say.as_deref(),
        Some("seen=yes"),
        "vars set in Lua reach templates"
    );
}
