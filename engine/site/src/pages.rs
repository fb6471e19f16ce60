//! Every page of the site: which pages there are and the data each template gets.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use deskbook_content::model::{Item, Kind};
use deskbook_content::playbook::{Step, StepBody};
use deskbook_content::vocab::{OS_IDS, STATUSES};

use crate::flowchart;
use crate::markdown::{self, BodyLink};
use crate::model::{item_path, os_name, os_short, tag_path, PlaybookView, SiteModel};

/// One page to render.
#[derive(Debug, Clone)]
pub enum Job {
    Home,
    Articles,
    Events,
    Tools,
    Playbooks,
    Tags,
    Search,
    NotFound,
    Item(usize),
    Playbook(usize),
    Tag(String),
}

/// What rendering a page needs: the template, the page path, the template data.
pub struct PageData {
    pub template: &'static str,
    pub path: String,
    pub context: Value,
    /// Internal links written in Markdown, with the file and position they come from.
    pub links: Vec<(BodyLink, std::sync::Arc<deskbook_content::SourceFile>)>,
    /// The content file the page is made from.
    pub file: Option<std::sync::Arc<deskbook_content::SourceFile>>,
    /// The line of `file` its Markdown body starts on (where raw HTML is looked for).
    pub body_line: usize,
}

/// Every page of the site, in a stable order.
pub fn jobs(model: &SiteModel<'_>) -> Vec<Job> {
    let mut jobs = vec![
        Job::Home,
        Job::Articles,
        Job::Events,
        Job::Tools,
        Job::Playbooks,
        Job::Tags,
        Job::Search,
        Job::NotFound,
    ];
    jobs.extend((0..model.items.len()).map(Job::Item));
    jobs.extend((0..model.playbooks.len()).map(Job::Playbook));
    jobs.extend(model.tags.keys().cloned().map(Job::Tag));
    jobs
}

/// The data for one page.
pub fn data(model: &SiteModel<'_>, job: &Job) -> PageData {
    let simple = |template, path: &str, page: Value| PageData {
        template,
        path: path.to_string(),
        context: wrap(path, page),
        links: Vec::new(),
        file: None,
        body_line: 1,
    };
    match job {
        Job::Home => simple("home.html", "index.html", home(model)),
        Job::Articles => simple("articles.html", "articles.html", articles(model)),
        Job::Events => simple("events.html", "events.html", events(model)),
        Job::Tools => simple("tools.html", "tools.html", tools(model)),
        Job::Playbooks => simple("playbooks.html", "playbooks.html", playbooks(model)),
        Job::Tags => simple("tags.html", "tags.html", tags(model)),
        Job::Search => simple("search.html", "search.html", json!({"title": "Search"})),
        Job::NotFound => {
            // Servers answer a missing page at any address with 404.html, so its links start
            // from the server's root (the site must be served there), not from where it lies.
            let mut page = simple("404.html", "404.html", json!({"title": "Page not found"}));
            page.context["root"] = json!("/");
            page
        }
        Job::Tag(t) => simple("tag.html", &tag_path(t), tag(model, t)),
        Job::Item(i) => item(model, model.items[*i]),
        Job::Playbook(i) => playbook(model, &model.playbooks[*i]),
    }
}

/// The context every template gets: `root` (the way back to the site root, so every link
/// is relative and the site works from `file://`), `path` and `page`.
fn wrap(path: &str, page: Value) -> Value {
    let title = page
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("deskbook")
        .to_string();
    json!({"root": root_of(path), "path": path, "title": title, "page": page})
}

/// `../` once per folder of `path`.
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// A link from the page at `from` to the page at `to` (both from the site root).
fn rel(from: &str, to: &str) -> String {
    format!("{}{to}", root_of(from))
}

/// A reference to an item or playbook for lists: id, kind, title, summary, url.
fn reference(model: &SiteModel<'_>, from: &str, id: &str) -> Option<Value> {
    let path = model.path(id)?;
    let url = rel(from, path);
    if let Some(i) = model.item(id) {
        return Some(
            json!({"id": id, "kind": i.meta.kind.as_str(), "title": i.meta.title,
            "summary": i.meta.summary, "url": url}),
        );
    }
    let p = model.playbook(id)?;
    Some(json!({"id": id, "kind": "playbook", "title": p.title, "summary": p.summary, "url": url}))
}

fn refs<'s>(
    model: &SiteModel<'_>,
    from: &str,
    ids: impl IntoIterator<Item = &'s str>,
) -> Vec<Value> {
    ids.into_iter()
        .filter_map(|id| reference(model, from, id))
        .collect()
}

