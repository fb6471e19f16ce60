//! Each step by its kind: the fields a kind allows, where the step goes, and what its
//! kind requires (an `ask`'s choices, a `call`'s inputs, an `end`'s status and category).

use std::collections::BTreeSet;

use deskbook_content::playbook::InputKind;
use deskbook_content::playbook::{Next, Step};
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

/// The kinds a step can be, by the field that makes it one.
const KINDS: &[&str] = &["ask", "do", "probe", "lua", "call", "end"];

/// Fields each kind allows besides `id` and `help`.
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "ask" => &["ask", "probe", "choices", "save", "next", "flag"],
        "do" => &["do", "command", "restore", "choices", "next", "flag"],
        "probe" => &["probe", "save", "on", "next"],
        "lua" => &["lua", "next"],
        "call" => &["call", "with", "on"],
        "end" => &["end", "category", "escalate", "collect", "say"],
        _ => &[],
    }
}

fn present(s: &Step) -> Vec<&'static str> {
    let mut v = Vec::new();
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
    for (name, is) in checks {
        if is {
            v.push(name);
        }
    }
    v
}

/// A step's kind, or the list of kind fields when it has none or several.
fn kind_of(s: &Step) -> Result<&'static str, Vec<&'static str>> {
    let mut kinds: Vec<&'static str> = KINDS
        .iter()
        .copied()
        .filter(|k| present(s).contains(k))
        .collect();
    // `probe` beside `ask` is the ask's pre-fill, not a kind of its own.
    if kinds.contains(&"ask") {
        kinds.retain(|k| *k != "probe");
    }
    match kinds.as_slice() {
        [one] => Ok(one),
        _ => Err(kinds),
    }
}

impl YamlCheck<'_> {
    pub(super) fn check_step(&mut self, i: usize, ids: &BTreeSet<&str>) -> Option<&'static str> {
        let s = &self.pb.steps[i];
        let line = self.step_line(i);
        let kind = match kind_of(s) {
            Ok(k) => k,
            Err(found) if found.is_empty() => {
                self.err(
                    (line, 1),
                    format!(
                        "step `{}` has no kind: expected one of ask, do, probe, lua, call, end",
                        s.id
                    ),
                );
                return None;
            }
            Err(found) => {
                let pos = self.field_pos(i, found[1]);
                self.err(
                    pos,
                    format!(
                        "step `{}` has both `{}` and `{}`: a step is exactly one of ask, do, probe, lua, call, end",
                        s.id, found[0], found[1]
                    ),
                );
                return None;
            }
        };
        for f in present(s) {
            if !allowed(kind).contains(&f) {
                let pos = self.field_pos(i, f);
                self.err(
                    pos,
                    format!(
                        "`{f}` does not belong to a `{kind}` step (step `{}` may have: {})",
                        s.id,
                        allowed(kind).join(", ")
                    ),
                );
            }
        }
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
            if kind != "lua" {
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
            "ask" => self.check_ask(i),
            "do" => self.check_do(i),
            "probe" => self.check_probe_step(i),
            "lua" => self.check_lua_step(i),
            "call" => self.check_call(i),
            "end" => self.check_end(i),
            _ => {}
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
        if let Some(p) = &s.probe {
            self.check_probe_call(i, &p.name, &p.with);
            if let Some(answer) = &p.answer {
                for (status, choice) in answer {
                    if !["ok", "fail", "error"].contains(&status.as_str()) {
                        let pos = self.value_pos(i, "probe", &format!("{status}:"));
                        self.err(
                            pos,
                            format!("unknown probe status `{status}` in `answer`: expected ok, fail or error"),
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
        let code = s.lua.clone().unwrap_or_default();
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
        let callee = s.call.clone().unwrap_or_default();
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
        let status = s.end.clone().unwrap_or_default();
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
