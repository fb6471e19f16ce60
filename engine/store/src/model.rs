//! The rows of the store as Rust values.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What the runtime knows when a call starts.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    pub playbook: &'a str,
    /// The playbook's fingerprint when the call started; resume compares it.
    pub fingerprint: &'a str,
    pub agent: Option<&'a str>,
    /// The organisation's rollout (phase) name, when its configuration gives one.
    pub rollout: Option<&'a str>,
    pub vars: &'a BTreeMap<String, String>,
}

/// One call as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    pub session: String,
    pub playbook: String,
    pub fingerprint: String,
    pub agent: Option<String>,
    pub rollout: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub started_at: String,
    /// `None` while the call is open (running, dropped or failed: it can be resumed).
    pub ended_at: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub escalate: Option<String>,
}

impl Call {
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// One entry of a call's log. `seq` starts at 1 and has no gaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: i64,
    pub kind: String,
    pub step: Option<String>,
    pub payload: Value,
    pub at: String,
}

/// How a call ended, as the `calls` row keeps it for reports.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub status: &'a str,
    pub category: Option<&'a str>,
    pub escalate: Option<&'a str>,
}

/// Where a committed event landed in its call's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub seq: i64,
    /// The time recorded with it (RFC 3339 UTC).
    pub at: String,
}
