//! A call's log as the runner writes it: every event committed to the store (one
//! transaction each) before the runner shows anything else, kept in memory for the summary,
//! and printed as a JSON line under `--json`.
//!
//! Event kinds: the engine's (`entered`, `answered`, `probed`, `said`, `back`, `noted`,
//! `restore`, `ended`) and the runtime's own (`started`, `resumed`, `observed` — a probe
//! result the agent overrode —, `declined` — a command the agent chose not to run —,
//! `restored`, `failed`). Only `answered`, `probed`, `back` and `noted` are replies, which
//! resume feeds back to the engine ([`recorded_replies`]).

use deskbook_playbook::Reply;
use deskbook_probes::ProbeResult;
use deskbook_store::{Call, Event, NewCall, Outcome, Stamp, Store};
use serde_json::{json, Map, Value};
use std::io::Write;

use crate::RuntimeError;

pub const STARTED: &str = "started";
pub const RESUMED: &str = "resumed";
pub const ENTERED: &str = "entered";
pub const ANSWERED: &str = "answered";
pub const PROBED: &str = "probed";
pub const BACK: &str = "back";
pub const NOTED: &str = "noted";
pub const SAID: &str = "said";
pub const OBSERVED: &str = "observed";
pub const DECLINED: &str = "declined";
pub const RESTORE: &str = "restore";
pub const RESTORED: &str = "restored";
pub const FAILED: &str = "failed";
pub const ENDED: &str = "ended";

/// The session id shown for a `--dry-run`, which the store never sees.
pub const DRY_RUN_SESSION: &str = "dry-run";

/// The log of one call while a run writes it.
pub struct Log<'s> {
    store: Option<&'s mut Store>,
    pub call: Call,
    /// Every event of the call so far (including those recorded before a resume).
    pub events: Vec<Event>,
    json: Option<Box<dyn Write + 's>>,
}

impl<'s> Log<'s> {
    /// Record a new call (`started`). Without a store (a dry run) nothing is written.
    pub fn begin(
        store: Option<&'s mut Store>,
        new: &NewCall<'_>,
        payload: Value,
        json: Option<Box<dyn Write + 's>>,
    ) -> Result<Log<'s>, RuntimeError> {
        let mut log = match store {
            Some(store) => {
                let call = store.begin_call(new, &payload)?;
                let events = store.events(&call.session)?;
                Log {
                    store: Some(store),
                    call,
                    events,
                    json,
                }
            }
            None => {
                let call = Call {
                    session: DRY_RUN_SESSION.to_string(),
                    playbook: new.playbook.to_string(),
                    fingerprint: new.fingerprint.to_string(),
                    agent: new.agent.map(str::to_string),
                    rollout: new.rollout.map(str::to_string),
                    vars: new.vars.clone(),
                    started_at: deskbook_store::time::now(),
                    ended_at: None,
                    status: None,
                    category: None,
                    escalate: None,
                };
                let events = vec![Event {
                    seq: 1,
                    kind: STARTED.to_string(),
                    step: None,
                    payload,
                    at: call.started_at.clone(),
                }];
                Log {
                    store: None,
                    call,
                    events,
                    json,
                }
            }
        };
        if let Some(first) = log.events.first().cloned() {
            log.emit(&first)?;
        }
        Ok(log)
    }

    /// Reopen a recorded call to go on writing it.
    pub fn reopen(
        store: &'s mut Store,
        call: Call,
        json: Option<Box<dyn Write + 's>>,
    ) -> Result<Log<'s>, RuntimeError> {
        let events = store.events(&call.session)?;
        Ok(Log {
            store: Some(store),
            call,
            events,
            json,
        })
    }

    pub fn session(&self) -> &str {
        &self.call.session
    }

    pub fn is_dry_run(&self) -> bool {
        self.store.is_none()
    }

    /// Commit one event, then print it under `--json`.
    pub fn record(
        &mut self,
        kind: &str,
        step: Option<&str>,
        payload: Value,
    ) -> Result<(), RuntimeError> {
        let stamp = match self.store.as_deref_mut() {
            Some(store) => store.append(&self.call.session, kind, step, &payload)?,
            None => self.dry_stamp(),
        };
        self.push(stamp, kind, step, payload)
    }

    /// Commit `resumed`, moving the call to the playbook's current fingerprint.
    pub fn record_resumed(
        &mut self,
        payload: Value,
        fingerprint: &str,
    ) -> Result<(), RuntimeError> {
        let stamp = match self.store.as_deref_mut() {
            Some(store) => {
                store.append_refingerprint(&self.call.session, RESUMED, &payload, fingerprint)?
            }
            None => self.dry_stamp(),
        };
        self.call.fingerprint = fingerprint.to_string();
        self.push(stamp, RESUMED, None, payload)
    }

    /// Commit `ended` and close the call.
    pub fn end(&mut self, outcome: &Outcome<'_>, payload: Value) -> Result<(), RuntimeError> {
        let stamp = match self.store.as_deref_mut() {
            Some(store) => store.end_call(&self.call.session, outcome, &payload)?,
            None => self.dry_stamp(),
        };
        self.call.status = Some(outcome.status.to_string());
        self.call.category = outcome.category.map(str::to_string);
        self.call.escalate = outcome.escalate.map(str::to_string);
        self.push(stamp, ENDED, None, payload)?;
        self.call.ended_at = self.events.last().map(|e| e.at.clone());
        Ok(())
    }

    /// The next seq and the time, for a dry run that the store never sees.
    fn dry_stamp(&self) -> Stamp {
        Stamp {
            seq: self.events.last().map_or(1, |e| e.seq + 1),
            at: deskbook_store::time::now(),
        }
    }

    fn push(
        &mut self,
        stamp: Stamp,
        kind: &str,
        step: Option<&str>,
        payload: Value,
    ) -> Result<(), RuntimeError> {
        let event = Event {
            seq: stamp.seq,
            kind: kind.to_string(),
            step: step.map(str::to_string),
            payload,
            at: stamp.at,
        };
        self.emit(&event)?;
        self.events.push(event);
        Ok(())
    }

    fn emit(&mut self, event: &Event) -> Result<(), RuntimeError> {
        // The `ended` event is printed as the contract's `end` line by the runner.
        if event.kind == ENDED {
            return Ok(());
        }
        let session = self.call.session.clone();
        if let Some(out) = self.json.as_mut() {
            let line = json_line(&session, event);
            writeln!(out, "{line}").map_err(RuntimeError::io("cannot write the JSON output"))?;
        }
        Ok(())
    }

    /// Print the contract's last line under `--json`.
    pub fn emit_end(&mut self, line: &Value) -> Result<(), RuntimeError> {
        if let Some(out) = self.json.as_mut() {
            writeln!(out, "{line}").map_err(RuntimeError::io("cannot write the JSON output"))?;
            out.flush()
                .map_err(RuntimeError::io("cannot write the JSON output"))?;
        }
        Ok(())
    }

    pub fn flush(&mut self) {
        if let Some(out) = self.json.as_mut() {
            let _ = out.flush();
        }
    }
}

