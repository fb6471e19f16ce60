//! Each step by its kind (decided when the playbook was parsed): where the step goes, and what its
//! kind requires (an `ask`'s choices, a `call`'s inputs, an `end`'s status and category).

use std::collections::BTreeSet;

use deskbook_content::playbook::{InputKind, Next, StepBody, StepKind};
use deskbook_content::vocab::{is_valid_id, ESCALATIONS, STATUSES};
use deskbook_content::PlaybookBody;
use serde_json::{Map, Value};

use crate::graph::links;
use crate::locate;
use crate::lua::meta;
use crate::lua::sandbox::{Limits, Sandbox};
use crate::template::{self, Templates};

use super::is_variable_name;
use super::lua::lua_column;
use super::yaml::YamlCheck;

impl YamlCheck<'_> {
    pub(super) fn check_step(&mut self, i: usize, ids: &BTreeSet<&str>) -> Option<StepKind> {
        let s = &self.pb.steps[i];
        // The kind was decided when the playbook was parsed; a step without one was
        // reported there, at its field.
        let kind = s.kind?;
        // Where the step goes.
        for l in links(s) {
            if !ids.contains(l.target.as_str()) {
                let pos = self.value_pos(i, l.field, &l.target);
                self.err(
                    pos,
                    format!("step `{}` goes to missing step `{}`", s.id, l.target),
                );
            }
        }
        if let Some(Next::Many(list)) = &s.next {
            if kind != StepKind::Lua {
                let pos = self.field_pos(i, "next");
                self.err(
                    pos,
                    format!(
                        "`next` of step `{}` lists {} steps: only a `lua` step may choose among several",
                        s.id,
                        list.len()
                    ),
                );
            }
        }
        if let Some(flag) = &s.flag {
            if !is_valid_id(flag) {
                let pos = self.value_pos(i, "flag", flag);
                self.err(
                    pos,
                    format!("invalid flag `{flag}`: flags use only lowercase letters a-z, digits 0-9 and `-`"),
                );
            }
        }
        if let Some(save) = &s.save {
            if !is_variable_name(save) {
                let pos = self.value_pos(i, "save", save);
                self.err(
                    pos,
                    format!(
                        "`save: {save}` cannot be used in templates: use letters, digits and `_`"
                    ),
                );
            }
        }
        match kind {
            StepKind::Ask => self.check_ask(i),
            StepKind::Do => self.check_do(i),
            StepKind::Probe => self.check_probe_step(i),
            StepKind::Lua => self.check_lua_step(i),
            StepKind::Call => self.check_call(i),
            StepKind::End => self.check_end(i),
        }
        Some(kind)
    }

    pub(super) fn needs_next(&mut self, i: usize, what: &str) {
        let s = &self.pb.steps[i];
        match (&s.choices, &s.next) {
            (Some(c), None) if c.is_empty() => {
                let pos = self.field_pos(i, "choices");
                self.err(pos, format!("step `{}` has empty `choices`", s.id));
            }
            (Some(_), Some(_)) => {
                let pos = self.field_pos(i, "next");
                self.err(
                    pos,
                    format!(
                        "step `{}` has both `choices` and `next`: the choice picks the next step",
                        s.id
                    ),
                );
            }
            (None, None) => {
                self.incomplete = true;
                let line = self.step_line(i);
                self.err(
                    (line, 1),
                    format!("step `{}` needs `choices` or `next` ({what})", s.id),
                );
            }
            _ => {}
        }
    }

    pub(super) fn check_ask(&mut self, i: usize) {
        self.needs_next(i, "where the run goes after the answer");
        let s = &self.pb.steps[i];
        if let Some(StepBody::Ask { probe: Some(p), .. }) = s.body() {
            self.check_probe_call(i, &p.name, &p.with);
            self.check_vantage(i, p.from.as_ref());
            if let Some(answer) = &p.answer {
                for (status, choice) in answer {
                    let field = status.strip_prefix("data.");
                    let known = ["ok", "fail", "error"].contains(&status.as_str())
                        || field.is_some_and(|f| {
                            !f.is_empty()
                                && f.chars().all(|c| {
                                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                                })
                        });
                    if !known {
                        let pos = self.value_pos(i, "probe", status);
                        self.err(
                            pos,
                            format!("unknown probe status `{status}` in `answer`: expected ok, fail, error, or data.FIELD (a true/false field of the probe's result, such as data.negotiating_ip_security)"),
                        );
                    }
                    let ok = s.choices.as_ref().is_some_and(|c| c.contains_key(choice));
                    if !ok {
                        let pos = self.value_pos(i, "probe", choice);
                        self.err(
                            pos,
                            format!(
                                "the probe's answer `{choice}` is not a choice of step `{}`",
                                s.id
                            ),
                        );
                    }
                }
            }
        }
    }

    pub(super) fn check_do(&mut self, i: usize) {
        self.needs_next(i, "where the run goes after the agent confirms");
        let s = &self.pb.steps[i];
        for (field, action) in [("command", &s.command), ("restore", &s.restore)] {
            if let Some(a) = action {
                self.check_action(i, field, a);
                if let Some(spec) = &a.from {
                    self.check_from_template(i, field, spec);
                }
            }
        }
    }

    pub(super) fn check_lua_step(&mut self, i: usize) {
        let s = &self.pb.steps[i];
        if s.next.is_none() {
            self.incomplete = true;
            let pos = self.field_pos(i, "lua");
            self.err(
                pos,
                format!(
                    "lua step `{}` needs `next`: the list of step ids its code may return",
                    s.id
                ),
            );
        }
        let code = s.lua_code().unwrap_or_default().to_string();
        let first_line = locate::lua_first_line(&self.lines, self.ranges[i]);
        let compiled = Sandbox::new(Limits::default()).and_then(|sb| {
            let env = sb.environment().map_err(|e| e.to_string())?;
            sb.load(&code, &self.file.path, first_line, env).map(|_| ())
        });
        if let Err(m) = compiled {
            let p = meta::LuaProblem::from_message(&self.file.path, &m);
            let line = if p.line == 0 { first_line } else { p.line };
            let col = lua_column(self.file, line);
            self.err((line, col), format!("Lua: {}", p.message));
        }
    }

    pub(super) fn check_call(&mut self, i: usize) {
        let s = &self.pb.steps[i];
        let callee = s.callee().unwrap_or_default().to_string();
        self.check_on_statuses(i, STATUSES);
        let Some(doc) = self.content.playbook(&callee) else {
            let pos = self.value_pos(i, "call", &callee);
            self.err(pos, format!("`call` to missing playbook `{callee}`"));
            return;
        };
        let inputs = match &doc.body {
            PlaybookBody::Yaml(pb) => Some(pb.inputs.clone()),
            PlaybookBody::Lua => meta::read(&doc.file).ok().map(|m| m.inputs),
        };
        let Some(inputs) = inputs else { return };
        let with = s.with.clone().unwrap_or_default();
        for k in with.keys() {
            if !inputs.contains_key(k) {
                let pos = self.value_pos(i, "with", &format!("{k}:"));
                let known: Vec<&str> = inputs.keys().map(String::as_str).collect();
                self.err(
                    pos,
                    format!(
                        "playbook `{callee}` has no input `{k}` (its inputs: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
            }
        }
        for (name, spec) in &inputs {
            if !with.contains_key(name) && !spec.optional && spec.default.is_none() {
                let pos = self.field_pos(i, "call");
                self.err(
                    pos,
                    format!(
                        "step `{}` calls `{callee}` without its input `{name}` (add it to `with`)",
                        s.id
                    ),
                );
            }
        }
    }

    pub(super) fn check_end(&mut self, i: usize) {
        let s = &self.pb.steps[i];
        let status = s.end_status().unwrap_or_default().to_string();
        if !STATUSES.contains(&status.as_str()) {
            let pos = self.value_pos(i, "end", &status);
            self.err(
                pos,
                format!(
                    "unknown status `{status}`: expected one of {}",
                    STATUSES.join(", ")
                ),
            );
        }
        match &s.category {
            None => {
                let pos = self.field_pos(i, "end");
                self.err(
                    pos,
                    format!("end step `{}` needs a `category` from the taxonomy", s.id),
                );
            }
            Some(c) if template::is_template(c) => self.check_category_template(i, c),
            Some(c) if !self.content.taxonomy.contains(c) => {
                let pos = self.value_pos(i, "category", c);
                self.err(
                    pos,
                    format!("unknown category `{c}`: it is not in the taxonomy (kb/taxonomy.yaml)"),
                );
            }
            _ => {}
        }
        if let Some(e) = &s.escalate {
            if !ESCALATIONS.contains(&e.as_str()) {
                let pos = self.value_pos(i, "escalate", e);
                self.err(
                    pos,
                    format!(
                        "unknown escalation `{e}`: expected one of {}",
                        ESCALATIONS.join(", ")
                    ),
                );
            }
        }
    }

    /// A `category` chosen by a template: it may read only choice inputs, and every choice
    /// must render a category of the taxonomy.
    fn check_category_template(&mut self, i: usize, text: &str) {
        let pos = self.value_pos(i, "category", text);
        let vars = match template::variables_of(text) {
            Ok(v) => v,
            Err(m) => {
                let id = self.pb.steps[i].id.clone();
                self.err(
                    pos,
                    format!("step `{id}`: invalid template in `category`: {m}"),
                );
                return;
            }
        };
        // Every combination of the choice inputs it reads (a few at most).
        let mut combos: Vec<Map<String, Value>> = vec![Map::new()];
        for v in &vars {
            let choices = match self.pb.inputs.get(v) {
                Some(spec) if spec.kind == InputKind::Choice => spec.choices.clone(),
                _ => {
                    self.err(
                        pos,
                        format!(
                            "a templated `category` may read only choice inputs: `{v}` is not one"
                        ),
                    );
                    return;
                }
            };
            combos = combos
                .into_iter()
                .flat_map(|m| {
                    choices.iter().map(move |c| {
                        let mut m = m.clone();
                        m.insert(v.clone(), Value::String(c.clone()));
                        m
                    })
                })
                .take(256)
                .collect();
        }
        let Ok(templates) = Templates::new([("category".to_string(), text)]) else {
            return; // a parse error, reported by variables_of above
        };
        for vars in combos {
            let rendered = templates.render("category", text, &vars);
            match rendered {
                Ok(c) if self.content.taxonomy.contains(&c) => {}
                Ok(c) => self.err(
                    pos,
                    format!("`category` renders `{c}` for {}, which is not in the taxonomy (kb/taxonomy.yaml)", describe(&vars)),
                ),
                Err(m) => self.err(pos, format!("`category`: {m}")),
            }
        }
    }
}

/// `name = value, ...` for a message.
fn describe(vars: &Map<String, Value>) -> String {
    vars.iter()
        .map(|(k, v)| format!("{k} = {}", v.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}
