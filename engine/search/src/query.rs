//! Turning what an agent types into a tantivy query.
//!
//! Built by hand rather than with tantivy's query parser, because what people type is not
//! query syntax and each rule below needs its own clause:
//! - every word is looked for in title, aliases, keywords, summary and body, each with its
//!   weight (a match in a title or an alias outranks one in the body);
//! - a word of five letters or more that the index does not know is taken as a typo and
//!   also stands for the indexed terms one edit away ("kerberose", "negociating"), at a
//!   lower weight;
//! - adjacent words also count as a phrase ("bad spi" beats "bad" and "spi" far apart), and
//!   the whole query (three words or more) as a phrase in an alias or a title weighs most;
//! - a number is an event or failure code: the event item that *is* that number comes
//!   first, items about it follow;
//! - a tool's command name raises the tool, the more so the more of the query it is, and
//!   puts it first when it is at least half of the query;
//! - the exact id of an item puts that item first.
//!
//! Everything is optional (`should`): a query never fails for a word the index lacks.

use std::collections::BTreeSet;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use crate::analyzer::{self, Token};
use crate::error::SearchError;
use crate::schema::{Fields, TextField, TEXT_WEIGHTS};
use crate::synonyms;

/// Longest query accepted, in characters: a sentence or two of what the caller said.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words (after stop words) a query may have.
pub const MAX_QUERY_WORDS: usize = 40;
/// Shortest word (letters as typed) that gets typo tolerance.
pub const FUZZY_MIN_LETTERS: usize = 5;
/// Most indexed terms one misspelled word may stand for.
pub const FUZZY_MAX_EXPANSIONS: usize = 12;

/// A typo-corrected term weighs less than the word as typed would.
pub const FUZZY_WEIGHT: f32 = 0.7;
/// Two adjacent words found together.
pub const PHRASE_WEIGHT: f32 = 2.0;
/// The whole query (three words or more) as a phrase in aliases or a title.
pub const WHOLE_PHRASE_WEIGHT: f32 = 6.0;
/// The event item that is the number typed.
pub const NUMBER_WEIGHT: f32 = 25.0;
/// An item about the number typed.
pub const EVENTS_WEIGHT: f32 = 2.0;
/// A tool's whole command name, times the share of the query's words it makes up.
pub const TOOL_WEIGHT: f32 = 24.0;
/// A word of the content's vocabulary standing for a caller's word.
pub const SYNONYM_WEIGHT: f32 = 0.5;
/// Two adjacent words may be this many positions further apart in the text (an extra
/// "the" or "a" between them).
pub const PAIR_SLOP: u32 = 1;
/// The same for the whole query as a phrase.
pub const WHOLE_SLOP: u32 = 2;
/// The exact id of an item.
pub const ID_WEIGHT: f32 = 40.0;
/// A tool's whole name is a key (its tool ranks first) when it makes up at least this
/// share of the query's words: "netsh", "klist purge", not "ping works but the share
/// does not" (and not every query that says "ipsec", the name of libreswan's command).
pub const TOOL_KEY_SHARE: f32 = 0.5;

/// Fields a phrase may be found in (the ones indexed with positions), with weights.
pub const PHRASE_FIELDS: &[(TextField, f32)] = &[
    (TextField::Title, 3.0),
    (TextField::Aliases, 3.0),
    (TextField::Summary, 1.5),
    (TextField::Body, 1.0),
    (TextField::Cues, 1.0),
];

/// A query ready to run in two passes, and what it was built from.
///
/// `terms` is a pure union of term queries (plus the kind filter), which tantivy ranks
/// with block-max WAND, skipping most documents; `phrases` rescores only the best
/// candidates of the first pass, so positions are read for a few documents, not thousands.
pub struct Built {
    pub terms: Box<dyn Query>,
    /// Phrase clauses, each scored on its own for the candidates of the first pass.
    pub phrases: Vec<Box<dyn Query>>,
    /// Exact keys found in the query (an event's number, a tool's whole name making up at
    /// least half of the query, an item's id), each with its share of the key bonus. The
    /// items they name rank above every other hit, whether or not the first pass kept them.
    pub keys: Vec<(Box<dyn Query>, f32)>,
    /// The analyzed terms, typo corrections and synonyms included.
    pub words: Vec<String>,
}

