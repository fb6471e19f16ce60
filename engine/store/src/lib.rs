//! The call store: every call (one run of a playbook) and its append-only log of events,
//! kept in SQLite (one file, the embedded default) or PostgreSQL (one database a whole
//! help desk shares).
//!
//! The runtime writes a [`Record`] here, committed, before it shows the next prompt, so a
//! call killed at any prompt loses no answered step and `sessions resume` can replay the
//! log. Reports read the same two tables. The schema ([`schema`]) uses plain types only
//! (TEXT, BIGINT), so both databases hold the same tables and run the same migrations.

pub mod aggregate;
mod db;
mod error;
mod id;
mod migrate;
mod model;
mod open;
mod path;
pub mod record;
pub mod schema;
mod store;
pub mod time;

pub use aggregate::{AggregateQuery, GroupKey, GroupRow};
pub use db::Backend;
pub use error::StoreError;
pub use model::{
    computer_of, input_of, Call, CallFilter, Event, NewCall, Note, ProbeSeen, Stamp, CALLER_INPUTS,
    CLOSED_BY_AGENT, CLOSED_BY_PLAYBOOK, TARGET_INPUTS,
};
pub use open::{lock_timeout, redact, Access};
pub use path::default_path;
pub use record::{Action, Misfit, Origin, PacketStep, ProbeCall, Record};
pub use store::Store;
