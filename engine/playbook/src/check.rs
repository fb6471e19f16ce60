//! `deskbook check` for playbooks and scenarios: everything DESIGN.md lists (duplicate and
//! dangling step ids, unreachable steps, paths that cannot reach an `end`, unknown
//! categories, probes, tasks and playbooks, bad literal probe arguments, template variables
//! that nothing defines, Lua that does not compile), each at `file:line:column`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use deskbook_content::playbook::{Action, Next, Playbook, Step};
use deskbook_content::vocab::{is_valid_id, ESCALATIONS, STATUSES, TASKS};
use deskbook_content::{diag, Content, Diagnostic, PlaybookBody, PlaybookDoc, SourceFile};
use deskbook_probes::ProbeError;

use crate::graph::{links, Graph};
use crate::locate;
use crate::lua::meta;
use crate::lua::sandbox::{Limits, Sandbox};
use crate::program::step_templates;
use crate::scenario;
use crate::template::{self, ORG};

/// Every problem of the playbooks and scenarios of `content`, in file order.
pub fn check(content: &Content) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let statuses = EndStatuses::new(content);
    for doc in &content.playbooks {
        let mut found = Vec::new();
        match &doc.body {
            PlaybookBody::Yaml(pb) => YamlCheck::new(content, doc, pb, &statuses, &mut found).run(),
            PlaybookBody::Lua => check_lua(content, doc, &mut found),
        }
        // In file order, like the content's own diagnostics.
        found.sort_by_key(|d| (d.line, d.column));
        out.extend(found);
    }
    check_call_cycles(content, &mut out);
    for file in &content.scenarios {
        check_scenario(content, file, &mut out);
    }
    out
}

/// Whether a name can be a template variable (`{{ name }}`).
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Which statuses each playbook can end with (for `call` steps without a full `on`).
struct EndStatuses<'a> {
    content: &'a Content,
    memo: std::cell::RefCell<HashMap<String, Option<BTreeSet<String>>>>,
}

impl<'a> EndStatuses<'a> {
    fn new(content: &'a Content) -> Self {
        EndStatuses {
            content,
            memo: Default::default(),
        }
    }

    fn get(&self, id: &str) -> Option<BTreeSet<String>> {
        if let Some(v) = self.memo.borrow().get(id) {
            return v.clone();
        }
        // Unknown while computing: a call cycle (reported elsewhere) reads as "any status".
        self.memo.borrow_mut().insert(id.to_string(), None);
        let result = match self.content.playbook(id).map(|d| &d.body) {
            Some(PlaybookBody::Yaml(pb)) => {
                let f = |c: &str| self.get(c);
                let g = Graph::new(pb, &f);
                Some(g.end_statuses(pb, &f))
            }
            _ => None,
        };
        self.memo
            .borrow_mut()
            .insert(id.to_string(), result.clone());
        result
    }
}

struct YamlCheck<'a> {
    content: &'a Content,
    doc: &'a PlaybookDoc,
    pb: &'a Playbook,
    file: &'a SourceFile,
    lines: Vec<&'a str>,
    ranges: Vec<(usize, usize)>,
    /// A step lacks its kind or where it goes: graph checks would only repeat that.
    incomplete: bool,
    statuses: &'a EndStatuses<'a>,
    out: &'a mut Vec<Diagnostic>,
}

/// The kinds a step can be, by the field that makes it one.
const KINDS: &[&str] = &["ask", "do", "probe", "lua", "call", "end"];

/// Fields each kind allows besides `id` and `help`.
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "ask" => &["ask", "probe", "choices", "save", "next"],
        "do" => &["do", "command", "restore", "choices", "next"],
        "probe" => &["probe", "save", "on", "next"],
        "lua" => &["lua", "next"],
        "call" => &["call", "with", "on"],
        "end" => &["end", "category", "escalate", "collect", "say"],
        _ => &[],
    }
}