/// Build the query for `text`, limited to `kind` when given.
pub fn build(
    searcher: &Searcher,
    fields: &Fields,
    analyzer: &mut TextAnalyzer,
    text: &str,
    kind: Option<&str>,
) -> Result<Built, SearchError> {
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(SearchError::QueryTooLong {
            what: format!("{chars} characters"),
            limit: format!("{MAX_QUERY_CHARS} characters"),
        });
    }
    let tokens = analyzer::tokens(analyzer, text);
    if tokens.is_empty() {
        return Err(SearchError::EmptyQuery {
            query: text.to_string(),
        });
    }
    if tokens.len() > MAX_QUERY_WORDS {
        return Err(SearchError::QueryTooLong {
            what: format!("{} words", tokens.len()),
            limit: format!("{MAX_QUERY_WORDS} words"),
        });
    }

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut phrases: Vec<Box<dyn Query>> = Vec::new();
    let mut keys: Vec<(Term, f32)> = Vec::new();
    let mut terms: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();

    for tok in &tokens {
        if !seen.insert(tok.term.clone()) {
            continue;
        }
        let mut variants: Vec<(String, f32)> = vec![(tok.term.clone(), 1.0)];
        if is_typo_candidate(tok) && !known(searcher, fields, &tok.term) {
            for t in corrections(searcher, fields, &tok.term) {
                variants.push((t, FUZZY_WEIGHT));
            }
        }
        if let Some(words) = synonyms::lookup(&tok.word) {
            for syn in analyzer::tokens(analyzer, words) {
                if syn.term != tok.term {
                    variants.push((syn.term, SYNONYM_WEIGHT));
                }
            }
        }
        for (term, weight) in &variants {
            terms.push(term.clone());
            for &(tf, w) in TEXT_WEIGHTS {
                let t = Term::from_field_text(fields.text(tf), term);
                if exists(searcher, &t) {
                    clauses.push(term_clause(t, w * weight));
                }
            }
        }
        if is_code(&tok.term)
            && push_exact(
                &mut clauses,
                searcher,
                fields.number,
                &tok.term,
                NUMBER_WEIGHT,
            )
        {
            keys.push((Term::from_field_text(fields.number, &tok.term), 1.0));
        }
        if is_code(&tok.term) {
            push_exact(
                &mut clauses,
                searcher,
                fields.events,
                &tok.term,
                EVENTS_WEIGHT,
            );
        }
    }

    for pair in tokens.windows(2) {
        if pair[0].term == pair[1].term {
            continue;
        }
        for &(tf, w) in PHRASE_FIELDS {
            phrases.push(phrase_clause(
                fields.text(tf),
                pair,
                PAIR_SLOP,
                w * PHRASE_WEIGHT,
            ));
        }
    }

    if tokens.len() >= 3 {
        for tf in [TextField::Aliases, TextField::Title] {
            phrases.push(phrase_clause(
                fields.text(tf),
                &tokens,
                WHOLE_SLOP,
                WHOLE_PHRASE_WEIGHT,
            ));
        }
    }

    // Tool names: every run of one to three words as typed, compared with whole names.
    let words = raw_words(text);
    let content_words = tokens.len().max(1) as f32;
    for n in 1..=3usize.min(words.len()) {
        for run in words.windows(n) {
            let name = run.join(" ");
            let share = (n as f32 / content_words).min(1.0);
            if push_exact(
                &mut clauses,
                searcher,
                fields.tool,
                &name,
                TOOL_WEIGHT * share,
            ) && share >= TOOL_KEY_SHARE
            {
                keys.push((Term::from_field_text(fields.tool, &name), share));
            }
        }
    }

    let trimmed = text.trim().to_lowercase();
    if deskbook_content::vocab::is_valid_id(&trimmed)
        && push_exact(&mut clauses, searcher, fields.id, &trimmed, ID_WEIGHT)
    {
        keys.push((Term::from_field_text(fields.id, &trimmed), 1.0));
    }

    let union: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
    let keys = keys
        .into_iter()
        .map(|(term, share)| {
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (of_kind(q, fields, kind), share)
        })
        .collect();
    Ok(Built {
        terms: of_kind(union, fields, kind),
        phrases,
        keys,
        words: terms,
    })
}

