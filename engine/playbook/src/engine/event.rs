//! What happened during a run, in order ([`EngineEvent`]), and how it ended ([`Outcome`]).

use deskbook_probes::ProbeResult;
use serde::Serialize;

use super::pending::Reply;
use super::request::ActionRequest;

/// Something that happened, in order. The runtime writes each to the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum EngineEvent {
    /// The run reached a step (every kind: ask, do, probe, lua, call, end).
    Entered {
        step: String,
    },
    Answered {
        step: String,
        answer: String,
    },
    Probed {
        step: String,
        result: ProbeResult,
    },
    /// Text for the agent (an `end` step's `say`, or `ctx:say` in Lua).
    Said {
        text: String,
    },
    Back {
        from: String,
        to: String,
    },
    Noted {
        step: String,
        text: String,
    },
    /// The run passed a step that flags the call (`flag:`, e.g. `social-engineering`).
    Flagged {
        step: String,
        flag: String,
    },
    /// Undo what a `do` step changed; the runtime runs it (reported in reverse order at the
    /// end; on a failed or abandoned run, get them from [`Engine::restores`]).
    Restore {
        action: ActionRequest,
    },
    Ended(Outcome),
}

impl EngineEvent {
    /// The reply that produced this event, for replaying a recorded run; `None` for events
    /// the engine makes by itself.
    pub fn reply(&self) -> Option<Reply> {
        match self {
            EngineEvent::Answered { answer, .. } => Some(Reply::Answer(answer.clone())),
            EngineEvent::Probed { result, .. } => Some(Reply::Probe(result.clone())),
            EngineEvent::Back { .. } => Some(Reply::Back),
            EngineEvent::Noted { text, .. } => Some(Reply::Note(text.clone())),
            _ => None,
        }
    }

    /// The step a reply event was given to (to check a replay still fits the playbook).
    pub fn step(&self) -> Option<&str> {
        match self {
            EngineEvent::Entered { step }
            | EngineEvent::Answered { step, .. }
            | EngineEvent::Probed { step, .. }
            | EngineEvent::Noted { step, .. }
            | EngineEvent::Flagged { step, .. } => Some(step),
            EngineEvent::Back { from, .. } => Some(from),
            _ => None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The playbook the run started with.
    pub playbook: String,
    /// `fixed-understood`, `fixed-unclear` or `not-fixed`.
    pub status: String,
    /// A taxonomy category id.
    pub category: String,
    /// `tier2` or `tier3`.
    pub escalate: Option<String>,
    /// What Tier 2 needs (variable names or things to attach).
    pub collect: Vec<String>,
    /// The closing text (rendered), if the end step has one.
    pub say: Option<String>,
    /// The steps of the run as it stands (after any `Back`), qualified ids.
    pub path: Vec<String>,
    /// The flags of the steps on that path, in order, each once.
    pub flags: Vec<String>,
}
