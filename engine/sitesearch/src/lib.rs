//! The generated site's offline search: the pages' search records indexed exactly as the
//! command line indexes them, written as a static index in small pieces that
//! `site/assets/search.js` loads on demand (a query reads the pieces of its own words,
//! never the whole index), from `file://` or any static server.
//!
//! The ranking is the command line's: the index is built by `deskbook-search` (its
//! analyzer, stems, stop words, aliases, field weights), and [`harvest`] reads the
//! numbers BM25 needs back out of it, so the browser computes the same scores. What the
//! browser cannot do without a stemmer is precomputed: [`dictionary`] maps the words
//! people type to indexed terms, and typo candidates come from small vocabulary pieces.
//!
//! ```no_run
//! use deskbook_content::LayerSpec;
//! use deskbook_content::model::Audience;
//!
//! let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
//! let pages = deskbook_sitesearch::pages(
//!     &content,
//!     |item| item.meta.audience == Audience::Public,
//!     |_| true,
//!     |id, _kind| format!("{id}.html"),
//! );
//! deskbook_sitesearch::write_index(&pages, std::path::Path::new("out/search"))?;
//! # Ok::<(), deskbook_sitesearch::SiteSearchError>(())
//! ```

pub mod code;
pub mod dictionary;
mod error;
pub mod harvest;
pub mod layout;
mod page;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

pub use error::SiteSearchError;
pub use layout::{IndexFile, Written};
pub use page::{pages, site_pages, Page};

/// Build the index of `pages` into `dir` (created if missing).
pub fn write_index(pages: &[Page], dir: &Path) -> Result<Written, SiteSearchError> {
    let (files, written) = index_files(pages)?;
    layout::write_files(dir, &files)?;
    Ok(written)
}

/// The offline search index of a built site, from its pages' ids and URLs, as the site's
/// index hook ([`deskbook_site::IndexHook`]) gives them: one file each under `search/` of
/// the site (where `assets/search.js` looks). `deskbook site build` and the bytes
/// benchmark hand this to the hook.
pub fn site_index(
    content: &deskbook_content::Content,
    records: &[deskbook_site::PageRecord],
) -> Result<Vec<deskbook_site::OutFile>, String> {
    let site = records.iter().map(|p| (p.id.as_str(), p.url.as_str()));
    let (files, _) = index_files(&site_pages(content, site)).map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .map(|f| deskbook_site::OutFile {
            path: format!("search/{}", f.path),
            bytes: f.text.into_bytes(),
        })
        .collect())
}

/// The index of `pages` as files (paths relative to the index folder, `search/` of the
/// site, where `search.js` looks by default).
pub fn index_files(pages: &[Page]) -> Result<(Vec<IndexFile>, Written), SiteSearchError> {
    let mut by_id: HashMap<&str, &str> = HashMap::new();
    for p in pages {
        if let Some(first) = by_id.insert(&p.doc.id, &p.url) {
            return Err(SiteSearchError::DuplicateId {
                id: p.doc.id.clone(),
                first: first.to_string(),
                second: p.url.clone(),
            });
        }
    }
    let index = deskbook_search::indexer::build_in_ram(pages.iter().map(|p| &p.doc))?;
    let harvest = harvest::harvest(&index)?;
    let urls: Vec<String> = harvest
        .docs
        .iter()
        .map(|d| {
            by_id
                .get(d.id.as_str())
                .map(|u| u.to_string())
                .unwrap_or_default()
        })
        .collect();
    let known: BTreeSet<&str> = harvest.terms.keys().map(String::as_str).collect();
    let dictionary = dictionary::build(pages.iter().map(|p| &p.doc), &known);
    Ok(layout::pieces(&harvest, &urls, &dictionary))
}
