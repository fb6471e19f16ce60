//! The text analyzer shared by indexing and querying: words, lower case, ASCII folding, stop
//! words, English stems.
//!
//! Indexing and query building must cut text into the same terms, or a query would look for
//! terms the index never holds; so both take the analyzer from here. Stemming lets what a
//! caller says ("negotiating", "timed out", "tickets") meet how an article writes it
//! ("negotiation", "timeout", "ticket"). Stop words include the filler of spoken questions
//! ("I", "can't", "my"), so a question phrased as a caller speaks weighs its content words.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, TokenStream,
};

use crate::stem::CachedStemmer;

/// Name the analyzer is registered under in every index.
pub const NAME: &str = "deskbook";

/// Words dropped before stemming: the English list tantivy (and Lucene) use, plus the
/// pronouns, auxiliaries and contraction pieces of spoken questions.
pub const STOP_WORDS: &[&str] = &[
    // tantivy's English list
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", // spoken questions
    "i", "me", "my", "we", "our", "us", "you", "your", "he", "she", "his", "her", "them", "am",
    "been", "being", "were", "has", "have", "had", "do", "does", "did", "doing", "done", "can",
    "could", "would", "should", "shall", "may", "might", "must", "t", "s", "d", "ll", "m", "re",
    "ve", "don", "doesn", "didn", "isn", "wasn", "won", "what", "which", "who", "whom", "how",
    "why", "when", "where", "so", "just", "also", "very", "too", "about", "any", "some", "from",
    "than", "its", "here", "please", "help", "hi", "hello", "keep", "keeps", "getting", "get",
    "gets", "got", "says", "say", "said", "saying",
];

/// Longest token kept; longer ones are noise (hashes, base64) in this content.
pub const MAX_TOKEN_BYTES: usize = 40;

/// The analyzer for every text field.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_string()),
        ))
        .filter(CachedStemmer::default())
        .build()
}

/// One analyzed term and its position in the text (stop words leave gaps, so a phrase
/// written with its stop words still matches positions in the index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub position: usize,
    pub term: String,
    /// The word as written, lowercased (for the length rule of typo tolerance).
    pub word: String,
}

/// Analyze `text` with the shared analyzer.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        let word = text
            .get(token.offset_from..token.offset_to)
            .unwrap_or(token.text.as_str())
            .to_lowercase();
        out.push(Token {
            position: token.position,
            term: token.text.clone(),
            word,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokens(&mut analyzer(), text)
            .into_iter()
            .map(|t| t.term)
            .collect()
    }

    #[test]
    fn caller_filler_is_dropped_and_words_are_stemmed() {
        assert_eq!(
            terms("I can't connect to anything, it keeps negotiating!"),
            vec!["connect", "anyth", "negoti"]
        );
    }

    // Guards phrase matching: stop words must leave position gaps on both sides alike.
    #[test]
    fn positions_keep_gaps_for_stop_words() {
        let toks = tokens(&mut analyzer(), "reach the server");
        let pos: Vec<usize> = toks.iter().map(|t| t.position).collect();
        assert_eq!(pos, vec![0, 2]);
    }

    #[test]
    fn numbers_survive_analysis() {
        assert_eq!(
            terms("event 4268, reason 13813"),
            vec!["event", "4268", "reason", "13813"]
        );
    }
}
