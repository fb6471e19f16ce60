//! The one record of a call's log: every writer (the runner, `sessions close`) builds a
//! [`Record`] and every reader (resume, the summary, the export, the report, `--json`)
//! matches on one. The store keeps a record as its `event` tag (the `kind` column), its
//! step (the `step` column) and the rest as a JSON object (the `payload` column), so the
//! rows stay the shape they have always had; a row that does not read back as a record is
//! an error naming its call and `seq`, never skipped.

use deskbook_probes::ProbeResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A probe call as a step asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeCall {
    pub name: String,
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// Where the step says it must run: `caller`, `target` or `helpdesk` (absent in calls
    /// recorded before vantages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// Where a result came from. A result speaks only for the computer it ran on, so every
/// result recorded since schema version 3 says which computer that was and how the result
/// reached the call. A result without one (recorded earlier) ran on the help desk computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The computer it speaks for: `caller`, `target` or `helpdesk`.
    pub from: String,
    /// That computer's name: this help desk computer's host name, or the packet's computer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer: Option<String>,
    /// How it reached the call: `probe` (run on this help desk computer), `packet` (from
    /// an attached evidence packet), `canned` (an answers file or a dry run gave it).
    pub how: String,
    /// When the packet was collected (RFC 3339), for a result from a packet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected: Option<String>,
}

impl Origin {
    /// A result a probe gave live on this help desk computer, named `host`.
    pub fn probe(host: String) -> Origin {
        Origin {
            from: "helpdesk".into(),
            computer: Some(host),
            how: "probe".into(),
            collected: None,
        }
    }

    /// A result an answers file or a dry run gave in place of running on the computer
    /// `from` stands for (`computer`, its name, when the call knows it).
    pub fn canned(from: &str, computer: Option<String>) -> Origin {
        Origin {
            from: from.into(),
            computer,
            how: "canned".into(),
            collected: None,
        }
    }

    /// A result read from a packet collected on `computer` at `collected`, standing for
    /// the computer `from` names.
    pub fn packet(from: &str, computer: String, collected: String) -> Origin {
        Origin {
            from: from.into(),
            computer: Some(computer),
            how: "packet".into(),
            collected: Some(collected),
        }
    }

    /// Where the result comes from, as summaries and exports say it: `from the help desk
    /// computer (DESK-07)`, `from PC-0042's packet, collected 10:42`, `canned, the caller's
    /// computer` (an answers file gave it).
    pub fn describe(&self) -> String {
        let computer = self.computer.as_deref().unwrap_or("");
        match (self.how.as_str(), self.from.as_str()) {
            ("packet", _) => packet_label(computer, self.collected.as_deref().unwrap_or("")),
            ("canned", from) => format!("canned, {}", whose(from)),
            (_, "helpdesk") if !computer.is_empty() => {
                format!("from the help desk computer ({computer})")
            }
            (_, from) => format!("from {}", whose(from)),
        }
    }
}

/// Where a result without an origin ran (recorded before schema version 3).
pub const NO_ORIGIN: &str = "from the help desk computer";

/// `the caller's computer`, `the target`, `the help desk computer`.
pub fn whose(from: &str) -> &'static str {
    match from {
        "caller" => "the caller's computer",
        "target" => "the target",
        _ => "the help desk computer",
    }
}

/// `from PC-0042's packet, collected 10:42` (the collection's start, UTC, as recorded).
pub fn packet_label(computer: &str, collected: &str) -> String {
    let time = collected
        .split_once('T')
        .map(|(_, t)| t.chars().take(5).collect::<String>())
        .unwrap_or_else(|| collected.to_string());
    format!("from {computer}'s packet, collected {time}")
}

/// One step of an attached evidence packet (kept in the `attached` record, so resume and
/// the export need not read the packet file again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacketStep {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ProbeResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The packet's files of this step, as the packet named them (Table 7.3's names);
    /// empty in calls recorded before they were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// A command a `do` step runs (a tool-matrix task or an argv), as the engine gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// The step that declared it (qualified id).
    pub step: String,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub argv: Option<Vec<String>>,
    #[serde(default)]
    pub with: BTreeMap<String, String>,
}

