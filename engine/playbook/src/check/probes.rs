//! Probe calls and commands: known probes and tasks, and literal arguments validated as the
//! probe would (templated values get a stand-in of the right shape).

use std::collections::{BTreeMap, BTreeSet};

use deskbook_content::playbook::{Action, FromSpec, InputKind, StepBody, Vantage};
use deskbook_content::vocab::TASKS;
use deskbook_content::Diagnostic;
use deskbook_probes::ProbeError;

use crate::template;

use super::yaml::YamlCheck;

impl YamlCheck<'_> {
    pub(super) fn check_action(&mut self, i: usize, field: &str, a: &Action) {
        let s = &self.pb.steps[i];
        match (&a.task, &a.argv) {
            (Some(_), Some(_)) | (None, None) => {
                let pos = self.field_pos(i, field);
                self.err(
                    pos,
                    format!(
                        "`{field}` of step `{}` needs exactly one of `task` and `argv`",
                        s.id
                    ),
                );
                return;
            }
            _ => {}
        }
        let mut args: BTreeMap<String, String> = a.with.clone().into_iter().collect();
        if let Some(t) = &a.task {
            if !TASKS.contains(&t.as_str()) && !template::is_template(t) {
                let pos = self.value_pos(i, field, t);
                self.err(
                    pos,
                    format!("unknown task `{t}`: expected one of {}", TASKS.join(", ")),
                );
                return;
            }
            args.insert("task".into(), t.clone());
        }
        if let Some(argv) = &a.argv {
            if argv.is_empty() {
                let pos = self.field_pos(i, field);
                self.err(
                    pos,
                    format!("`argv` of `{field}` in step `{}` is empty", s.id),
                );
                return;
            }
            if let Some(why) = deskbook_probes::script_runner(argv) {
                let pos = self.value_pos(i, field, &argv[0]);
                self.err(pos, format!("step `{}`: `{field}`: {why}", s.id));
                return;
            }
            for (n, v) in argv.iter().enumerate() {
                if !template::is_template(v) {
                    continue;
                }
                let Ok(used) = template::variables_of(v) else {
                    continue; // reported with the step's templates
                };
                for var in used {
                    let why = match self.pb.inputs.get(&var) {
                        Some(spec) if spec.kind.is_checked() => continue,
                        Some(_) => format!("input `{var}` is free text (kind text)"),
                        None => format!("`{var}` is not an input (a saved answer is free text)"),
                    };
                    let pos = self.value_pos(i, field, v);
                    self.err(
                        pos,
                        format!(
                            "step `{}`: `{field}` argv element {n} uses `{{{{ {var} }}}}`, but {why}: an argv takes only inputs of a checked kind (hostname, host, address, port, path, choice)",
                            s.id
                        ),
                    );
                }
            }
            args.insert(
                "argv".into(),
                serde_json::to_string(argv).unwrap_or_default(),
            );
        }
        self.check_probe_args(i, field, "command", args);
    }

    pub(super) fn check_probe_call(
        &mut self,
        i: usize,
        name: &str,
        with: &indexmap::IndexMap<String, String>,
    ) {
        if !deskbook_probes::PROBES.contains(&name) {
            let pos = self.value_pos(i, "probe", name);
            self.err(
                pos,
                format!(
                    "unknown probe `{name}`: expected one of {}",
                    deskbook_probes::PROBES.join(", ")
                ),
            );
            return;
        }
        if name == "command" {
            if let Some(t) = with.get("task") {
                if !TASKS.contains(&t.as_str()) && !template::is_template(t) {
                    let pos = self.value_pos(i, "probe", t);
                    self.err(
                        pos,
                        format!("unknown task `{t}`: expected one of {}", TASKS.join(", ")),
                    );
                    return;
                }
            }
        }
        self.check_probe_args(i, "probe", name, with.clone().into_iter().collect());
    }

    /// Validate literal probe arguments; templated values are replaced by a stand-in of the
    /// right shape, and errors about them are left to run time.
    pub(super) fn check_probe_args(
        &mut self,
        i: usize,
        field: &str,
        name: &str,
        mut args: BTreeMap<String, String>,
    ) {
        let mut templated = BTreeSet::new();
        for (k, v) in args.iter_mut() {
            if template::is_template(v) {
                templated.insert(k.clone());
                *v = stand_in(k).to_string();
            }
        }
        let Err(e) = deskbook_probes::validate(name, &args) else {
            return;
        };
        let (report, at) = match &e {
            ProbeError::BadArg { arg, .. } => (!templated.contains(arg), Some(arg.clone())),
            ProbeError::UnknownArg { arg, .. } => (true, Some(arg.clone())),
            ProbeError::Conflict { .. } => (templated.is_empty(), None),
            _ => (true, None),
        };
        if !report {
            return;
        }
        let s = &self.pb.steps[i];
        let pos = match at {
            Some(arg) if arg != "task" && arg != "argv" => {
                self.value_pos(i, field, &format!("{arg}:"))
            }
            Some(arg) => self.value_pos(i, field, &arg),
            None => self.field_pos(i, field),
        };
        self.err(pos, format!("step `{}`: {e}", s.id));
    }

    /// Every probe says where it runs (DESIGN.md, Probes): a built-in playbook must; a
    /// layer's probe that does not runs on the help desk computer, with a warning.
    pub(super) fn check_vantage(&mut self, i: usize, from: Option<&FromSpec>) {
        if let Some(spec) = from {
            self.check_from_template(i, "probe", spec);
            return;
        }
        let s = &self.pb.steps[i];
        let pos = self.field_pos(i, "probe");
        let built_in = self.content.is_built_in(self.doc.layer);
        if built_in {
            self.err(
                pos,
                format!(
                    "step `{}`: the probe does not say where it runs: add `from: caller`, `from: target` or `from: helpdesk`",
                    s.id
                ),
            );
        } else {
            self.out.push(
                Diagnostic::warning(
                    &self.file.path,
                    pos.0,
                    pos.1,
                    format!(
                        "step `{}`: the probe does not say where it runs (`from: caller`, `target` or `helpdesk`); it runs on the help desk computer",
                        s.id
                    ),
                )
                .with_source(&self.file.text),
            );
        }
    }

    /// A templated `from:` reads one choice input whose choices are all vantages, so the
    /// run resolves it to one of them (`"{{ side }}"` with `side: {kind: choice, choices:
    /// [caller, target]}`).
    pub(super) fn check_from_template(&mut self, i: usize, field: &str, spec: &FromSpec) {
        let FromSpec::Template(text) = spec else {
            return;
        };
        let id = self.pb.steps[i].id.clone();
        let pos = self.value_pos(i, field, "from:");
        let Some(name) = spec.input() else {
            self.err(
                pos,
                format!("step `{id}`: `from: {text}` must name one choice input alone, such as \"{{{{ side }}}}\""),
            );
            return;
        };
        let problem = match self.pb.inputs.get(name) {
            None => Some(format!("`{name}` is not an input of this playbook")),
            Some(spec) if spec.kind != InputKind::Choice => {
                Some(format!("input `{name}` is not a choice input"))
            }
            Some(spec) => spec
                .choices
                .iter()
                .find(|c| Vantage::parse(c).is_none())
                .map(|c| {
                    format!("input `{name}` offers `{c}`, which is not caller, target or helpdesk")
                }),
        };
        if let Some(p) = problem {
            self.err(
                pos,
                format!("step `{id}`: `from: {text}`: {p}; a templated `from` reads a choice input whose choices are caller, target or helpdesk"),
            );
        }
    }

    pub(super) fn check_probe_step(&mut self, i: usize) {
        let s = &self.pb.steps[i];
        if let Some(StepBody::Probe(p)) = s.body() {
            self.check_probe_call(i, &p.name, &p.with);
            self.check_vantage(i, p.from.as_ref());
            if p.answer.is_some() {
                let pos = self.value_pos(i, "probe", "answer");
                self.err(
                    pos,
                    format!(
                        "`answer` pre-fills a question: step `{}` has no `ask` (use `on` to branch)",
                        s.id
                    ),
                );
            }
        }
        self.check_on_statuses(i, &["ok", "fail", "error"]);
        let on = s.on.clone().unwrap_or_default();
        if s.next.is_none() {
            let missing: Vec<&str> = ["ok", "fail", "error"]
                .into_iter()
                .filter(|st| !on.contains_key(*st))
                .collect();
            if !missing.is_empty() {
                let pos = if s.on.is_some() {
                    self.field_pos(i, "on")
                } else {
                    (self.step_line(i), 1)
                };
                self.err(
                    pos,
                    format!(
                        "probe step `{}` has no branch for status {}: add it to `on` or give `next`",
                        s.id,
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }

    pub(super) fn check_on_statuses(&mut self, i: usize, known: &[&str]) {
        let s = &self.pb.steps[i];
        if let Some(on) = &s.on {
            for k in on.keys() {
                if !known.contains(&k.as_str()) {
                    let pos = self.value_pos(i, "on", k);
                    self.err(
                        pos,
                        format!(
                            "unknown status `{k}` in `on`: expected {}",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

/// A value of the right shape for a probe argument whose real value is a template.
fn stand_in(arg: &str) -> &'static str {
    match arg {
        "host" | "name" | "server" => "host.example.com",
        "port" | "source_port" => "500",
        "count" | "tail" => "1",
        "timeout_ms" => "1000",
        "task" => "show-active-policy",
        "argv" => "[\"true\"]",
        "protocol" => "dns",
        "type" => "A",
        "version" => "2",
        "os" => "windows",
        "path" => "/var/log/messages",
        _ => "placeholder",
    }
}
