//! Shared harness of the integration tests: argument maps, the loopback responders (a tiny
//! DNS server and a CLDAP server), and for the namespace tests the hosts running charon and
//! the child processes that run probes without privileges.
//!
//! Each test file uses part of this, so unused items are expected per file.
#![allow(dead_code)]

pub mod child;
pub mod cldap_server;
pub mod dns_server;
#[cfg(target_os = "linux")]
pub mod netns;

use std::collections::BTreeMap;

use deskbook_probes::ProbeResult;

/// Probe arguments from pairs.
pub fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A data field as text (strings unquoted), or "" when absent.
pub fn field(r: &ProbeResult, key: &str) -> String {
    match r.data.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// The result, printed for assertion messages.
pub fn show(r: &ProbeResult) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|_| format!("{r:?}"))
}