fn tag_refs(from: &str, tags: &[String]) -> Vec<Value> {
    tags.iter()
        .map(|t| json!({"name": t, "url": rel(from, &tag_path(t))}))
        .collect()
}

fn home(model: &SiteModel<'_>) -> Value {
    let from = "index.html";
    let triage = reference(model, from, "tier1-triage").or_else(|| {
        model
            .playbooks
            .iter()
            .find(|p| p.tags.iter().any(|t| t == "triage"))
            .and_then(|p| reference(model, from, &p.doc.id))
    });
    let statuses: Vec<Value> = STATUSES
        .iter()
        .map(|s| json!({"id": s, "title": flowchart::status_title(s), "description": status_description(s)}))
        .collect();
    // Most used: the playbooks most items point to, and that other playbooks call.
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &model.playbooks {
        uses.insert(&p.doc.id, 0);
    }
    for i in &model.items {
        for p in &i.meta.playbooks {
            if let Some(n) = uses.get_mut(p.as_str()) {
                *n += 1;
            }
        }
    }
    for p in &model.playbooks {
        for s in p.doc.yaml().map(|y| y.steps.as_slice()).unwrap_or(&[]) {
            if let Some(n) = s.callee().and_then(|c| uses.get_mut(c)) {
                *n += 1;
            }
        }
    }
    let mut ranked: Vec<(&str, usize)> = uses.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let most: Vec<Value> = refs(model, from, ranked.iter().take(6).map(|r| r.0));
    json!({
        "title": "deskbook: IPsec help desk",
        "triage": triage,
        "statuses": statuses,
        "escalation": reference(model, from, "escalation-checklist"),
        "playbooks": most,
        "events": event_refs(model, from),
        "tools": refs(model, from, kind_ids(model, Kind::Tool)),
        "articles": model.items.iter().filter(|i| i.meta.kind == Kind::Article).count(),
    })
}

fn status_description(status: &str) -> &'static str {
    match status {
        "fixed-understood" => "The problem is solved and you know what caused it.",
        "fixed-unclear" => "The problem went away but the cause is not known; note what changed.",
        _ => "The problem remains: escalate with the items the playbook lists.",
    }
}

fn kind_ids<'m>(model: &'m SiteModel<'_>, kind: Kind) -> impl Iterator<Item = &'m str> {
    model
        .items
        .iter()
        .filter(move |i| i.meta.kind == kind)
        .map(|i| i.id())
}

fn event_refs(model: &SiteModel<'_>, from: &str) -> Vec<Value> {
    let mut evs: Vec<(u32, &Item)> = model
        .items
        .iter()
        .filter_map(|i| i.meta.event.as_ref().map(|e| (e.id, *i)))
        .collect();
    evs.sort_by_key(|e| e.0);
    evs.iter()
        .map(|(n, i)| json!({"number": n, "id": i.id(), "title": i.meta.title, "url": rel(from, &item_path(Kind::Event, i.id()))}))
        .collect()
}

/// Equivalent events (legacy and modern numbers), linked when the reader may see them.
fn equivalents(model: &SiteModel<'_>, from: &str, numbers: &[u32]) -> Vec<Value> {
    numbers
        .iter()
        .map(|n| match model.event(*n) {
            Some(x) => json!({"number": n, "url": rel(from, &item_path(Kind::Event, x.id()))}),
            None => json!({"number": n, "url": null}),
        })
        .collect()
}

fn articles(model: &SiteModel<'_>) -> Value {
    let from = "articles.html";
    let group = |kind| refs(model, from, kind_ids(model, kind));
    json!({"title": "Articles", "articles": group(Kind::Article), "guidance": group(Kind::Guidance)})
}

fn events(model: &SiteModel<'_>) -> Value {
    let from = "events.html";
    let mut rows: Vec<(u32, Value)> = Vec::new();
    for i in &model.items {
        let Some(e) = &i.meta.event else { continue };
        let equivalent = equivalents(model, from, &e.equivalent);
        rows.push((
            e.id,
            json!({
                "number": e.id, "id": i.id(), "title": i.meta.title,
                "url": rel(from, &item_path(Kind::Event, i.id())),
                "source": e.source, "log": e.log,
                "os": e.os.iter().map(|o| os_short(o)).collect::<Vec<_>>().join(", "),
                "summary": i.meta.summary, "severity": json!(e.severity), "benign": json!(e.benign),
                "equivalent": equivalent,
            }),
        ));
    }
    rows.sort_by_key(|r| r.0);
    json!({"title": "Events", "events": rows.into_iter().map(|r| r.1).collect::<Vec<_>>()})
}

