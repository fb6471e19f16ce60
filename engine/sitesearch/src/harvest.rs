//! Reading back what the command line's index holds, so the site ranks exactly as it does.
//!
//! The pages are indexed by `deskbook-search` itself (same schema, analyzer, documents and
//! fields), and everything BM25 and the phrase rescoring need is read out of that tantivy
//! index: every term of every field with its postings (document, frequency, positions),
//! each document's field norms, and each field's token count. The browser then computes
//! the scores tantivy would, from the same numbers.

use std::collections::BTreeMap;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings as _;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocSet, Index, TantivyDocument, TERMINATED};

use deskbook_search::schema::{Fields, TextField};

/// How a field is searched from the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Analyzed text, with the weight of [`deskbook_search::schema::TEXT_WEIGHTS`].
    Text(TextField),
    /// An exact key (event number, events an item is about, id, tool name).
    Exact,
}

/// One field as the browser sees it.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// Short name used in the index files and `search.js`.
    pub name: &'static str,
    pub field: Field,
    pub role: Role,
    /// Whether the field keeps per-document norms (else tantivy counts every value as 1).
    pub normed: bool,
    /// Whether phrases are looked for in it (positions are kept for candidates).
    pub positions: bool,
    /// Tokens over all documents / documents: tantivy's average field norm.
    pub average: f32,
}

/// A term's postings in one field: (document, frequency).
pub type Postings = Vec<(u32, u32)>;

/// Everything read out of the index.
pub struct Harvest {
    pub num_docs: u32,
    pub fields: Vec<FieldInfo>,
    /// Term -> postings per field index (text fields and exact fields alike; exact terms
    /// are stored under their own field index).
    pub terms: BTreeMap<String, BTreeMap<usize, Postings>>,
    /// Per document: id, kind, title, summary (stored values).
    pub docs: Vec<StoredDoc>,
    /// Per document, its phrase fields position by position.
    pub positions: Vec<DocPositions>,
    /// The terms [`DocPositions`] refer to, by number.
    pub term_names: Vec<String>,
    /// Per normed field index: each document's field norm id.
    pub norms: BTreeMap<usize, Vec<u8>>,
}

/// Where each term of a document's phrase fields stands: one entry per (field, term), in
/// field order and then term order, its positions a range of `at`.
#[derive(Debug, Clone, Default)]
pub struct DocPositions {
    /// (field index, term number in [`Harvest::term_names`], start and end in `at`).
    pub entries: Vec<(usize, u32, u32, u32)>,
    pub at: Vec<u32>,
}

impl DocPositions {
    /// Each (field, term, positions), in field order and then term order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u32, &[u32])> {
        self.entries
            .iter()
            .map(|&(f, t, a, b)| (f, t, &self.at[a as usize..b as usize]))
    }
}

#[derive(Debug, Clone, Default)]
pub struct StoredDoc {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
}

/// The fields in the order `search.js` numbers them.
pub fn field_infos(f: &Fields) -> Vec<FieldInfo> {
    let text = |name, field, tf, normed, positions| FieldInfo {
        name,
        field,
        role: Role::Text(tf),
        normed,
        positions,
        average: 0.0,
    };
    let exact = |name, field| FieldInfo {
        name,
        field,
        role: Role::Exact,
        normed: false,
        positions: false,
        average: 0.0,
    };
    vec![
        text("title", f.title, TextField::Title, true, true),
        text("aliases", f.aliases, TextField::Aliases, false, true),
        text("keywords", f.keywords, TextField::Keywords, false, false),
        text("summary", f.summary, TextField::Summary, true, true),
        text("body", f.body, TextField::Body, true, true),
        text("cues", f.cues, TextField::Cues, false, true),
        exact("number", f.number),
        exact("events", f.events),
        exact("id", f.id),
        exact("tool", f.tool),
    ]
}

/// Read `index` (built by `deskbook_search::indexer`) back.
pub fn harvest(index: &Index) -> tantivy::Result<Harvest> {
    let fields = Fields::from_schema(&index.schema())?;
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let num_docs = u32::try_from(searcher.num_docs()).unwrap_or(u32::MAX);
    let mut infos = field_infos(&fields);
    let segments = searcher.segment_readers();
    // The index is written as one segment (the indexer merges); document numbers are
    // that segment's.
    let Some(segment) = segments.first().filter(|_| segments.len() == 1) else {
        return Err(tantivy::TantivyError::InvalidArgument(format!(
            "expected one segment, found {}",
            segments.len()
        )));
    };

    let mut terms: BTreeMap<String, BTreeMap<usize, Postings>> = BTreeMap::new();
    let mut positions: Vec<DocPositions> = vec![DocPositions::default(); num_docs as usize];
    let mut term_names: Vec<String> = Vec::new();
    let mut numbers: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut norms = BTreeMap::new();
    let mut buf = Vec::new();
    for (fi, info) in infos.iter_mut().enumerate() {
        let inverted = segment.inverted_index(info.field)?;
        info.average = inverted.total_num_tokens() as f32 / num_docs.max(1) as f32;
        let option = if info.positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        let mut stream = inverted.terms().stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let number = if info.positions {
                match numbers.get(term) {
                    Some(n) => *n,
                    None => {
                        let n = u32::try_from(term_names.len()).unwrap_or(u32::MAX);
                        numbers.insert(term.to_string(), n);
                        term_names.push(term.to_string());
                        n
                    }
                }
            } else {
                0
            };
            let mut postings = inverted.read_postings_from_terminfo(stream.value(), option)?;
            let mut list = Vec::with_capacity(postings.doc_freq() as usize);
            while postings.doc() != TERMINATED {
                let doc = postings.doc();
                list.push((doc, postings.term_freq()));
                if info.positions {
                    postings.positions(&mut buf);
                    if let Some(d) = positions.get_mut(doc as usize) {
                        let start = d.at.len() as u32;
                        d.at.extend_from_slice(&buf);
                        d.entries.push((fi, number, start, d.at.len() as u32));
                    }
                }
                postings.advance();
            }
            match terms.get_mut(term) {
                Some(fields) => {
                    fields.insert(fi, list);
                }
                None => {
                    terms.insert(term.to_string(), BTreeMap::from([(fi, list)]));
                }
            }
        }
        if info.normed {
            let reader: FieldNormReader = segment.get_fieldnorms_reader(info.field)?;
            norms.insert(fi, (0..num_docs).map(|d| reader.fieldnorm_id(d)).collect());
        }
    }

    let store = segment.get_store_reader(1)?;
    let mut docs = Vec::with_capacity(num_docs as usize);
    for d in 0..num_docs {
        let doc: TantivyDocument = store.get(d)?;
        let text_of = |f| {
            doc.get_first(f)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        docs.push(StoredDoc {
            id: text_of(fields.id),
            kind: text_of(fields.kind),
            title: text_of(fields.title),
            summary: text_of(fields.summary),
        });
    }
    Ok(Harvest {
        num_docs,
        fields: infos,
        terms,
        docs,
        positions,
        term_names,
        norms,
    })
}

/// tantivy's table from field norm id to field norm (token count), for `search.js`.
pub fn fieldnorm_table() -> Vec<u32> {
    (0..=255u8).map(FieldNormReader::id_to_fieldnorm).collect()
}
