//! What the index holds for each item and playbook the role may see.
//!
//! Items give their front matter and body (as plain text, so snippets show no Markdown).
//! YAML playbooks give title, summary, tags and the text of their steps; Lua playbooks give
//! their id and file text, with the title read from the source by a simple pattern (the Lua
//! sandbox belongs to the playbook crate, which search must not depend on).

use deskbook_content::markdown::plain_text;
use deskbook_content::model::Audience;
use deskbook_content::{Content, Item, Kind, PlaybookDoc, Role};

/// Which items the index may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Public items only (Tier 1, and anything shown to people outside the help desk).
    Public,
    /// Every item, restricted ones included (Tier 2 and Tier 3).
    All,
}

impl Scope {
    /// The scope of what `role` may see.
    pub fn for_role(role: Role) -> Scope {
        if role.may_see(Audience::Restricted) {
            Scope::All
        } else {
            Scope::Public
        }
    }

    /// Whether the index may hold `item`: the content's one rule, for the scope's role.
    pub fn admits(self, item: &Item) -> bool {
        let role = match self {
            Scope::Public => Role::Tier1,
            Scope::All => Role::Tier2,
        };
        role.may_see(item.meta.audience)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Public => "public",
            Scope::All => "all",
        }
    }
}

/// One searchable record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchDoc {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub aliases: Vec<String>,
    pub keywords: Vec<String>,
    pub body: String,
    pub numbers: Vec<String>,
    pub events: Vec<String>,
    pub tool: Option<String>,
    pub cues: Vec<String>,
}

/// The records for everything `scope` admits, items first, each in id order.
pub fn documents(content: &Content, scope: Scope) -> Vec<SearchDoc> {
    let admitted: Vec<&Item> = content.items.iter().filter(|i| scope.admits(i)).collect();
    documents_of(&admitted, content.playbooks.iter())
}

/// The records of `items` and then `playbooks`, in the order given (a playbook's cues come
/// from `items` only). The items' records are made on every core.
pub fn documents_of<'a>(
    items: &[&Item],
    playbooks: impl IntoIterator<Item = &'a PlaybookDoc>,
) -> Vec<SearchDoc> {
    use rayon::prelude::*;
    let mut out: Vec<SearchDoc> = items.par_iter().map(|i| from_item(i)).collect();
    for pb in playbooks {
        let mut doc = from_playbook(pb);
        doc.cues = cues(items, &pb.id);
        out.push(doc);
    }
    out
}

/// As [`documents`], consuming the content as the records are taken: each item is dropped
/// once its record is made, so a large layer is not held twice at the peak of a build.
pub fn into_documents(content: Content, scope: Scope) -> impl Iterator<Item = SearchDoc> {
    let cues_of: Vec<Vec<String>> = {
        let admitted: Vec<&Item> = content.items.iter().filter(|i| scope.admits(i)).collect();
        content
            .playbooks
            .iter()
            .map(|pb| cues(&admitted, &pb.id))
            .collect()
    };
    let Content {
        items, playbooks, ..
    } = content;
    let items = items
        .into_iter()
        .filter(move |i| scope.admits(i))
        .map(|i| from_item(&i));
    let playbooks = playbooks.into_iter().zip(cues_of).map(|(pb, cues)| {
        let mut doc = from_playbook(&pb);
        doc.cues = cues;
        doc
    });
    items.chain(playbooks)
}

/// The aliases of the articles and guidance whose first playbook is `playbook`: the
/// phrasings of the problems this playbook is the way into ("everything worked yesterday"
/// leads to the triage playbook). Events and tools are left out: they list playbooks as
/// "collect this when you see it", not as the way in.
fn cues(items: &[&Item], playbook: &str) -> Vec<String> {
    items
        .iter()
        .filter(|i| matches!(i.meta.kind, Kind::Article | Kind::Guidance))
        .filter(|i| i.meta.playbooks.first().map(String::as_str) == Some(playbook))
        .flat_map(|i| i.meta.aliases.iter().cloned())
        .collect()
}

