//! Branch coverage of playbooks by scenarios.
//!
//! - YAML playbooks: edges taken / edges in the graph, an edge being a distinct pair of
//!   steps (`from → to`) that `choices`, `next` or `on` connect. A scenario takes an edge
//!   when its path (as it stands after any `Back`) goes from one step to the next inside the
//!   same playbook, including into and out of a `call` (the call step is followed by the
//!   step its `on` picks).
//! - Lua playbooks have no static graph, so they report answer coverage: the distinct
//!   (question → answer) pairs taken / the choices offered by the questions the scenarios
//!   reached, plus how many of the questions written in the file (`ctx:ask{id = "..."}`)
//!   were reached at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use deskbook_content::{Content, PlaybookBody};

use crate::graph::Graph;
use crate::scenario::ScenarioResult;

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub playbook: String,
    /// `edges` (YAML) or `answers` (Lua).
    pub measure: &'static str,
    pub taken: usize,
    pub total: usize,
    /// What no scenario took (`from -> to`, or `ask -> answer`).
    pub missing: Vec<String>,
    /// Lua only: questions written in the file / reached by a scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asks_written: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asks_reached: Option<usize>,
}

impl Coverage {
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.taken as f64 * 100.0 / self.total as f64
        }
    }
}

/// Split a qualified step id into (playbook, step), `root` for unqualified ids.
fn split<'a>(root: &'a str, qid: &'a str) -> (&'a str, &'a str) {
    match qid.rsplit_once('/') {
        Some((prefix, step)) => (prefix.rsplit('/').next().unwrap_or(prefix), step),
        None => (root, qid),
    }
}

fn prefix_of(qid: &str) -> &str {
    qid.rfind('/').map(|i| &qid[..=i]).unwrap_or("")
}

/// Step pairs each playbook's runs went through, from scenario paths.
fn taken_edges(results: &[&ScenarioResult]) -> HashMap<String, BTreeSet<(String, String)>> {
    let mut out: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    for r in results {
        let mut last: BTreeMap<String, String> = BTreeMap::new();
        for qid in &r.path {
            let prefix = prefix_of(qid).to_string();
            let (pb, step) = split(&r.playbook, qid);
            if let Some(prev) = last.get(&prefix) {
                out.entry(pb.to_string())
                    .or_default()
                    .insert((prev.clone(), step.to_string()));
            }
            // Back in a caller: its callee's run is over, a later call starts afresh.
            last.retain(|p, _| !(p.len() > prefix.len() && p.starts_with(&prefix)));
            last.insert(prefix, step.to_string());
        }
    }
    out
}

/// The ids of `ctx:ask{ id = "..." }` written in a Lua file.
fn lua_ask_ids(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("ctx:ask") {
        rest = &rest[i + "ctx:ask".len()..];
        let window: String = rest.chars().take(200).collect();
        if let Some(j) = window.find("id") {
            let after = window[j + 2..].trim_start();
            if let Some(after) = after.strip_prefix('=') {
                let after = after.trim_start();
                if let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') {
                    if let Some(end) = after[1..].find(q) {
                        out.insert(after[1..1 + end].to_string());
                    }
                }
            }
        }
    }
    out
}

/// Coverage of every playbook of `content` by the passing `results`.
pub fn compute(content: &Content, results: &[ScenarioResult]) -> Vec<Coverage> {
    let passed: Vec<&ScenarioResult> = results.iter().filter(|r| r.passed).collect();
    let taken = taken_edges(&passed);
    let mut out = Vec::new();
    for doc in &content.playbooks {
        match &doc.body {
            PlaybookBody::Yaml(pb) => {
                let statuses = |_: &str| None;
                let graph = Graph::new(pb, &statuses);
                let edges = graph.edges();
                let seen = taken.get(&doc.id);
                let missing: Vec<String> = edges
                    .iter()
                    .filter(|e| !seen.is_some_and(|s| s.contains(*e)))
                    .map(|(a, b)| format!("{a} -> {b}"))
                    .collect();
                out.push(Coverage {
                    playbook: doc.id.clone(),
                    measure: "edges",
                    taken: edges.len() - missing.len(),
                    total: edges.len(),
                    missing,
                    asks_written: None,
                    asks_reached: None,
                });
            }
            PlaybookBody::Lua => {
                let mut offered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                let mut answered: BTreeSet<(String, String)> = BTreeSet::new();
                for r in &passed {
                    for a in &r.asked {
                        let (pb, step) = split(&r.playbook, &a.step);
                        if pb != doc.id {
                            continue;
                        }
                        offered
                            .entry(step.to_string())
                            .or_default()
                            .extend(a.choices.iter().cloned());
                        answered.insert((step.to_string(), a.answer.clone()));
                    }
                }
                let mut missing = Vec::new();
                let mut total = 0;
                for (ask, choices) in &offered {
                    for c in choices {
                        total += 1;
                        if !answered.contains(&(ask.clone(), c.clone())) {
                            missing.push(format!("{ask} -> {c}"));
                        }
                    }
                }
                let written = lua_ask_ids(&doc.file.text);
                for w in &written {
                    if !offered.contains_key(w) {
                        missing.push(format!("{w} (never asked)"));
                    }
                }
                out.push(Coverage {
                    playbook: doc.id.clone(),
                    measure: "answers",
                    taken: total - missing.iter().filter(|m| m.contains(" -> ")).count(),
                    total,
                    missing,
                    asks_written: Some(written.len()),
                    asks_reached: Some(offered.len()),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lua_ask_ids() {
        let ids = lua_ask_ids(
            "local a = ctx:ask{\n  id = \"same-version\", text = 'x'}\nctx:ask{ id='b' }",
        );
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["b", "same-version"]);
    }

    #[test]
    fn edges_follow_calls() {
        let r = ScenarioResult {
            file: String::new(),
            playbook: "a".into(),
            name: String::new(),
            passed: true,
            problems: vec![],
            status: None,
            category: None,
            path: ["x", "call", "b/s1", "b/s2", "y", "call", "b/s1"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            asked: vec![],
        };
        let t = taken_edges(&[&r]);
        let a: Vec<_> = t["a"].iter().cloned().collect();
        assert_eq!(
            a,
            [
                ("call".to_string(), "y".to_string()),
                ("x".into(), "call".into()),
                ("y".into(), "call".into())
            ]
        );
        let b: Vec<_> = t["b"].iter().cloned().collect();
        assert_eq!(b, [("s1".to_string(), "s2".to_string())]);
    }
}
