//! Evidence packets on the agent's side (DESIGN.md, Evidence from the caller's computer):
//! checking a packet that came from a caller (`run --evidence`, `sessions attach`), the
//! `attached` record it becomes, and the results its steps give a call's steps for that
//! computer.
//!
//! A packet speaks only for the computer it was collected on. So it is attached only to a
//! call whose caller (or target) is that computer, and it answers only the steps that say
//! they run there (`from: caller`, or `from: target` for a packet from the target). Packet
//! steps are matched to playbook steps by probe name and arguments
//! ([`deskbook_evidence::answers`]), never by position. The `attached` record keeps the
//! packet's steps, so resume and the export read the call's log, not the file again.

use std::collections::BTreeMap;
use std::path::Path;

use deskbook_content::playbook::Vantage;
use deskbook_evidence::table73::comp_name;
use deskbook_evidence::{neutralise_line, Packet};
use deskbook_playbook::ProbeRequest;
use deskbook_probes::ProbeResult;
use deskbook_store::{computer_of, Event, Origin, PacketStep, Record, Store};

use crate::RuntimeError;

/// A packet attached to a call, as its `attached` record holds it.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub computer: String,
    /// When the collection started (RFC 3339).
    pub collected: String,
    pub os_id: Option<String>,
    /// The computer of the call it speaks for.
    pub side: Vantage,
    pub steps: Vec<PacketStep>,
}

/// Read and check the packet at `path` for a call with inputs `vars`; the record to
/// attach it with. Refused: a packet the evidence reader refuses, and a packet from a
/// computer that is neither the call's caller nor its target.
pub fn read(
    path: &Path,
    vars: &BTreeMap<String, String>,
    agent: Option<&str>,
) -> Result<Record, RuntimeError> {
    let packet = Packet::open(path).map_err(|e| RuntimeError::Evidence(e.to_string()))?;
    let m = &packet.manifest;
    let shown = neutralise_line(&path.display().to_string()).into_owned();
    if side_of(&m.computer, vars).is_none() {
        let caller = computer_of(vars, "caller").unwrap_or_else(|| "(not given)".into());
        let target = computer_of(vars, "target").unwrap_or_else(|| "(not given)".into());
        return Err(RuntimeError::Evidence(format!(
            "{shown}: the packet was collected on {}, which is neither this call's caller ({}) nor its target ({}): a result speaks only for the computer it ran on",
            neutralise_line(&m.computer),
            neutralise_line(&caller),
            neutralise_line(&target),
        )));
    }
    Ok(Record::Attached {
        packet: shown,
        computer: m.computer.clone(),
        user: m.user.clone(),
        admin: m.admin,
        os: m.os.name.clone(),
        os_id: m.os.os_id.clone(),
        target: m.target.clone(),
        collected: m.started.clone(),
        ended: m.ended.clone(),
        deskbook: m.deskbook.clone(),
        steps: m
            .steps
            .iter()
            .map(|s| PacketStep {
                id: s.id.clone(),
                probe: s.probe.clone(),
                args: s.args.clone(),
                command: s.command.clone(),
                result: s.result.clone(),
                missing: s.missing.clone(),
                files: s.files.clone(),
            })
            .collect(),
        agent: agent.map(str::to_string),
    })
}

