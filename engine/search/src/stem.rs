//! English stemming with a memory of the words already stemmed, and a gated variant for
//! snippets.
//!
//! Snowball stemming costs a few hundred nanoseconds a word, and cutting snippets runs the
//! analyzer over the summary and body of every hit shown: stemming every word would take
//! most of a query's millisecond. Content vocabulary is small (tens of thousands of
//! distinct words), so the process keeps one bounded map from word to stem. For snippets
//! the stemmer is also *gated*: only words that begin like one of the query's terms can
//! stem to it (English stems change endings, not beginnings), so the others are dropped
//! before stemming.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock, RwLock};

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Most distinct words remembered; beyond it words are stemmed each time.
const MAX_WORDS: usize = 200_000;
/// Leading bytes a word and its stem share, for the snippet gate.
const GATE_BYTES: usize = 3;

/// FNV-1a: words are short and trusted (our own content), so a fast hash is enough.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Memory = RwLock<HashMap<String, String, BuildHasherDefault<Fnv>>>;

fn memory() -> &'static Memory {
    static MEMORY: OnceLock<Memory> = OnceLock::new();
    MEMORY.get_or_init(Memory::default)
}

/// Replace `word` (lowercase) by its English stem.
fn stem_in_place(word: &mut String, stemmer: &frostem::Stemmer) {
    if let Ok(m) = memory().read() {
        if let Some(stem) = m.get(word.as_str()) {
            word.clear();
            word.push_str(stem);
            return;
        }
    }
    let stem = match stemmer.stem(word) {
        Cow::Owned(s) => s,
        Cow::Borrowed(s) => s.to_string(),
    };
    if let Ok(mut m) = memory().write() {
        if m.len() < MAX_WORDS {
            m.insert(std::mem::take(word), stem.clone());
        }
    }
    *word = stem;
}

/// The token filter: English Snowball stems, remembered by the process. With a gate, only
/// words beginning like one of the gate's terms are stemmed.
#[derive(Clone, Default)]
pub struct CachedStemmer {
    gate: Option<Arc<Vec<String>>>,
}

impl CachedStemmer {
    /// A stemmer for highlighting `terms` (stems). It lowercases by itself, and drops the
    /// words that cannot stem to one of the terms (offsets of the others are kept).
    pub fn gated(terms: impl IntoIterator<Item = String>) -> CachedStemmer {
        let prefixes: Vec<String> = terms
            .into_iter()
            .map(|t| t.chars().take(GATE_BYTES).collect())
            .collect();
        CachedStemmer {
            gate: Some(Arc::new(prefixes)),
        }
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            gate: self.gate,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    gate: Option<Arc<Vec<String>>>,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            gate: self.gate.as_deref(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub struct CachedStemmerStream<'a, T> {
    tail: T,
    gate: Option<&'a Vec<String>>,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        loop {
            if !self.tail.advance() {
                return false;
            }
            let token = self.tail.token_mut();
            if let Some(prefixes) = self.gate {
                let open = prefixes.iter().any(|p| {
                    token
                        .text
                        .get(..p.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(p))
                });
                if !open {
                    continue;
                }
                token.text = token.text.to_lowercase();
            }
            stem_in_place(&mut token.text, &self.stemmer);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};

    fn stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = analyzer.token_stream(text);
        while let Some(t) = s.next() {
            out.push(t.text.clone());
        }
        out
    }

    // Guards the memory: a remembered word must stem exactly as a fresh one does.
    #[test]
    fn remembered_words_stem_like_fresh_ones() {
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(CachedStemmer::default())
            .build();
        let first = stems(&mut a, "negotiating negotiations tickets fragmentation");
        let again = stems(
            &mut a.clone(),
            "negotiating negotiations tickets fragmentation",
        );
        assert_eq!(first, vec!["negoti", "negoti", "ticket", "fragment"]);
        assert_eq!(first, again);
    }

    #[test]
    fn the_gate_stems_only_words_that_can_match() {
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(CachedStemmer::gated(["negoti".to_string()]))
            .build();
        assert_eq!(
            stems(&mut a, "Negotiating tickets negotiation"),
            vec!["negoti", "negoti"]
        );
    }
}
