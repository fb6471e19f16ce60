//! Snippets: the passage of a hit that shows why it matched, with the matched words marked.
//!
//! tantivy's `SnippetGenerator` picks the passage; this module keeps the text and the
//! highlighted byte ranges apart, so the caller decides how to show them (ANSI bold on a
//! terminal, nothing when piped, plain text in JSON).

use std::ops::Range;

use serde::{Serialize, Serializer};
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument};

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
        let mut out = String::with_capacity(self.text.len() + 16);
        let mut at = 0;
        for r in &self.highlights {
            let (Some(before), Some(word)) =
                (self.text.get(at..r.start), self.text.get(r.start..r.end))
            else {
                continue;
            };
            out.push_str(before);
            out.push_str(open);
            out.push_str(word);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(self.text.get(at..).unwrap_or(""));
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
        let make = |field| -> tantivy::Result<SnippetGenerator> {
            let mut g = SnippetGenerator::create(searcher, query, field)?;
            g.set_max_num_chars(MAX_CHARS);
            Ok(g)
        };
        Ok(Snippets {
            summary_field: summary,
            summary: make(summary)?,
            body: make(body)?,
        })
    }

    /// The better passage of `doc`: the one marking more distinct words, the summary on a
    /// tie (it reads better), and the start of the summary when neither marks anything
    /// (the hit matched on its title, an alias, a tag or an event number).
    pub fn of(&self, doc: &TantivyDocument) -> Snippet {
        let summary = convert(self.summary.snippet_from_doc(doc));
        let body = convert(self.body.snippet_from_doc(doc));
        let (s, b) = (distinct(&summary), distinct(&body));
        if b > s {
            return body;
        }
        if s > 0 {
            return summary;
        }
        let text = doc
            .get_first(self.summary_field)
            .and_then(|v| tantivy::schema::Value::as_str(&v))
            .unwrap_or("");
        Snippet {
            text: truncate(text, MAX_CHARS),
            highlights: Vec::new(),
        }
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

fn convert(s: tantivy::snippet::Snippet) -> Snippet {
    Snippet {
        text: s.fragment().to_string(),
        highlights: s.highlighted().to_vec(),
    }
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
            highlights: vec![2..40],
        };
        assert_eq!(s.marked("<", ">"), "short");
    }
}
