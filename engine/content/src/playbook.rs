//! The playbook model as written in `playbooks/*.yaml`, and the recognition of Lua playbooks.
//!
//! This module only parses. Graph validation, templates, Lua and running live in the
//! `deskbook-playbook` crate, which builds on this model.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::Arc;

use crate::source::SourceFile;

/// A playbook file of either format.
#[derive(Debug, Clone)]
pub struct PlaybookDoc {
    pub id: String,
    pub file: Arc<SourceFile>,
    pub layer: usize,
    pub body: PlaybookBody,
    /// For a patched playbook: the playbook below the patch (`file` is then the patch).
    pub lower: Option<Arc<PlaybookDoc>>,
}

#[derive(Debug, Clone)]
pub enum PlaybookBody {
    Yaml(Box<Playbook>),
    /// The Lua source; its metadata is read by the playbook crate's sandbox.
    Lua,
}

impl PlaybookDoc {
    pub fn yaml(&self) -> Option<&Playbook> {
        match &self.body {
            PlaybookBody::Yaml(p) => Some(p),
            PlaybookBody::Lua => None,
        }
    }

    /// The text of this file and of every version below it (a patch, then what it patched).
    pub fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.file.text.as_str()];
        let mut cur = self.lower.as_deref();
        while let Some(doc) = cur {
            out.push(doc.file.text.as_str());
            cur = doc.lower.as_deref();
        }
        out
    }

    /// The file the playbook was first written in (below every patch).
    pub fn origin(&self) -> &PlaybookDoc {
        let mut cur = self;
        while let Some(lower) = cur.lower.as_deref() {
            cur = lower;
        }
        cur
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub id: String,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub tier: Vec<u8>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// The operating systems (tool-matrix OS ids) the playbook supports: every task it runs
    /// must have a command for each of them.
    #[serde(default)]
    pub os: Vec<String>,
    #[serde(default)]
    pub inputs: IndexMap<String, InputSpec>,
    pub start: String,
    pub steps: Vec<Step>,
}

pub const PLAYBOOK_FIELDS: &[&str] = &[
    "id", "title", "summary", "tier", "tags", "source", "os", "inputs", "start", "steps",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Hostname,
    Host,
    Address,
    Text,
    Choice,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub prompt: String,
    pub kind: InputKind,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub default: Option<String>,
}

/// One step. Exactly one of `ask`, `do`, `probe` (alone), `lua`, `call`, `end` gives its kind;
/// the playbook crate checks the combination.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    #[serde(default)]
    pub ask: Option<String>,
    #[serde(default, rename = "do")]
    pub do_: Option<String>,
    #[serde(default)]
    pub probe: Option<ProbeCall>,
    #[serde(default)]
    pub lua: Option<String>,
    #[serde(default)]
    pub call: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub choices: Option<IndexMap<String, String>>,
    #[serde(default)]
    pub save: Option<String>,
    #[serde(default)]
    pub next: Option<Next>,
    #[serde(default)]
    pub on: Option<IndexMap<String, String>>,
    #[serde(default, deserialize_with = "string_map_opt")]
    pub with: Option<IndexMap<String, String>>,
    #[serde(default)]
    pub command: Option<Action>,
    #[serde(default)]
    pub restore: Option<Action>,
    #[serde(default)]
    pub help: Vec<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub escalate: Option<String>,
    #[serde(default)]
    pub collect: Vec<String>,
    #[serde(default)]
    pub say: Option<String>,
    /// A flag the call carries once the run passes this step (`social-engineering`).
    #[serde(default)]
    pub flag: Option<String>,
    /// Only in a patch's `insert`: the step the new one is listed after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// 1-based line of the step's `id:` in its file (filled in by the loader).
    #[serde(skip)]
    pub line: usize,
}

pub const STEP_FIELDS: &[&str] = &[
    "id", "ask", "do", "probe", "lua", "call", "end", "choices", "save", "next", "on", "with",
    "command", "restore", "help", "category", "escalate", "collect", "say", "flag",
];

/// `next:` is one step id, or (for `lua` steps) the list of ids the chunk may return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Next {
    One(String),
    Many(Vec<String>),
}

impl Next {
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Next::One(s) => vec![s.as_str()],
            Next::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Next {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        match Raw::deserialize(d) {
            Ok(Raw::One(s)) => Ok(Next::One(s)),
            Ok(Raw::Many(v)) => Ok(Next::Many(v)),
            Err(_) => Err(serde::de::Error::custom(
                "invalid `next`: expected a step id or a list of step ids",
            )),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeCall {
    pub name: String,
    #[serde(default, deserialize_with = "crate::yaml::scalar_map")]
    pub with: IndexMap<String, String>,
    /// Maps a probe status (`ok`, `fail`, `error`) to the choice it pre-fills.
    #[serde(default)]
    pub answer: Option<IndexMap<String, String>>,
}

/// A command a `do` step runs after confirmation: a tool-matrix task or an argv.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub argv: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::yaml::scalar_map")]
    pub with: IndexMap<String, String>,
}

fn string_map_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<IndexMap<String, String>>, D::Error> {
    crate::yaml::scalar_map(d).map(Some)
}

/// Fill each step's `line` with the line of its `id:` in the file.
pub fn locate_steps(playbook: &mut Playbook, file: &SourceFile) {
    let steps_line = file
        .find_line(|l| l.trim_start().starts_with("steps:"))
        .unwrap_or(1);
    let mut from = steps_line;
    // Split once: re-splitting the text for every step made a 10,000-step playbook quadratic.
    let lines: Vec<&str> = file.text.lines().collect();
    for step in &mut playbook.steps {
        let found = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let t = l.trim_start().trim_start_matches('-').trim_start();
            t.strip_prefix("id:")
                .map(|v| v.trim().trim_matches(['"', '\'']) == step.id)
                .unwrap_or(false)
        });
        if let Some((i, _)) = found {
            step.line = i + 1;
            from = i + 1;
        } else {
            step.line = steps_line;
        }
    }
}