fn from_item(item: &Item) -> SearchDoc {
    let m = &item.meta;
    let mut numbers = Vec::new();
    let mut events: Vec<String> = m.events.iter().map(u32::to_string).collect();
    if let Some(ev) = &m.event {
        numbers.push(ev.id.to_string());
        events.extend(ev.equivalent.iter().map(u32::to_string));
        // Codes grouped on one item (13809-13812) are listed as bare-number aliases.
        numbers.extend(
            m.aliases
                .iter()
                .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()))
                .filter(|a| **a != ev.id.to_string())
                .cloned(),
        );
    }
    let mut keywords = m.tags.clone();
    keywords.push(m.id.clone());
    SearchDoc {
        id: m.id.clone(),
        kind: m.kind.as_str().to_string(),
        title: m.title.clone(),
        summary: m.summary.clone(),
        aliases: m.aliases.clone(),
        keywords,
        body: tidy(&plain_text(item.body())),
        numbers,
        events,
        tool: m.tool.as_ref().map(|t| crate::schema::tool_key(&t.name)),
        cues: Vec::new(),
    }
}

fn from_playbook(pb: &PlaybookDoc) -> SearchDoc {
    let mut doc = SearchDoc {
        id: pb.id.clone(),
        kind: Kind::Playbook.as_str().to_string(),
        keywords: vec![pb.id.clone()],
        ..SearchDoc::default()
    };
    match pb.yaml() {
        Some(p) => {
            doc.title = p.title.clone();
            doc.summary = p.summary.clone();
            doc.keywords.extend(p.tags.iter().cloned());
            let texts: Vec<String> = p
                .steps
                .iter()
                .flat_map(|s| [&s.ask, &s.do_, &s.say])
                .flatten()
                .map(|t| untemplate(t))
                .collect();
            doc.body = tidy(&texts.join("\n"));
        }
        None => {
            let text = &pb.file.text;
            doc.title = lua_string_field(text, "title").unwrap_or_else(|| pb.id.clone());
            doc.summary = lua_string_field(text, "summary").unwrap_or_default();
            doc.body = tidy(text);
        }
    }
    doc
}

/// `{{ caller }}` reads as `<caller>` in a snippet.
fn untemplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                let name = rest[start + 2..start + end].trim();
                out.push('<');
                out.push_str(name);
                out.push('>');
                rest = &rest[start + end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// One line of text for snippets: blank space collapsed, and a ` · ` where a line without
/// closing punctuation (a heading, a list item, a table cell) meets the next one, so
/// "What it means" and "Every packet..." do not run together.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            let closed = out.ends_with(['.', '!', '?', ':', ';', ',']);
            out.push_str(if closed { " " } else { " · " });
        }
        let mut first = true;
        for word in words {
            if !first {
                out.push(' ');
            }
            out.push_str(word);
            first = false;
        }
    }
    out
}

/// The value of `NAME = "..."` (or single quotes) in a Lua playbook's source: the first
/// such assignment outside a comment, where NAME stands alone (not `x.NAME`, not `NAMEs`).
pub fn lua_string_field(source: &str, name: &str) -> Option<String> {
    for line in source.lines() {
        let code = line.split("--").next().unwrap_or("");
        let mut from = 0;
        while let Some(at) = code[from..].find(name).map(|i| i + from) {
            from = at + name.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let rest = code[from..].trim_start();
            let Some(rest) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let body = &rest[1..];
            if let Some(end) = body.find(quote) {
                return Some(body[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_title_is_read_from_the_source() {
        let src = "-- title = \"not this\"\nreturn {\n  id = \"x\",\n  title = \"Is the policy current?\", tier = {1},\n}\n";
        assert_eq!(
            lua_string_field(src, "title").as_deref(),
            Some("Is the policy current?")
        );
        assert_eq!(lua_string_field(src, "summary"), None);
    }

    #[test]
    fn lua_title_on_a_shared_line() {
        let src = "local s = result.title or x\nreturn {\n  id = \"detect-policy\", subtitle = 'no', title = 'Detect', tier = {1},\n}";
        assert_eq!(lua_string_field(src, "title").as_deref(), Some("Detect"));
        assert_eq!(
            lua_string_field(src, "id").as_deref(),
            Some("detect-policy")
        );
    }

    #[test]
    fn lines_join_into_one_readable_line() {
        assert_eq!(
            tidy("What it means\nEvery  packet has one.\n\nNext line"),
            "What it means · Every packet has one. Next line"
        );
    }

    #[test]
    fn templates_read_as_placeholders() {
        assert_eq!(
            untemplate("Can {{ caller }} ping {{target}}?"),
            "Can <caller> ping <target>?"
        );
        assert_eq!(untemplate("broken {{ x"), "broken {{ x");
    }
}
