//! The index schema: every field, how it is analyzed, and how much a match in it weighs.
//!
//! This is the one place that knows the fields. Exact fields (`id`, `kind`, `number`,
//! `events`) are raw strings; text fields share the analyzer of [`crate::analyzer`]. Fields
//! that hold lists of short phrases (aliases, keywords, tool names) carry no length norms:
//! an item with ten aliases must not rank below one with two because its list is longer.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};
use tantivy::tokenizer::TokenizerManager;
use tantivy::Index;

use crate::analyzer;

/// Bumped whenever the fields, the analyzer or what goes into a field changes, so cached
/// indexes of the old shape are never opened.
pub const FORMAT: u32 = 1;

/// How a tool name is written in the `tool` field, and how query words are joined to be
/// compared with it: lower case, single spaces.
pub fn tool_key(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fields of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The item or playbook id, exact; stored.
    pub id: Field,
    /// `article`, `event`, `tool`, `guidance` or `playbook`, exact; stored.
    pub kind: Field,
    /// The title; stored for display.
    pub title: Field,
    /// Caller and agent phrasings from front matter.
    pub aliases: Field,
    /// Tags and the words of the id.
    pub keywords: Field,
    /// The one-line summary; stored for snippets.
    pub summary: Field,
    /// The body as plain text (YAML playbooks: the step texts); stored for snippets.
    pub body: Field,
    /// The event numbers or failure codes an event item *is* (`event.id`, and codes listed
    /// as aliases such as 13810 on the 13809-13812 item), exact.
    pub number: Field,
    /// Event numbers an item is about (`events:`, and an event's equivalents), exact.
    pub events: Field,
    /// A tool item's command name (`tool.name`), lowercased, exact: only the whole name
    /// typed as words of the query counts (`netsh wfp`, not `netsh` alone).
    pub tool: Field,
    /// A playbook's cues: the aliases of the articles and guidance that name it as their
    /// first playbook (how callers describe the problems it is the entry point for).
    pub cues: Field,
}

/// Text fields searched for every query word, with their weight.
pub const TEXT_WEIGHTS: &[(TextField, f32)] = &[
    (TextField::Title, 3.0),
    (TextField::Aliases, 3.0),
    (TextField::Keywords, 1.5),
    (TextField::Summary, 1.5),
    (TextField::Body, 1.0),
    (TextField::Cues, 1.0),
];

/// Names for the analyzed fields, so weights can be listed as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    Aliases,
    Keywords,
    Summary,
    Body,
    Cues,
}

impl Fields {
    pub fn text(&self, f: TextField) -> Field {
        match f {
            TextField::Title => self.title,
            TextField::Aliases => self.aliases,
            TextField::Keywords => self.keywords,
            TextField::Summary => self.summary,
            TextField::Body => self.body,
            TextField::Cues => self.cues,
        }
    }

    /// Look the fields up in a schema built by [`build`] (an opened index).
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: f("id")?,
            kind: f("kind")?,
            title: f("title")?,
            aliases: f("aliases")?,
            keywords: f("keywords")?,
            summary: f("summary")?,
            body: f("body")?,
            number: f("number")?,
            events: f("events")?,
            tool: f("tool")?,
            cues: f("cues")?,
        })
    }
}

fn text(positions: bool, norms: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer::NAME)
        .set_index_option(record)
        .set_fieldnorms(norms);
    let opts = TextOptions::default().set_indexing_options(indexing);
    if stored {
        opts | STORED
    } else {
        opts
    }
}

/// The schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Raw (untokenized) values with term frequencies, so exact clauses join the fast
    // union-of-terms path of the first query pass.
    let exact = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        id: b.add_text_field("id", exact.clone() | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        title: b.add_text_field("title", text(true, true, true)),
        aliases: b.add_text_field("aliases", text(true, false, false)),
        keywords: b.add_text_field("keywords", text(false, false, false)),
        summary: b.add_text_field("summary", text(true, true, true)),
        body: b.add_text_field("body", text(true, true, true)),
        number: b.add_text_field("number", exact.clone()),
        events: b.add_text_field("events", exact.clone()),
        tool: b.add_text_field("tool", exact),
        cues: b.add_text_field("cues", text(true, false, false)),
    };
    (b.build(), fields)
}

/// Register the analyzer on an index (tokenizers are not persisted with the index).
pub fn register(index: &Index) {
    index
        .tokenizers()
        .register(analyzer::NAME, analyzer::analyzer());
}

/// A tokenizer manager holding the analyzer (for indexes created with a builder).
pub fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(analyzer::NAME, analyzer::analyzer());
    manager
}
