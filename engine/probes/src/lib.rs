//! Local probes that let the machine answer what it can.
//!
//! A playbook step (or `deskbook probe NAME --arg K=V`) names a probe and gives it string
//! arguments; the probe looks at the real network or system and returns a
//! [`ProbeResult`]: `{probe, status: ok|fail|error, summary, data, duration_ms, output}`
//! (DESIGN.md, Probes). `fail` means the check ran and was negative; `error` means it could
//! not run.
//!
//! | probe | arguments | answers |
//! |---|---|---|
//! | `os` | — | platform, version, tool-matrix OS id |
//! | `ping` | `host [count] [timeout_ms]` | ICMP echo: loss, times, "Negotiating IP Security" where shown |
//! | `resolve` | `name [server] [type] [timeout_ms]` | forward DNS; an address does a reverse lookup |
//! | `tcp` | `host port [timeout_ms]` | open, closed, filtered or unreachable |
//! | `udp` | `host protocol [port] [name] [timeout_ms]` (`dns`, `cldap`) | answered, no reply, ICMP unreachable |
//! | `ike` | `host [port] [version] [os] [timeout_ms] [source_port]` | does an IKE responder answer, and with what; tries the version the target's `os` speaks |
//! | `command` | `task` or `argv`, `[timeout_ms] [regex] [os]`, placeholder values | a tool-matrix task or an argv; never a shell |
//! | `file` | `path [pattern] [tail]` | read or search a log |
//!
//! Arguments are checked before anything runs ([`validate`]); values that reach the system
//! are host names (RFC 1123), addresses, ports and plain words, and no value ever passes
//! through a shell. Every probe has a timeout, and [`run_many`] runs a batch in parallel
//! with a watchdog so that one hung probe never holds the batch past its own time.
//!
//! Platform differences (Windows, Linux) live in one module, `platform`.

mod args;
mod batch;
mod error;
mod interpreters;
mod names;
mod net;
mod platform;
mod probes;
mod process;
mod result;
mod tasks;
mod text;
mod wire;

use std::collections::BTreeMap;
use std::time::Instant;

pub use args::parse_argv;
pub use error::ProbeError;
pub use interpreters::script_runner;
pub use probes::command::{task_line_form_problem, task_line_problem, TASK_PLACEHOLDERS};
pub use result::{ProbeResult, Status, MAX_OUTPUT};
pub use tasks::{MapTasks, NoTasks, TaskResolver};

/// The built-in probes.
pub const PROBES: &[&str] = &[
    "os", "ping", "resolve", "tcp", "udp", "ike", "command", "file",
];

/// Checks a probe name and its arguments without running anything. `deskbook check` uses
/// it on the literal arguments of playbook steps; [`run`] uses it before every run.
pub fn validate(name: &str, args: &BTreeMap<String, String>) -> Result<(), ProbeError> {
    args::parse(name, args).map(|_| ())
}

/// Checks a host (an IP address or an RFC 1123 host name) by the rule every part of
/// deskbook uses: playbook inputs of kind `host`, probe arguments and `deskbook check`.
/// The error says what was expected and why the value is not it.
pub fn check_host(value: &str) -> Result<(), String> {
    names::parse_host(value).map(|_| ())
}

/// Checks a host name (not an address) by the same rule as [`check_host`].
pub fn check_hostname(value: &str) -> Result<(), String> {
    names::parse_hostname(value).map(|_| ())
}

/// Runs one probe on the calling thread. Never panics on its input: invalid arguments, a
/// missing tool or a refused socket come back as a result with status `error` and a
/// summary that says why.
pub fn run(name: &str, args: &BTreeMap<String, String>, tasks: &dyn TaskResolver) -> ProbeResult {
    match prepare(name, args, tasks) {
        Prepared::Ready(plan) => probes::execute(plan),
        Prepared::Refused(result) => result,
    }
}

/// Runs probes in parallel, one thread each, and returns their results in the batch's
/// order. Each probe keeps its own timeout; a probe that overruns its time budget is
/// reported as `error` and left behind, so the batch never waits on it.
pub fn run_many(
    batch: Vec<(String, BTreeMap<String, String>)>,
    tasks: &dyn TaskResolver,
) -> Vec<ProbeResult> {
    batch::run_many(
        batch
            .iter()
            .map(|(name, args)| prepare(name, args, tasks))
            .collect(),
    )
}

/// `deskbook probe NAME --arg K=V …`: the arguments as given on the command line (a key
/// given twice is an error rather than a silent override).
pub fn cli_run(name: &str, args: &[(String, String)], tasks: &dyn TaskResolver) -> ProbeResult {
    let started = Instant::now();
    let mut map = BTreeMap::new();
    for (k, v) in args {
        if map.insert(k.clone(), v.clone()).is_some() {
            let mut r = ProbeResult::error(
                &error::shown(name),
                format!("argument `{}` is given more than once", error::shown(k)),
            );
            r.duration_ms = result::millis(started.elapsed());
            return r;
        }
    }
    run(name, &map, tasks)
}

/// A probe call after its arguments were checked.
pub(crate) enum Prepared {
    /// Ready to run.
    Ready(probes::Plan),
    /// Refused before running (bad arguments, unknown task): the result says why.
    Refused(ProbeResult),
}

/// Checks arguments and, for `command`, resolves the task to an argument vector (on the
/// calling thread, because the resolver is borrowed).
fn prepare(name: &str, args: &BTreeMap<String, String>, tasks: &dyn TaskResolver) -> Prepared {
    let started = Instant::now();
    let refuse = |summary: String| {
        let mut r = ProbeResult::error(&error::shown(name), summary);
        r.duration_ms = result::millis(started.elapsed());
        Prepared::Refused(r)
    };
    let Some(probe) = PROBES.iter().copied().find(|p| *p == name) else {
        return refuse(ProbeError::UnknownProbe(error::shown(name)).to_string());
    };
    let params = match args::parse(probe, args) {
        Ok(p) => p,
        Err(e) => return refuse(e.to_string()),
    };
    let command = match &params {
        args::Params::Command { spec, os, vars, .. } => {
            match probes::command::resolve(spec, os.as_deref(), vars, tasks) {
                Ok(c) => Some(c),
                Err(e) => return refuse(e),
            }
        }
        _ => None,
    };
    Prepared::Ready(probes::Plan {
        probe,
        params,
        command,
        started,
    })
}
