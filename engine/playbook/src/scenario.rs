//! Playbook scenarios (`playbooks/tests/*.yaml`): answers and canned probe results by step
//! id, run against the [`Engine`], and the path, status and category they must end with.
//!
//! A scenario never runs a probe or a command: a probe step needs a canned result (or an
//! answer `ok`/`fail`/`error`), a question with a probe uses its canned result to pre-fill
//! the answer when the scenario gives none, and a `do` step's command is run only when a
//! canned result says what it returned.

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use deskbook_content::yaml;
use deskbook_content::{Content, Diagnostic, SourceFile};
use deskbook_probes::{ProbeResult, Status};

use crate::engine::{Engine, Pending, Reply};

/// Most replies one scenario may give (a Lua loop that asks forever fails the scenario).
pub const MAX_REPLIES: usize = 10_000;

/// A scenario file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub playbook: String,
    pub name: String,
    #[serde(default, deserialize_with = "deskbook_content::yaml::scalar_map")]
    pub vars: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "deskbook_content::yaml::scalar_map")]
    pub answers: IndexMap<String, String>,
    #[serde(default)]
    pub probes: IndexMap<String, CannedProbe>,
    pub expect: Expect,
}

/// A canned probe result (scenarios and answers files): at least its status.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a canned probe result such as {status: ok, data: {}}"
)]
pub struct CannedProbe {
    pub status: Status,
    #[serde(default)]
    pub data: Map<String, Json>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
}

impl CannedProbe {
    pub fn result(&self, probe: &str) -> ProbeResult {
        ProbeResult {
            probe: probe.to_string(),
            status: self.status,
            summary: self
                .summary
                .clone()
                .unwrap_or_else(|| format!("canned result: {}", self.status)),
            data: self.data.clone(),
            duration_ms: 0,
            output: self.output.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: String,
    pub category: String,
    #[serde(default)]
    pub escalate: Option<String>,
    #[serde(default)]
    pub path: Option<Vec<String>>,
    /// The flags the call must end with (`flag:` steps on the path, in order); `[]` says
    /// none. Left out: not checked.
    #[serde(default)]
    pub flags: Option<Vec<String>>,
}

pub const SCENARIO_FIELDS: &[&str] = &["playbook", "name", "vars", "answers", "probes", "expect"];

/// Parse a scenario file; a problem is a diagnostic at its position.
pub fn parse(file: &SourceFile) -> Result<Scenario, Diagnostic> {
    yaml::parse::<Scenario>(&file.text).map_err(|e| {
        let mut message = e.message;
        if message.contains("unknown field") {
            if let Some(idx) = message.find(", expected") {
                message.truncate(idx);
            }
            message = format!("{message} (known fields: {})", SCENARIO_FIELDS.join(", "));
        }
        Diagnostic::error(&file.path, e.line, e.column, message).with_source(&file.text)
    })
}

/// One question a scenario answered, with the choices it offered (for Lua coverage).
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub step: String,
    pub choices: Vec<String>,
    pub answer: String,
}

/// How a scenario went.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub file: String,
    pub playbook: String,
    pub name: String,
    pub passed: bool,
    /// What went wrong, one sentence each.
    pub problems: Vec<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub path: Vec<String>,
    #[serde(skip)]
    pub asked: Vec<Asked>,
}

/// Run every scenario of `content`, in file order.
pub fn run_all(content: &Content) -> Vec<ScenarioResult> {
    let mut files: Vec<&Arc<SourceFile>> = content.scenarios.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.into_iter().map(|f| run_file(content, f)).collect()
}

/// Run one scenario file.
pub fn run_file(content: &Content, file: &Arc<SourceFile>) -> ScenarioResult {
    match parse(file) {
        Ok(s) => run(content, &s, &file.path),
        Err(d) => ScenarioResult {
            file: file.path.clone(),
            playbook: String::new(),
            name: String::new(),
            passed: false,
            problems: vec![d.to_string()],
            status: None,
            category: None,
            path: Vec::new(),
            asked: Vec::new(),
        },
    }
}

