//! What can go wrong in search, phrased for the person at the keyboard.

use deskbook_content::Kind;

/// A search problem. Query problems say what to type instead; index problems keep the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    #[error(
        "nothing to search for in `{query}`: type a few words the caller used, an event \
         number (4268) or a tool name (netsh)"
    )]
    EmptyQuery { query: String },
    #[error(
        "the query is too long ({what}; at most {limit}): type the caller's key words, an \
         event number or a tool name"
    )]
    QueryTooLong { what: String, limit: String },
    #[error("unknown kind `{kind}`: expected one of {}", Kind::ALL.join(", "))]
    UnknownKind { kind: String },
    #[error("--limit must be at least 1")]
    ZeroLimit,
    #[error("--limit must be at most {max} (got {got})", max = crate::searcher::MAX_LIMIT)]
    LimitTooLarge { got: usize },
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
