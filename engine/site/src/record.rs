//! What the site tells whoever indexes it (the offline search) about each item and
//! playbook page: where it lives. Known from the site model before any page is rendered,
//! so the index is built while the pages are.

use serde::Serialize;

/// One item or playbook page of the built site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageRecord {
    /// The page's path from the site root (`events/event-4268.html`).
    pub url: String,
    pub id: String,
    /// `article`, `event`, `tool`, `guidance` or `playbook`.
    pub kind: String,
}