/// `{"event": KIND, "session": ID, "seq": N, "step": STEP, ...payload}`.
pub fn json_line(session: &str, event: &Event) -> Value {
    let mut obj = Map::new();
    obj.insert("event".into(), json!(event.kind));
    obj.insert("session".into(), json!(session));
    obj.insert("seq".into(), json!(event.seq));
    if let Some(step) = &event.step {
        obj.insert("step".into(), json!(step));
    }
    if let Value::Object(payload) = &event.payload {
        for (k, v) in payload {
            if !obj.contains_key(k) {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(obj)
}

/// A reply found in the log, with the step it was given to.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub seq: i64,
    pub step: String,
    pub reply: Reply,
    /// How the reply reads in a message (`answer "no"`, `probe result fail`, …).
    pub shown: String,
}

/// The replies of a log in order, as resume replays them. A `resumed` event that kept only
/// the first `kept` replies (the playbook had changed) drops the rest of what came before.
pub fn recorded_replies(events: &[Event]) -> Vec<Recorded> {
    let mut out: Vec<Recorded> = Vec::new();
    for e in events {
        if e.kind == RESUMED {
            if let Some(kept) = e.payload.get("kept").and_then(Value::as_u64) {
                out.truncate(usize::try_from(kept).unwrap_or(usize::MAX));
            }
            continue;
        }
        let Some(step) = e.step.clone() else {
            continue;
        };
        let text = |key: &str| {
            e.payload
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (reply, shown) = match e.kind.as_str() {
            ANSWERED => match text("answer") {
                Some(a) => (Reply::Answer(a.clone()), format!("answer {a:?}")),
                None => continue,
            },
            PROBED => match e
                .payload
                .get("result")
                .cloned()
                .and_then(|r| serde_json::from_value::<ProbeResult>(r).ok())
            {
                Some(r) => {
                    let shown = format!("{} result {}", r.probe, r.status);
                    (Reply::Probe(r), shown)
                }
                None => continue,
            },
            BACK => (Reply::Back, "back".to_string()),
            NOTED => match text("text") {
                Some(t) => (Reply::Note(t), "note".to_string()),
                None => continue,
            },
            _ => continue,
        };
        out.push(Recorded {
            seq: e.seq,
            step,
            reply,
            shown,
        });
    }
    out
}
