//! What the runner tells the agent about the call itself: where it is (`w`: the flowchart
//! path so far, the current step, the branches still open from it and the playbooks it is
//! inside), the free answer typed at a step before going back, and the recap of the answers
//! so far that a resumed call starts with.

use deskbook_content::playbook::Step;
use deskbook_playbook::Pending;
use deskbook_store::Record;

use super::Runner;

impl Runner<'_> {
    /// The `w` text for the pending step `p`.
    pub(super) fn whereabouts(&self, p: &Pending) -> String {
        let root = self.engine.playbook();
        let path = self.engine.path();
        let mut out = format!("  Where the call is ({root}):\n");
        let before: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .take(path.len().saturating_sub(1))
            .collect();
        if before.is_empty() {
            out.push_str("    path so far: (this is the first step)\n");
        } else {
            out.push_str(&format!("    path so far: {}\n", before.join(" > ")));
        }
        out.push_str(&format!("    now at:      {}\n", p.step()));
        let (book, id) = split_step(root, p.step());
        let inside: Vec<&str> = p.step().split('/').rev().skip(1).collect();
        if !inside.is_empty() {
            let mut chain: Vec<&str> = inside.into_iter().rev().collect();
            chain.insert(0, root);
            out.push_str(&format!("    inside:      {}\n", chain.join(" > ")));
        }
        let step = self
            .content
            .playbook(book)
            .and_then(|d| d.yaml())
            .and_then(|y| y.steps.iter().find(|s| s.id == id));
        match step {
            Some(s) => {
                let open = branches(s);
                if open.is_empty() {
                    out.push_str("    open:        (no branch: the run ends or returns here)\n");
                } else {
                    out.push_str(&format!("    open:        {}\n", open.join(" · ")));
                }
            }
            None => out.push_str(&format!(
                "    open:        decided by the code of the Lua playbook `{book}`\n"
            )),
        }
        out.trim_end().to_string()
    }

    /// The free answer last recorded at `step` (offered as the default after going back).
    pub(super) fn previous_answer(&self, step: &str) -> Option<String> {
        self.log.events.iter().rev().find_map(|e| match &e.record {
            Record::Answered {
                step: s, answer, ..
            } if s == step => Some(answer.clone()),
            _ => None,
        })
    }

    /// The answers recorded so far, one line each, for the start of a resumed call.
    pub(super) fn recap(&mut self) {
        let lines: Vec<String> = self
            .log
            .events
            .iter()
            .filter_map(|e| match &e.record {
                Record::Answered { step, answer, .. } => {
                    Some(format!("    {step}: {}", one_line(answer, 70)))
                }
                Record::Noted { step, text } => {
                    Some(format!("    {step}: note: {}", one_line(text, 70)))
                }
                _ => None,
            })
            .collect();
        if lines.is_empty() {
            self.ui
                .say("  Nothing was answered before the call dropped.");
            return;
        }
        self.ui.say("  Recap of the call so far:");
        for l in lines {
            self.ui.say(&l);
        }
    }
}

/// The playbook and step id of a qualified step id (`callee/step` inside a call).
fn split_step<'s>(root: &'s str, step: &'s str) -> (&'s str, &'s str) {
    match step.rsplit_once('/') {
        Some((prefix, id)) => (prefix.rsplit('/').next().unwrap_or(prefix), id),
        None => (root, step),
    }
}

/// Where each answer or status of `s` leads: `label > step`.
fn branches(s: &Step) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = &s.choices {
        out.extend(c.iter().map(|(k, v)| format!("{k} > {v}")));
    }
    if let Some(on) = &s.on {
        out.extend(on.iter().map(|(k, v)| format!("{k} > {v}")));
    }
    if let Some(n) = &s.next {
        out.extend(n.ids().into_iter().map(|v| format!("next > {v}")));
    }
    out
}

/// `text` on one line for a recap: control characters (escape sequences included) shown as
/// spaces, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() <= max {
        return clean.to_string();
    }
    let cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}