fn present(s: &Step) -> Vec<&'static str> {
    let mut v = Vec::new();
    let checks: [(&'static str, bool); 17] = [
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

impl<'a> YamlCheck<'a> {
    fn new(
        content: &'a Content,
        doc: &'a PlaybookDoc,
        pb: &'a Playbook,
        statuses: &'a EndStatuses<'a>,
        out: &'a mut Vec<Diagnostic>,
    ) -> Self {
        let file: &SourceFile = &doc.file;
        let lines: Vec<&str> = file.text.lines().collect();
        YamlCheck {
            content,
            doc,
            pb,
            file,
            ranges: locate::step_ranges(pb, &lines),
            lines,
            incomplete: false,
            statuses,
            out,
        }
    }

    fn err(&mut self, (line, col): (usize, usize), msg: String) {
        self.out
            .push(Diagnostic::error(&self.file.path, line, col, msg).with_source(&self.file.text));
    }

    /// Position of `field:` in step `i` (or the step's first line).
    fn field_pos(&self, i: usize, field: &str) -> (usize, usize) {
        locate::field(&self.lines, self.ranges[i], field).unwrap_or((self.step_line(i), 1))
    }

    fn step_line(&self, i: usize) -> usize {
        self.pb.steps[i].line.max(1)
    }

    /// Position of `value` in step `i`, searching from its `field:`.
    fn value_pos(&self, i: usize, field: &str, value: &str) -> (usize, usize) {
        locate::value(&self.lines, self.ranges[i], Some(field), value)
    }

    /// Position of a top-level `field:` of the playbook.
    fn top_pos(&self, field: &str) -> (usize, usize) {
        let prefix = format!("{field}:");
        self.file
            .find_line(|l| l.starts_with(&prefix))
            .map(|l| (l, 1))
            .unwrap_or((1, 1))
    }

    fn run(mut self) {
        self.check_inputs();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.pb.steps.iter().enumerate() {
            if !is_valid_id(&s.id) {
                let pos = self.value_pos(i, "id", &s.id);
                self.err(
                    pos,
                    format!(
                        "invalid step id `{}`: step ids use only lowercase letters a-z, digits 0-9 and `-`",
                        s.id
                    ),
                );
            }
            if let Some(&first) = seen.get(s.id.as_str()) {
                let pos = self.value_pos(i, "id", &s.id);
                self.err(
                    pos,
                    format!(
                        "duplicate step id `{}`: also at line {}",
                        s.id,
                        self.step_line(first)
                    ),
                );
            } else {
                seen.insert(&s.id, i);
            }
        }
        let ids: BTreeSet<&str> = self.pb.steps.iter().map(|s| s.id.as_str()).collect();
        if !ids.contains(self.pb.start.as_str()) {
            let (line, _) = self.top_pos("start");
            let pos = self
                .file
                .locate(&self.pb.start, line)
                .filter(|(l, _)| *l == line)
                .unwrap_or((line, 1));
            self.err(
                pos,
                format!("`start` names missing step `{}`", self.pb.start),
            );
        }
        for i in 0..self.pb.steps.len() {
            if self.check_step(i, &ids).is_none() {
                self.incomplete = true;
            }
        }
        // A step without a kind or a next step would also read as a dead end (and what
        // follows it as unreachable): report only the step itself.
        if !self.incomplete {
            self.check_graph();
        }
        self.check_templates();
    }

    fn check_inputs(&mut self) {
        let inputs_line = self.top_pos("inputs").0;
        let end = self
            .file
            .find_line(|l| l.starts_with("start:") || l.starts_with("steps:"))
            .unwrap_or(usize::MAX);
        for (name, spec) in &self.pb.inputs {
            let pos =
                locate::field(&self.lines, (inputs_line, end), name).unwrap_or((inputs_line, 1));
            if !is_variable_name(name) {
                self.err(
                    pos,
                    format!("input name `{name}` cannot be used in templates: use letters, digits and `_`"),
                );
            }
            if spec.kind == deskbook_content::playbook::InputKind::Choice && spec.choices.is_empty()
            {
                self.err(
                    pos,
                    format!("input `{name}` is a choice but lists no `choices`"),
                );
            }
            if let Some(d) = &spec.default {
                if let Err(reason) = crate::input::validate(spec, d) {
                    self.err(
                        pos,
                        format!("the default of input `{name}` = {d:?}: {reason}"),
                    );
                }
            }
        }
    }

    fn check_step(&mut self, i: usize, ids: &BTreeSet<&str>) -> Option<&'static str> {
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

    fn needs_next(&mut self, i: usize, what: &str) {
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

    fn check_ask(&mut self, i: usize) {
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

    fn check_do(&mut self, i: usize) {
        self.needs_next(i, "where the run goes after the agent confirms");
        let s = &self.pb.steps[i];
        for (field, action) in [("command", &s.command), ("restore", &s.restore)] {
            if let Some(a) = action {
                self.check_action(i, field, a);
            }
        }
    }

    fn check_action(&mut self, i: usize, field: &str, a: &Action) {
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
            args.insert(
                "argv".into(),
                serde_json::to_string(argv).unwrap_or_default(),
            );
        }
        self.check_probe_args(i, field, "command", args);
    }

    fn check_probe_call(
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
    fn check_probe_args(
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

    fn check_probe_step(&mut self, i: usize) {
        let s = &self.pb.steps[i];
        if let Some(p) = &s.probe {
            self.check_probe_call(i, &p.name, &p.with);
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

    fn check_on_statuses(&mut self, i: usize, known: &[&str]) {
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

    fn check_lua_step(&mut self, i: usize) {
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

    fn check_call(&mut self, i: usize) {
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

    fn check_end(&mut self, i: usize) {
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

    fn check_graph(&mut self) {
        let f = |c: &str| self.statuses.get(c);
        let graph = Graph::new(self.pb, &f);
        if graph.start.is_none() {
            return;
        }
        let reach = graph.reachable();
        let ends = graph.can_end();
        let start = self.pb.start.clone();
        for i in 0..self.pb.steps.len() {
            if graph.index.get(&self.pb.steps[i].id) != Some(&i) {
                continue; // a duplicate, reported already
            }
            let line = self.step_line(i);
            let pos = self.value_pos(i, "id", &self.pb.steps[i].id);
            let pos = if pos.0 == line { pos } else { (line, 1) };
            if !reach[i] {
                let msg = format!(
                    "step `{}` is unreachable: no path from `start` (`{start}`) leads to it",
                    self.pb.steps[i].id
                );
                self.err(pos, msg);
            } else if !ends[i] {
                let msg = format!(
                    "no path from step `{}` reaches an `end`",
                    self.pb.steps[i].id
                );
                self.err(pos, msg);
            }
        }
    }

    /// Parse every template; every variable must be an input or saved by a step on every
    /// path to the step that uses it.
    fn check_templates(&mut self) {
        let mut defined_anywhere: BTreeSet<String> = self.pb.inputs.keys().cloned().collect();
        for s in &self.pb.steps {
            defined_anywhere.extend(saves(s));
        }
        let f = |c: &str| self.statuses.get(c);
        let graph = Graph::new(self.pb, &f);
        let defined_in = must_defined(self.pb, &graph);
        for i in 0..self.pb.steps.len() {
            let s = &self.pb.steps[i];
            for (field, text) in step_templates(s) {
                if !template::is_template(text) {
                    continue;
                }
                let key = field.split('.').next().unwrap_or(&field).to_string();
                let used = match template::variables_of(text) {
                    Ok(v) => v,
                    Err(m) => {
                        let pos = self.field_pos(i, &key);
                        self.err(
                            pos,
                            format!("step `{}`: invalid template in `{field}`: {m}", s.id),
                        );
                        continue;
                    }
                };
                let Some(defined) = defined_in.get(i).and_then(|d| d.as_ref()) else {
                    continue; // unreachable: reported already
                };
                for v in used {
                    // `org.NAME` is the organisation's; the content checks each NAME.
                    if defined.contains(&v) || v == ORG {
                        continue;
                    }
                    let pos = self.value_pos(i, &key, &v);
                    let msg = if defined_anywhere.contains(&v) {
                        format!(
                            "template variable `{v}` may be undefined in step `{}`: not every path to it saves `{v}`",
                            s.id
                        )
                    } else {
                        format!(
                            "template variable `{v}` is not defined: no input or step `save` of playbook `{}` defines it",
                            self.doc.id
                        )
                    };
                    self.err(pos, msg);
                }
            }
        }
    }
}

/// The variables a step defines: its `save`, and `vars.NAME = ...` in a lua step.
fn saves(s: &Step) -> Vec<String> {
    let mut out: Vec<String> = s.save.iter().cloned().collect();
    if let Some(code) = &s.lua {
        let mut rest = code.as_str();
        while let Some(i) = rest.find("vars.") {
            let after = &rest[i + 5..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let tail = after[name.len()..].trim_start();
            if !name.is_empty() && tail.starts_with('=') && !tail.starts_with("==") {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

/// For each step, the variables defined on every path from `start` to it (`None` when the
/// step is unreachable).
fn must_defined(pb: &Playbook, graph: &Graph) -> Vec<Option<BTreeSet<String>>> {
    let n = pb.steps.len();
    let mut defs: Vec<Option<BTreeSet<String>>> = vec![None; n];
    let Some(start) = graph.start else {
        return defs;
    };
    let inputs: BTreeSet<String> = pb.inputs.keys().cloned().collect();
    defs[start] = Some(inputs.clone());
    let mut work = vec![start];
    while let Some(x) = work.pop() {
        let Some(d) = defs[x].clone() else { continue };
        let mut out = d;
        out.extend(saves(&pb.steps[x]));
        for &y in &graph.succ[x] {
            let new = match &defs[y] {
                None => out.clone(),
                Some(cur) => {
                    let mut meet: BTreeSet<String> = cur.intersection(&out).cloned().collect();
                    if y == start {
                        meet.extend(inputs.iter().cloned());
                    }
                    meet
                }
            };
            if defs[y].as_ref() != Some(&new) {
                defs[y] = Some(new);
                work.push(y);
            }
        }
    }
    defs
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

/// The column of the first non-blank character of `line`.
fn lua_column(file: &SourceFile, line: usize) -> usize {
    file.text
        .lines()
        .nth(line.saturating_sub(1))
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count() + 1)
        .unwrap_or(1)
}

fn check_lua(content: &Content, doc: &PlaybookDoc, out: &mut Vec<Diagnostic>) {
    let file = &doc.file;
    let mut err = |line: usize, col: usize, msg: String| {
        out.push(Diagnostic::error(&file.path, line.max(1), col, msg).with_source(&file.text));
    };
    let m = match meta::read(file) {
        Ok(m) => m,
        Err(p) => {
            let col = lua_column(file, p.line.max(1));
            err(p.line, col, format!("Lua: {}", p.message));
            return;
        }
    };
    if m.id != doc.id {
        let (line, col) = file.locate(&format!("\"{}\"", m.id), 1).unwrap_or((1, 1));
        err(
            line,
            col,
            format!(
                "the playbook's id `{}` must be its file name `{}`",
                m.id, doc.id
            ),
        );
    }
    if m.title.trim().is_empty() {
        err(1, 1, "a Lua playbook needs a `title`".into());
    }
    for (name, spec) in &m.inputs {
        if !is_variable_name(name) {
            let (line, col) = file.locate(name, 1).unwrap_or((1, 1));
            err(
                line,
                col,
                format!("input name `{name}` cannot be used as ctx.vars.{name}: use letters, digits and `_`"),
            );
        }
        if spec.kind == deskbook_content::playbook::InputKind::Choice && spec.choices.is_empty() {
            let (line, col) = file.locate(name, 1).unwrap_or((1, 1));
            err(
                line,
                col,
                format!("input `{name}` is a choice but lists no `choices`"),
            );
        }
    }
    // Literal names in the code: probes, tasks, statuses, categories, escalations.
    for (key, check) in [
        ("category", LiteralKind::Category),
        ("status", LiteralKind::Status),
        ("escalate", LiteralKind::Escalation),
        ("task", LiteralKind::Task),
    ] {
        for (offset, value) in literal_fields(&file.text, key) {
            let problem = match check {
                LiteralKind::Category if !content.taxonomy.contains(&value) => Some(format!(
                    "unknown category `{value}`: it is not in the taxonomy (kb/taxonomy.yaml)"
                )),
                LiteralKind::Status if !STATUSES.contains(&value.as_str()) => Some(format!(
                    "unknown status `{value}`: expected one of {}",
                    STATUSES.join(", ")
                )),
                LiteralKind::Escalation if !ESCALATIONS.contains(&value.as_str()) => Some(format!(
                    "unknown escalation `{value}`: expected one of {}",
                    ESCALATIONS.join(", ")
                )),
                LiteralKind::Task if !TASKS.contains(&value.as_str()) => Some(format!(
                    "unknown task `{value}`: expected one of {}",
                    TASKS.join(", ")
                )),
                _ => None,
            };
            if let Some(msg) = problem {
                let (line, col) = diag::position(&file.text, offset);
                err(line, col, msg);
            }
        }
    }
    for (offset, name) in probe_names(&file.text) {
        if !deskbook_probes::PROBES.contains(&name.as_str()) {
            let (line, col) = diag::position(&file.text, offset);
            err(
                line,
                col,
                format!(
                    "unknown probe `{name}`: expected one of {}",
                    deskbook_probes::PROBES.join(", ")
                ),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum LiteralKind {
    Category,
    Status,
    Escalation,
    Task,
}

/// `key = "value"` in Lua source (outside comments): byte offset of the value and the value.
fn literal_fields(text: &str, key: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("--").next().unwrap_or("");
        let mut from = 0;
        while let Some(i) = code[from..].find(key) {
            let at = from + i;
            from = at + key.len();
            let before_ok = at == 0
                || !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !before_ok {
                continue;
            }
            let rest = &code[at + key.len()..];
            let trimmed = rest.trim_start();
            let Some(after_eq) = trimmed.strip_prefix('=') else {
                continue;
            };
            if after_eq.starts_with('=') {
                continue;
            }
            let v = after_eq.trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = v[1..].find(q) {
                let value_at = at
                    + key.len()
                    + (rest.len() - trimmed.len())
                    + 1
                    + (after_eq.len() - v.len())
                    + 1;
                out.push((line_start + value_at, v[1..1 + end].to_string()));
            }
        }
        line_start += line.len();
    }
    out
}

/// `ctx:probe("name"` in Lua source: byte offset of the name and the name.
fn probe_names(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("ctx:probe(") {
        let at = from + i + "ctx:probe(".len();
        from = at;
        let rest = &text[at..];
        let v = rest.trim_start();
        let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = v[1..].find(q) {
            out.push((at + (rest.len() - v.len()) + 1, v[1..1 + end].to_string()));
        }
    }
    out
}

/// A playbook that calls itself, directly or through others, would never end.
fn check_call_cycles(content: &Content, out: &mut Vec<Diagnostic>) {
    let calls = |id: &str| -> Vec<(String, usize)> {
        match content.playbook(id).map(|d| &d.body) {
            Some(PlaybookBody::Yaml(pb)) => pb
                .steps
                .iter()
                .filter_map(|s| s.call.clone().map(|c| (c, s.line)))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for doc in &content.playbooks {
        // Depth-first from each playbook, looking for a way back to it.
        let mut stack: Vec<(String, Vec<String>)> = vec![(doc.id.clone(), vec![doc.id.clone()])];
        let mut visited = BTreeSet::new();
        while let Some((id, path)) = stack.pop() {
            for (callee, _) in calls(&id) {
                if callee == doc.id {
                    let mut cycle = path.clone();
                    cycle.push(callee.clone());
                    let mut key = path.clone();
                    key.sort();
                    if reported.insert(key) {
                        let line = calls(&doc.id)
                            .into_iter()
                            .find(|(c, _)| *c == path.get(1).cloned().unwrap_or(callee.clone()))
                            .map(|(_, l)| l)
                            .unwrap_or(1);
                        let (line, col) = doc.file.locate("call:", line).unwrap_or((line, 1));
                        out.push(
                            Diagnostic::error(
                                &doc.file.path,
                                line,
                                col,
                                format!(
                                    "call cycle: {} (a playbook may not call itself)",
                                    cycle.join(" -> ")
                                ),
                            )
                            .with_source(&doc.file.text),
                        );
                    }
                } else if visited.insert(callee.clone()) {
                    let mut p = path.clone();
                    p.push(callee.clone());
                    stack.push((callee, p));
                }
            }
        }
    }
}

fn check_scenario(content: &Content, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let s = match scenario::parse(file) {
        Ok(s) => s,
        Err(d) => {
            out.push(d);
            return;
        }
    };
    if content.playbook(&s.playbook).is_none() {
        let (line, col) = file
            .find_line(|l| l.starts_with("playbook:"))
            .and_then(|l| file.locate(&s.playbook, l))
            .unwrap_or((1, 1));
        out.push(
            Diagnostic::error(
                &file.path,
                line,
                col,
                format!("scenario for missing playbook `{}`", s.playbook),
            )
            .with_source(&file.text),
        );
    }
}
