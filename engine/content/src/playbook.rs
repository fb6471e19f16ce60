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
    /// A TCP or UDP port number, 1 to 65535.
    Port,
    /// A file or folder path: one line, not starting with `-`.
    Path,
    Text,
    Choice,
}

impl InputKind {
    /// Kinds whose values are checked closely enough to become one argument of a program
    /// (an `argv` placeholder): everything but free `text`.
    pub fn is_checked(self) -> bool {
        !matches!(self, InputKind::Text)
    }
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

/// What a step is, decided once when the playbook is parsed ([`classify`]): the engine,
/// `check` and the program match on it instead of re-reading which fields are present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A question: choices, or free input saved to a variable; may be pre-filled by a probe.
    Ask,
    /// An instruction the agent confirms, optionally running a command.
    Do,
    /// A probe run on its own, branching on its status.
    Probe,
    /// Lua code that returns the next step.
    Lua,
    /// A sub-playbook.
    Call,
    /// The end of the run: status, category, escalation.
    End,
}

impl StepKind {
    pub const ALL: &'static [StepKind] = &[
        StepKind::Ask,
        StepKind::Do,
        StepKind::Probe,
        StepKind::Lua,
        StepKind::Call,
        StepKind::End,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Ask => "ask",
            StepKind::Do => "do",
            StepKind::Probe => "probe",
            StepKind::Lua => "lua",
            StepKind::Call => "call",
            StepKind::End => "end",
        }
    }

    /// The fields a step of this kind may have besides `id` and `help`.
    pub fn allowed(self) -> &'static [&'static str] {
        match self {
            StepKind::Ask => &["ask", "probe", "choices", "save", "next", "flag"],
            StepKind::Do => &["do", "command", "restore", "choices", "next", "flag"],
            StepKind::Probe => &["probe", "save", "on", "next"],
            StepKind::Lua => &["lua", "next"],
            StepKind::Call => &["call", "with", "on"],
            StepKind::End => &["end", "category", "escalate", "collect", "say"],
        }
    }
}

/// Why a step has no kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindError {
    /// None of the kind fields.
    None,
    /// Two kind fields (the first two, in the order of [`StepKind::ALL`]).
    Both(&'static str, &'static str),
    /// A field the kind does not allow.
    NotAllowed(StepKind, &'static str),
}

/// The fields a step has, by name.
pub fn present(s: &Step) -> Vec<&'static str> {
    let checks: [(&'static str, bool); 18] = [
        ("ask", s.ask.is_some()),
        ("do", s.do_.is_some()),
        ("probe", s.probe.is_some()),
        ("lua", s.lua.is_some()),
        ("call", s.call.is_some()),
        ("end", s.end.is_some()),
        ("choices", s.choices.is_some()),
        ("save", s.save.is_some()),
        ("next", s.next.is_some()),
        ("on", s.on.is_some()),
        ("with", s.with.is_some()),
        ("command", s.command.is_some()),
        ("restore", s.restore.is_some()),
        ("category", s.category.is_some()),
        ("escalate", s.escalate.is_some()),
        ("collect", !s.collect.is_empty()),
        ("say", s.say.is_some()),
        ("flag", s.flag.is_some()),
    ];
    checks
        .into_iter()
        .filter(|(_, is)| *is)
        .map(|(n, _)| n)
        .collect()
}

/// A step's kind from its fields: exactly one kind field (`probe` beside `ask` is the
/// question's pre-fill), and only the fields that kind allows.
pub fn classify(s: &Step) -> Result<StepKind, Vec<KindError>> {
    let fields = present(s);
    let mut kinds: Vec<StepKind> = StepKind::ALL
        .iter()
        .copied()
        .filter(|k| fields.contains(&k.as_str()))
        .collect();
    if kinds.contains(&StepKind::Ask) {
        kinds.retain(|k| *k != StepKind::Probe);
    }
    let kind = match kinds.as_slice() {
        [] => return Err(vec![KindError::None]),
        [one] => *one,
        [a, b, ..] => return Err(vec![KindError::Both(a.as_str(), b.as_str())]),
    };
    let wrong: Vec<KindError> = fields
        .into_iter()
        .filter(|f| !kind.allowed().contains(f))
        .map(|f| KindError::NotAllowed(kind, f))
        .collect();
    if wrong.is_empty() {
        Ok(kind)
    } else {
        Err(wrong)
    }
}

impl KindError {
    /// The field the problem is at (`None` for the step itself).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            KindError::None => None,
            KindError::Both(_, second) => Some(second),
            KindError::NotAllowed(_, f) => Some(f),
        }
    }

    pub fn message(&self, step: &str) -> String {
        match self {
            KindError::None => format!(
                "step `{step}` has no kind: expected one of ask, do, probe, lua, call, end"
            ),
            KindError::Both(a, b) => format!(
                "step `{step}` has both `{a}` and `{b}`: a step is exactly one of ask, do, probe, lua, call, end"
            ),
            KindError::NotAllowed(kind, f) => format!(
                "`{f}` does not belong to a `{}` step (step `{step}` may have: {})",
                kind.as_str(),
                kind.allowed().join(", ")
            ),
        }
    }
}

