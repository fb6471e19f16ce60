//! An open index and the one operation on it: run what the agent typed, return ranked hits.

use std::time::Instant;

use deskbook_content::Kind;
use serde::Serialize;
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{EnableScoring, Query, Scorer};
use tantivy::schema::Value;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, ReloadPolicy, Score, Searcher, SeekDangerResult,
    TantivyDocument,
};

use crate::analyzer;
use crate::document::SearchDoc;
use crate::error::SearchError;
use crate::indexer;
use crate::query::{self, Built};
use crate::schema::{self, Fields};
use crate::snippet::{Snippet, Snippets};

/// Most hits one search returns: far more than anyone reads, and small enough that the
/// candidate list it sizes stays small.
pub const MAX_LIMIT: usize = 1000;

/// What to return.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Most hits returned (at least 1).
    pub limit: usize,
    /// Only hits of this kind (`article`, `event`, `tool`, `guidance`, `playbook`).
    pub kind: Option<String>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            kind: None,
        }
    }
}

/// One ranked hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub score: f32,
    pub snippet: Snippet,
}

/// The answer to one query, in the shape `search --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub query: String,
    /// Time to build the query, rank and cut snippets, in microseconds.
    pub took_us: u64,
    pub hits: Vec<Hit>,
}

/// A searchable index.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
}

impl SearchIndex {
    /// Wrap an index built by this crate (registers the analyzer; never reloads).
    pub fn from_index(index: Index) -> tantivy::Result<SearchIndex> {
        schema::register(&index);
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            reader,
            fields,
            analyzer: analyzer::analyzer(),
        })
    }

    /// An index in memory over `docs` (tests, and the fallback when no cache can be used).
    pub fn in_memory(docs: &[SearchDoc]) -> tantivy::Result<SearchIndex> {
        SearchIndex::from_index(indexer::build_in_ram(docs)?)
    }

    /// Number of searchable records.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Run `text` (`opts.limit` from 1 to [`MAX_LIMIT`]).
    pub fn search(&self, text: &str, opts: &SearchOptions) -> Result<Results, SearchError> {
        let start = Instant::now();
        if opts.limit == 0 {
            return Err(SearchError::ZeroLimit);
        }
        // The limit sizes the candidate list (times RESCORE_FACTOR): a huge one would
        // overflow or allocate gigabytes before a single document is scored.
        if opts.limit > MAX_LIMIT {
            return Err(SearchError::LimitTooLarge { got: opts.limit });
        }
        if let Some(k) = &opts.kind {
            if Kind::parse(k).is_none() {
                return Err(SearchError::UnknownKind { kind: k.clone() });
            }
        }
        let searcher = self.searcher();
        let mut analyzer = self.analyzer.clone();
        let built = query::build(
            &searcher,
            &self.fields,
            &mut analyzer,
            text,
            opts.kind.as_deref(),
        )?;
        let mut top = searcher.search(
            &*built.terms,
            &TopDocs::with_limit(opts.limit.max(10) * RESCORE_FACTOR).order_by_score(),
        )?;
        add_keys(&searcher, &built, &mut top)?;
        top.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
        for phrase in &built.phrases {
            add_scores(&searcher, &**phrase, &mut top, |_| true)?;
        }
        top.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then((a.1.segment_ord, a.1.doc_id).cmp(&(b.1.segment_ord, b.1.doc_id)))
        });
        top.truncate(opts.limit);
        let snippets = Snippets::new(
            &searcher,
            &*built.terms,
            self.fields.summary,
            self.fields.body,
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text_of = |f| {
                doc.get_first(f)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            hits.push(Hit {
                id: text_of(self.fields.id),
                kind: text_of(self.fields.kind),
                title: text_of(self.fields.title),
                score,
                snippet: snippets.of(&doc),
            });
        }
        Ok(Results {
            query: text.to_string(),
            took_us: u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
            hits,
        })
    }

    /// The terms `text` is searched with, typo corrections included (for tests).
    pub fn terms(&self, text: &str) -> Result<Vec<String>, SearchError> {
        let mut analyzer = self.analyzer.clone();
        let built = query::build(&self.searcher(), &self.fields, &mut analyzer, text, None)?;
        Ok(built.words)
    }
}

/// How many first-pass candidates per hit shown are rescored with phrases.
pub const RESCORE_FACTOR: usize = 2;

/// Bonus of an exact key (event number, tool name, id): above any score of words.
pub const KEY_BONUS: Score = 1000.0;

/// Give the items named by the query's keys their bonus, adding those the first pass did
/// not keep (scored with the first-pass query, so they still compare among themselves).
fn add_keys(
    searcher: &Searcher,
    built: &Built,
    top: &mut Vec<(Score, DocAddress)>,
) -> tantivy::Result<()> {
    let mut bonus: Vec<(DocAddress, Score)> = Vec::new();
    for (query, share) in &built.keys {
        for addr in searcher.search(&**query, &DocSetCollector)? {
            match bonus.iter_mut().find(|(a, _)| *a == addr) {
                Some((_, b)) => *b += KEY_BONUS * share,
                None => bonus.push((addr, KEY_BONUS * share)),
            }
        }
    }
    let mut added: Vec<DocAddress> = Vec::new();
    for (addr, b) in bonus {
        match top.iter_mut().find(|(_, a)| *a == addr) {
            Some((score, _)) => *score += b,
            None => {
                top.push((b, addr));
                added.push(addr);
            }
        }
    }
    if !added.is_empty() {
        top.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
        add_scores(searcher, &*built.terms, top, |a| added.contains(a))?;
    }
    Ok(())
}

/// Add the scores `query` gives to the documents of `docs` (sorted by address) that `pick`
/// selects. Only those documents are looked at: the scorer jumps from one to the next
/// (`seek_danger` checks a document without scanning ahead for the next match).
fn add_scores(
    searcher: &Searcher,
    query: &dyn Query,
    docs: &mut [(Score, DocAddress)],
    pick: impl Fn(&DocAddress) -> bool,
) -> tantivy::Result<()> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    // The scorer of the current segment, and the first document it may still match
    // (`seek_danger` may only be asked about documents from there on).
    let mut current: Option<(u32, Box<dyn Scorer>, DocId)> = None;
    for (score, addr) in docs.iter_mut().filter(|(_, a)| pick(a)) {
        let result = match current.as_mut() {
            Some((ord, _, bound)) if *ord == addr.segment_ord && addr.doc_id < *bound => {
                continue;
            }
            Some((ord, scorer, _)) if *ord == addr.segment_ord => scorer.seek_danger(addr.doc_id),
            _ => {
                let reader = searcher.segment_reader(addr.segment_ord);
                let (result, scorer) = weight.scorer_danger(reader, addr.doc_id, 1.0)?;
                current = Some((addr.segment_ord, scorer, addr.doc_id));
                result
            }
        };
        let Some((_, scorer, bound)) = current.as_mut() else {
            continue;
        };
        match result {
            SeekDangerResult::Found => {
                *score += scorer.score();
                *bound = addr.doc_id + 1;
            }
            SeekDangerResult::SeekLowerBound(next) => *bound = next,
        }
    }
    Ok(())
}