fn tools(model: &SiteModel<'_>) -> Value {
    let from = "tools.html";
    let oses: Vec<Value> = OS_IDS
        .iter()
        .map(|o| json!({"id": o, "name": os_short(o), "full": os_name(o)}))
        .collect();
    let mut notes: Vec<Value> = Vec::new();
    let mut rows = Vec::new();
    // Task -> OS -> commands (tool name and command line).
    let mut tasks: BTreeMap<String, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    for i in model.items.iter().filter(|i| i.meta.kind == Kind::Tool) {
        let Some(t) = &i.meta.tool else { continue };
        let url = rel(from, &item_path(Kind::Tool, i.id()));
        let cells: Vec<Value> = OS_IDS
            .iter()
            .map(|o| match t.os.get(*o) {
                Some(rec) => {
                    let note = rec.note.as_ref().map(|n| {
                        notes.push(json!({"n": notes.len() + 1, "tool": t.name, "os": os_short(o), "html": note_html(model, from, n)}));
                        notes.len()
                    });
                    for (task, cmd) in &rec.tasks {
                        tasks
                            .entry(task.clone())
                            .or_default()
                            .entry(o.to_string())
                            .or_default()
                            .push(json!({"tool": t.name, "url": url, "command": model.text(cmd)}));
                    }
                    json!({"os": o, "known": true, "available": rec.available, "note": note, "tasks": rec.tasks.len()})
                }
                None => json!({"os": o, "known": false, "available": false, "note": null, "tasks": 0}),
            })
            .collect();
        let supported: Vec<&str> = OS_IDS
            .iter()
            .filter(|o| t.os.get(**o).is_some_and(|r| r.available))
            .map(|o| os_short(o))
            .collect();
        rows.push(
            json!({"id": i.id(), "name": t.name, "title": i.meta.title, "summary": i.meta.summary,
            "obtain": t.obtain, "url": url, "cells": cells, "supported": supported.join(", ")}),
        );
    }
    let task_rows: Vec<Value> = tasks
        .into_iter()
        .map(|(task, by_os)| {
            let cells: Vec<Value> = OS_IDS
                .iter()
                .map(|o| json!(by_os.get(*o).cloned().unwrap_or_default()))
                .collect();
            json!({"task": task, "cells": cells})
        })
        .collect();
    json!({"title": "Tool matrix", "oses": oses, "tools": rows, "notes": notes, "tasks": task_rows})
}

fn playbooks(model: &SiteModel<'_>) -> Value {
    let from = "playbooks.html";
    let list: Vec<Value> = model
        .playbooks
        .iter()
        .map(|p| {
            json!({"id": p.doc.id, "title": p.title, "summary": p.summary, "tiers": p.tier,
            "url": rel(from, &item_path(Kind::Playbook, &p.doc.id)), "lua": p.doc.yaml().is_none()})
        })
        .collect();
    json!({"title": "Playbooks", "playbooks": list})
}

fn tags(model: &SiteModel<'_>) -> Value {
    let from = "tags.html";
    let list: Vec<Value> = model
        .tags
        .iter()
        .map(|(t, ids)| json!({"name": t, "count": ids.len(), "url": rel(from, &tag_path(t))}))
        .collect();
    json!({"title": "Tags", "tags": list})
}

fn tag(model: &SiteModel<'_>, t: &str) -> Value {
    let from = tag_path(t);
    let ids = model.tags.get(t).cloned().unwrap_or_default();
    json!({"title": format!("Tag: {t}"), "tag": t, "items": refs(model, &from, ids.iter().map(String::as_str))})
}

