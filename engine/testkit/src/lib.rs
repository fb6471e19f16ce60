//! Helpers for tests and benchmarks: generated content shaped like the built-in content.

pub mod corpus;
pub mod playbook;
