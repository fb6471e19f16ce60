//! From the words people type to the terms the index holds, computed here so the browser
//! needs no stemmer of its own.
//!
//! Every word of the pages (lowercased and ASCII-folded, as the analyzer folds it) is run
//! through the command line's analyzer; where its term differs from the word, the pair is
//! kept. A caller may type a form the pages never use ("negotiates" where they say
//! "negotiating"), so each word's common English inflections are added too, when the
//! analyzer takes them to a term the index holds.

use std::collections::{BTreeMap, BTreeSet};

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, TokenStream,
};

use deskbook_search::analyzer::{self, MAX_TOKEN_BYTES};
use deskbook_search::SearchDoc;
use rayon::prelude::*;

/// Endings tried on every word (after dropping a final `e` where English does).
const ENDINGS: &[&str] = &[
    "s", "es", "ed", "d", "ing", "er", "ers", "ion", "ions", "ation", "ations", "ly", "ment",
    "ments", "ness", "able", "ity", "al", "ally", "ive", "ize", "izes", "ized", "izing",
];

/// The words of `text` as the analyzer sees them before stop words and stems.
fn folded_words(folder: &mut TextAnalyzer, text: &str, out: &mut BTreeSet<String>) {
    let mut stream = folder.token_stream(text);
    while let Some(t) = stream.next() {
        if !out.contains(&t.text) {
            out.insert(t.text.clone());
        }
    }
}

fn folder() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The analyzer's term for one folded word; `None` for a stop word.
fn term_of(analyzer: &mut TextAnalyzer, word: &str) -> Option<String> {
    analyzer::tokens(analyzer, word)
        .into_iter()
        .next()
        .map(|t| t.term)
}

/// Endings taken off a word to find the base its other forms grow from.
const STRIP: &[&str] = &[
    "ations", "ation", "ings", "ing", "ions", "ion", "ers", "er", "ed", "es", "s", "ly", "ments",
    "ment",
];

/// The bases of `word`: itself, and what is left without one of [`STRIP`] (with the `e`
/// English drops, or one of a doubled consonant).
fn bases(word: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(word.to_string());
    for end in STRIP {
        let Some(base) = word.strip_suffix(end).filter(|b| b.len() >= 3) else {
            continue;
        };
        out.insert(base.to_string());
        out.insert(format!("{base}e"));
        let b = base.as_bytes();
        if b.len() >= 4 && b[b.len() - 1] == b[b.len() - 2] {
            out.insert(base[..base.len() - 1].to_string());
        }
    }
    out
}

/// Inflected forms of `word` to try.
fn inflections(word: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return out;
    }
    for base in bases(word) {
        let trimmed = base.strip_suffix('e').unwrap_or(&base).to_string();
        for end in ENDINGS {
            out.insert(format!("{base}{end}"));
            out.insert(format!("{trimmed}{end}"));
        }
        if let Some(s) = base.strip_suffix('y') {
            out.extend(["ies", "ied"].iter().map(|e| format!("{s}{e}")));
        }
        out.insert(base);
    }
    out
}

/// Word -> term, for every word whose term is not the word itself.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// Words written on the pages.
    pub written: BTreeMap<String, String>,
    /// Inflections of them the pages never use, whose term the index holds.
    pub inflected: BTreeMap<String, String>,
}

impl Dictionary {
    /// Every entry, written words first.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.written.iter().chain(&self.inflected)
    }

    pub fn get(&self, word: &str) -> Option<&str> {
        self.written
            .get(word)
            .or_else(|| self.inflected.get(word))
            .map(String::as_str)
    }
}

/// The dictionary of the words of `docs`, inflections limited to terms in `known`. The
/// words are read and analysed on every core.
pub fn build<'a>(
    docs: impl IntoIterator<Item = &'a SearchDoc>,
    known: &BTreeSet<&str>,
) -> Dictionary {
    let docs: Vec<&SearchDoc> = docs.into_iter().collect();
    let words: BTreeSet<String> = docs
        .par_chunks(256)
        .map_init(folder, |folder, chunk| {
            let mut words = BTreeSet::new();
            for d in chunk {
                for text in [&d.title, &d.summary, &d.body]
                    .into_iter()
                    .chain(&d.aliases)
                    .chain(&d.keywords)
                    .chain(&d.cues)
                {
                    folded_words(folder, text, &mut words);
                }
            }
            words
        })
        .reduce(BTreeSet::new, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            a.extend(b);
            a
        });
    let list: Vec<&String> = words.iter().collect();
    let written: BTreeMap<String, String> = list
        .par_iter()
        .map_init(analyzer::analyzer, |analyzer, w| {
            term_of(analyzer, w)
                .filter(|term| term != *w)
                .map(|term| ((*w).clone(), term))
        })
        .flatten_iter()
        .collect();
    // Every form maps to one term whichever word it was grown from.
    let forms: Vec<Vec<(String, String)>> = list
        .par_iter()
        .map_init(analyzer::analyzer, |analyzer, w| {
            inflections(w)
                .into_iter()
                .filter(|form| !words.contains(form))
                .filter_map(|form| {
                    let term = term_of(analyzer, &form)?;
                    (term != form && known.contains(term.as_str())).then_some((form, term))
                })
                .collect()
        })
        .collect();
    Dictionary {
        written,
        inflected: forms.into_iter().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_map_to_terms_and_unseen_inflections_are_added() {
        let doc = SearchDoc {
            title: "Negotiating the ticket".into(),
            ..SearchDoc::default()
        };
        let known: BTreeSet<&str> = ["negoti", "ticket"].into_iter().collect();
        let dict = build([&doc], &known);
        assert_eq!(
            dict.written.get("negotiating").map(String::as_str),
            Some("negoti")
        );
        // Never written on the page, typed by a caller.
        assert_eq!(
            dict.inflected.get("negotiates").map(String::as_str),
            Some("negoti")
        );
        assert_eq!(dict.get("tickets"), Some("ticket"));
        // A word that is its own term needs no entry; stop words have none.
        assert_eq!(dict.get("ticket"), None);
        assert_eq!(dict.get("the"), None);
    }
}