/// `sessions attach ID FILE`: check the packet and attach it to the open call `session`
/// (running at another desk, or dropped: its caller steps still to come are answered by
/// it). A refused packet leaves the call as it was.
pub fn attach(
    store: &mut Store,
    session: &str,
    path: &Path,
    agent: Option<&str>,
) -> Result<Record, RuntimeError> {
    let call = store.call(session)?;
    if !call.is_open() {
        return Err(RuntimeError::Evidence(format!(
            "call {} has ended ({}): a packet is attached to an open call; start a new call with `deskbook run PLAYBOOK --evidence {}`",
            call.session,
            call.status.unwrap_or_default(),
            neutralise_line(&path.display().to_string())
        )));
    }
    let record = read(path, &call.vars, agent)?;
    if let Record::Attached {
        computer,
        collected,
        ended,
        ..
    } = &record
    {
        // The same collection twice adds nothing and would list its evidence twice.
        let again = store.events(&call.session)?.into_iter().any(|e| {
            matches!(&e.record, Record::Attached { computer: c, collected: s, ended: d, .. }
                if c == computer && s == collected && d == ended)
        });
        if again {
            return Err(RuntimeError::Evidence(format!(
                "call {} already has {}: nothing was added",
                call.session,
                label(computer, collected)
            )));
        }
    }
    store.append(&call.session, &record)?;
    Ok(record)
}

/// Which of the call's computers `computer` is: its caller, its target, or (a call that
/// names neither) taken to be the caller's. `None`: another computer.
fn side_of(computer: &str, vars: &BTreeMap<String, String>) -> Option<Vantage> {
    let caller = computer_of(vars, "caller");
    let target = computer_of(vars, "target");
    let same = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| comp_name(v) == comp_name(computer))
    };
    if same(&caller) {
        Some(Vantage::Caller)
    } else if same(&target) {
        Some(Vantage::Target)
    } else if caller.is_none() && target.is_none() {
        Some(Vantage::Caller)
    } else {
        None
    }
}

/// The packets attached in a call's log, in order.
pub fn attachments(events: &[Event], vars: &BTreeMap<String, String>) -> Vec<Attachment> {
    events
        .iter()
        .filter_map(|e| match &e.record {
            Record::Attached {
                computer,
                collected,
                os_id,
                steps,
                ..
            } => Some(Attachment {
                computer: computer.clone(),
                collected: collected.clone(),
                os_id: os_id.clone(),
                side: side_of(computer, vars).unwrap_or(Vantage::Caller),
                steps: steps.clone(),
            }),
            _ => None,
        })
        .collect()
}

impl Attachment {
    /// The result this packet gives `request`, when it is for this packet's computer and
    /// one of its steps ran the same probe with the same arguments.
    pub fn answer(&self, request: &ProbeRequest) -> Option<ProbeResult> {
        if request.from != self.side {
            return None;
        }
        self.steps.iter().find_map(|s| {
            let r = s.result.as_ref()?;
            deskbook_evidence::answers(s.probe.as_deref(), &s.args, &request.name, &request.args)
                .then(|| r.clone())
        })
    }

    /// `PC-0042's packet, collected 10:42`.
    pub fn label(&self) -> String {
        label(&self.computer, &self.collected)
    }

    /// Where a result from this packet comes from.
    pub fn origin(&self) -> Origin {
        Origin::packet(
            self.side.as_str(),
            self.computer.clone(),
            self.collected.clone(),
        )
    }
}

/// `PC-0042's packet, collected 10:42` (the time as recorded, UTC), neutralised for the
/// terminal.
pub fn label(computer: &str, collected: &str) -> String {
    let shown = deskbook_store::record::packet_label(computer, collected);
    neutralise_line(shown.strip_prefix("from ").unwrap_or(&shown)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_speaks_for_the_caller_or_the_target_it_names() {
        let vars = BTreeMap::from([
            (
                "caller".to_string(),
                "pc-0042.woodgrovebank.com".to_string(),
            ),
            ("target".to_string(), "srv-files-01".to_string()),
        ]);
        assert_eq!(side_of("PC-0042", &vars), Some(Vantage::Caller));
        assert_eq!(side_of("SRV-FILES-01", &vars), Some(Vantage::Target));
        assert_eq!(side_of("PC-0099", &vars), None);
        assert_eq!(side_of("PC-0099", &BTreeMap::new()), Some(Vantage::Caller));
        assert_eq!(
            label("PC-0042", "2026-12-01T10:42:00.000Z"),
            "PC-0042's packet, collected 10:42"
        );
    }
}
