//! The ticket summary (issue 12): about ten lines an agent pastes into the ticketing system
//! at the end of a call — caller, target, scope, findings, status, category, escalation and
//! the next action — as text, Markdown or JSON. The full account stays in `sessions show`.

use deskbook_content::Content;
use deskbook_probes::ProbeResult;
use deskbook_store::record::whose;
use deskbook_store::{input_of, Call, Event, Record, CALLER_INPUTS, TARGET_INPUTS};
use serde::Serialize;
use std::fmt::Write;

/// Most findings listed; the rest are counted and left to `sessions show`.
const MAX_FINDINGS: usize = 3;
/// Longest finding, in characters, before it is cut with `…` (an answer is never cut).
const FINDING_WIDTH: usize = 140;

/// How `run --summary-format` prints the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketFormat {
    #[default]
    Text,
    Markdown,
    Json,
}

/// The summary of one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub session: String,
    pub playbook: String,
    pub playbook_title: Option<String>,
    pub agent: Option<String>,
    pub caller: Option<String>,
    pub target: Option<String>,
    /// What the agent recorded about who and what is affected (the `scope` answer).
    pub scope: Option<String>,
    /// What the call established, most recent last: probe results and answers.
    pub findings: Vec<String>,
    /// Findings left out of `findings` (see `sessions show`).
    pub more_findings: usize,
    /// The agent's notes, in order.
    pub notes: Vec<String>,
    /// Evidence packets attached to the call (`from PC-0042's packet, collected 10:42`).
    pub evidence: Vec<String>,
    /// `None` while the call is open.
    pub status: Option<String>,
    pub category: Option<String>,
    pub category_title: Option<String>,
    pub escalate: Option<String>,
    pub next_action: String,
    pub started_at: String,
    pub ended_at: Option<String>,
}

impl Ticket {
    /// The summary of `call` from its log.
    pub fn new(call: &Call, events: &[Event], content: &Content) -> Ticket {
        let mut findings = Vec::new();
        // Probe and command results wait for their step's answer, to read as one finding.
        let mut results: Vec<(String, String)> = Vec::new();
        let mut scope = None;
        let mut notes = Vec::new();
        let mut evidence = Vec::new();
        let mut say = None;
        let mut collect = Vec::new();
        for e in events {
            let step = e.step().unwrap_or("");
            let whence = e.record.whence();
            let mut result = |what: String, r: &ProbeResult| {
                results.push((
                    step.to_string(),
                    format!(
                        "{what} ({whence}): {}: {}",
                        r.status.as_str(),
                        one_line(&r.summary)
                    ),
                ));
            };
            match &e.record {
                Record::Answered {
                    answer,
                    text: question,
                    from,
                    command,
                    ..
                } => {
                    let answer = one_line(answer);
                    let mine: Vec<String> = results
                        .iter()
                        .filter(|(s, _)| s == step)
                        .map(|(_, r)| r.clone())
                        .collect();
                    results.retain(|(s, _)| s != step);
                    findings.extend(results.drain(..).map(|(_, r)| cut(&r, FINDING_WIDTH)));
                    if step.rsplit('/').next() == Some("scope") {
                        scope = Some(answer);
                        continue;
                    }
                    let question = one_line(question.as_deref().unwrap_or(""));
                    let question = if question.is_empty() {
                        format!("{step}:")
                    } else {
                        question
                    };
                    let mut more = String::new();
                    if !mine.is_empty() {
                        more.push_str(&format!(" ({})", mine.join("; ")));
                    }
                    // The agent answered for another computer, from what was read out there.
                    if let (Some(from), Some(command)) = (from, command) {
                        more.push_str(&format!(" (on {}: `{}`)", whose(from), one_line(command)));
                    }
                    findings.push(finding(&question, &answer, &more, FINDING_WIDTH));
                }
                Record::Probed { result: r, .. } | Record::Observed { result: r, .. } => {
                    result(r.probe.clone(), r)
                }
                Record::Ran {
                    command, result: r, ..
                } => result(format!("`{}`", one_line(command)), r),
                Record::Noted { text, .. } => notes.push(one_line(text)),
                Record::Attached {
                    computer,
                    collected,
                    ..
                } => evidence.push(deskbook_store::record::packet_label(computer, collected)),
                Record::Ended {
                    say: s, collect: c, ..
                } => {
                    say = s.as_deref().map(one_line);
                    collect = c.clone();
                }
                _ => {}
            }
        }
        findings.extend(results.drain(..).map(|(_, r)| cut(&r, FINDING_WIDTH)));
        let more_findings = findings.len().saturating_sub(MAX_FINDINGS);
        let findings = findings.split_off(more_findings);
        let category_title = call.category.as_ref().and_then(|c| {
            content
                .taxonomy
                .categories
                .iter()
                .find(|x| &x.id == c)
                .map(|x| x.title.clone())
        });
        let playbook_title = content
            .playbook(&call.playbook)
            .and_then(|p| p.yaml().map(|y| y.title.clone()))
            .filter(|t| !t.is_empty());
        let next_action = next_action(call, say.as_deref(), &collect);
        Ticket {
            session: call.session.clone(),
            playbook: call.playbook.clone(),
            playbook_title,
            agent: call.agent.clone(),
            caller: input_of(&call.vars, CALLER_INPUTS),
            target: input_of(&call.vars, TARGET_INPUTS),
            scope,
            findings,
            more_findings,
            notes,
            evidence,
            status: call.status.clone(),
            category: call.category.clone(),
            category_title,
            escalate: call.escalate.clone(),
            next_action,
            started_at: call.started_at.clone(),
            ended_at: call.ended_at.clone(),
        }
    }