/// Decide every step's kind; each impossible combination is a diagnostic at the field's
/// mark (`steps` are the marks of the step list the steps were written in).
pub fn classify_steps(
    steps: &mut [Step],
    file: &SourceFile,
    marks: Option<&crate::yaml::Mark>,
    diags: &mut Vec<crate::diag::Diagnostic>,
) {
    for (i, s) in steps.iter_mut().enumerate() {
        match classify(s) {
            Ok(k) => s.kind = Some(k),
            Err(errs) => {
                s.kind = None;
                let step_mark = marks.and_then(|m| m.at(i));
                for e in errs {
                    let (line, column) = match (step_mark, e.field()) {
                        (Some(m), Some(f)) => {
                            m.key(f).map(|k| k.pos()).unwrap_or(m.first_key_pos())
                        }
                        (Some(m), None) => m.first_key_pos(),
                        (None, _) => (s.line.max(1), 1),
                    };
                    diags.push(
                        crate::diag::Diagnostic::error(&file.path, line, column, e.message(&s.id))
                            .with_source(&file.text),
                    );
                }
            }
        }
    }
}

/// One step as written. Its kind is decided once at load ([`Step::kind`]).
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
    /// The step's kind, decided at load ([`classify`]); `None` when the fields make none.
    #[serde(skip)]
    pub kind: Option<StepKind>,
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

/// A step's kind together with the field that makes it that kind: what the engine, `check`
/// and the outline match on, so none of them re-reads which optional fields are present.
#[derive(Debug, Clone, Copy)]
pub enum StepBody<'a> {
    /// The question, and the probe that may pre-fill its answer.
    Ask {
        text: &'a str,
        probe: Option<&'a ProbeCall>,
    },
    /// The instruction, and the command the agent may run for it.
    Do {
        text: &'a str,
        command: Option<&'a Action>,
    },
    Probe(&'a ProbeCall),
    /// The Lua code.
    Lua(&'a str),
    /// The playbook called.
    Call(&'a str),
    /// The status the run ends with (`category`, `escalate`, `collect`, `say` beside it).
    End {
        status: &'a str,
    },
}

impl Step {
    /// The step's kind with its defining field; `None` when the fields made no kind (the
    /// loader reported why, at the field).
    pub fn body(&self) -> Option<StepBody<'_>> {
        Some(match self.kind? {
            StepKind::Ask => StepBody::Ask {
                text: self.ask.as_deref()?,
                probe: self.probe.as_ref(),
            },
            StepKind::Do => StepBody::Do {
                text: self.do_.as_deref()?,
                command: self.command.as_ref(),
            },
            StepKind::Probe => StepBody::Probe(self.probe.as_ref()?),
            StepKind::Lua => StepBody::Lua(self.lua.as_deref()?),
            StepKind::Call => StepBody::Call(self.call.as_deref()?),
            StepKind::End => StepBody::End {
                status: self.end.as_deref()?,
            },
        })
    }

    /// The playbook a `call` step calls.
    pub fn callee(&self) -> Option<&str> {
        match self.body()? {
            StepBody::Call(callee) => Some(callee),
            _ => None,
        }
    }

    /// The status an `end` step ends with.
    pub fn end_status(&self) -> Option<&str> {
        match self.body()? {
            StepBody::End { status } => Some(status),
            _ => None,
        }
    }

    /// The code of a `lua` step.
    pub fn lua_code(&self) -> Option<&str> {
        match self.body()? {
            StepBody::Lua(code) => Some(code),
            _ => None,
        }
    }

    /// The probe a step runs: a `probe` step's, or the one that pre-fills a question.
    pub fn probe_call(&self) -> Option<&ProbeCall> {
        match self.body()? {
            StepBody::Probe(p) => Some(p),
            StepBody::Ask { probe, .. } => probe,
            _ => None,
        }
    }
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

/// Where a probe runs, or which computer a command changes (DESIGN.md, Probes): the
/// caller's computer, the target, or this help desk computer. A result speaks only for
/// the computer it ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Vantage {
    Caller,
    Target,
    /// The agent's own computer; the default when a layer's step does not say.
    #[default]
    Helpdesk,
}

impl Vantage {
    pub fn as_str(self) -> &'static str {
        match self {
            Vantage::Caller => "caller",
            Vantage::Target => "target",
            Vantage::Helpdesk => "helpdesk",
        }
    }

    /// `caller`, `target` or `helpdesk`.
    pub fn parse(s: &str) -> Option<Vantage> {
        match s {
            "caller" => Some(Vantage::Caller),
            "target" => Some(Vantage::Target),
            "helpdesk" => Some(Vantage::Helpdesk),
            _ => None,
        }
    }
}

/// `from:` as written: a vantage, or a template over a choice input whose choices are all
/// vantages (`"{{ side }}"`, checked by `check`), resolved when the run reaches the step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FromSpec {
    Fixed(Vantage),
    Template(String),
}

impl FromSpec {
    /// The input a template names (`side` in `{{ side }}`), when it is one variable alone.
    pub fn input(&self) -> Option<&str> {
        let FromSpec::Template(t) = self else {
            return None;
        };
        let inner = t.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
        (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(inner)
    }
}

impl<'de> Deserialize<'de> for FromSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Some(v) = Vantage::parse(&s) {
            return Ok(FromSpec::Fixed(v));
        }
        if s.contains("{{") {
            return Ok(FromSpec::Template(s));
        }
        Err(serde::de::Error::custom(format!(
            "invalid `from` {s:?}: expected caller, target, helpdesk, or a choice input of them such as \"{{{{ side }}}}\""
        )))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeCall {
    pub name: String,
    /// Where it must run; `None` in a layer defaults to `helpdesk` (with a warning), and a
    /// built-in playbook must say.
    #[serde(default)]
    pub from: Option<FromSpec>,
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
    /// The computer the command changes; it runs only on that computer (a collector run
    /// there, or the help desk's own for `helpdesk`). Default `helpdesk`.
    #[serde(default)]
    pub from: Option<FromSpec>,
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