fn item(model: &SiteModel<'_>, item: &Item) -> PageData {
    let m = &item.meta;
    let path = item_path(m.kind, item.id());
    let from = path.as_str();
    let resolve = |id: &str| model.path(id).map(|p| rel(from, p));
    // The organisation's variables are filled in already; a body's other `{{ name }}` (a
    // tool's command line) reads as the playbook pages write it, ‹name›.
    let body = markdown::render(&flowchart::placeholders(item.body(), &model.org), &resolve);
    let links = body
        .links
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.line += item.body_line.saturating_sub(1);
            (l, item.file.clone())
        })
        .collect();
    let toc: Vec<&markdown::Heading> = body.headings.iter().filter(|h| h.level <= 3).collect();
    let toc = if toc.len() >= 4 {
        json!(toc)
    } else {
        json!([])
    };
    let event_ids: Vec<String> = m
        .events
        .iter()
        .filter_map(|n| model.event(*n).map(|e| e.id().to_string()))
        .filter(|e| e != item.id())
        .collect();
    let backlinks = model
        .backlinks
        .get(item.id())
        .map(|b| refs(model, from, b.iter().map(String::as_str)))
        .unwrap_or_default();
    let event = m.event.as_ref().map(|e| {
        let equivalent = equivalents(model, from, &e.equivalent);
        json!({"number": e.id, "source": e.source, "log": e.log,
            "os": e.os.iter().map(|o| os_name(o)).collect::<Vec<_>>(),
            "severity": e.severity, "benign": e.benign, "equivalent": equivalent})
    });
    let tool = m.tool.as_ref().map(|t| {
        let os: Vec<Value> = t
            .os
            .iter()
            .map(|(o, rec)| {
                let tasks: Vec<Value> = rec
                    .tasks
                    .iter()
                    .map(|(k, v)| json!({"task": k, "command": model.text(v)}))
                    .collect();
                let note = rec.note.as_deref().map(|n| note_html(model, from, n));
                json!({"id": o, "name": os_name(o), "available": rec.available, "note": note, "tasks": tasks})
            })
            .collect();
        json!({"name": t.name, "obtain": t.obtain, "os": os})
    });
    let template = match m.kind {
        Kind::Event => "event.html",
        Kind::Tool => "tool.html",
        _ => "article.html",
    };
    let page = json!({
        "id": item.id(), "kind": m.kind.as_str(), "title": m.title, "summary": m.summary,
        "tiers": m.tier, "os": m.os.iter().map(|o| os_name(o)).collect::<Vec<_>>(),
        "tags": tag_refs(from, &m.tags), "source": m.source, "html": body.html, "toc": toc,
        "events": refs(model, from, event_ids.iter().map(String::as_str)),
        "tools": refs(model, from, m.tools.iter().map(String::as_str)),
        "playbooks": refs(model, from, m.playbooks.iter().map(String::as_str)),
        "related": refs(model, from, m.related.iter().map(String::as_str)),
        "backlinks": backlinks, "event": event, "tool": tool,
        "restricted": m.audience == deskbook_content::model::Audience::Restricted,
    });
    PageData {
        template,
        context: wrap(&path, page),
        path,
        links,
        file: Some(item.file.clone()),
        body_line: item.body_line,
    }
}