    /// The summary in `format`, ending with a newline.
    pub fn render(&self, format: TicketFormat) -> String {
        match format {
            TicketFormat::Text => self.lines(false),
            TicketFormat::Markdown => self.lines(true),
            TicketFormat::Json => {
                serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into()) + "\n"
            }
        }
    }

    /// Text and Markdown share their lines; Markdown makes them a list under a heading.
    fn lines(&self, md: bool) -> String {
        let none = "(not recorded)";
        let mut rows: Vec<(&str, String)> = vec![
            ("Caller", self.caller.clone().unwrap_or_else(|| none.into())),
            ("Target", self.target.clone().unwrap_or_else(|| none.into())),
            ("Scope", self.scope.clone().unwrap_or_else(|| none.into())),
        ];
        let mut findings = self.findings.clone();
        if self.more_findings > 0 {
            findings.insert(
                0,
                format!(
                    "({} earlier in `deskbook sessions show {}`)",
                    self.more_findings, self.session
                ),
            );
        }
        if findings.is_empty() {
            findings.push("none recorded".into());
        }
        if !self.evidence.is_empty() {
            rows.push(("Evidence", self.evidence.join("; ")));
        }
        let findings_at = rows.len();
        if !self.notes.is_empty() {
            rows.push(("Notes", self.notes.join("; ")));
        }
        rows.push((
            "Status",
            self.status
                .clone()
                .unwrap_or_else(|| "open (the call has not ended)".into()),
        ));
        let category = match (&self.category, &self.category_title) {
            (Some(c), Some(t)) => format!("{t} ({c})"),
            (Some(c), None) => format!("{c} (not in the taxonomy)"),
            (None, _) => "none".into(),
        };
        rows.push(("Category", category));
        rows.push((
            "Escalate to",
            self.escalate
                .clone()
                .unwrap_or_else(|| "no escalation".into()),
        ));
        rows.push(("Next action", self.next_action.clone()));
        let title = match &self.playbook_title {
            Some(t) => format!("{} ({t})", self.playbook),
            None => self.playbook.clone(),
        };
        let agent = self.agent.as_deref().unwrap_or("(not given)");
        let when = match &self.ended_at {
            Some(end) => format!("{} to {end}", self.started_at),
            None => format!("started {}", self.started_at),
        };
        let mut out = String::new();
        if md {
            let _ = writeln!(out, "### deskbook call {}: {title}\n", self.session);
            let _ = writeln!(out, "- **Agent:** {}, {when}", md_escape(agent));
        } else {
            let _ = writeln!(out, "deskbook call {}: {title}", self.session);
            let _ = writeln!(out, "{:<12} {agent}, {when}", "Agent:");
        }
        for (i, (k, v)) in rows.iter().enumerate() {
            if i == findings_at {
                for (n, f) in findings.iter().enumerate() {
                    match (md, n) {
                        (true, 0) => {
                            let _ = writeln!(out, "- **Findings:**\n  - {}", md_escape(f));
                        }
                        (true, _) => {
                            let _ = writeln!(out, "  - {}", md_escape(f));
                        }
                        (false, 0) => {
                            let _ = writeln!(out, "{:<12} {f}", "Findings:");
                        }
                        (false, _) => {
                            let _ = writeln!(out, "{:<12} {f}", "");
                        }
                    }
                }
            }
            if md {
                let _ = writeln!(out, "- **{k}:** {}", md_escape(v));
            } else {
                let _ = writeln!(out, "{:<12} {v}", format!("{k}:"));
            }
        }
        out
    }
}

