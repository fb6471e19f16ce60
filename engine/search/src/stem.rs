//! English stemming with a memory of the words already stemmed.
//!
//! Snowball stemming costs a few hundred nanoseconds a word, and cutting snippets runs the
//! analyzer over the summary and body of every hit shown: without a memory, stemming alone
//! would take most of a query's millisecond. Content vocabulary is small (tens of thousands
//! of distinct words), so every clone of the analyzer shares one bounded map.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Most distinct words remembered; beyond it words are stemmed each time.
const MAX_WORDS: usize = 200_000;

type Memory = Arc<RwLock<HashMap<String, String>>>;

/// The token filter: an English Snowball stemmer with a memory shared by the process.
#[derive(Clone)]
pub struct CachedStemmer {
    memory: Memory,
}

impl Default for CachedStemmer {
    fn default() -> Self {
        static MEMORY: OnceLock<Memory> = OnceLock::new();
        CachedStemmer {
            memory: Arc::clone(MEMORY.get_or_init(Memory::default)),
        }
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            memory: self.memory,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    memory: Memory,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            memory: &self.memory,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub struct CachedStemmerStream<'a, T> {
    tail: T,
    memory: &'a Memory,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let known = self
            .memory
            .read()
            .ok()
            .and_then(|m| m.get(token.text.as_str()).cloned());
        if let Some(stem) = known {
            token.text = stem;
            return true;
        }
        let stem = match self.stemmer.stem(&token.text) {
            Cow::Owned(s) => s,
            Cow::Borrowed(s) => s.to_string(),
        };
        if let Ok(mut m) = self.memory.write() {
            if m.len() < MAX_WORDS {
                m.insert(std::mem::take(&mut token.text), stem.clone());
            }
        }
        token.text = stem;
        true
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
}
