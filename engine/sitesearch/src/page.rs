//! What the site gives the index: one record per page, the command line's search record
//! and where the page lives.

use deskbook_content::{Content, Item};
use deskbook_search::{documents_of, SearchDoc};

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
    let items: Vec<&Item> = content.items.iter().filter(|i| admit(i)).collect();
    let playbooks = content.playbooks.iter().filter(|p| admit_playbook(&p.id));
    documents_of(&items, playbooks)
        .into_iter()
        .map(|doc| Page {
            url: url_of(&doc.id, &doc.kind),
            doc,
        })
        .collect()
}

/// The pages of a built site: every item and playbook among `site` (id, URL) pairs, the
/// ones the site's role let in, with the command line's search records. Nothing outside
/// `site` reaches the records (not even as a playbook's cues).
pub fn site_pages<'a>(
    content: &Content,
    site: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Page> {
    let urls: std::collections::HashMap<&str, &str> = site.into_iter().collect();
    pages(
        content,
        |i| urls.contains_key(i.meta.id.as_str()),
        |p| urls.contains_key(p),
        |id, _| urls.get(id).map(|u| u.to_string()).unwrap_or_default(),
    )
}
