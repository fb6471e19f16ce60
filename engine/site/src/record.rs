//! What the site knows about each item and playbook page, for whoever indexes the site
//! (the offline search): one record per page, built in one place during the build.

use serde::Serialize;

/// One item or playbook page of the built site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageRecord {
    /// The page's path from the site root (`events/event-4268.html`).
    pub url: String,
    pub id: String,
    /// `article`, `event`, `tool`, `guidance` or `playbook`.
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub events: Vec<u32>,
    pub tools: Vec<String>,
    /// The page's body as plain text (for a playbook: its steps' text).
    pub text: String,
}
