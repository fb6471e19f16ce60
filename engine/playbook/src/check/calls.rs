//! Calls between playbooks: the statuses each playbook can end with (for `call` steps
//! without a full `on`), and call cycles.

use std::collections::{BTreeSet, HashMap};

use deskbook_content::{Content, Diagnostic, PlaybookBody};

use crate::graph::Graph;

/// Which statuses each playbook can end with (for `call` steps without a full `on`).
pub(super) struct EndStatuses<'a> {
    content: &'a Content,
    memo: std::cell::RefCell<HashMap<String, Option<BTreeSet<String>>>>,
}

impl<'a> EndStatuses<'a> {
    pub(super) fn new(content: &'a Content) -> Self {
        EndStatuses {
            content,
            memo: Default::default(),
        }
    }

    pub(super) fn get(&self, id: &str) -> Option<BTreeSet<String>> {
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

/// A playbook that calls itself, directly or through others, would never end.
pub(super) fn check_call_cycles(content: &Content, out: &mut Vec<Diagnostic>) {
    let calls = |id: &str| -> Vec<(String, usize)> {
        match content.playbook(id).map(|d| &d.body) {
            Some(PlaybookBody::Yaml(pb)) => pb
                .steps
                .iter()
                .filter_map(|s| s.callee().map(|c| (c.to_string(), s.line)))
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
