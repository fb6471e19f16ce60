//! A call's log as the runner writes it: every [`Record`] committed to the store (one
//! transaction each) before the runner shows anything else, kept in memory for the summary,
//! and printed as a JSON line under `--json`.
//!
//! Records come from the engine (`entered`, `answered`, `probed`, `said`, `back`, `noted`,
//! `restore`, `ended`: [`from_engine`]) and from the runtime itself (`started`, `resumed`,
//! `ran` — a confirmed command —, `observed` — a probe result the agent overrode —,
//! `declined` — a command the agent chose not to run —, `restored`, `failed`). Only
//! `answered`, `probed`, `ran`, `back` and `noted` are replies, which resume feeds back to
//! the engine ([`recorded_replies`]).

use deskbook_content::terminal::json_escaped;
use deskbook_content::Content;
use deskbook_playbook::{ActionRequest, EngineEvent, Outcome, Reply};
use deskbook_store::{Action, Call, Event, NewCall, Record, Stamp, Store};
use serde_json::{json, Map, Value};
use std::io::Write;

use crate::RuntimeError;

/// The session id shown for a `--dry-run`, which the store never sees.
pub const DRY_RUN_SESSION: &str = "dry-run";

/// The flag a call gets when its end step points the agent at the social-engineering
/// guidance (the caller asked for what the help desk does not give).
pub const SOCIAL_ENGINEERING: &str = "social-engineering";

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
        json: Option<Box<dyn Write + 's>>,
    ) -> Result<Log<'s>, RuntimeError> {
        let mut log = match store {
            Some(store) => {
                let call = store.begin_call(new)?;
                let events = store.events(&call.session)?;
                Log {
                    store: Some(store),
                    call,
                    events,
                    json,
                }
            }
            None => {
                let call = new.call(DRY_RUN_SESSION, &deskbook_store::time::now());
                let events = vec![Event {
                    seq: 1,
                    at: call.started_at.clone(),
                    record: new.started(),
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

    /// Take in events another process recorded for this call meanwhile (a packet
    /// attached with `sessions attach`); whether there were any.
    pub fn refresh(&mut self) -> Result<bool, RuntimeError> {
        let Some(store) = self.store.as_deref_mut() else {
            return Ok(false);
        };
        // The other process's event may sit between two of this run's (its `seq` came
        // first): anything not known yet, in `seq` order.
        let known: std::collections::HashSet<i64> = self.events.iter().map(|e| e.seq).collect();
        let new: Vec<Event> = store
            .events(&self.call.session)?
            .into_iter()
            .filter(|e| !known.contains(&e.seq))
            .collect();
        let any = !new.is_empty();
        self.events.extend(new);
        self.events.sort_by_key(|e| e.seq);
        Ok(any)
    }

    pub fn session(&self) -> &str {
        &self.call.session
    }

    pub fn is_dry_run(&self) -> bool {
        self.store.is_none()
    }

    /// Commit one record, then print it under `--json`. A store that went away fails the
    /// run with a message that the call can be resumed.
    pub fn record(&mut self, record: Record) -> Result<(), RuntimeError> {
        let stamp = match self.store.as_deref_mut() {
            Some(store) => match store.append(&self.call.session, &record) {
                Ok(stamp) => stamp,
                Err(error) if error.is_unavailable() => {
                    return Err(RuntimeError::StoreUnavailable {
                        error,
                        session: self.call.session.clone(),
                    })
                }
                Err(error) => return Err(error.into()),
            },
            None => Stamp {
                seq: self.events.last().map_or(1, |e| e.seq + 1),
                at: deskbook_store::time::now(),
            },
        };
        match &record {
            Record::Resumed { fingerprint, .. } => self.call.fingerprint = fingerprint.clone(),
            Record::Ended {
                status,
                category,
                escalate,
                path,
                flags,
                ..
            } => {
                self.call.status = Some(status.clone());
                self.call.category = Some(category.clone());
                self.call.escalate = escalate.clone();
                self.call.path = path.clone();
                self.call.flags = flags.clone();
                self.call.ended_at = Some(stamp.at.clone());
            }
            _ => {}
        }
        let event = Event {
            seq: stamp.seq,
            at: stamp.at,
            record,
        };
        self.emit(&event)?;
        self.events.push(event);
        Ok(())
    }

    fn emit(&mut self, event: &Event) -> Result<(), RuntimeError> {
        // The `ended` record is printed as the contract's `end` line by the runner.
        if matches!(event.record, Record::Ended { .. }) {
            return Ok(());
        }
        let session = self.call.session.clone();
        if let Some(out) = self.json.as_mut() {
            let line = json_line(&session, event).to_string();
            writeln!(out, "{}", json_escaped(&line))
                .map_err(RuntimeError::io("cannot write the JSON output"))?;
        }
        Ok(())
    }

    /// Print the contract's last line under `--json`.
    pub fn emit_end(&mut self, line: &Value) -> Result<(), RuntimeError> {
        if let Some(out) = self.json.as_mut() {
            writeln!(out, "{}", json_escaped(&line.to_string()))
                .map_err(RuntimeError::io("cannot write the JSON output"))?;
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

/// `{"event": KIND, "session": ID, "seq": N, "step": STEP, ...the rest of the record}`.
pub fn json_line(session: &str, event: &Event) -> Value {
    let mut obj = Map::new();
    obj.insert("event".into(), json!(event.kind()));
    obj.insert("session".into(), json!(session));
    obj.insert("seq".into(), json!(event.seq));
    if let Some(step) = event.step() {
        obj.insert("step".into(), json!(step));
    }
    for (k, v) in event.record.payload() {
        obj.entry(k).or_insert(v);
    }
    Value::Object(obj)
}

/// The record of an engine event, with what the runtime adds to it (`notes`: the step's
/// text, a prefill, the probe request, whether the result was canned, the command line).
/// A probe result of a confirmed command is a `ran` record.
pub fn from_engine(
    ev: &EngineEvent,
    notes: Option<&Map<String, Value>>,
) -> Result<Record, RuntimeError> {
    let mut obj = match serde_json::to_value(ev) {
        Ok(Value::Object(m)) => m,
        Ok(_) | Err(_) => Map::new(),
    };
    if let Some(notes) = notes {
        obj.extend(notes.clone());
    }
    if matches!(ev, EngineEvent::Probed { .. }) && obj.contains_key("command") {
        obj.insert("event".into(), json!("ran"));
    }
    let kind = obj
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    serde_json::from_value(Value::Object(obj)).map_err(|e| RuntimeError::Record {
        kind,
        reason: e.to_string(),
    })
}

/// The `observed` record of a probe result the agent overrode.
pub fn observed(
    step: &str,
    result: &deskbook_probes::ProbeResult,
    notes: &Map<String, Value>,
) -> Result<Record, RuntimeError> {
    let mut obj = notes.clone();
    obj.insert("event".into(), json!("observed"));
    obj.insert("step".into(), json!(step));
    obj.insert("result".into(), json!(result));
    serde_json::from_value(Value::Object(obj)).map_err(|e| RuntimeError::Record {
        kind: "observed".into(),
        reason: e.to_string(),
    })
}

/// An engine action as recorded.
pub fn action(a: &ActionRequest) -> Action {
    Action {
        step: a.step.clone(),
        task: a.task.clone(),
        argv: a.argv.clone(),
        with: a.with.clone(),
    }
}

/// The `ended` record of an outcome, flagged as the content says.
pub fn ended(content: &Content, outcome: &Outcome) -> Record {
    Record::Ended {
        playbook: outcome.playbook.clone(),
        status: outcome.status.clone(),
        category: outcome.category.clone(),
        escalate: outcome.escalate.clone(),
        collect: outcome.collect.clone(),
        say: outcome.say.clone(),
        path: outcome.path.clone(),
        flags: flags(content, outcome),
    }
}

/// Marks for reports: the flags of the steps the run passed (`flag:`), and
/// `social-engineering` for a call whose end step sends the agent to that guidance.
fn flags(content: &Content, outcome: &Outcome) -> Vec<String> {
    let mut flags = outcome.flags.clone();
    for f in end_step_flags(content, outcome) {
        if !flags.contains(&f) {
            flags.push(f);
        }
    }
    flags
}

/// `social-engineering` when the run's end step links the social-engineering guidance.
fn end_step_flags(content: &Content, outcome: &Outcome) -> Vec<String> {
    let Some(last) = outcome.path.last() else {
        return Vec::new();
    };
    let (pb, id) = last.rsplit_once('/').unwrap_or((&outcome.playbook, last));
    let social = content
        .playbook(pb)
        .and_then(|doc| doc.yaml())
        .and_then(|y| y.steps.iter().find(|s| s.id == id))
        .is_some_and(|s| s.help.iter().any(|h| h == SOCIAL_ENGINEERING));
    if social {
        vec![SOCIAL_ENGINEERING.to_string()]
    } else {
        Vec::new()
    }
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
        let (step, reply, shown) = match &e.record {
            Record::Resumed { kept, .. } => {
                out.truncate(usize::try_from(*kept).unwrap_or(usize::MAX));
                continue;
            }
            Record::Answered { step, answer, .. } => (
                step,
                Reply::Answer(answer.clone()),
                format!("answer {answer:?}"),
            ),
            Record::Probed { step, result, .. } | Record::Ran { step, result, .. } => (
                step,
                Reply::Probe(result.clone()),
                format!("{} result {}", result.probe, result.status),
            ),
            Record::Back { from, .. } => (from, Reply::Back, "back".to_string()),
            Record::Noted { step, text } => (step, Reply::Note(text.clone()), "note".to_string()),
            _ => continue,
        };
        out.push(Recorded {
            seq: e.seq,
            step: step.clone(),
            reply,
            shown,
        });
    }
    out
}
