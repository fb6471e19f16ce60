//! The walk over one YAML playbook: where things are in its file, its inputs, its step ids
//! and `start`, and the graph (unreachable steps, steps that cannot reach an `end`).

use std::collections::{BTreeSet, HashMap};

use deskbook_content::playbook::Playbook;
use deskbook_content::vocab::is_valid_id;
use deskbook_content::{Content, Diagnostic, PlaybookDoc, SourceFile};

use crate::graph::Graph;
use crate::locate;

use super::calls::EndStatuses;
use super::is_variable_name;
use super::tasks::Matrix;

pub(super) struct YamlCheck<'a> {
    pub(super) content: &'a Content,
    pub(super) doc: &'a PlaybookDoc,
    pub(super) pb: &'a Playbook,
    pub(super) file: &'a SourceFile,
    pub(super) lines: Vec<&'a str>,
    pub(super) ranges: Vec<(usize, usize)>,
    /// A step lacks its kind or where it goes: graph checks would only repeat that.
    pub(super) incomplete: bool,
    pub(super) statuses: &'a EndStatuses<'a>,
    pub(super) matrix: &'a Matrix,
    pub(super) out: &'a mut Vec<Diagnostic>,
}

impl<'a> YamlCheck<'a> {
    pub(super) fn new(
        content: &'a Content,
        doc: &'a PlaybookDoc,
        pb: &'a Playbook,
        statuses: &'a EndStatuses<'a>,
        matrix: &'a Matrix,
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
            matrix,
            out,
        }
    }

    pub(super) fn err(&mut self, (line, col): (usize, usize), msg: String) {
        self.out
            .push(Diagnostic::error(&self.file.path, line, col, msg).with_source(&self.file.text));
    }

    /// Position of `field:` in step `i` (or the step's first line).
    pub(super) fn field_pos(&self, i: usize, field: &str) -> (usize, usize) {
        locate::field(&self.lines, self.ranges[i], field).unwrap_or((self.step_line(i), 1))
    }

    pub(super) fn step_line(&self, i: usize) -> usize {
        self.pb.steps[i].line.max(1)
    }

    /// Position of `value` in step `i`, searching from its `field:`.
    pub(super) fn value_pos(&self, i: usize, field: &str, value: &str) -> (usize, usize) {
        locate::value(&self.lines, self.ranges[i], Some(field), value)
    }

    /// Position of a top-level `field:` of the playbook.
    pub(super) fn top_pos(&self, field: &str) -> (usize, usize) {
        let prefix = format!("{field}:");
        self.file
            .find_line(|l| l.starts_with(&prefix))
            .map(|l| (l, 1))
            .unwrap_or((1, 1))
    }

    pub(super) fn run(mut self) {
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
            // The value, after `start:` (a short id like `a` is also in the key itself).
            let pos = self
                .lines
                .get(line.wrapping_sub(1))
                .and_then(|text| {
                    let after = text.find(':')? + 1;
                    let at = after + text[after..].find(self.pb.start.as_str())?;
                    Some((line, text[..at].chars().count() + 1))
                })
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
        self.check_tasks();
    }

    pub(super) fn check_inputs(&mut self) {
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

    /// For a patched playbook's step `i` that the patch left alone and that is now
    /// unreachable: the step the patch wrote (its index) that led, in the playbook below,
    /// to `i` or to an unreachable step on the way to it (that step's id). A step the patch
    /// left alone has no lines of its own in the patch file; the entry that dropped the edge
    /// does.
    fn dropped_edge(&self, graph: &Graph, reach: &[bool], i: usize) -> Option<(usize, String)> {
        let lower = self.doc.lower.as_deref()?.yaml()?;
        let header = self.top_pos("patch").0;
        let untouched = |k: usize| self.pb.steps[k].line == header;
        if !untouched(i) {
            return None;
        }
        let mut todo = vec![self.pb.steps[i].id.clone()];
        let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
        while let Some(id) = todo.pop() {
            for before in &lower.steps {
                if !crate::graph::links(before).iter().any(|l| l.target == id) {
                    continue;
                }
                let Some(&k) = graph.index.get(&before.id) else {
                    continue;
                };
                if reach[k] && !untouched(k) {
                    return Some((k, id));
                }
                if !reach[k] && seen.insert(before.id.clone()) {
                    todo.push(before.id.clone());
                }
            }
        }
        None
    }

    pub(super) fn check_graph(&mut self) {
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
                let mut msg = format!(
                    "step `{}` is unreachable: no path from `start` (`{start}`) leads to it",
                    self.pb.steps[i].id
                );
                let mut pos = pos;
                if let Some((by, via)) = self.dropped_edge(&graph, &reach, i) {
                    let by_id = &self.pb.steps[by].id;
                    if via == self.pb.steps[i].id {
                        msg.push_str(&format!(" (the patch's step `{by_id}` led to it before)"));
                    } else {
                        msg.push_str(&format!(
                            " (the patch's step `{by_id}` led to `{via}` before, the way to it)"
                        ));
                    }
                    let line = self.step_line(by);
                    let at = self.value_pos(by, "id", by_id);
                    pos = if at.0 == line { at } else { (line, 1) };
                }
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
}
