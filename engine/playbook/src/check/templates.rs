//! Template variables: every variable a template reads is an input or saved by a step on
//! every path to the step that reads it.

use std::collections::BTreeSet;

use deskbook_content::playbook::{Playbook, Step};

use crate::graph::Graph;
use crate::program::step_templates;
use crate::template;

use super::yaml::YamlCheck;

impl YamlCheck<'_> {
    /// Parse every template; every variable must be an input or saved by a step on every
    /// path to the step that uses it.
    pub(super) fn check_templates(&mut self) {
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
                    if defined.contains(&v) || v == template::ORG {
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
    if let Some(code) = s.lua_code() {
        let mut rest = code;
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
