//! What the site gives the index: one record per page, the command line's search record
//! and where the page lives.

use deskbook_content::{Content, Item};
use deskbook_search::{documents, Scope, SearchDoc};

/// One page of the site.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Path from the site's root, `/`-separated, ending in `<id>.html` or `<id>/index.html`.
    pub url: String,
    /// What the command line's index holds for the item or playbook (title, aliases,
    /// tags, events, tool name, body text...), built by `deskbook_search::documents`.
    pub doc: SearchDoc,
}

/// The pages for every item and playbook of `content` that `admit` lets into the site,
/// with the command line's search records (a playbook's cues come only from admitted
/// items). `url_of(id, kind)` says where each page lives.
pub fn pages(
    content: &Content,
    admit: impl Fn(&Item) -> bool,
    admit_playbook: impl Fn(&str) -> bool,
    url_of: impl Fn(&str, &str) -> String,
) -> Vec<Page> {
    let visible = Content {
        items: content.items.iter().filter(|i| admit(i)).cloned().collect(),
        playbooks: content
            .playbooks
            .iter()
            .filter(|p| admit_playbook(&p.id))
            .cloned()
            .collect(),
        ..Content::default()
    };
    documents(&visible, Scope::All)
        .into_iter()
        .map(|doc| Page {
            url: url_of(&doc.id, &doc.kind),
            doc,
        })
        .collect()
}
