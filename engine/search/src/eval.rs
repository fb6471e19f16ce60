//! The relevance evaluation: a set of queries phrased as callers and agents speak, each with
//! the ids that must come back in the first three hits, and the top-1 / top-3 rates of a
//! ranking over that set.
//!
//! File format (`tests/search_eval.yaml`):
//! ```yaml
//! queries:
//!   - query: "everything worked yesterday, today I can't connect to anything"
//!     expect: [worked-yesterday, tier1-triage]   # all must be in the top 3
//!   - query: "4268"
//!     expect: [event-4268]
//!     first: true                                 # and the first listed must rank first
//! ```

use serde::Deserialize;

use deskbook_content::{yaml, Diagnostic};

/// How many hits count as "on the first screen".
pub const TOP: usize = 3;

/// An evaluation set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSet {
    pub queries: Vec<EvalQuery>,
}

/// One query and what it must find.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    pub query: String,
    /// Ids that must all appear in the first three hits (one to three).
    pub expect: Vec<String>,
    /// The first id of `expect` must be the first hit (event numbers, tool names).
    #[serde(default)]
    pub first: bool,
}

impl EvalSet {
    /// Parse the set from `text` (the file `path`), with a located message on error.
    pub fn parse(path: &str, text: &str) -> Result<EvalSet, Diagnostic> {
        let set: EvalSet = yaml::parse(text)
            .map_err(|e| Diagnostic::error(path, e.line, e.column, e.message).with_source(text))?;
        for q in &set.queries {
            if q.expect.is_empty() || q.expect.len() > TOP {
                let line = text
                    .lines()
                    .position(|l| l.contains(&q.query))
                    .map(|i| i + 1)
                    .unwrap_or(1);
                return Err(Diagnostic::error(
                    path,
                    line,
                    1,
                    format!("`expect` of `{}` must list 1 to {TOP} ids", q.query),
                )
                .with_source(text));
            }
        }
        Ok(set)
    }
}

/// How one query fared.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub query: String,
    pub expect: Vec<String>,
    pub got: Vec<String>,
    pub top1: bool,
    pub top3: bool,
    /// `first` was asked for and not met.
    pub first_missed: bool,
}

/// The rates of a ranking over a set.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// Share of queries whose first hit is an expected id.
    pub fn top1(&self) -> f64 {
        self.rate(|o| o.top1)
    }

    /// Share of queries with every expected id in the first three hits.
    pub fn top3(&self) -> f64 {
        self.rate(|o| o.top3)
    }

    fn rate(&self, f: impl Fn(&Outcome) -> bool) -> f64 {
        if self.outcomes.is_empty() {
            return 0.0;
        }
        self.outcomes.iter().filter(|o| f(o)).count() as f64 / self.outcomes.len() as f64
    }

    /// Queries that missed the top 3, or a required first place.
    pub fn misses(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.top3 || o.first_missed)
    }
}

/// Run every query of `set` through `rank` (which returns hit ids, best first).
pub fn evaluate<E>(
    set: &EvalSet,
    mut rank: impl FnMut(&str) -> Result<Vec<String>, E>,
) -> Result<Report, E> {
    let mut outcomes = Vec::with_capacity(set.queries.len());
    for q in &set.queries {
        let got = rank(&q.query)?;
        let head: Vec<String> = got.into_iter().take(TOP).collect();
        let top1 = head.first().is_some_and(|h| q.expect.contains(h));
        let top3 = q.expect.iter().all(|e| head.contains(e));
        let first_missed = q.first && head.first() != q.expect.first();
        outcomes.push(Outcome {
            query: q.query.clone(),
            expect: q.expect.clone(),
            got: head,
            top1,
            top3,
            first_missed,
        });
    }
    Ok(Report { outcomes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_count_top1_and_all_of_top3() {
        let set = EvalSet::parse(
            "t.yaml",
            "queries:\n  - {query: a, expect: [x]}\n  - {query: b, expect: [x, y]}\n  - {query: c, expect: [z], first: true}\n",
        )
        .expect("parse");
        let report = evaluate(&set, |q| -> Result<Vec<String>, ()> {
            Ok(match q {
                "a" => vec!["x".into()],
                "b" => vec!["y".into(), "w".into(), "v".into(), "x".into()],
                _ => vec!["w".into(), "z".into()],
            })
        })
        .expect("evaluate");
        assert_eq!(report.len(), 3);
        assert!((report.top1() - 2.0 / 3.0).abs() < 1e-9);
        assert!((report.top3() - 2.0 / 3.0).abs() < 1e-9);
        let misses: Vec<&str> = report.misses().map(|o| o.query.as_str()).collect();
        assert_eq!(misses, vec!["b", "c"]);
    }

    #[test]
    fn expect_must_list_one_to_three_ids() {
        let err = EvalSet::parse("t.yaml", "queries:\n  - {query: a, expect: []}\n")
            .expect_err("empty expect");
        assert_eq!(
            err.to_string().lines().next(),
            Some("t.yaml:2:1: `expect` of `a` must list 1 to 3 ids")
        );
    }
}
