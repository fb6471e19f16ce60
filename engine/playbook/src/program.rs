//! A run's program: the playbook and every playbook it calls, prepared once at start
//! (step index, parsed templates, Lua metadata), so each step only looks things up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use indexmap::IndexMap;

use deskbook_content::playbook::{FromSpec, InputSpec, Playbook, Step, StepKind};
use deskbook_content::{Content, PlaybookBody, SourceFile};

use crate::error::RunError;
use crate::locate;
use crate::lua::meta::{self, LuaMeta};
use crate::template::Templates;

/// Deepest chain of `call`s.
pub const MAX_CALL_DEPTH: usize = 16;

pub(crate) struct YamlBook {
    pub id: String,
    pub file: Arc<SourceFile>,
    pub pb: Playbook,
    pub index: HashMap<String, usize>,
    pub templates: Templates,
    /// For each step, the file line where its `lua:` code starts (0 for other steps).
    pub lua_lines: Vec<usize>,
}

pub(crate) struct LuaBook {
    pub file: Arc<SourceFile>,
    pub meta: LuaMeta,
}

pub(crate) enum Book {
    Yaml(Box<YamlBook>),
    Lua(LuaBook),
}

impl Book {
    pub fn inputs(&self) -> &IndexMap<String, InputSpec> {
        match self {
            Book::Yaml(y) => &y.pb.inputs,
            Book::Lua(l) => &l.meta.inputs,
        }
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        match self {
            Book::Yaml(y) => &y.file,
            Book::Lua(l) => &l.file,
        }
    }
}

pub(crate) struct Program {
    pub books: HashMap<String, Book>,
    pub categories: Vec<String>,
}

/// The name a step's template is registered under.
pub(crate) fn template_name(playbook: &str, step: &str, field: &str) -> String {
    format!("{playbook}\u{1f}{step}\u{1f}{field}")
}

/// Every template text of a step, with its field name.
pub(crate) fn step_templates(step: &Step) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    for (field, text) in [
        ("ask", &step.ask),
        ("do", &step.do_),
        ("say", &step.say),
        ("category", &step.category),
    ] {
        if let Some(t) = text {
            out.push((field.to_string(), t.as_str()));
        }
    }
    if let Some(p) = &step.probe {
        for (k, v) in &p.with {
            out.push((format!("probe.with.{k}"), v.as_str()));
        }
        if let Some(FromSpec::Template(t)) = &p.from {
            out.push(("probe.from".to_string(), t.as_str()));
        }
    }
    if let Some(w) = &step.with {
        for (k, v) in w {
            out.push((format!("with.{k}"), v.as_str()));
        }
    }
    for (name, action) in [("command", &step.command), ("restore", &step.restore)] {
        if let Some(a) = action {
            for (k, v) in &a.with {
                out.push((format!("{name}.with.{k}"), v.as_str()));
            }
            if let Some(argv) = &a.argv {
                for (i, v) in argv.iter().enumerate() {
                    out.push((format!("{name}.argv.{i}"), v.as_str()));
                }
            }
            if let Some(FromSpec::Template(t)) = &a.from {
                out.push((format!("{name}.from"), t.as_str()));
            }
        }
    }
    out
}

impl Program {
    pub(crate) fn load(content: &Content, root: &str) -> Result<Program, RunError> {
        let mut books = HashMap::new();
        let mut todo = vec![root.to_string()];
        while let Some(id) = todo.pop() {
            if books.contains_key(&id) {
                continue;
            }
            let doc = content
                .playbook(&id)
                .ok_or_else(|| RunError::UnknownPlaybook(id.clone()))?;
            let book = match &doc.body {
                PlaybookBody::Yaml(pb) => {
                    let pb = (**pb).clone();
                    for s in &pb.steps {
                        if let Some(c) = s.callee() {
                            todo.push(c.to_string());
                        }
                    }
                    Book::Yaml(Box::new(prepare(&id, doc.file.clone(), pb, content)?))
                }
                PlaybookBody::Lua => {
                    let meta = meta::read(&doc.file).map_err(|p| {
                        RunError::Invalid(format!(
                            "{} (run `deskbook check`)",
                            p.render(&doc.file.path)
                        ))
                    })?;
                    Book::Lua(LuaBook {
                        file: doc.file.clone(),
                        meta,
                    })
                }
            };
            books.insert(id, book);
        }
        Ok(Program {
            books,
            categories: content
                .taxonomy
                .categories
                .iter()
                .map(|c| c.id.clone())
                .collect(),
        })
    }