/// A recorded reply that a changed playbook no longer takes (kept with `resumed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misfit {
    pub step: String,
    /// What was recorded (`answer "no"`, `ping result fail`, `back`, `note`).
    pub recorded: String,
    pub reason: String,
}

/// One event of a call. The JSON form is `{"event": "answered", "step": ..., ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// The call began (always `seq` 1).
    Started {
        playbook: String,
        fingerprint: String,
        /// The hash of the effective content the call ran against (empty for calls
        /// recorded before schema version 2).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        content_version: String,
        #[serde(default)]
        vars: BTreeMap<String, String>,
        #[serde(default)]
        agent: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        rollout: String,
    },
    /// `sessions resume` replayed the first `kept` replies and went on at `at`.
    Resumed {
        fingerprint_before: String,
        fingerprint: String,
        changed: bool,
        kept: u64,
        #[serde(default)]
        misfits: Vec<Misfit>,
        #[serde(default)]
        at: String,
        #[serde(default)]
        agent: Option<String>,
    },
    /// The run reached a step.
    Entered { step: String },
    /// A reply: the agent's (or the answers file's) answer to a step.
    Answered {
        step: String,
        answer: String,
        /// The step's text as the agent saw it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The answer a probe suggested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefill: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overridden: Option<bool>,
        /// The computer the step concerns, when the agent answered for another computer
        /// (`caller` or `target`): the command shown for it to run there.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
    },
    /// A reply: a probe's result.
    Probed {
        step: String,
        result: ProbeResult,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<ProbeCall>,
        /// The result came from the answers file (or a dry run), not from a live probe.
        #[serde(default)]
        canned: bool,
        /// Which computer the result speaks for, and how it reached the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<Origin>,
    },
    /// A probe result the agent overrode with an answer (kept for Tier 2; not a reply).
    Observed {
        step: String,
        result: ProbeResult,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<ProbeCall>,
        #[serde(default)]
        canned: bool,
        /// Which computer the result speaks for, and how it reached the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<Origin>,
    },
    /// A reply: a confirmed command ran (or its canned result was taken).
    Ran {
        step: String,
        command: String,
        action: Action,
        result: ProbeResult,
        #[serde(default)]
        canned: bool,
        /// Which computer the result speaks for, and how it reached the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<Origin>,
    },
    /// An evidence packet from the caller's (or the target's) computer was checked and
    /// attached to the call (`run --evidence`, `sessions attach`): its steps with results
    /// answer the steps of that computer.
    Attached {
        /// The packet file as the agent named it.
        packet: String,
        /// The computer it was collected on, and by whom.
        computer: String,
        #[serde(default)]
        user: String,
        #[serde(default)]
        admin: bool,
        /// Its OS and tool-matrix OS id.
        #[serde(default)]
        os: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        os_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// When the collection started and ended (RFC 3339).
        collected: String,
        #[serde(default)]
        ended: String,
        /// The deskbook that collected it.
        #[serde(default)]
        deskbook: String,
        #[serde(default)]
        steps: Vec<PacketStep>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    /// The agent chose not to let deskbook run a step's command.
    Declined { step: String, command: String },
    /// Text for the agent (an end step's `say`, `ctx:say`).
    Said { text: String },
    /// A reply: the agent went back from `from` to `to`.
    Back { from: String, to: String },
    /// A reply: a note on a step.
    Noted { step: String, text: String },
    /// The run passed a step that flags the call (`flag:` in the playbook).
    Flagged { step: String, flag: String },
    /// The engine asks for a command's change to be undone.
    Restore { action: Action },
    /// An undo ran.
    Restored {
        step: String,
        action: Action,
        command: String,
        result: ProbeResult,
    },
    /// The run stopped before its end (the call stays open).
    Failed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        message: String,
    },
    /// The playbook reached an end step.
    Ended {
        playbook: String,
        status: String,
        category: String,
        #[serde(default)]
        escalate: Option<String>,
        #[serde(default)]
        collect: Vec<String>,
        #[serde(default)]
        say: Option<String>,
        #[serde(default)]
        path: Vec<String>,
        /// Marks for reports (`social-engineering`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<String>,
    },
    /// An agent ended an abandoned open call on purpose (`sessions close`).
    Closed {
        status: String,
        category: String,
        #[serde(default)]
        escalate: Option<String>,
        #[serde(default)]
        agent: Option<String>,
    },
}

