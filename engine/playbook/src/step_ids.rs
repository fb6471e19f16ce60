//! The step ids a run of a playbook can reach, as answers files and scenarios name them:
//! the playbook's own steps, and `callee/step` (nested: `a/b/step`) for the steps of the
//! playbooks it calls. A Lua playbook's questions are named by its code as it runs, so
//! under a Lua playbook's prefix every id is possible.

use std::collections::{BTreeMap, BTreeSet};

use deskbook_content::{Content, PlaybookBody};

use crate::program::MAX_CALL_DEPTH;

/// The ids a run of `playbook` can reach.
pub struct StepIds {
    ids: BTreeSet<String>,
    /// The choices of the YAML steps that offer them, by id.
    choices: BTreeMap<String, Vec<String>>,
    /// Prefixes (`""` for the playbook itself) under which a Lua playbook asks.
    open: Vec<String>,
}

impl StepIds {
    pub fn of(content: &Content, playbook: &str) -> StepIds {
        let mut ids = BTreeSet::new();
        let mut choices = BTreeMap::new();
        let mut open = Vec::new();
        let mut todo = vec![(playbook.to_string(), String::new(), 0usize)];
        while let Some((id, prefix, depth)) = todo.pop() {
            if depth > MAX_CALL_DEPTH {
                continue;
            }
            let Some(doc) = content.playbook(&id) else {
                continue;
            };
            match &doc.body {
                PlaybookBody::Yaml(pb) => {
                    for s in &pb.steps {
                        ids.insert(format!("{prefix}{}", s.id));
                        if let Some(c) = &s.choices {
                            choices
                                .insert(format!("{prefix}{}", s.id), c.keys().cloned().collect());
                        }
                        if let Some(c) = s.callee() {
                            todo.push((c.to_string(), format!("{prefix}{c}/"), depth + 1));
                        }
                    }
                }
                PlaybookBody::Lua => open.push(prefix),
            }
        }
        StepIds { ids, choices, open }
    }

    /// Whether a run can reach step `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id) || self.open.iter().any(|p| id.starts_with(p.as_str()))
    }

    /// Why `answer` cannot answer step `id`, when the step offers fixed choices and the
    /// answer names none of them (as the run would refuse it, with the same message).
    pub fn bad_choice(&self, id: &str, answer: &str) -> Option<String> {
        let choices = self.choices.get(id)?;
        crate::engine::match_choice(id, choices, answer)
            .err()
            .map(|e| e.to_string())
    }

    /// Why `id` names no step of `playbook`, with the nearest id when one is close.
    pub fn unknown(&self, id: &str, playbook: &str) -> Option<String> {
        if self.contains(id) {
            return None;
        }
        let near = self
            .ids
            .iter()
            .map(|c| (distance(c, id), c))
            .filter(|(d, _)| *d <= 2)
            .min();
        let hint = match near {
            Some((_, c)) => format!(" (did you mean `{c}`?)"),
            None => String::new(),
        };
        Some(format!(
            "no step `{id}` in playbook `{playbook}` or the playbooks it calls{hint}"
        ))
    }
}

/// Edit distance (insertions, deletions, substitutions), for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("ping-target", "ping-targt"), 1);
        assert_eq!(distance("a", "a"), 0);
        assert_eq!(distance("", "abc"), 3);
    }
}
