//! What the engine asks the runtime to execute: probes with their arguments rendered, and
//! the commands of `do` steps (and their restores), filled in from the step's templates.

use std::collections::BTreeMap;

use deskbook_content::playbook::{Action, FromSpec, Vantage};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::error::RunError;
use crate::program::{template_name, YamlBook};

/// A probe to run, with its arguments rendered (templates filled in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeRequest {
    pub name: String,
    pub args: BTreeMap<String, String>,
    /// Where it must run.
    pub from: Vantage,
}

impl ProbeRequest {
    /// A probe of this computer (the help desk's, or the collector's own).
    pub fn here(name: &str, args: BTreeMap<String, String>) -> ProbeRequest {
        ProbeRequest {
            name: name.to_owned(),
            args,
            from: Vantage::Helpdesk,
        }
    }
}

/// A command a `do` step runs after the agent confirms it (or that a run's end restores):
/// a tool-matrix task or an argv, with its placeholder values rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRequest {
    /// The step that declared it (qualified id).
    pub step: String,
    pub task: Option<String>,
    pub argv: Option<Vec<String>>,
    /// Values for the task's `{{ name }}` placeholders.
    pub with: BTreeMap<String, String>,
    /// The computer the command changes.
    pub from: Vantage,
}

impl ActionRequest {
    /// The `command` probe call that performs this action.
    pub fn probe_request(&self) -> ProbeRequest {
        let mut args = self.with.clone();
        if let Some(task) = &self.task {
            args.insert("task".into(), task.clone());
        }
        if let Some(argv) = &self.argv {
            args.insert(
                "argv".into(),
                serde_json::to_string(argv).unwrap_or_else(|_| "[]".into()),
            );
        }
        ProbeRequest {
            name: "command".into(),
            args,
            from: self.from,
        }
    }

    /// The command as one line, for `--dry-run` and summaries.
    pub fn display(&self) -> String {
        match (&self.task, &self.argv) {
            (_, Some(argv)) => argv.join(" "),
            (Some(task), None) => {
                let mut s = format!("task {task}");
                for (k, v) in &self.with {
                    s.push_str(&format!(" {k}={v}"));
                }
                s
            }
            (None, None) => String::new(),
        }
    }
}

/// The vantage of a step's `from:`: as written, or its template rendered (`check`
/// makes sure the choices of the input it reads are vantages); `helpdesk` when absent.
pub(super) fn vantage(
    spec: Option<&FromSpec>,
    step: &str,
    render: impl FnOnce(&str) -> Result<String, RunError>,
) -> Result<Vantage, RunError> {
    match spec {
        None => Ok(Vantage::Helpdesk),
        Some(FromSpec::Fixed(v)) => Ok(*v),
        Some(FromSpec::Template(t)) => {
            let shown = render(t)?;
            Vantage::parse(shown.trim()).ok_or_else(|| {
                RunError::Step(format!(
                    "step `{step}`: `from: {t}` is {shown:?}: expected caller, target or helpdesk (run `deskbook check`)"
                ))
            })
        }
    }
}

pub(super) fn render_action(
    y: &YamlBook,
    step_id: &str,
    qid: &str,
    which: &str,
    action: &Action,
    vars: &Map<String, Json>,
) -> Result<ActionRequest, RunError> {
    let line =
        y.pb.steps
            .get(*y.index.get(step_id).unwrap_or(&0))
            .map(|s| s.line)
            .unwrap_or(1);
    let render = |field: String, text: &str| -> Result<String, RunError> {
        y.templates
            .render(&template_name(&y.id, step_id, &field), text, vars)
            .map_err(|m| {
                RunError::Step(format!(
                    "{}:{line}: step `{step_id}`: `{field}`: {m}",
                    y.file.path
                ))
            })
    };
    let mut with = BTreeMap::new();
    for (k, v) in &action.with {
        with.insert(k.clone(), render(format!("{which}.with.{k}"), v)?);
    }
    let argv = match &action.argv {
        Some(list) => {
            // Placeholders of an argv come only from inputs of a checked kind, checked
            // again here (a step may have saved free text under an input's name).
            let mut checked = Map::new();
            for (name, spec) in &y.pb.inputs {
                if !spec.kind.is_checked() {
                    continue;
                }
                if let Some(Json::String(v)) = vars.get(name) {
                    if crate::input::validate(spec, v).is_ok() {
                        checked.insert(name.clone(), Json::String(v.clone()));
                    }
                }
            }
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let field = format!("{which}.argv.{i}");
                if crate::template::is_template(v) {
                    let used = crate::template::variables_of(v).unwrap_or_default();
                    if let Some(var) = used.iter().find(|u| !checked.contains_key(*u)) {
                        return Err(RunError::Step(format!(
                            "{}:{line}: step `{step_id}`: `{field}` uses `{var}`, which is not an input of a checked kind with a valid value: an argv takes no free text (run `deskbook check`)",
                            y.file.path
                        )));
                    }
                }
                let rendered = y
                    .templates
                    .render(&template_name(&y.id, step_id, &field), v, &checked)
                    .map_err(|m| {
                        RunError::Step(format!(
                            "{}:{line}: step `{step_id}`: `{field}`: {m}",
                            y.file.path
                        ))
                    })?;
                out.push(rendered);
            }
            Some(out)
        }
        None => None,
    };
    let from = vantage(action.from.as_ref(), step_id, |t| {
        render(format!("{which}.from"), t)
    })?;
    Ok(ActionRequest {
        step: qid.to_string(),
        task: action.task.clone(),
        argv,
        with,
        from,
    })
}
