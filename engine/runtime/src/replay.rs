//! Resume: replay a call's recorded replies into a fresh engine, and say which recorded
//! steps no longer fit when the playbook changed since the call was recorded.
//!
//! Replay stops at the first recorded reply that does not fit (its step is not the one the
//! new playbook waits for, or the engine refuses it); that reply and every later one are
//! reported and not replayed, and the run goes on from there. The `resumed` event records
//! how many replies were kept, so a later resume replays exactly the same prefix.

use deskbook_content::Content;
use deskbook_playbook::{Engine, Reply};
use deskbook_store::{Call, Event};

use crate::log::recorded_replies;
use crate::RuntimeError;

/// A recorded reply that the current playbook does not take (kept in `resumed`).
pub use deskbook_store::Misfit;

/// A fresh engine with the call's replies applied.
pub struct Replayed {
    pub engine: Engine,
    /// How many recorded replies were applied.
    pub kept: usize,
    /// The recorded replies that were not applied, in order.
    pub misfits: Vec<Misfit>,
    /// The playbook's fingerprint now.
    pub fingerprint: String,
    /// Whether the fingerprint differs from the one the call was recorded with.
    pub changed: bool,
    /// The last applied reply was a probe result for the step now pending (a probe or a
    /// command that already ran): the runner does not run it again.
    pub pending_probed: bool,
}

/// Replay `events` (the log of `call`) against the playbook as it is now in `content`.
pub fn replay(content: &Content, call: &Call, events: &[Event]) -> Result<Replayed, RuntimeError> {
    let fingerprint = Engine::fingerprint(content, &call.playbook);
    let mut engine = Engine::start(content, &call.playbook, call.vars.clone())?;
    let mut kept = 0;
    let mut misfits: Vec<Misfit> = Vec::new();
    let mut last_probe_step: Option<String> = None;
    for r in recorded_replies(events) {
        if !misfits.is_empty() {
            misfits.push(Misfit {
                step: r.step,
                recorded: r.shown,
                reason: "not replayed: an earlier recorded step no longer fits".into(),
            });
            continue;
        }
        let reason = match engine.pending() {
            None => Some("the run now ends before this step".to_string()),
            Some(p) if p.step() != r.step => {
                Some(format!("the run now waits at `{}` instead", p.step()))
            }
            Some(_) => {
                let is_probe = matches!(r.reply, Reply::Probe(_));
                match engine.submit(r.reply.clone()) {
                    Ok(_) => {
                        kept += 1;
                        if is_probe {
                            last_probe_step = Some(r.step.clone());
                        } else if !matches!(r.reply, Reply::Note(_)) {
                            last_probe_step = None;
                        }
                        None
                    }
                    Err(e) => Some(e.to_string()),
                }
            }
        };
        if let Some(reason) = reason {
            misfits.push(Misfit {
                step: r.step,
                recorded: r.shown,
                reason,
            });
        }
    }
    let pending_probed = match (engine.pending(), &last_probe_step) {
        (Some(p), Some(s)) => p.step() == s,
        _ => false,
    };
    Ok(Replayed {
        changed: fingerprint != call.fingerprint,
        engine,
        kept,
        misfits,
        fingerprint,
        pending_probed,
    })
}
