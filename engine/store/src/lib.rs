//! The call store: every call (one run of a playbook) and its append-only log of events,
//! kept in SQLite.
//!
//! The runtime writes an event here, committed, before it shows the next prompt, so a call
//! killed at any prompt loses no answered step and `sessions resume` can replay the log.
//! Reports read the same two tables. The schema ([`schema`]) uses plain types only (TEXT,
//! BIGINT) so the same tables can live in PostgreSQL.

pub mod aggregate;
mod error;
mod id;
mod model;
mod path;
pub mod schema;
mod store;
pub mod time;

pub use aggregate::{AggregateQuery, GroupKey, GroupRow};
pub use error::StoreError;
pub use model::{Call, Event, NewCall, Outcome, Stamp};
pub use path::default_path;
pub use store::Store;
