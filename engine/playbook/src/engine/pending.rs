//! The two sides of a step: what the run waits for ([`Pending`]) and what the agent or a
//! probe gives it ([`Reply`]).

use deskbook_probes::ProbeResult;
use serde::Serialize;

use super::request::{ActionRequest, ProbeRequest};

/// What the run waits for. Step ids are qualified (`PLAYBOOK/STEP` inside a called playbook).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Pending {
    /// A question with choices. When `probe` is set, run it first and submit its result
    /// ([`Reply::Probe`]); the engine then offers `prefill` (the choice the probe's status
    /// maps to), which the agent accepts or overrides with [`Reply::Answer`]. Answering
    /// without running the probe is allowed.
    Ask {
        step: String,
        text: String,
        choices: Vec<String>,
        /// Item ids to show with the step (`?` opens them).
        help: Vec<String>,
        probe: Option<ProbeRequest>,
        prefill: Option<String>,
    },
    /// An instruction the agent confirms by answering one of `choices` (`["done"]` when the
    /// step has a single `next`). When `command` is set, the runtime runs it only after the
    /// agent confirms, then submits its result ([`Reply::Probe`], which also arms the step's
    /// restore action) and then the answer. With `--dry-run` it shows the command instead.
    Confirm {
        step: String,
        text: String,
        help: Vec<String>,
        command: Option<ActionRequest>,
        choices: Vec<String>,
    },
    /// A probe to run; submit its result. ([`Reply::Answer`] with `ok`, `fail` or `error`
    /// stands for a result the agent found by hand.)
    Probe {
        step: String,
        request: ProbeRequest,
        help: Vec<String>,
    },
    /// A free answer, saved to the variable `save`.
    Input {
        step: String,
        text: String,
        help: Vec<String>,
        save: Option<String>,
    },
}

impl Pending {
    /// The qualified id of the step.
    pub fn step(&self) -> &str {
        match self {
            Pending::Ask { step, .. }
            | Pending::Confirm { step, .. }
            | Pending::Probe { step, .. }
            | Pending::Input { step, .. } => step,
        }
    }

    pub fn help(&self) -> &[String] {
        match self {
            Pending::Ask { help, .. }
            | Pending::Confirm { help, .. }
            | Pending::Probe { help, .. }
            | Pending::Input { help, .. } => help,
        }
    }
}

/// What the agent (or a probe) gives the pending step.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A choice label, a free answer, or a confirmation label.
    Answer(String),
    /// A probe's (or a confirmed command's) result.
    Probe(ProbeResult),
    /// Go back one step. Recorded, never erased: the events keep what was answered.
    Back,
    /// A note on the pending step; changes nothing else.
    Note(String),
}