/// `query` limited to items of `kind`, when given (the filter adds nothing to scores).
fn of_kind(query: Box<dyn Query>, fields: &Fields, kind: Option<&str>) -> Box<dyn Query> {
    let Some(k) = kind else {
        return query;
    };
    let only = TermQuery::new(
        Term::from_field_text(fields.kind, k),
        IndexRecordOption::Basic,
    );
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, query),
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(only), 0.0)),
        ),
    ]))
}

/// The words of `text` as typed, lowercased, with surrounding punctuation removed
/// (`"gpupdate /force?"` gives `gpupdate`, `force`).
fn raw_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_WORDS)
        .collect()
}

fn is_typo_candidate(tok: &Token) -> bool {
    tok.word.chars().filter(|c| c.is_alphabetic()).count() >= FUZZY_MIN_LETTERS
}

/// An event number or IKE failure code as typed: digits only.
fn is_code(term: &str) -> bool {
    (2..=6).contains(&term.len()) && term.bytes().all(|b| b.is_ascii_digit())
}

/// Whether any searched text field holds `term`.
fn known(searcher: &Searcher, fields: &Fields, term: &str) -> bool {
    TEXT_WEIGHTS.iter().any(|&(tf, _)| {
        searcher
            .doc_freq(&Term::from_field_text(fields.text(tf), term))
            .map(|n| n > 0)
            .unwrap_or(false)
    })
}

/// Indexed terms one edit (insertion, deletion, substitution or transposition) from `term`.
fn corrections(searcher: &Searcher, fields: &Fields, term: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    for &(tf, _) in TEXT_WEIGHTS {
        let field = fields.text(tf);
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, term), 1, true);
            let Ok(automaton) = fuzzy.automaton() else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(t) = std::str::from_utf8(stream.key()) {
                    if t != term {
                        found.insert(t.to_string());
                    }
                }
                if found.len() >= FUZZY_MAX_EXPANSIONS {
                    return found.into_iter().collect();
                }
            }
        }
    }
    found.into_iter().collect()
}

/// Whether any document holds `term` (absent terms are left out of the query: an empty
/// clause would keep tantivy from its fast path for unions of terms).
fn exists(searcher: &Searcher, term: &Term) -> bool {
    searcher.doc_freq(term).map(|n| n > 0).unwrap_or(false)
}

fn term_clause(term: Term, weight: f32) -> (Occur, Box<dyn Query>) {
    let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
    (
        Occur::Should,
        Box::new(BoostQuery::new(Box::new(q), weight)),
    )
}

/// Add an exact clause when some document has the value; say whether it was added.
fn push_exact(
    clauses: &mut Vec<(Occur, Box<dyn Query>)>,
    searcher: &Searcher,
    field: Field,
    value: &str,
    weight: f32,
) -> bool {
    let term = Term::from_field_text(field, value);
    if !exists(searcher, &term) {
        return false;
    }
    clauses.push(term_clause(term, weight));
    true
}

fn phrase_clause(field: Field, tokens: &[Token], slop: u32, weight: f32) -> Box<dyn Query> {
    let first = tokens.first().map(|t| t.position).unwrap_or(0);
    let terms: Vec<(usize, Term)> = tokens
        .iter()
        .map(|t| (t.position - first, Term::from_field_text(field, &t.term)))
        .collect();
    let q = PhraseQuery::new_with_offset_and_slop(terms, slop);
    Box::new(BoostQuery::new(Box::new(q), weight))
}