impl Record {
    /// The `event` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Started { .. } => "started",
            Record::Resumed { .. } => "resumed",
            Record::Entered { .. } => "entered",
            Record::Answered { .. } => "answered",
            Record::Probed { .. } => "probed",
            Record::Observed { .. } => "observed",
            Record::Ran { .. } => "ran",
            Record::Attached { .. } => "attached",
            Record::Declined { .. } => "declined",
            Record::Said { .. } => "said",
            Record::Back { .. } => "back",
            Record::Noted { .. } => "noted",
            Record::Flagged { .. } => "flagged",
            Record::Restore { .. } => "restore",
            Record::Restored { .. } => "restored",
            Record::Failed { .. } => "failed",
            Record::Ended { .. } => "ended",
            Record::Closed { .. } => "closed",
        }
    }

    /// The step the record belongs to (the `step` column): for `back`, the step left.
    pub fn step(&self) -> Option<&str> {
        match self {
            Record::Entered { step }
            | Record::Answered { step, .. }
            | Record::Probed { step, .. }
            | Record::Observed { step, .. }
            | Record::Ran { step, .. }
            | Record::Declined { step, .. }
            | Record::Noted { step, .. }
            | Record::Flagged { step, .. }
            | Record::Restored { step, .. } => Some(step),
            Record::Back { from, .. } => Some(from),
            Record::Failed { step, .. } => step.as_deref(),
            _ => None,
        }
    }

    /// The probe (or command) result it carries.
    pub fn result(&self) -> Option<&ProbeResult> {
        match self {
            Record::Probed { result, .. }
            | Record::Observed { result, .. }
            | Record::Ran { result, .. }
            | Record::Restored { result, .. } => Some(result),
            _ => None,
        }
    }

    /// Where the result it carries comes from (`None`: recorded before schema version 3,
    /// when every result ran on the help desk computer).
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Record::Probed { origin, .. }
            | Record::Observed { origin, .. }
            | Record::Ran { origin, .. } => origin.as_ref(),
            _ => None,
        }
    }

    /// Where a result record ran, as shown to people ("from PC-0042's packet, collected
    /// 10:42"; a result recorded before origins were, [`NO_ORIGIN`]).
    pub fn whence(&self) -> String {
        self.origin()
            .map_or_else(|| NO_ORIGIN.to_string(), Origin::describe)
    }

    /// The record without its tag and step: what the `payload` column holds.
    pub fn payload(&self) -> Map<String, Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        // `shift_remove` keeps the fields in their order (plain `remove` swaps the last in).
        map.shift_remove("event");
        map.shift_remove("step");
        map
    }

    /// Read a stored row back: its kind, step and payload. The error says what is wrong
    /// with it.
    pub fn from_row(
        kind: &str,
        step: Option<&str>,
        payload: &str,
    ) -> Result<Record, serde_json::Error> {
        let mut map: Map<String, Value> = serde_json::from_str(payload)?;
        map.insert("event".into(), Value::String(kind.to_string()));
        if let Some(step) = step {
            map.entry("step")
                .or_insert_with(|| Value::String(step.to_string()));
        }
        serde_json::from_value(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip() -> Result<(), serde_json::Error> {
        let records = [
            Record::Answered {
                step: "a".into(),
                answer: "yes".into(),
                text: Some("Can it ping?".into()),
                prefill: None,
                overridden: None,
                from: None,
                command: None,
            },
            Record::Back {
                from: "b".into(),
                to: "a".into(),
            },
            Record::Said { text: "hi".into() },
            Record::Failed {
                step: None,
                message: "stopped".into(),
            },
        ];
        for r in records {
            let payload = Value::Object(r.payload()).to_string();
            assert_eq!(Record::from_row(r.kind(), r.step(), &payload)?, r);
        }
        Ok(())
    }

    #[test]
    fn a_damaged_row_is_an_error() {
        let e = Record::from_row("answered", Some("a"), r#"{"answer": 3}"#);
        assert!(e.is_err());
        let e = Record::from_row("teleported", None, "{}");
        assert!(e.is_err());
    }
}
