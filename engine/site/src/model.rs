//! The site's view of the content: what the reader may see, where each page lives, and
//! who links to whom (for "linked from" lists). Nothing outside this view reaches a page.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use deskbook_content::model::Kind;
use deskbook_content::{Content, Item, PlaybookDoc};

use deskbook_content::Role;

use crate::record::PageRecord;
use crate::role;

/// A playbook as the site shows it (YAML or Lua).
pub struct PlaybookView<'a> {
    pub doc: &'a PlaybookDoc,
    pub title: String,
    pub summary: String,
    pub tier: Vec<u8>,
    pub tags: Vec<String>,
    pub source: Option<String>,
}

/// Everything one build works from.
pub struct SiteModel<'a> {
    pub content: &'a Content,
    pub role: Role,
    /// Visible items, in id order.
    pub items: Vec<&'a Item>,
    pub playbooks: Vec<PlaybookView<'a>>,
    /// Id -> page path from the site root, for every visible item and playbook.
    paths: HashMap<&'a str, String>,
    /// Id -> ids of visible items and playbooks that link to it.
    pub backlinks: HashMap<String, BTreeSet<String>>,
    /// Tag -> ids (items and playbooks) carrying it.
    pub tags: BTreeMap<String, Vec<String>>,
    /// The organisation's variables as the role sees them (restricted ones withheld).
    pub org: serde_json::Map<String, serde_json::Value>,
}

impl<'a> SiteModel<'a> {
    /// The site of `content` as its role (`Content::role`) may see it.
    pub fn new(content: &'a Content) -> SiteModel<'a> {
        let role = content.role;
        let items: Vec<&Item> = content
            .items
            .iter()
            .filter(|i| role::sees(content, &i.meta))
            .collect();
        let playbooks: Vec<PlaybookView> = content
            .playbooks
            .iter()
            .map(view)
            .filter(|p| role::sees_tiers(role, &p.tier))
            .collect();
        let mut paths = HashMap::new();
        for i in &items {
            paths.insert(i.id(), item_path(i.meta.kind, i.id()));
        }
        for p in &playbooks {
            paths.insert(p.doc.id.as_str(), item_path(Kind::Playbook, &p.doc.id));
        }
        let mut model = SiteModel {
            content,
            role,
            items,
            playbooks,
            paths,
            backlinks: HashMap::new(),
            tags: BTreeMap::new(),
            org: content.org_view(),
        };
        model.link_graph();
        model
    }

    /// Every item and playbook page, in page order.
    pub fn records(&self) -> Vec<PageRecord> {
        let items = self.items.iter().map(|i| (i.id(), i.meta.kind));
        let playbooks = self
            .playbooks
            .iter()
            .map(|p| (p.doc.id.as_str(), Kind::Playbook));
        items
            .chain(playbooks)
            .map(|(id, kind)| PageRecord {
                url: item_path(kind, id),
                id: id.to_string(),
                kind: kind.as_str().to_string(),
            })
            .collect()
    }

    /// The page of a visible item or playbook, from the site root.
    pub fn path(&self, id: &str) -> Option<&str> {
        self.paths.get(id).map(String::as_str)
    }

    pub fn visible(&self, id: &str) -> bool {
        self.paths.contains_key(id)
    }

    pub fn item(&self, id: &str) -> Option<&'a Item> {
        self.content.item(id).filter(|i| self.visible(i.id()))
    }

    pub fn playbook(&self, id: &str) -> Option<&PlaybookView<'a>> {
        self.playbooks.iter().find(|p| p.doc.id == id)
    }

    /// A playbook text (a template) as the reader sees it.
    pub fn text(&self, template: &str) -> String {
        crate::flowchart::reader_text(template, &self.org)
    }

    /// The visible event item for event number `n`.
    pub fn event(&self, n: u32) -> Option<&'a Item> {
        self.content.event(n).filter(|i| self.visible(i.id()))
    }

    fn link_graph(&mut self) {
        let mut back: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in &self.items {
            let from = item.id().to_string();
            let m = &item.meta;
            let mut to: Vec<String> = m.related.clone();
            to.extend(m.tools.iter().cloned());
            to.extend(m.playbooks.iter().cloned());
            to.extend(
                m.events
                    .iter()
                    .filter_map(|n| self.content.event(*n).map(|e| e.id().to_string())),
            );
            to.extend(
                deskbook_content::markdown::kb_links(item.body())
                    .into_iter()
                    .map(|l| l.id),
            );
            for t in to {
                if t != from {
                    back.entry(t).or_default().insert(from.clone());
                }
            }
            for t in &m.tags {
                tags.entry(t.clone()).or_default().push(from.clone());
            }
        }
        for p in &self.playbooks {
            let from = p.doc.id.clone();
            if let Some(y) = p.doc.yaml() {
                for s in &y.steps {
                    for h in &s.help {
                        back.entry(h.clone()).or_default().insert(from.clone());
                    }
                    if let Some(c) = s.callee() {
                        back.entry(c.to_string()).or_default().insert(from.clone());
                    }
                }
            }
            for t in &p.tags {
                tags.entry(t.clone()).or_default().push(from.clone());
            }
        }
        self.backlinks = back;
        self.tags = tags;
    }
}

/// The page path of an item of `kind` with `id`, from the site root.
pub fn item_path(kind: Kind, id: &str) -> String {
    let folder = match kind {
        Kind::Article => "articles",
        Kind::Event => "events",
        Kind::Tool => "tools",
        Kind::Guidance => "guidance",
        Kind::Playbook => "playbooks",
    };
    format!("{folder}/{id}.html")
}

/// The page of a tag, from the site root.
pub fn tag_path(tag: &str) -> String {
    format!("tags/{}.html", crate::markdown::slug(tag))
}

fn view(doc: &PlaybookDoc) -> PlaybookView<'_> {
    match doc.yaml() {
        Some(y) => PlaybookView {
            doc,
            title: y.title.clone(),
            summary: y.summary.clone(),
            tier: y.tier.clone(),
            tags: y.tags.clone(),
            source: y.source.clone(),
        },
        None => match deskbook_playbook::lua::meta::read(&doc.file) {
            Ok(m) => PlaybookView {
                doc,
                title: m.title,
                summary: m.summary,
                tier: m.tier,
                tags: Vec::new(),
                source: None,
            },
            // The build refuses content with errors before it gets here; a Lua playbook
            // whose metadata cannot be read is shown by its id only to Tier 3.
            Err(_) => PlaybookView {
                doc,
                title: doc.id.clone(),
                summary: String::new(),
                tier: vec![3],
                tags: Vec::new(),
                source: None,
            },
        },
    }
}

/// Operating system names as people say them.
pub fn os_name(id: &str) -> &str {
    match id {
        "win2000" => "Windows 2000",
        "winxp" => "Windows XP",
        "winxp-sp2" => "Windows XP SP2",
        "win2003" => "Windows Server 2003",
        "windows" => "Windows (Vista, Server 2008 and later)",
        "linux" => "Linux",
        other => other,
    }
}

/// Short operating system names, for table headings.
pub fn os_short(id: &str) -> &str {
    match id {
        "win2000" => "Windows 2000",
        "winxp" => "Windows XP",
        "winxp-sp2" => "XP SP2",
        "win2003" => "Server 2003",
        "windows" => "Modern Windows",
        "linux" => "Linux",
        other => other,
    }
}
