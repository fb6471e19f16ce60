//! Snippets: the passage of a hit that shows why it matched, with the matched words marked.
//!
//! tantivy's `SnippetGenerator` picks the passage; this module keeps the text and the
//! highlighted byte ranges apart, so the caller decides how to show them (ANSI bold on a
//! terminal, nothing when piped, plain text in JSON).

use std::borrow::Cow;
use std::ops::Range;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};
use tantivy::{Score, Searcher, TantivyDocument, Term};

use crate::stem::CachedStemmer;

/// Longest snippet, in characters.
pub const MAX_CHARS: usize = 160;

/// A passage and the byte ranges of its matched words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text with each highlight between `open` and `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        self.marked_by(open, close, Cow::Borrowed)
    }

    /// As [`Snippet::marked`], each piece of the text passed through `piece` first (a
    /// terminal neutralises control characters in the text, never in `open` and `close`).
    pub fn marked_by<'a>(
        &'a self,
        open: &str,
        close: &str,
        piece: impl Fn(&'a str) -> Cow<'a, str>,
    ) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        let mut at = 0;
        for r in &self.highlights {
            let (Some(before), Some(word)) =
                (self.text.get(at..r.start), self.text.get(r.start..r.end))
            else {
                continue;
            };
            out.push_str(&piece(before));
            out.push_str(open);
            out.push_str(&piece(word));
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&piece(self.text.get(at..).unwrap_or("")));
        out
    }
}

/// JSON gives the plain text.
impl Serialize for Snippet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Snippet generators for the summary and the body of one query's hits.
pub struct Snippets {
    summary_field: Field,
    body_field: Field,
    summary: SnippetGenerator,
    body: SnippetGenerator,
}

impl Snippets {
    pub fn new(
        searcher: &Searcher,
        query: &dyn Query,
        summary: Field,
        body: Field,
    ) -> tantivy::Result<Snippets> {
        Ok(Snippets {
            summary_field: summary,
            body_field: body,
            summary: generator(searcher, query, summary)?,
            body: generator(searcher, query, body)?,
        })
    }

    /// The better passage of `doc`: the one marking more distinct words, the summary on a
    /// tie (it reads better), and the start of the summary when neither marks anything
    /// (the hit matched on its title, an alias, a tag or an event number).
    pub fn of(&self, doc: &TantivyDocument) -> Snippet {
        let text_of = |f: Field| {
            doc.get_first(f)
                .and_then(|v| tantivy::schema::Value::as_str(&v))
                .unwrap_or("")
        };
        let summary_text = text_of(self.summary_field);
        let body_text = text_of(self.body_field);
        let summary = widen(summary_text, &self.summary.snippet(summary_text));
        let body = widen(body_text, &self.body.snippet(body_text));
        let (s, b) = (distinct(&summary), distinct(&body));
        if b > s {
            return body;
        }
        if s > 0 {
            return summary;
        }
        Snippet {
            text: truncate(summary_text, MAX_CHARS),
            highlights: Vec::new(),
        }
    }
}

/// The passage tantivy picked spans the matched words only (the snippet analyzer drops the
/// others); give it context up to [`MAX_CHARS`]: a third before, the rest after, cut at
/// word boundaries.
fn widen(text: &str, found: &tantivy::snippet::Snippet) -> Snippet {
    let range = found.fragment_range();
    if found.is_empty() || text.get(range.clone()).is_none() {
        return Snippet::default();
    }
    let used = text[range.clone()].chars().count();
    let spare = MAX_CHARS.saturating_sub(used);

    let before = &text[..range.start];
    let mut start = before
        .char_indices()
        .rev()
        .take(spare / 3)
        .last()
        .map(|(i, _)| i)
        .unwrap_or(range.start);
    if start > 0 {
        // Begin at a word: after the first space of the added context, if any.
        start = text[start..range.start]
            .find(char::is_whitespace)
            .map(|i| start + i + 1)
            .unwrap_or(range.start);
    }
    let taken = text[start..range.start].chars().count();
    let after = &text[range.end..];
    let mut end = after
        .char_indices()
        .nth(spare.saturating_sub(taken))
        .map(|(i, _)| range.end + i)
        .unwrap_or(text.len());
    if end < text.len() {
        // End at a word: before the last space of the added context, if any.
        end = text[range.end..end]
            .rfind(char::is_whitespace)
            .map(|i| range.end + i)
            .unwrap_or(range.end);
    }
    let shift = range.start - start;
    Snippet {
        text: text[start..end].trim_end().to_string(),
        highlights: found
            .highlighted()
            .iter()
            .map(|r| r.start + shift..r.end + shift)
            .collect(),
    }
}

/// At most `max` characters of `text`, cut at a word boundary with an ellipsis.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// A snippet generator for the query's terms in `field`, as tantivy's `create` makes it
/// (rarer terms weigh more when picking the passage), but with an analyzer that stems only
/// the words that can match (see [`crate::stem`]).
fn generator(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> tantivy::Result<SnippetGenerator> {
    let mut terms: BTreeSet<&Term> = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term);
        }
    });
    let mut weights: BTreeMap<String, Score> = BTreeMap::new();
    for term in terms {
        let value = term.value();
        let Some(text) = value.as_str() else {
            continue;
        };
        let df = searcher.doc_freq(term)?;
        if df > 0 {
            weights.insert(text.to_string(), 1.0 / (1.0 + df as Score));
        }
    }
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(CachedStemmer::gated(weights.keys().cloned()))
        .build();
    Ok(SnippetGenerator::new(weights, analyzer, field, MAX_CHARS))
}

fn distinct(s: &Snippet) -> usize {
    let mut words: Vec<String> = s
        .highlights
        .iter()
        .filter_map(|r| s.text.get(r.clone()))
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_highlights() {
        let s = Snippet {
            text: "a bad SPI arrived".into(),
            highlights: vec![2..5, 6..9],
        };
        assert_eq!(s.marked("<", ">"), "a <bad> <SPI> arrived");
        assert_eq!(s.marked("", ""), s.text);
    }

    #[test]
    fn pieces_are_mapped_but_not_the_marks() {
        let s = Snippet {
            text: "a \x1b[2J bad\x07 SPI".into(),
            highlights: std::iter::once(7..11).collect(),
        };
        let shown = s.marked_by(
            "\x1b[1m",
            "\x1b[0m",
            deskbook_content::terminal::neutralise_line,
        );
        assert_eq!(shown, "a ^[[2J \x1b[1mbad^G\x1b[0m SPI");
    }

    #[test]
    fn long_summaries_are_cut_at_a_word() {
        let t = truncate("one two three four", 10);
        assert_eq!(t, "one two…");
        assert_eq!(truncate("short", 10), "short");
    }

    // Guards against a slice panic when a range does not fall on the text.
    #[test]
    fn skips_ranges_outside_the_text() {
        let s = Snippet {
            text: "short".into(),
            highlights: std::iter::once(2..40).collect(),
        };
        assert_eq!(s.marked("<", ">"), "short");
    }
}
