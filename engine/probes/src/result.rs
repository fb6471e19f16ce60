//! The one shape every probe returns, and the bounds on what it may carry.
//!
//! DESIGN.md fixes the shape: `{probe, status, summary, data, duration_ms, output}`. The
//! store records it with the call, the playbook runtime branches on `status` and saves
//! `data`, and an escalation packet carries `output` to Tier 2, so output is bounded here,
//! once, for every probe.

use std::fmt;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a probe ended.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check ran and was positive (the port is open, the name resolved, …).
    Ok,
    /// The check ran and was negative (no reply, closed port, NXDOMAIN, …).
    Fail,
    /// The check could not run (bad arguments, no permission, tool missing, …).
    Error,
}

impl Status {
    /// `ok`, `fail` or `error`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a probe found.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ProbeResult {
    /// The probe's name (`tcp`, `ike`, …).
    pub probe: String,
    /// ok, fail or error.
    pub status: Status,
    /// One sentence for the agent.
    pub summary: String,
    /// Machine-readable findings, saved by playbook steps (`save:`).
    pub data: Map<String, Value>,
    /// Wall time of the probe, argument checks included.
    pub duration_ms: u64,
    /// Raw output (a tool's stdout, a log excerpt, a decoded reply), at most
    /// [`MAX_OUTPUT`] bytes.
    pub output: String,
}

/// The most output a result carries; longer output is cut with a note.
pub const MAX_OUTPUT: usize = 64 * 1024;

impl ProbeResult {
    /// A result with status `error` and no data, for a probe that could not run.
    pub fn error(probe: &str, summary: impl Into<String>) -> Self {
        ProbeResult {
            probe: probe.to_owned(),
            status: Status::Error,
            summary: summary.into(),
            data: Map::new(),
            duration_ms: 0,
            output: String::new(),
        }
    }
}

impl fmt::Display for ProbeResult {
    /// The human form `deskbook probe` prints without `--json`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {}: {} ({} ms)",
            self.probe, self.status, self.summary, self.duration_ms
        )?;
        for (k, v) in &self.data {
            match v {
                Value::String(s) => writeln!(f, "  {k}: {s}")?,
                other => writeln!(f, "  {k}: {other}")?,
            }
        }
        if !self.output.is_empty() {
            writeln!(f, "--- output ---")?;
            f.write_str(&self.output)?;
            if !self.output.ends_with('\n') {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Builds a result while a probe runs; the clock starts when the builder is made.
pub(crate) struct Report {
    probe: &'static str,
    started: Instant,
    pub(crate) data: Map<String, Value>,
    output: String,
}

impl Report {
    /// A report whose clock started at `started` (when the arguments were taken).
    pub(crate) fn starting(probe: &'static str, started: Instant) -> Self {
        Report {
            probe,
            started,
            data: Map::new(),
            output: String::new(),
        }
    }

    /// Sets a data field.
    pub(crate) fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.data.insert(key.to_owned(), value.into());
    }

    /// Appends to the output, keeping it within [`MAX_OUTPUT`].
    pub(crate) fn out(&mut self, text: &str) {
        push_bounded(&mut self.output, text, MAX_OUTPUT);
    }

    pub(crate) fn finish(self, status: Status, summary: impl Into<String>) -> ProbeResult {
        ProbeResult {
            probe: self.probe.to_owned(),
            status,
            summary: summary.into(),
            data: self.data,
            duration_ms: millis(self.started.elapsed()),
            output: self.output,
        }
    }

    pub(crate) fn ok(self, summary: impl Into<String>) -> ProbeResult {
        self.finish(Status::Ok, summary)
    }

    pub(crate) fn fail(self, summary: impl Into<String>) -> ProbeResult {
        self.finish(Status::Fail, summary)
    }

    pub(crate) fn error(self, summary: impl Into<String>) -> ProbeResult {
        self.finish(Status::Error, summary)
    }
}

const CUT_NOTE: &str = "\n[output cut: more than 64 KiB]\n";

/// Appends `text` to `buf` without letting `buf` grow past `limit` bytes (plus a note
/// saying it was cut). Cuts on a character boundary.
pub(crate) fn push_bounded(buf: &mut String, text: &str, limit: usize) {
    if buf.ends_with(CUT_NOTE) {
        return;
    }
    let room = limit.saturating_sub(buf.len());
    if text.len() <= room {
        buf.push_str(text);
        return;
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    buf.push_str(&text[..end]);
    buf.push_str(CUT_NOTE);
}

/// Milliseconds, rounded down, saturating.
pub(crate) fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds with microsecond precision, for round-trip times.
pub(crate) fn millis_f(d: std::time::Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_serialises_as_lowercase_words() {
        let s = serde_json::to_string(&[Status::Ok, Status::Fail, Status::Error]).ok();
        assert_eq!(s.as_deref(), Some(r#"["ok","fail","error"]"#));
    }

    #[test]
    fn result_has_exactly_the_design_fields() {
        let r = ProbeResult::error("tcp", "nope");
        let v = serde_json::to_value(&r).unwrap_or_default();
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "probe",
                "status",
                "summary",
                "data",
                "duration_ms",
                "output"
            ]
        );
    }

    #[test]
    fn output_is_cut_at_the_limit_on_a_char_boundary() {
        let mut buf = String::new();
        push_bounded(&mut buf, &"é".repeat(10), 7);
        assert_eq!(buf, format!("ééé{CUT_NOTE}"));
        push_bounded(&mut buf, "more", 7);
        assert_eq!(
            buf,
            format!("ééé{CUT_NOTE}"),
            "nothing is added after a cut"
        );
    }
}