    pub(crate) fn book(&self, id: &str) -> Result<&Book, RunError> {
        self.books
            .get(id)
            .ok_or_else(|| RunError::UnknownPlaybook(id.to_string()))
    }
}

fn prepare(
    id: &str,
    file: Arc<SourceFile>,
    pb: Playbook,
    content: &Content,
) -> Result<YamlBook, RunError> {
    let mut index = HashMap::with_capacity(pb.steps.len());
    for (i, s) in pb.steps.iter().enumerate() {
        if index.insert(s.id.clone(), i).is_some() {
            return Err(RunError::Invalid(format!(
                "{}:{}: duplicate step id `{}` (run `deskbook check`)",
                file.path, s.line, s.id
            )));
        }
    }
    if !index.contains_key(&pb.start) {
        return Err(RunError::Invalid(format!(
            "{}: `start` names missing step `{}` (run `deskbook check`)",
            file.path, pb.start
        )));
    }
    let mut texts: Vec<(String, &str)> = Vec::new();
    for s in &pb.steps {
        for (field, text) in step_templates(s) {
            texts.push((template_name(id, &s.id, &field), text));
        }
    }
    let templates = Templates::new(texts)
        .map_err(|(name, msg)| {
            let step = name.split('\u{1f}').nth(1).unwrap_or("");
            let line = pb
                .steps
                .iter()
                .find(|s| s.id == step)
                .map(|s| s.line)
                .unwrap_or(1);
            RunError::Invalid(format!(
                "{}:{line}: step `{step}`: invalid template: {msg} (run `deskbook check`)",
                file.path
            ))
        })?
        // Restricted values are withheld here, before any step renders, for a role that may
        // not see them: they never reach a prompt, a JSON line or the store.
        .with_org(content.org_view());
    let lines: Vec<&str> = file.text.lines().collect();
    let ranges = locate::step_ranges(&pb, &lines);
    let lua_lines = pb
        .steps
        .iter()
        .zip(&ranges)
        .map(|(s, r)| {
            if s.kind == Some(StepKind::Lua) {
                locate::lua_first_line(&lines, *r)
            } else {
                0
            }
        })
        .collect();
    Ok(YamlBook {
        id: id.to_string(),
        file,
        pb,
        index,
        templates,
        lua_lines,
    })
}

/// Validate `vars` against `inputs`: every required input given, each by its kind, no
/// unknown names. Optional inputs left out get their default or the empty string.
pub(crate) fn check_inputs(
    playbook: &str,
    inputs: &IndexMap<String, InputSpec>,
    vars: BTreeMap<String, String>,
) -> Result<serde_json::Map<String, serde_json::Value>, RunError> {
    let mut out = serde_json::Map::new();
    for name in vars.keys() {
        if !inputs.contains_key(name) {
            let known: Vec<&str> = inputs.keys().map(String::as_str).collect();
            return Err(RunError::UnknownInput {
                playbook: playbook.to_string(),
                name: name.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    for (name, spec) in inputs {
        let given = vars
            .get(name)
            .cloned()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| spec.default.clone());
        let value = match given {
            Some(v) => crate::input::validate(spec, &v).map_err(|reason| RunError::BadInput {
                playbook: playbook.to_string(),
                name: name.clone(),
                value: crate::input::shown(&v),
                reason,
            })?,
            None if spec.optional => String::new(),
            None => {
                return Err(RunError::MissingInput {
                    playbook: playbook.to_string(),
                    name: name.clone(),
                    prompt: spec.prompt.clone(),
                })
            }
        };
        out.insert(name.clone(), serde_json::Value::String(value));
    }
    Ok(out)
}
