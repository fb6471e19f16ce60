//! The probes themselves, one file each, and the step from checked parameters to a result.

pub(crate) mod command;
pub(crate) mod file;
pub(crate) mod ike;
pub(crate) mod os;
pub(crate) mod ping;
pub(crate) mod resolve;
pub(crate) mod tcp;
pub(crate) mod udp;

use std::time::Instant;

use crate::args::Params;
use crate::result::{ProbeResult, Report};

/// A probe ready to run: checked parameters and, for `command`, the resolved argument
/// vector. Owns everything, so it can run on a detached thread.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) probe: &'static str,
    pub(crate) params: Params,
    pub(crate) command: Option<command::Resolved>,
    pub(crate) started: Instant,
}

/// Runs a plan. Never panics on input: every failure is a result.
pub(crate) fn execute(plan: Plan) -> ProbeResult {
    let r = Report::starting(plan.probe, plan.started);
    match plan.params {
        Params::Os => os::run(r),
        Params::Ping {
            host,
            count,
            timeout,
        } => ping::run(r, &host, count, timeout),
        Params::Resolve {
            name,
            server,
            qtype,
            timeout,
        } => resolve::run(r, &name, server, qtype, timeout),
        Params::Tcp {
            host,
            port,
            timeout,
        } => tcp::run(r, &host, port, timeout),
        Params::Udp {
            host,
            port,
            protocol,
            name,
            timeout,
        } => udp::run(r, &host, port, protocol, name.as_ref(), timeout),
        Params::Ike {
            host,
            port,
            versions,
            choice,
            timeout,
            source_port,
        } => ike::run(
            r,
            &host,
            port,
            (versions, choice.as_deref()),
            timeout,
            source_port,
        ),
        Params::Command { timeout, regex, .. } => match plan.command {
            Some(resolved) => command::run(r, resolved, timeout, regex.as_ref()),
            None => r.error("internal: command probe without a resolved command line"),
        },
        Params::File {
            path,
            pattern,
            tail,
        } => file::run(r, &path, pattern.as_ref(), tail),
    }
}
