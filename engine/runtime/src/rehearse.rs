//! `deskbook replay`: rehearse a change before publishing it. The recorded answers of past
//! calls are given again, by step id, to the playbooks as they are now, and each call's
//! new path, status and category are compared with what was recorded. Nothing runs and
//! nothing is written: a probe or a command step takes its recorded result, never a live
//! one, and the store is only read.
//!
//! Answers are matched by step id, not by position, so a changed flowchart that asks the
//! same questions in another order still replays; a call that reaches a step it never
//! answered (a step a layer inserted, or a branch the call never took) cannot be replayed,
//! and the step is named.

use std::collections::BTreeMap;

use deskbook_content::Content;
use deskbook_playbook::{Engine, Pending, Reply};
use deskbook_probes::ProbeResult;
use deskbook_store::{Call, Event};

use crate::log::recorded_replies;
use serde::Serialize;

/// What a call recorded, or what it would do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ending {
    pub status: String,
    pub category: String,
    pub path: Vec<String>,
}

/// One recorded call replayed against the current playbooks.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Rehearsal {
    /// Same path, status and category as recorded.
    Unchanged { session: String, playbook: String },
    /// The path, the status or the category would change.
    Changed {
        session: String,
        playbook: String,
        started_at: String,
        recorded: Ending,
        now: Ending,
        /// The first step at which the paths part, when they do.
        diverges_at: Option<String>,
    },
    /// The current playbooks cannot take the recorded answers.
    Unreplayable {
        session: String,
        playbook: String,
        started_at: String,
        /// The step it stopped at (`None` when the run could not start).
        step: Option<String>,
        reason: String,
    },
}

/// The answers and results a call recorded, by qualified step id; a later one (after going
/// back) replaces an earlier one, and what a resume discarded is not given (the replies
/// as resume itself reads them, [`recorded_replies`]).
#[derive(Default)]
struct Given {
    answers: BTreeMap<String, String>,
    results: BTreeMap<String, ProbeResult>,
}

fn given(events: &[Event]) -> Given {
    let mut g = Given::default();
    for r in recorded_replies(events) {
        match r.reply {
            Reply::Answer(answer) => {
                g.answers.insert(r.step, answer);
            }
            Reply::Probe(result) => {
                g.results.insert(r.step, result);
            }
            _ => {}
        }
    }
    g
}

/// A run never takes more replies than this (the engine bounds steps too).
const MAX_REPLIES: usize = 100_000;

