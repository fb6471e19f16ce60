//! The rows of the store as Rust values.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;

use crate::record::Record;

/// What the runtime knows when a call starts.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    pub playbook: &'a str,
    /// The playbook's fingerprint when the call started; resume compares it.
    pub fingerprint: &'a str,
    /// The hash of the effective content (all layers) the call runs against.
    pub content_version: &'a str,
    pub agent: Option<&'a str>,
    /// The organisation's rollout (phase) name, when its configuration gives one.
    pub rollout: Option<&'a str>,
    pub vars: &'a BTreeMap<String, String>,
}

impl NewCall<'_> {
    /// The call's first record.
    pub fn started(&self) -> Record {
        Record::Started {
            playbook: self.playbook.to_string(),
            fingerprint: self.fingerprint.to_string(),
            content_version: self.content_version.to_string(),
            vars: self.vars.clone(),
            agent: self.agent.map(str::to_string),
            rollout: self.rollout.unwrap_or_default().to_string(),
        }
    }

    /// The call as it is when it starts, under `session`, at `started_at`.
    pub fn call(&self, session: &str, started_at: &str) -> Call {
        Call {
            session: session.to_string(),
            playbook: self.playbook.to_string(),
            fingerprint: self.fingerprint.to_string(),
            content_version: self.content_version.to_string(),
            agent: self.agent.map(str::to_string),
            caller: input_of(self.vars, CALLER_INPUTS),
            target: input_of(self.vars, TARGET_INPUTS),
            rollout: self.rollout.unwrap_or_default().to_string(),
            vars: self.vars.clone(),
            started_at: started_at.to_string(),
            ended_at: None,
            duration_ms: None,
            status: None,
            category: None,
            escalate: None,
            path: Vec::new(),
            notes: Vec::new(),
            probes: Vec::new(),
            flags: Vec::new(),
            closed_by: None,
        }
    }
}

/// A note an agent took during a call (the `notes` column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub step: String,
    pub text: String,
    pub at: String,
}

/// One probe or command result of a call (the `probes` column), with where it ran: a
/// result speaks only for the computer it ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeSeen {
    pub step: String,
    pub probe: String,
    pub status: String,
    pub summary: String,
    /// `helpdesk` (run live on the agent's computer), `caller` or `target` (from that
    /// computer's evidence packet), or `canned` (given by an answers file or a dry run: it
    /// ran nowhere).
    pub ran_on: String,
    /// The agent answered otherwise than the result suggested.
    #[serde(default)]
    pub overridden: bool,
    pub at: String,
}

/// Who ended a call: its playbook reached an end, or an agent closed it.
pub const CLOSED_BY_PLAYBOOK: &str = "playbook";
pub const CLOSED_BY_AGENT: &str = "agent";

/// One call as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    pub session: String,
    pub playbook: String,
    pub fingerprint: String,
    pub content_version: String,
    pub agent: Option<String>,
    /// The caller's computer (the `caller` input, or `computer`, `client`).
    pub caller: Option<String>,
    /// The computer the caller cannot reach (the `target` input, or `server`).
    pub target: Option<String>,
    /// Empty until an organisation's configuration names a rollout.
    pub rollout: String,
    pub vars: BTreeMap<String, String>,
    pub started_at: String,
    /// `None` while the call is open (running, dropped or failed: it can be resumed).
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub escalate: Option<String>,
    /// The steps taken, in order (qualified ids).
    pub path: Vec<String>,
    pub notes: Vec<Note>,
    pub probes: Vec<ProbeSeen>,
    pub flags: Vec<String>,
    /// `playbook` or `agent` once ended.
    pub closed_by: Option<String>,
}

impl Call {
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// The inputs that name the caller's computer, in the order they are looked for.
pub const CALLER_INPUTS: &[&str] = &["caller", "computer", "client"];
/// The inputs that name the target computer.
pub const TARGET_INPUTS: &[&str] = &["target", "server", "destination"];

/// The first of `names` that `vars` gives.
pub fn input_of(vars: &BTreeMap<String, String>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|k| vars.get(*k)).cloned()
}

/// The caller's (`side` "caller") or the target's ("target") computer among a call's
/// inputs. A playbook for either computer (refresh-policy, detect-policy) names it
/// `computer` and says whose it is in `side`; then `computer` is that side's only.
/// Otherwise the first of [`CALLER_INPUTS`] or [`TARGET_INPUTS`].
pub fn computer_of(vars: &BTreeMap<String, String>, side: &str) -> Option<String> {
    let names = if side == "target" {
        TARGET_INPUTS
    } else {
        CALLER_INPUTS
    };
    match vars.get("side").map(String::as_str) {
        Some(s) if s == side => vars
            .get("computer")
            .cloned()
            .or_else(|| input_of(vars, names)),
        Some("caller" | "target") => names
            .iter()
            .filter(|k| **k != "computer")
            .find_map(|k| vars.get(*k))
            .cloned(),
        _ => input_of(vars, names),
    }
}

/// One entry of a call's log. `seq` starts at 1 and has no gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    /// The time it was committed (RFC 3339 UTC).
    pub at: String,
    pub record: Record,
}

impl Event {
    pub fn kind(&self) -> &'static str {
        self.record.kind()
    }

    pub fn step(&self) -> Option<&str> {
        self.record.step()
    }
}

/// As stored: `{"seq", "kind", "step", "payload", "at"}` (`sessions show --json`, the
/// packet's `call.json`).
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("kind", self.kind())?;
        m.serialize_entry("step", &self.step())?;
        m.serialize_entry("payload", &Value::Object(self.record.payload()))?;
        m.serialize_entry("at", &self.at)?;
        m.end()
    }
}

/// Where a committed event landed in its call's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub seq: i64,
    /// The time recorded with it (RFC 3339 UTC).
    pub at: String,
}

/// Which calls `sessions list` shows. Times are RFC 3339 UTC text, compared as text (the
/// store writes every time in one format, so text order is time order).
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Started at or after.
    pub since: Option<String>,
    /// Started before.
    pub until: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub agent: Option<String>,
    /// Only calls still open.
    pub open: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn computer_is_the_sides_named_by_side_else_the_callers() {
        let target_side = vars(&[("computer", "srv-files-01"), ("side", "target")]);
        assert_eq!(
            computer_of(&target_side, "target").as_deref(),
            Some("srv-files-01")
        );
        assert_eq!(computer_of(&target_side, "caller"), None);
        let with_caller = vars(&[("computer", "srv"), ("side", "target"), ("caller", "pc")]);
        assert_eq!(computer_of(&with_caller, "caller").as_deref(), Some("pc"));
        let no_side = vars(&[("computer", "pc-0042"), ("target", "srv")]);
        assert_eq!(computer_of(&no_side, "caller").as_deref(), Some("pc-0042"));
        assert_eq!(computer_of(&no_side, "target").as_deref(), Some("srv"));
    }
}
