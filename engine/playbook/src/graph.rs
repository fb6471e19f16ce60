//! A YAML playbook as a graph: which step can follow which. `deskbook check` uses it for
//! dangling, unreachable and dead-end steps, and `deskbook test` for branch coverage
//! (edges taken / edges in the graph).

use std::collections::{BTreeSet, HashMap, VecDeque};

use deskbook_content::playbook::{Playbook, Step};
use deskbook_content::vocab::STATUSES;

/// One way a step names a next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it is written: `choices`, `next`, `on`.
    pub field: &'static str,
    /// The choice label or status, when there is one.
    pub label: Option<String>,
    pub target: String,
}

/// Every step id a step can go to, as written.
pub fn links(step: &Step) -> Vec<Link> {
    let mut out = Vec::new();
    if let Some(c) = &step.choices {
        for (label, target) in c {
            out.push(Link {
                field: "choices",
                label: Some(label.clone()),
                target: target.clone(),
            });
        }
    }
    if let Some(n) = &step.next {
        for id in n.ids() {
            out.push(Link {
                field: "next",
                label: None,
                target: id.to_string(),
            });
        }
    }
    if let Some(on) = &step.on {
        for (status, target) in on {
            out.push(Link {
                field: "on",
                label: Some(status.clone()),
                target: target.clone(),
            });
        }
    }
    out
}

/// The graph of a playbook's existing steps.
pub struct Graph {
    pub ids: Vec<String>,
    pub index: HashMap<String, usize>,
    /// Distinct successors of each step (dangling targets left out).
    pub succ: Vec<Vec<usize>>,
    /// Steps that can end the run: `end`, and `call` steps whose callee may end with a
    /// status that `on` does not map.
    pub terminal: Vec<bool>,
    pub start: Option<usize>,
}

impl Graph {
    /// Build the graph. `callee_statuses` tells which statuses a called playbook can end
    /// with (`None`: unknown, assume any).
    pub fn new(pb: &Playbook, callee_statuses: &dyn Fn(&str) -> Option<BTreeSet<String>>) -> Graph {
        let mut index = HashMap::new();
        for (i, s) in pb.steps.iter().enumerate() {
            index.entry(s.id.clone()).or_insert(i);
        }
        let mut succ = Vec::with_capacity(pb.steps.len());
        let mut terminal = Vec::with_capacity(pb.steps.len());
        for s in &pb.steps {
            let mut next: Vec<usize> = Vec::new();
            for l in links(s) {
                if let Some(&t) = index.get(&l.target) {
                    if !next.contains(&t) {
                        next.push(t);
                    }
                }
            }
            succ.push(next);
            let ends = if s.end_status().is_some() {
                true
            } else if let Some(callee) = s.callee() {
                let can: BTreeSet<String> = callee_statuses(callee)
                    .unwrap_or_else(|| STATUSES.iter().map(|x| x.to_string()).collect());
                let mapped = s.on.as_ref();
                can.iter()
                    .any(|st| mapped.is_none_or(|on| !on.contains_key(st)))
            } else {
                false
            };
            terminal.push(ends);
        }
        Graph {
            ids: pb.steps.iter().map(|s| s.id.clone()).collect(),
            start: index.get(&pb.start).copied(),
            index,
            succ,
            terminal,
        }
    }

    /// Steps reachable from `start`.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.succ.len()];
        let mut queue = VecDeque::new();
        if let Some(s) = self.start {
            seen[s] = true;
            queue.push_back(s);
        }
        while let Some(n) = queue.pop_front() {
            for &m in &self.succ[n] {
                if !seen[m] {
                    seen[m] = true;
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// Steps from which some path reaches a step that ends the run.
    pub fn can_end(&self) -> Vec<bool> {
        let n = self.succ.len();
        let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (from, next) in self.succ.iter().enumerate() {
            for &to in next {
                pred[to].push(from);
            }
        }
        let mut ok = self.terminal.clone();
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| ok[i]).collect();
        while let Some(x) = queue.pop_front() {
            for &p in &pred[x] {
                if !ok[p] {
                    ok[p] = true;
                    queue.push_back(p);
                }
            }
        }
        ok
    }

    /// Every edge (distinct step pairs) as `(from, to)` ids, in step order.
    pub fn edges(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (from, next) in self.succ.iter().enumerate() {
            for &to in next {
                out.push((self.ids[from].clone(), self.ids[to].clone()));
            }
        }
        out
    }

    /// The statuses this playbook can end with (from its reachable `end` steps; calls that
    /// end the run add their callee's).
    pub fn end_statuses(
        &self,
        pb: &Playbook,
        callee_statuses: &dyn Fn(&str) -> Option<BTreeSet<String>>,
    ) -> BTreeSet<String> {
        let reach = self.reachable();
        let mut out = BTreeSet::new();
        for (i, s) in pb.steps.iter().enumerate() {
            if !reach.get(i).copied().unwrap_or(false) {
                continue;
            }
            if let Some(st) = s.end_status() {
                out.insert(st.to_string());
            }
            if let Some(callee) = s.callee() {
                let can: BTreeSet<String> = callee_statuses(callee)
                    .unwrap_or_else(|| STATUSES.iter().map(|x| x.to_string()).collect());
                for st in can {
                    if s.on.as_ref().is_none_or(|on| !on.contains_key(&st)) {
                        out.insert(st);
                    }
                }
            }
        }
        out
    }
}
