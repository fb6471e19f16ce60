//! Helpers for tests and benchmarks: generated content shaped like the built-in content,
//! and a real PostgreSQL server started for the test ([`pg`]).

pub mod corpus;
pub mod pg;
pub mod playbook;
