//! `deskbook show PLAYBOOK`: a playbook as a readable outline (its inputs, then each step
//! with its kind, its text and where each answer leads), not its YAML. A Lua playbook shows
//! its metadata and its code, which is where its steps are.

use deskbook_content::playbook::{Action, Playbook, ProbeCall, Step, StepBody};
use deskbook_content::wrap::wrap;

use crate::lua::meta::LuaMeta;

/// Width the outline is wrapped to.
const WIDTH: usize = 88;

/// The outline of a YAML playbook.
pub fn outline(pb: &Playbook, origin: &str) -> String {
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(&wrap(s, WIDTH));
        out.push('\n');
    };
    line(&format!("{}: {}", pb.id, pb.title));
    line(pb.summary.trim());
    let mut facts = vec![format!("tier {}", join_tiers(&pb.tier))];
    if !pb.os.is_empty() {
        facts.push(format!("supports {}", pb.os.join(", ")));
    }
    facts.push(format!("from {origin}"));
    line(&facts.join(" · "));
    if !pb.inputs.is_empty() {
        line("");
        line("Inputs:");
        for (name, spec) in &pb.inputs {
            let kind = format!("{:?}", spec.kind).to_lowercase();
            let mut s = format!("  {name}: {} ({kind}", spec.prompt);
            if !spec.choices.is_empty() {
                s.push_str(&format!(": {}", spec.choices.join(", ")));
            }
            if let Some(d) = &spec.default {
                s.push_str(&format!("; default {d}"));
            }
            if spec.optional {
                s.push_str("; optional");
            }
            s.push(')');
            line(&s);
        }
    }
    line("");
    line(&format!("Steps (the run starts at {}):", pb.start));
    for s in &pb.steps {
        line("");
        line(&format!("  {}  {}", s.id, kind(s)));
        if let Some(StepBody::Ask { text, .. } | StepBody::Do { text, .. }) = s.body() {
            line(&format!("      {}", one_paragraph(text)));
        }
        if let Some(say) = &s.say {
            line(&format!("      says: {}", one_paragraph(say)));
        }
        if let Some(flag) = &s.flag {
            line(&format!("      flags the call: {flag}"));
        }
        if let Some(a) = &s.restore {
            line(&format!("      restores at the end: {}", action(a)));
        }
        if !s.help.is_empty() {
            line(&format!("      help: {}", s.help.join(", ")));
        }
        for (label, target) in leads(s) {
            line(&format!("      {label} -> {target}"));
        }
    }
    out
}

/// The outline of a Lua playbook: its metadata, then its code.
pub fn lua_outline(meta: &LuaMeta, origin: &str, code: &str) -> String {
    let mut out = format!("{}: {}\n", meta.id, meta.title);
    if !meta.summary.trim().is_empty() {
        out.push_str(&wrap(meta.summary.trim(), WIDTH));
        out.push('\n');
    }
    let mut facts = vec![format!("tier {}", join_tiers(&meta.tier))];
    if !meta.os.is_empty() {
        facts.push(format!("supports {}", meta.os.join(", ")));
    }
    facts.push(format!("from {origin}"));
    out.push_str(&facts.join(" · "));
    out.push('\n');
    if !meta.inputs.is_empty() {
        out.push_str("\nInputs:\n");
        for (name, spec) in &meta.inputs {
            out.push_str(&format!("  {name}: {}\n", spec.prompt));
        }
    }
    out.push_str("\nA Lua playbook: its steps are its code.\n\n");
    out.push_str(code);
    out
}

/// What kind of step `s` is, with its probe, command or callee.
fn kind(s: &Step) -> String {
    let probe = |p: &ProbeCall| {
        let args: Vec<String> = p.with.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("probe {} {}", p.name, args.join(" "))
            .trim_end()
            .to_string()
    };
    match s.body() {
        None => "step".to_string(),
        Some(StepBody::Ask { probe: p, .. }) => {
            let what = if s.choices.is_some() {
                "question"
            } else {
                "question, free answer"
            };
            match (p, &s.save) {
                (Some(p), _) => format!("{what}, pre-filled by {}", probe(p)),
                (None, Some(v)) if s.choices.is_none() => format!("{what} saved as {v}"),
                _ => what.to_string(),
            }
        }
        Some(StepBody::Do { command, .. }) => match command {
            Some(a) => format!("instruction, runs {}", action(a)),
            None => "instruction".to_string(),
        },
        Some(StepBody::Probe(p)) => probe(p),
        Some(StepBody::Lua(_)) => "decided by Lua".to_string(),
        Some(StepBody::Call(c)) => {
            let with: Vec<String> = s
                .with
                .iter()
                .flatten()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("calls {c} ({})", with.join(", "))
        }
        Some(StepBody::End { status }) => {
            let mut e = format!(
                "end: {status} · {}",
                s.category.as_deref().unwrap_or("no category")
            );
            if let Some(t) = &s.escalate {
                e.push_str(&format!(" · escalate to {t}"));
            }
            if !s.collect.is_empty() {
                e.push_str(&format!(" · collect {}", s.collect.join(", ")));
            }
            e
        }
    }
}

fn action(a: &Action) -> String {
    match (&a.task, &a.argv) {
        (Some(t), _) => format!("task {t}"),
        (None, Some(argv)) => argv.join(" "),
        (None, None) => "nothing".to_string(),
    }
}

/// Where each answer, status or `next` of `s` leads.
fn leads(s: &Step) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for map in [&s.choices, &s.on].into_iter().flatten() {
        out.extend(map.iter().map(|(k, v)| (format!("\"{k}\""), v.clone())));
    }
    if let Some(n) = &s.next {
        out.extend(
            n.ids()
                .into_iter()
                .map(|v| ("next".to_string(), v.to_string())),
        );
    }
    out
}

/// Text folded to one paragraph (YAML block text keeps its line breaks).
fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn join_tiers(t: &[u8]) -> String {
    t.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
}
