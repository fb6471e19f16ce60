//! Helpers for tests and benchmarks: generated content shaped like the built-in content, and
//! generated calls for the report.

pub mod calls;
pub mod corpus;
pub mod playbook;
