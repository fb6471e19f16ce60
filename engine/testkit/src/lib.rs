//! Helpers for tests and benchmarks: generated content shaped like the built-in content,
//! generated calls for the report, a real PostgreSQL server started for the test ([`pg`]),
//! and a WebDriver client for tests in a real browser.

pub mod browser;
pub mod calls;
pub mod corpus;
pub mod pg;
pub mod playbook;
pub mod server;
