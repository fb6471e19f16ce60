//! The reference ranking relevance is measured against: plain BM25 over title and body,
//! with tantivy's defaults (default tokenizer, no stemming, no aliases, no boosts, no typo
//! tolerance) and its lenient query parser.
//!
//! It exists so that the evaluation can show what the schema and query building of this
//! crate add over an index anyone would build in ten lines.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Schema, Value, STORED, STRING, TEXT};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use crate::document::SearchDoc;

/// A plain BM25 index over title and body.
pub struct Baseline {
    reader: IndexReader,
    parser: QueryParser,
    id: tantivy::schema::Field,
}

impl Baseline {
    pub fn new(docs: &[SearchDoc]) -> tantivy::Result<Baseline> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let title = b.add_text_field("title", TEXT);
        let body = b.add_text_field("body", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 20_000_000)?;
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_text(id, &d.id);
            doc.add_text(title, &d.title);
            doc.add_text(body, &d.body);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let parser = QueryParser::for_index(&index, vec![title, body]);
        Ok(Baseline { reader, parser, id })
    }

    /// Ids of the best `limit` hits for `text`.
    pub fn search(&self, text: &str, limit: usize) -> tantivy::Result<Vec<String>> {
        let (query, _errors) = self.parser.parse_query_lenient(text);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(self.id).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        Ok(ids)
    }
}