/// Run `scenario` (read from `file`) against the engine.
pub fn run(content: &Content, scenario: &Scenario, file: &str) -> ScenarioResult {
    let mut result = ScenarioResult {
        file: file.to_string(),
        playbook: scenario.playbook.clone(),
        name: scenario.name.clone(),
        passed: false,
        problems: Vec::new(),
        status: None,
        category: None,
        path: Vec::new(),
        asked: Vec::new(),
    };
    let mut engine = match Engine::start(content, &scenario.playbook, scenario.vars.clone()) {
        Ok(e) => e,
        Err(e) => {
            result.problems.push(e.to_string());
            return result;
        }
    };
    let mut used_answers: Vec<&str> = Vec::new();
    let mut used_probes: Vec<&str> = Vec::new();
    let mut replies = 0usize;
    while let Some(pending) = engine.pending() {
        replies += 1;
        if replies > MAX_REPLIES {
            result.problems.push(format!(
                "the run took more than {MAX_REPLIES} replies without ending"
            ));
            break;
        }
        let step = pending.step().to_string();
        // YAML `help` is checked when content loads; a Lua playbook's only when it asks.
        for id in pending.help() {
            if !content.has_id(id) {
                result.problems.push(format!(
                    "step `{step}` links to missing id `{id}` in `help`"
                ));
            }
        }
        let answer = scenario.answers.get_key_value(&step);
        let canned = scenario.probes.get_key_value(&step);
        let reply = match &pending {
            Pending::Ask {
                probe: Some(req), ..
            } if canned.is_some() => canned.map(|(k, c)| {
                used_probes.push(k);
                Reply::Probe(c.result(&req.name))
            }),
            Pending::Confirm {
                command: Some(cmd), ..
            } if canned.is_some() => canned.map(|(k, c)| {
                used_probes.push(k);
                Reply::Probe(c.result(&cmd.probe_request().name))
            }),
            Pending::Probe { request, .. } => match (canned, answer) {
                (Some((k, c)), _) => {
                    used_probes.push(k);
                    Some(Reply::Probe(c.result(&request.name)))
                }
                (None, Some((k, a))) => {
                    used_answers.push(k);
                    Some(Reply::Answer(a.clone()))
                }
                (None, None) => {
                    result.problems.push(format!(
                        "no canned result for probe step `{step}` (scenarios never run probes: add it under `probes`)"
                    ));
                    break;
                }
            },
            Pending::Ask {
                prefill, choices, ..
            } => {
                let a = match answer {
                    Some((k, a)) => {
                        used_answers.push(k);
                        Some(a.clone())
                    }
                    None => prefill.clone(),
                };
                match a {
                    Some(a) => {
                        result.asked.push(Asked {
                            step: step.clone(),
                            choices: choices.clone(),
                            answer: a.clone(),
                        });
                        Some(Reply::Answer(a))
                    }
                    None => None,
                }
            }
            Pending::Confirm { .. } | Pending::Input { .. } => answer.map(|(k, a)| {
                used_answers.push(k);
                Reply::Answer(a.clone())
            }),
        };
        let Some(reply) = reply else {
            result.problems.push(format!(
                "no answer for step `{step}` (add it under `answers`)"
            ));
            break;
        };
        if let Err(e) = engine.submit(reply) {
            result.problems.push(e.to_string());
            break;
        }
    }
    for k in scenario.answers.keys() {
        if !used_answers.contains(&k.as_str()) && result.problems.is_empty() {
            result.problems.push(format!(
                "the answer for `{k}` was never used: the run did not ask that step"
            ));
        }
    }
    for k in scenario.probes.keys() {
        if !used_probes.contains(&k.as_str()) && result.problems.is_empty() {
            result.problems.push(format!(
                "the canned probe result for `{k}` was never used: the run did not probe at that step"
            ));
        }
    }
    result.path = engine.path().to_vec();
    if let Some(o) = engine.outcome() {
        result.status = Some(o.status.clone());
        result.category = Some(o.category.clone());
        let e = &scenario.expect;
        if o.status != e.status {
            result.problems.push(format!(
                "expected status `{}`, the run ended `{}`",
                e.status, o.status
            ));
        }
        if o.category != e.category {
            result.problems.push(format!(
                "expected category `{}`, the run ended with `{}`",
                e.category, o.category
            ));
        }
        if let Some(esc) = &e.escalate {
            if o.escalate.as_deref() != Some(esc.as_str()) {
                result.problems.push(format!(
                    "expected escalation `{esc}`, the run ended with {}",
                    o.escalate
                        .as_deref()
                        .map(|x| format!("`{x}`"))
                        .unwrap_or_else(|| "none".into())
                ));
            }
        }
        if let Some(p) = &e.path {
            if *p != o.path {
                result.problems.push(path_difference(p, &o.path));
            }
        }
        if let Some(f) = &e.flags {
            if *f != o.flags {
                let shown = |flags: &[String]| match flags {
                    [] => "none".to_string(),
                    _ => flags
                        .iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                result.problems.push(format!(
                    "expected flags {}, the call ended with {}",
                    shown(f),
                    shown(&o.flags)
                ));
            }
        }
    } else if result.problems.is_empty() {
        result.problems.push("the run did not end".into());
    }
    result.passed = result.problems.is_empty();
    result
}

/// Where the expected and the actual path part.
fn path_difference(expected: &[String], got: &[String]) -> String {
    let same = expected.iter().zip(got).take_while(|(a, b)| a == b).count();
    match (expected.get(same), got.get(same)) {
        (Some(e), Some(g)) => format!(
            "the path differs at step {}: expected `{e}`, the run went to `{g}`",
            same + 1
        ),
        (Some(e), None) => {
            format!("the path is shorter than expected: it ends after {same} steps, before `{e}`")
        }
        (None, Some(g)) => {
            format!("the path is longer than expected: after {same} steps it goes on to `{g}`")
        }
        (None, None) => "the path differs".into(),
    }
}
