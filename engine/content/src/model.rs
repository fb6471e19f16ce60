//! The item model: articles, events, tools and guidance, as written in front matter.
//!
//! Structs deny unknown fields and avoid `#[serde(flatten)]`, so every error keeps its
//! position and an unknown field is reported with the list of known ones.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Article,
    Event,
    Tool,
    Guidance,
    /// Not written in front matter: playbooks are their own files.
    #[serde(skip_deserializing)]
    Playbook,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Event => "event",
            Kind::Tool => "tool",
            Kind::Guidance => "guidance",
            Kind::Playbook => "playbook",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "article" => Kind::Article,
            "event" => Kind::Event,
            "tool" => Kind::Tool,
            "guidance" => Kind::Guidance,
            "playbook" => Kind::Playbook,
            _ => return None,
        })
    }

    pub const ALL: &'static [&'static str] = &["article", "event", "tool", "guidance", "playbook"];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Public,
    Restricted,
}

/// Front matter of an item.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub id: String,
    #[serde(default)]
    pub kind: Kind,
    pub title: String,
    /// Required in the built-in content; a layer's item defaults to its body's first sentence.
    #[serde(default)]
    pub summary: String,
    /// Required in the built-in content; a layer's item defaults to every tier.
    #[serde(default)]
    pub tier: Vec<u8>,
    #[serde(default)]
    pub audience: Audience,
    /// Required in the built-in content; a layer's item defaults to every OS.
    #[serde(default)]
    pub os: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub events: Vec<u32>,
    #[serde(default)]
    pub tools: Vec<String>,
    #[serde(default)]
    pub playbooks: Vec<String>,
    #[serde(default)]
    pub related: Vec<String>,
    /// Provenance: required on every built-in item, optional in a layer.
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<ToolInfo>,
}

pub const FRONT_MATTER_FIELDS: &[&str] = &[
    "id",
    "kind",
    "title",
    "summary",
    "tier",
    "audience",
    "os",
    "tags",
    "aliases",
    "events",
    "tools",
    "playbooks",
    "related",
    "source",
    "event",
    "tool",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Benign {
    Usually,
    Sometimes,
    Rarely,
}

/// `event:` of a `kind: event` item.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventInfo {
    pub id: u32,
    pub source: String,
    pub log: String,
    pub os: Vec<String>,
    pub severity: Severity,
    pub benign: Benign,
    #[serde(default)]
    pub equivalent: Vec<u32>,
}

/// `tool:` of a `kind: tool` item: the per-OS tool matrix record.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    pub name: String,
    pub obtain: String,
    pub os: IndexMap<String, ToolOs>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolOs {
    pub available: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub tasks: IndexMap<String, String>,
}

/// A loaded item: its front matter, its Markdown body and where it came from.
#[derive(Debug, Clone)]
pub struct Item {
    pub meta: FrontMatter,
    /// Byte offset of the Markdown body in `file.text` (the body is not copied).
    pub body_start: usize,
    /// Line of the file where the body starts (for positions of body links).
    pub body_line: usize,
    pub file: Arc<SourceFile>,
    /// Index into `Content::layers`.
    pub layer: usize,
    /// The body with `{{ org.NAME }}` replaced by the organisation's values, when it has any.
    pub rendered: Option<String>,
}

impl Item {
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The Markdown body as readers see it: organisation variables filled in.
    pub fn body(&self) -> &str {
        self.rendered
            .as_deref()
            .unwrap_or_else(|| self.source_body())
    }

    /// The Markdown body as written (everything after the closing `---`).
    pub fn source_body(&self) -> &str {
        self.file.text.get(self.body_start..).unwrap_or("")
    }
}