fn playbook(model: &SiteModel<'_>, p: &PlaybookView<'_>) -> PageData {
    let path = item_path(Kind::Playbook, &p.doc.id);
    let from = path.as_str();
    let resolve = |id: &str| model.path(id).map(|x| rel(from, x));
    let mut steps: Vec<Value> = Vec::new();
    let mut svg = None;
    let mut inputs: Vec<Value> = Vec::new();
    let mut links = Vec::new();
    if let Some(y) = p.doc.yaml() {
        struct L<'m, 'a>(&'m SiteModel<'a>, &'m str);
        impl flowchart::Links for L<'_, '_> {
            fn playbook(&self, id: &str) -> Option<String> {
                self.0.path(id).map(|x| rel(self.1, x))
            }
            fn text(&self, template: &str) -> String {
                self.0.text(template)
            }
        }
        svg = flowchart::svg(y, &L(model, from));
        for (name, spec) in &y.inputs {
            inputs.push(json!({"name": name, "prompt": spec.prompt, "kind": json!(spec.kind), "optional": spec.optional}));
        }
        for s in &y.steps {
            let (value, step_links) = step(model, from, s, &resolve);
            links.extend(step_links.into_iter().map(|mut l: BodyLink| {
                l.line += s.line.saturating_sub(1);
                (l, p.doc.file.clone())
            }));
            steps.push(value);
        }
    }
    let backlinks = model
        .backlinks
        .get(&p.doc.id)
        .map(|b| refs(model, from, b.iter().map(String::as_str)))
        .unwrap_or_default();
    let lua_source = p.doc.yaml().is_none().then(|| p.doc.file.text.clone());
    let page = json!({
        "id": p.doc.id, "kind": "playbook", "title": p.title, "summary": p.summary, "tiers": p.tier,
        "tags": tag_refs(from, &p.tags), "source": p.source, "svg": svg, "inputs": inputs,
        "steps": steps, "backlinks": backlinks, "lua_source": lua_source,
        "start": p.doc.yaml().map(|y| y.start.clone()),
        "large": p.doc.yaml().is_some_and(|y| y.steps.len() > flowchart::MAX_STEPS),
    });
    PageData {
        template: "playbook.html",
        context: wrap(&path, page),
        path,
        links,
        file: Some(p.doc.file.clone()),
        body_line: 1,
    }
}

/// One step for the steps list: its kind, rendered text, where each answer leads, and the
/// links its text holds.
fn step(
    model: &SiteModel<'_>,
    from: &str,
    s: &Step,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> (Value, Vec<BodyLink>) {
    let (kind, text) = match s.body() {
        Some(StepBody::Ask { text, .. }) => ("question", text),
        Some(StepBody::Do { text, .. }) => ("do", text),
        Some(StepBody::Lua(_)) => ("lua", "Decided by a Lua chunk."),
        Some(StepBody::Call(_)) => ("call", ""),
        Some(StepBody::End { .. }) => ("end", s.say.as_deref().unwrap_or("")),
        Some(StepBody::Probe(_)) => ("probe", ""),
        None => ("step", s.say.as_deref().unwrap_or("")),
    };
    let rendered = markdown::render(&model.text(text), resolve);
    let choices: Vec<Value> = deskbook_playbook::graph::links(s)
        .into_iter()
        .map(|l| json!({"label": l.label, "target": l.target, "field": l.field}))
        .collect();
    let call = s.callee().map(|c| {
        json!({"id": c, "url": model.path(c).map(|p| rel(from, p)),
            "title": model.playbook(c).map(|p| p.title.clone())})
    });
    let end = s.end_status().map(|st| {
        let category = s.category.as_ref().map(|c| {
            let title = model
                .content
                .taxonomy
                .categories
                .iter()
                .find(|x| &x.id == c)
                .map(|x| x.title.clone());
            json!({"id": model.text(c), "title": title})
        });
        let collect: Vec<String> = s.collect.iter().map(|c| model.text(c)).collect();
        json!({"status": st, "status_title": flowchart::status_title(st), "category": category,
            "escalate": s.escalate.as_deref().map(|e| model.text(e)), "collect": collect})
    });
    let probe = s.probe_call().map(|p| {
        let with: Vec<Value> = p
            .with
            .iter()
            .map(|(k, v)| json!({"name": k, "value": model.text(v)}))
            .collect();
        json!({"name": p.name, "with": with, "on": flowchart::vantage(p.from.as_ref(), &|t| model.text(t))})
    });
    let command = match s.body() {
        Some(StepBody::Do {
            command: Some(a), ..
        }) => {
            let with: Vec<Value> = a
                .with
                .iter()
                .map(|(k, v)| json!({"name": k, "value": model.text(v)}))
                .collect();
            let argv = a.argv.as_ref().map(|v| {
                v.iter()
                    .map(|x| quoted(&model.text(x)))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            Some(json!({"task": a.task, "argv": argv, "with": with,
                "on": flowchart::vantage(a.from.as_ref(), &|t| model.text(t))}))
        }
        _ => None,
    };
    let help = refs(model, from, s.help.iter().map(String::as_str));
    let value = json!({"id": s.id, "kind": kind, "html": rendered.html, "choices": choices,
        "call": call, "end": end, "probe": probe, "command": command, "help": help, "save": s.save});
    (value, rendered.links)
}

/// An argument as a command line shows it: in double quotes when it holds a space.
fn quoted(arg: &str) -> String {
    if arg.is_empty() || arg.contains(char::is_whitespace) {
        format!("\"{arg}\"")
    } else {
        arg.to_string()
    }
}

/// A tool record's note as HTML: an item or playbook id in it (`see tool-secedit`) becomes
/// a link titled with its title; the id of one whose page is not on this role's site reads
/// "an internal item" (the public site holds no byte of what it leaves out).
fn note_html(model: &SiteModel<'_>, from: &str, note: &str) -> String {
    let mut out = String::with_capacity(note.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let id = std::mem::take(word);
        let hidden = || {
            model.content.item(&id).is_some() || model.content.playbooks.iter().any(|p| p.id == id)
        };
        match reference(model, from, &id) {
            Some(r) if id.contains('-') => out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                flowchart::esc(r["url"].as_str().unwrap_or("")),
                flowchart::esc(r["title"].as_str().unwrap_or(&id))
            )),
            None if id.contains('-') && hidden() => out.push_str("an internal item"),
            _ => out.push_str(&flowchart::esc(&id)),
        }
    };
    for c in note.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push_str(&flowchart::esc(&c.to_string()));
        }
    }
    flush(&mut word, &mut out);
    out
}
