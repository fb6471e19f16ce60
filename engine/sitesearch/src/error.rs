//! Why an index could not be written.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteSearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("two pages have the id `{id}`: {first} and {second}")]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
}

impl SiteSearchError {
    pub(crate) fn io(
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> SiteSearchError + '_ {
        move |source| SiteSearchError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
