//! Probes that may be slow, at a terminal: the probe runs on a thread of its own while the
//! runner watches the clock and the agent. After half a second the agent is told what the
//! probe does and how long it may take; `s` and Enter skips it, Ctrl-C cancels it, and the
//! call goes on either way with the probe recorded as not run. (The abandoned probe ends on
//! its own timeout; its result is ignored.) Without a terminal, probes run on the runner's
//! thread as before.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use deskbook_playbook::ProbeRequest;
use deskbook_probes::ProbeResult;

use super::{describe_request, Runner};
use crate::interrupt::{self, ProbeStop};

/// How long a probe runs before the agent is told about it.
const NOTICE_AFTER: Duration = Duration::from_millis(500);

impl Runner<'_> {
    /// Run `request` live: in the background at a terminal, so the agent can stop it.
    pub(super) fn run_live(&mut self, request: &ProbeRequest) -> ProbeResult {
        let background = if self.ui.is_terminal() {
            self.probes.background()
        } else {
            None
        };
        let Some(probes) = background else {
            return self.probes.run(request);
        };
        let (tx, rx) = mpsc::channel();
        let req = request.clone();
        interrupt::probe_running(true);
        let started = Instant::now();
        std::thread::spawn(move || {
            let _ = tx.send(probes.run(&req));
        });
        let mut told = false;
        let result = loop {
            let got = rx.recv_timeout(Duration::from_millis(50));
            // A stop counts even when the probe ended meanwhile (Ctrl-C also reaches a
            // command the probe started, which then fails).
            match interrupt::probe_stop() {
                Some(ProbeStop::Skipped) => {
                    break stopped(request, "skipped by the agent", started)
                }
                Some(ProbeStop::Cancelled) => {
                    break stopped(request, "cancelled by the agent (Ctrl-C)", started)
                }
                None => {}
            }
            match got {
                Ok(r) => break r,
                Err(RecvTimeoutError::Disconnected) => {
                    break stopped(request, "the probe ended without a result", started)
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !told && started.elapsed() >= NOTICE_AFTER {
                told = true;
                let (doing, up_to) = expectation(request);
                self.ui.say(&format!(
                    "  {doing} ({}): this may take up to {up_to} s. Type s and Enter to skip it; Ctrl-C cancels it, not the call.",
                    describe_request(request)
                ));
                self.ui.flush();
            }
        };
        interrupt::probe_running(false);
        result
    }
}

/// The result of a probe the agent stopped.
fn stopped(request: &ProbeRequest, why: &str, started: Instant) -> ProbeResult {
    let mut r = ProbeResult::error(&request.name, why);
    r.duration_ms = started.elapsed().as_millis() as u64;
    r
}

/// What the probe does, in words, and the most seconds it may take (its timeout, with the
/// defaults of `deskbook-probes` where the step gives none).
fn expectation(request: &ProbeRequest) -> (String, u64) {
    let arg = |k: &str| request.args.get(k).map(String::as_str).unwrap_or("");
    let num = |k: &str, d: u64| {
        request
            .args
            .get(k)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(d)
    };
    let secs = |ms: u64| ms.div_ceil(1000).max(1);
    match request.name.as_str() {
        "ping" => (
            format!("pinging {}", arg("host")),
            secs(num("count", 4) * num("timeout_ms", 1000)),
        ),
        "resolve" => (
            format!("looking up {}", arg("name")),
            secs(num("timeout_ms", 2000) * 2),
        ),
        "tcp" => (
            format!("connecting to {} port {}", arg("host"), arg("port")),
            secs(num("timeout_ms", 3000)),
        ),
        "udp" => (
            format!("asking {} ({})", arg("host"), arg("protocol")),
            secs(num("timeout_ms", 2000)),
        ),
        "ike" => (
            format!("sending an IKE request to {}", arg("host")),
            secs(num("timeout_ms", 3000) * 2),
        ),
        "command" => (
            "running the command".to_string(),
            secs(num("timeout_ms", 10_000)),
        ),
        "file" => (format!("reading {}", arg("path")), 2),
        other => (format!("running the {other} probe"), 10),
    }
}
