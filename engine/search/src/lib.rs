//! Search over the effective content: a tantivy index of every item the role may see and
//! every playbook, cached on disk and keyed by the content, with ranking tuned for what
//! callers and agents type (aliases and titles first, event numbers and tool names exact,
//! typos forgiven, phrases preferred).
//!
//! ```no_run
//! use deskbook_content::LayerSpec;
//! use deskbook_search::{cache, Scope, SearchOptions};
//!
//! let opened = cache::open(&[LayerSpec::BuiltIn], Scope::Public, cache::default_root().as_deref())?;
//! let results = opened.index.search("bad spi", &SearchOptions::default())?;
//! for hit in results.hits {
//!     println!("{} {} {}", hit.id, hit.kind, hit.title);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analyzer;
pub mod baseline;
pub mod cache;
pub mod document;
pub mod error;
pub mod eval;
pub mod indexer;
pub mod query;
pub mod schema;
pub mod searcher;
pub mod snippet;
mod stem;
pub mod synonyms;

pub use cache::{open, Opened, Origin};
pub use document::{documents, documents_of, into_documents, Scope, SearchDoc};
pub use error::SearchError;
pub use query::{FUZZY_MIN_LETTERS, MAX_QUERY_CHARS, MAX_QUERY_WORDS};
pub use searcher::{Hit, Results, SearchIndex, SearchOptions, MAX_LIMIT};
pub use snippet::Snippet;
