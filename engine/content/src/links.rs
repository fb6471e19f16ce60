//! Cross-reference checks over the effective content: every `kb:` link in a body and every
//! `related`, `tools`, `playbooks`, `events` and playbook `help` reference must resolve.

use std::collections::HashMap;

use crate::diag::Diagnostic;
use crate::loader::Content;
use crate::markdown;
use crate::model::Kind;

pub(crate) fn check(content: &mut Content) {
    let mut diags = Vec::new();
    let mut event_numbers: HashMap<u32, &str> = HashMap::new();
    for item in &content.items {
        if let Some(ev) = &item.meta.event {
            if let Some(other) = event_numbers.insert(ev.id, item.id()) {
                let (line, col) = item
                    .file
                    .locate(&format!("id: {}", ev.id), 1)
                    .unwrap_or((1, 1));
                diags.push(
                    Diagnostic::error(
                        &item.file.path,
                        line,
                        col,
                        format!("event number {} is already described by `{other}`", ev.id),
                    )
                    .with_source(&item.file.text),
                );
            }
        }
    }
    for item in &content.items {
        let f = &item.file;
        let m = &item.meta;
        let mut missing = |field: &str, value: &str, what: String| {
            let field_line = f
                .find_line(|l| l.starts_with(&format!("{field}:")))
                .unwrap_or(1);
            let (line, col) = f.locate(value, field_line).unwrap_or((field_line, 1));
            diags.push(Diagnostic::error(&f.path, line, col, what).with_source(&f.text));
        };
        for id in &m.related {
            if !content.has_id(id) {
                missing(
                    "related",
                    id,
                    format!("link to missing id `{id}` in `related`"),
                );
            }
        }
        for id in &m.tools {
            match content.item(id) {
                Some(t) if t.meta.kind == Kind::Tool => {}
                Some(_) => missing("tools", id, format!("`{id}` in `tools` is not a tool item")),
                None => missing(
                    "tools",
                    id,
                    format!("link to missing tool `{id}` in `tools`"),
                ),
            }
        }
        for id in &m.playbooks {
            if content.playbook(id).is_none() {
                missing(
                    "playbooks",
                    id,
                    format!("link to missing playbook `{id}` in `playbooks`"),
                );
            }
        }
        for n in &m.events {
            if content.event(*n).is_none() {
                missing(
                    "events",
                    &n.to_string(),
                    format!("event {n} in `events` has no event item (expected an item with `event: {{id: {n}}}`)"),
                );
            }
        }
        if let Some(ev) = &m.event {
            for n in &ev.equivalent {
                if content.event(*n).is_none() {
                    let (line, col) = f.locate("equivalent:", 1).unwrap_or((1, 1));
                    diags.push(
                        Diagnostic::error(
                            &f.path,
                            line,
                            col,
                            format!("equivalent event {n} has no event item"),
                        )
                        .with_source(&f.text),
                    );
                }
            }
        }
        for link in markdown::kb_links(item.source_body()) {
            if !content.has_id(&link.id) {
                let (l, c) = crate::diag::position(item.source_body(), link.offset);
                let line = item.body_line + l - 1;
                diags.push(
                    Diagnostic::error(
                        &f.path,
                        line,
                        c,
                        format!("link to missing id `{}`", link.id),
                    )
                    .with_source(&f.text),
                );
            }
        }
    }
    for pb in &content.playbooks {
        let Some(p) = pb.yaml() else { continue };
        for step in &p.steps {
            for id in &step.help {
                if !content.has_id(id) {
                    let (line, col) = pb.file.locate(id, step.line).unwrap_or((step.line, 1));
                    diags.push(
                        Diagnostic::error(
                            &pb.file.path,
                            line,
                            col,
                            format!("link to missing id `{id}` in `help` of step `{}`", step.id),
                        )
                        .with_source(&pb.file.text),
                    );
                }
            }
        }
    }
    content.diagnostics.extend(diags);
}