/// What happens next, from how the call ended.
fn next_action(call: &Call, say: Option<&str>, collect: &[String]) -> String {
    let Some(status) = &call.status else {
        return format!(
            "resume the call with `deskbook sessions resume {}`",
            call.session
        );
    };
    let mut out = String::new();
    if let Some(tier) = &call.escalate {
        let _ = write!(
            out,
            "escalate to {tier} with the packet from `deskbook sessions export {} --out DIR`",
            call.session
        );
        if !collect.is_empty() {
            let _ = write!(out, " (collect: {})", collect.join(", "));
        }
        out.push('.');
    } else if status == "not-fixed" {
        out.push_str("follow up with the caller; the problem is still outstanding.");
    } else {
        out.push_str("none: close the ticket.");
    }
    if let Some(say) = say.filter(|s| !s.is_empty()) {
        let _ = write!(out, " {say}");
    }
    out
}

/// Recorded text on one line, with control characters (terminal escapes) neutralised.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .map(deskbook_content::terminal::neutralise_line)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An answered step as one finding of at most `width` characters: `question answer`
/// and `more` (the step's results, where the answer was read out), cut with `…` where
/// it must be. The answer is never cut: what does not fit is cut from `more`, then from
/// the question (`Ping the address of srv-files-01 …: no reply`).
fn finding(question: &str, answer: &str, more: &str, width: usize) -> String {
    let line = format!("{question} {answer}");
    let len = line.chars().count();
    if len + more.chars().count() <= width {
        return format!("{line}{more}");
    }
    if len + 2 <= width {
        // Room for part of `more` (its leading space included).
        return format!("{line}{}", cut(more, width - len));
    }
    let tail = format!(" …: {answer}");
    // The question keeps a few words, however long the answer.
    let room = width.saturating_sub(tail.chars().count()).max(24);
    let (kept, _) = words(question, room);
    format!("{kept}{tail}")
}

/// The longest start of `text` of at most `width` characters that ends at a word
/// boundary (mid-word only when the first word is longer than `width`), and whether it
/// ends at one.
fn words(text: &str, width: usize) -> (&str, bool) {
    let end = text
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(at, _)| at);
    if end == text.len() {
        return (text, true);
    }
    let taken = &text[..end];
    if text[end..].starts_with(char::is_whitespace) {
        return (taken.trim_end(), true);
    }
    match taken.rfind(char::is_whitespace) {
        Some(at) if !taken[..at].trim_end().is_empty() => (taken[..at].trim_end(), true),
        _ => (taken, false),
    }
}

/// `text` in at most `width` characters, cut at a word boundary and ended with `…` when
/// it is longer.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    match words(text, width.saturating_sub(2)) {
        (kept, true) => format!("{kept} …"),
        (kept, false) => format!("{kept}…"),
    }
}

/// Markdown characters that would change how a recorded value renders.
fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\*[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression: a long question pushed its answer past the width and the answer was cut.
    #[test]
    fn a_long_question_is_cut_and_its_answer_kept() {
        let q = "Ask the caller to ping the address of srv-files-01 that the name resolved to, from a command prompt: `ping <address>`. Does it reply?";
        assert_eq!(
            finding(q, "no reply", "", 80),
            "Ask the caller to ping the address of srv-files-01 that the name …: no reply"
        );
        // An answer longer than the width stays whole.
        let long = "x".repeat(100);
        assert_eq!(
            finding(q, &long, "", 80),
            format!("Ask the caller to ping …: {long}")
        );
        // What fits stays as it is; `more` is cut before the question.
        assert_eq!(
            finding("Ping?", "no", " (ping: fail)", 80),
            "Ping? no (ping: fail)"
        );
        assert_eq!(
            finding(
                "Can it ping srv-files-01?",
                "no",
                " (ping (canned): fail: no reply from 192.0.2.10)",
                50
            ),
            "Can it ping srv-files-01? no (ping (canned): …"
        );
    }

    #[test]
    fn cuts_fall_between_words() {
        assert_eq!(
            cut("no reply from 192.0.2.10", 40),
            "no reply from 192.0.2.10"
        );
        assert_eq!(cut("no reply from 192.0.2.10", 16), "no reply from …");
        assert_eq!(cut("no reply from 192.0.2.10", 15), "no reply from …");
        assert_eq!(cut("no reply from 192.0.2.10", 14), "no reply …");
        // One word longer than the room is cut inside it.
        assert_eq!(cut("srv-files-01.woodgrovebank.com", 10), "srv-file…");
    }
}
