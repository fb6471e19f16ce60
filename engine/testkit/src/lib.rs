//! Helpers for tests and benchmarks: generated content shaped like the built-in content, and
//! a WebDriver client for tests in a real browser.

pub mod browser;
pub mod corpus;
pub mod playbook;
