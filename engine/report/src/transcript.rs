//! The transcript of a call, read back from its log: the head of `sessions show` and of the
//! escalation packet's `transcript.txt` (every step taken, with its probe and command
//! results, and the notes). The short ticket summary is [`crate::ticket`].

use deskbook_content::Content;
use deskbook_store::{Call, Event};
use serde_json::Value;
use std::fmt::Write;

use crate::kinds as log;

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// A probe or command result in one line: `fail: no reply (3012 ms)`.
fn result_line(r: &Value) -> String {
    format!(
        "{}: {}",
        s(r, "status").unwrap_or("?"),
        s(r, "summary").unwrap_or("").trim()
    )
}

fn request_line(v: &Value) -> String {
    let Some(req) = v.get("request") else {
        return s(v.get("result").unwrap_or(&Value::Null), "probe")
            .unwrap_or("probe")
            .to_string();
    };
    let mut line = s(req, "name").unwrap_or("probe").to_string();
    if let Some(args) = req.get("args").and_then(Value::as_object) {
        for (k, v) in args {
            let _ = write!(line, " {k}={}", v.as_str().unwrap_or(""));
        }
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
    if let Some(r) = &call.rollout {
        let _ = writeln!(out, "Rollout: {r}");
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
    let mut ended: Option<&Value> = None;
    // Probe and command lines wait for their step's answer, to be listed under it; a probe
    // step that takes no answer gets its own entry when the run moves on.
    let mut details: Vec<(String, String)> = Vec::new();
    let flush = |details: &mut Vec<(String, String)>, steps: &mut String, n: &mut usize| {
        for (step, line) in details.drain(..) {
            *n += 1;
            let _ = writeln!(steps, "  {n}. {step}: {line}");
        }
    };
    for e in events {
        let step = e.step.as_deref().unwrap_or("");
        let p = &e.payload;
        match e.kind.as_str() {
            log::ANSWERED => {
                let mine: Vec<String> = details
                    .iter()
                    .filter(|(s, _)| s == step)
                    .map(|(_, l)| l.clone())
                    .collect();
                details.retain(|(s, _)| s != step);
                flush(&mut details, &mut steps, &mut n);
                n += 1;
                let text = s(p, "text").unwrap_or("");
                let answer = s(p, "answer").unwrap_or("");
                let _ = write!(steps, "  {n}. {step}: ");
                if !text.is_empty() {
                    let _ = write!(steps, "{} ", one_line(text));
                }
                let _ = write!(steps, "-> {answer}");
                if p.get("overridden").and_then(Value::as_bool) == Some(true) {
                    let _ = write!(
                        steps,
                        " (the agent overrode the probe's {:?})",
                        s(p, "prefill").unwrap_or("")
                    );
                }
                steps.push('\n');
                for line in mine {
                    let _ = writeln!(steps, "     {line}");
                }
            }
            log::PROBED | log::OBSERVED => {
                let r = p.get("result").unwrap_or(&Value::Null);
                let canned = if p.get("canned").and_then(Value::as_bool) == Some(true) {
                    " [canned]"
                } else {
                    ""
                };
                let line = match s(p, "command") {
                    Some(c) => format!("ran `{c}`: {}{canned}", result_line(r)),
                    None => format!("probe {}: {}{canned}", request_line(p), result_line(r)),
                };
                details.push((step.to_string(), line));
            }
            log::DECLINED => details.push((
                step.to_string(),
                format!(
                    "`{}` not run by deskbook (the agent skipped it)",
                    s(p, "command").unwrap_or("")
                ),
            )),
            log::ENTERED => {
                let others: Vec<(String, String)> =
                    details.iter().filter(|(s, _)| s != step).cloned().collect();
                details.retain(|(s, _)| s == step);
                let mut others = others;
                flush(&mut others, &mut steps, &mut n);
            }
            log::BACK => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(
                    steps,
                    "     went back from {} to {}",
                    s(p, "from").unwrap_or(step),
                    s(p, "to").unwrap_or("?")
                );
            }
            log::NOTED => notes.push(format!("  - {step}: {}", s(p, "text").unwrap_or(""))),
            log::RESTORED => {
                flush(&mut details, &mut steps, &mut n);
                let r = p.get("result").unwrap_or(&Value::Null);
                let _ = writeln!(
                    steps,
                    "     restored what {step} changed: `{}`: {}",
                    s(p, "command").unwrap_or(""),
                    result_line(r)
                );
            }
            log::FAILED => {
                flush(&mut details, &mut steps, &mut n);
                let _ = writeln!(
                    steps,
                    "     the run stopped: {}",
                    s(p, "message").unwrap_or("")
                );
            }
            log::RESUMED => {
                let _ = writeln!(steps, "     (resumed at {})", e.at);
            }
            log::ENDED => ended = Some(p),
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
    if let Some(end) = ended {
        if let Some(collect) = end.get("collect").and_then(Value::as_array) {
            if !collect.is_empty() {
                let items: Vec<String> = collect
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|c| match call.vars.get(c) {
                        Some(v) => format!("{c} ({v})"),
                        None => c.to_string(),
                    })
                    .collect();
                let _ = writeln!(out, "Collect for Tier 2: {}", items.join(", "));
            }
        }
        if let Some(say) = s(end, "say").filter(|t| !t.trim().is_empty()) {
            let _ = writeln!(out, "Closing: {}", one_line(say));
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
