//! Writing search documents into a tantivy index, on disk or in memory.
//!
//! One writer thread and a modest memory budget: the built-in content is small, a large
//! organisation's layer is a few thousand articles, and a cold search (load, index, cache)
//! must not need much more memory than loading the content does. The index ends as a
//! single segment, so a query touches one term dictionary.

use std::borrow::Borrow;
use std::path::Path;
use tantivy::directory::{MmapDirectory, RamDirectory};
use tantivy::{Index, IndexSettings, IndexWriter, TantivyDocument};

use crate::document::SearchDoc;
use crate::schema::{self, Fields};

/// Writer memory budget in bytes (tantivy's minimum per thread is 15 MB). Larger budgets
/// build no faster here, and the cold search of a 10,000-article layer must stay under
/// 100 MB.
const WRITER_BUDGET: usize = 20_000_000;

/// Build an index in `dir` (an existing, empty folder) from `docs`; also gives the number
/// of records written.
pub fn build_in_dir<D: Borrow<SearchDoc>>(
    dir: &Path,
    docs: impl IntoIterator<Item = D>,
) -> tantivy::Result<(Index, u64)> {
    let (schema, fields) = schema::build();
    let directory = MmapDirectory::open(dir)?;
    let index = Index::builder()
        .schema(schema)
        .settings(IndexSettings::default())
        .tokenizers(schema::tokenizers())
        .open_or_create(directory)?;
    let count = write(&index, fields, docs)?;
    Ok((index, count))
}

/// Build an index in memory from `docs`.
pub fn build_in_ram<D: Borrow<SearchDoc>>(
    docs: impl IntoIterator<Item = D>,
) -> tantivy::Result<Index> {
    build_in_ram_dir(docs).map(|(index, _, _)| index)
}

/// Build an index in memory from `docs`; also gives its directory (to persist it, a
/// handle on the same files) and the number of records written.
pub fn build_in_ram_dir<D: Borrow<SearchDoc>>(
    docs: impl IntoIterator<Item = D>,
) -> tantivy::Result<(Index, RamDirectory, u64)> {
    let (schema, fields) = schema::build();
    let directory = RamDirectory::create();
    let index = Index::builder()
        .schema(schema)
        .settings(IndexSettings::default())
        .tokenizers(schema::tokenizers())
        .open_or_create(directory.clone())?;
    let count = write(&index, fields, docs)?;
    Ok((index, directory, count))
}

fn write<D: Borrow<SearchDoc>>(
    index: &Index,
    f: Fields,
    docs: impl IntoIterator<Item = D>,
) -> tantivy::Result<u64> {
    let mut writer: IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(1, WRITER_BUDGET)?;
    let mut count = 0;
    for d in docs {
        let d = d.borrow();
        count += 1;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.summary, &d.summary);
        doc.add_text(f.body, &d.body);
        for a in &d.aliases {
            doc.add_text(f.aliases, a);
        }
        for k in &d.keywords {
            doc.add_text(f.keywords, k);
        }
        for n in &d.numbers {
            doc.add_text(f.number, n);
        }
        for e in &d.events {
            doc.add_text(f.events, e);
        }
        if let Some(t) = &d.tool {
            doc.add_text(f.tool, t);
        }
        for c in &d.cues {
            doc.add_text(f.cues, c);
        }
        writer.add_document(doc)?;
    }
    writer.commit()?;
    // A large layer can overflow the writer budget into several segments: merge them, so a
    // query walks one term dictionary and one set of postings per field.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(count)
}