/// Replay `call` (its log `events`) against the playbooks in `content`. Only calls that
/// ended at an end step are compared; the caller leaves out open and closed-by-hand calls.
pub fn rehearse(content: &Content, call: &Call, events: &[Event]) -> Rehearsal {
    let unreplayable = |step: Option<String>, reason: String| Rehearsal::Unreplayable {
        session: call.session.clone(),
        playbook: call.playbook.clone(),
        started_at: call.started_at.clone(),
        step,
        reason,
    };
    if content.playbook(&call.playbook).is_none() {
        return unreplayable(
            None,
            format!(
                "playbook `{}` is not in the content any more",
                call.playbook
            ),
        );
    }
    if let Some(d) = deskbook_playbook::check::first_error(content, &[call.playbook.as_str()]) {
        return unreplayable(
            None,
            format!(
                "the playbook has errors: {}:{}:{}: {}",
                d.file, d.line, d.column, d.message
            ),
        );
    }
    let mut engine = match Engine::start(content, &call.playbook, call.vars.clone()) {
        Ok(e) => e,
        Err(e) => return unreplayable(None, e.to_string()),
    };
    let g = given(events);
    // A probe result is given once per step; then the step's answer (if any) follows.
    let mut probed: Option<String> = None;
    for _ in 0..MAX_REPLIES {
        let Some(pending) = engine.pending() else {
            break;
        };
        let step = pending.step().to_string();
        let reply = match &pending {
            Pending::Probe { .. } => match (g.results.get(&step), g.answers.get(&step)) {
                (Some(r), _) => Reply::Probe(r.clone()),
                (None, Some(a)) => Reply::Answer(a.clone()),
                (None, None) => return unreplayable(
                    Some(step),
                    "a probe step the call has no recorded result for (replay never runs probes)"
                        .into(),
                ),
            },
            Pending::Ask { .. } | Pending::Input { .. } | Pending::Confirm { .. } => {
                match g.answers.get(&step) {
                    Some(a) => {
                        let command_first = matches!(
                            &pending,
                            Pending::Confirm {
                                command: Some(_),
                                ..
                            }
                        ) && probed.as_deref() != Some(step.as_str());
                        match (command_first, g.results.get(&step)) {
                            (true, Some(r)) => {
                                probed = Some(step.clone());
                                Reply::Probe(r.clone())
                            }
                            _ => Reply::Answer(a.clone()),
                        }
                    }
                    None => {
                        return unreplayable(
                            Some(step),
                            "the current playbook asks a step this call never answered".into(),
                        )
                    }
                }
            }
        };
        if let Err(e) = engine.submit(reply) {
            return unreplayable(Some(step), e.to_string());
        }
    }
    let Some(outcome) = engine.outcome() else {
        return unreplayable(
            engine.pending().map(|p| p.step().to_string()),
            format!("the run did not end within {MAX_REPLIES} replies"),
        );
    };
    let now = Ending {
        status: outcome.status.clone(),
        category: outcome.category.clone(),
        path: outcome.path.clone(),
    };
    let recorded = Ending {
        status: call.status.clone().unwrap_or_default(),
        category: call.category.clone().unwrap_or_default(),
        path: call.path.clone(),
    };
    if now == recorded {
        return Rehearsal::Unchanged {
            session: call.session.clone(),
            playbook: call.playbook.clone(),
        };
    }
    let diverges_at = recorded
        .path
        .iter()
        .zip(&now.path)
        .find(|(a, b)| a != b)
        .map(|(_, b)| b.clone())
        .or_else(|| {
            let n = recorded.path.len().min(now.path.len());
            now.path.get(n).or(recorded.path.get(n)).cloned()
        });
    Rehearsal::Changed {
        session: call.session.clone(),
        playbook: call.playbook.clone(),
        started_at: call.started_at.clone(),
        recorded,
        now,
        diverges_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskbook_content::LayerSpec;
    use deskbook_store::Record;

    const PLAYBOOK: &str = "id: rh\ntitle: Rehearsal test\nsummary: Two questions.\ntier: [1]\ntags: [test]\nsource: test\nstart: first\nsteps:\n  - id: first\n    ask: \"First?\"\n    choices: {\"yes\": NEXT, \"no\": second}\n  - id: second\n    ask: \"Second?\"\n    choices: {\"yes\": done, \"no\": done}\n  - id: done\n    end: fixed-understood\n    category: network-connectivity\n";

    fn content(yes_leads_to: &str) -> (tempfile::TempDir, Content) {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
        std::fs::write(
            dir.path().join("playbooks/rh.yaml"),
            PLAYBOOK.replace("NEXT", yes_leads_to),
        )
        .expect("write");
        let content =
            deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(dir.path().into())]);
        (dir, content)
    }

    fn event(seq: i64, record: Record) -> Event {
        Event {
            seq,
            at: "2026-12-01T10:00:00.000Z".into(),
            record,
        }
    }

    fn answered(seq: i64, step: &str, answer: &str) -> Event {
        event(
            seq,
            Record::Answered {
                step: step.into(),
                answer: answer.into(),
                text: None,
                prefill: None,
                overridden: None,
                from: None,
                command: None,
            },
        )
    }

    /// The call answered `second` before a resume that kept nothing, then took the other
    /// branch: the discarded answer is not the call's, so the playbook that now asks
    /// `second` after "yes" cannot be replayed with it.
    #[test]
    fn an_answer_a_resume_discarded_is_not_replayed() {
        let (_dir, was) = content("done");
        let call_of = |content: &Content| {
            let mut call = deskbook_store::Call {
                session: "s1".into(),
                playbook: "rh".into(),
                fingerprint: String::new(),
                content_version: String::new(),
                agent: None,
                caller: None,
                target: None,
                rollout: String::new(),
                vars: BTreeMap::new(),
                started_at: "2026-12-01T10:00:00.000Z".into(),
                ended_at: Some("2026-12-01T10:05:00.000Z".into()),
                duration_ms: Some(1),
                status: Some("fixed-understood".into()),
                category: Some("network-connectivity".into()),
                escalate: None,
                path: vec!["first".into(), "done".into()],
                notes: Vec::new(),
                probes: Vec::new(),
                flags: Vec::new(),
                closed_by: Some("playbook".into()),
            };
            call.fingerprint = Engine::fingerprint(content, "rh");
            call
        };
        let events = vec![
            answered(2, "first", "no"),
            answered(3, "second", "no"),
            event(
                4,
                Record::Resumed {
                    fingerprint_before: String::new(),
                    fingerprint: String::new(),
                    changed: false,
                    kept: 0,
                    misfits: Vec::new(),
                    at: "first".into(),
                    agent: None,
                },
            ),
            answered(5, "first", "yes"),
        ];
        let call = call_of(&was);
        let before = rehearse(&was, &call, &events);
        assert!(matches!(before, Rehearsal::Unchanged { .. }), "{before:?}");
        let (_dir2, now) = content("second");
        match rehearse(&now, &call, &events) {
            Rehearsal::Unreplayable { step, reason, .. } => {
                assert_eq!(step.as_deref(), Some("second"));
                assert_eq!(
                    reason,
                    "the current playbook asks a step this call never answered"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
