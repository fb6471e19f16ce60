//! The transcript of a call, read back from its log: the head of `sessions show` and of the
//! escalation packet's `transcript.txt` (every step taken, with its probe and command
//! results, and the notes). The short ticket summary is [`crate::ticket`].

use deskbook_content::Content;
use deskbook_probes::ProbeResult;
use deskbook_store::{Call, Event, ProbeCall, Record};
use std::fmt::Write;

/// A probe or command result in one line: `fail: no reply (3012 ms)`.
fn result_line(r: &ProbeResult) -> String {
    format!("{}: {}", r.status.as_str(), r.summary.trim())
}

fn request_line(request: Option<&ProbeCall>, result: &ProbeResult) -> String {
    let Some(req) = request else {
        return result.probe.clone();
    };
    let mut line = req.name.clone();
    for (k, v) in &req.args {
        let _ = write!(line, " {k}={v}");
    }
    line
}

/// The account of `call` from its `events`: who, when, the outcome, every step with its
/// probe and command results, the notes.
pub fn transcript(call: &Call, events: &[Event], content: &Content) -> String {
    let mut out = String::new();
    let title = content
        .playbook(&call.playbook)
        .and_then(|p| p.yaml().map(|y| y.title.clone()))
        .unwrap_or_default();
    let _ = write!(out, "Call {}: playbook {}", call.session, call.playbook);
    if !title.is_empty() {
        let _ = write!(out, " ({title})");
    }
    out.push('\n');
    let _ = write!(
        out,
        "Agent: {}. Started {}",
        call.agent.as_deref().unwrap_or("(not given)"),
        call.started_at
    );
    match &call.ended_at {
        Some(at) => {
            let _ = writeln!(out, ", ended {at}.");
        }
        None => out.push_str("; still open.\n"),
    }
    if !call.rollout.is_empty() {
        let _ = writeln!(out, "Rollout: {}", call.rollout);
    }
    if !call.vars.is_empty() {
        let vars: Vec<String> = call.vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "Inputs: {}", vars.join(", "));
    }
    match &call.status {
        Some(status) => {
            let _ = write!(out, "Outcome: {status}");
            if let Some(c) = &call.category {
                let ct = content
                    .taxonomy
                    .categories
                    .iter()
                    .find(|x| &x.id == c)
                    .map(|x| format!(" ({})", x.title))
                    .unwrap_or_default();
                let _ = write!(out, "; category {c}{ct}");
            }
            match &call.escalate {
                Some(t) => {
                    let _ = writeln!(out, "; escalate to {t}.");
                }
                None => out.push_str("; no escalation.\n"),
            }
        }
        None => out.push_str("Outcome: none yet (the call is open).\n"),
    }

    let mut steps = String::new();
    let mut notes = Vec::new();
    let mut n = 0;
    let mut ended: Option<(&[String], Option<&str>)> = None;
    // Probe and command lines wait for their step's answer, to be listed under it; a probe
    // step that takes no answer gets its own entry when the run moves on.
    let mut details: Vec<(String, String)> = Vec::new();
    let flush = |details: &mut Vec<(String, String)>, steps: &mut String, n: &mut usize| {
        for (step, line) in details.drain(..) {
            *n += 1;
            let _ = writeln!(steps, "  {n}. {step}: {line}");
        }
    };
    let canned_mark = |canned: bool| if canned { " [canned]" } else { "" };
    for e in events {
        let step = e.step().unwrap_or("");
        match &e.record {
            Record::Answered {
                answer,
                text,
                prefill,
                overridden,
                from,
                command,
                ..
            } => {
                let mine: Vec<String> = details
                    .iter()
                    .filter(|(s, _)| s == step)
                    .map(|(_, l)| l.clone())
                    .collect();
                details.retain(|(s, _)| s != step);
                flush(&mut details, &mut steps, &mut n);
                n += 1;
                let text = text.as_deref().unwrap_or("");
                let _ = write!(steps, "  {n}. {step}: ");
                if !text.is_empty() {
                    let _ = write!(steps, "{} ", one_line(text));
                }
                let _ = write!(steps, "-> {answer}");
                if *overridden == Some(true) {
                    let _ = write!(
                        steps,
                        " (the agent overrode the probe's {:?})",
                        prefill.as_deref().unwrap_or("")
                    );
                }
                steps.push('\n');
                if let (Some(from), Some(command)) = (from, command) {
                    let _ = writeln!(
                        steps,
                        "     not run by deskbook: on {}, `{}`",
                        deskbook_store::record::whose(from),
                        one_line(command)
                    );
                }
                for line in mine {
                    let _ = writeln!(steps, "     {line}");
                }
            }
            Record::Probed {
                result,
                request,
                canned,
                ..
            }
            | Record::Observed {
                result,
                request,
                canned,
                ..
            } => {
                let line = format!(
                    "probe {} ({}): {}{}",
                    request_line(request.as_ref(), result),
                    e.record.whence(),
                    result_line(result),
                    canned_mark(*canned)
                );
                details.push((step.to_string(), line));
            }
            Record::Ran {
                command,
                result,
                canned,
                ..
            } => {
                let line = format!(
                    "ran `{command}` ({}): {}{}",
                    e.record.whence(),
                    result_line(result),
                    canned_mark(*canned)
                );
                details.push((step.to_string(), line));
            }
            Record::Declined { command, .. } => details.push((
                step.to_string(),
                format!("`{command}` not run by deskbook (the agent skipped it)"),
            )),
            Record::Entered { .. } => {
                let mut others: Vec<(String, String)> =
                    details.iter().filter(|(s, _)| s != step).cloned().collect();
                details.retain(|(s, _)| s == step);
                flush(&mut others, &mut steps, &mut n);
            }
            Record::Back { from, to } => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(steps, "     went back from {from} to {to}");
            }
            Record::Noted { text, .. } => notes.push(format!("  - {step}: {text}")),
            Record::Restored {
                command, result, ..
            } => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(
                    steps,
                    "     restored what {step} changed: `{command}`: {}",
                    result_line(result)
                );
            }
            Record::Failed { message, .. } => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(steps, "     the run stopped: {message}");
            }
            Record::Resumed { .. } => {
                let _ = writeln!(steps, "     (resumed at {})", e.at);
            }
            Record::Attached {
                packet,
                computer,
                user,
                admin,
                collected,
                steps: packet_steps,
                ..
            } => {
                let results = packet_steps.iter().filter(|s| s.result.is_some()).count();
                let _ = writeln!(
                    steps,
                    "     evidence attached at {}: {packet}, {} (by {user}, {}; {results} result{})",
                    e.at,
                    deskbook_store::record::packet_label(computer, collected),
                    if *admin { "administrator" } else { "not an administrator" },
                    if results == 1 { "" } else { "s" }
                );
            }
            Record::Closed { agent, .. } => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(
                    steps,
                    "     closed by {} at {}",
                    agent.as_deref().unwrap_or("an agent"),
                    e.at
                );
            }
            Record::Ended { collect, say, .. } => ended = Some((collect, say.as_deref())),
            _ => {}
        }
    }
    flush(&mut details, &mut steps, &mut n);
    if !steps.is_empty() {
        out.push_str("Steps:\n");
        out.push_str(&steps);
    }
    if !notes.is_empty() {
        out.push_str("Notes:\n");
        for line in notes {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Some((collect, say)) = ended {
        if !collect.is_empty() {
            let items: Vec<String> = collect
                .iter()
                .map(|c| match call.vars.get(c) {
                    Some(v) => format!("{c} ({v})"),
                    None => c.to_string(),
                })
                .collect();
            let _ = writeln!(out, "Collect for Tier 2: {}", items.join(", "));
        }
        if let Some(say) = say.filter(|t| !t.trim().is_empty()) {
            let _ = writeln!(out, "Closing: {}", one_line(say));
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
