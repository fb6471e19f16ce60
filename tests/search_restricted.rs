//! `--role tier1` never sees `audience: restricted` items in search, whatever is typed and
//! whatever another role has cached before; Tier 2 does see them.
//!
//! The fixture layer `tests/fixtures/restricted-layer` holds a restricted exemption list
//! and a public article, so a miss for Tier 1 is the role at work, not a layer that failed
//! to load.

mod common;

use common::{fixture, run_in, stderr, stdout};
use serde_json::Value;
use std::path::Path;

const RESTRICTED: &str = "woodgrove-exemptions";

fn hits(dir: &Path, role: &str, query: &str) -> Vec<String> {
    let layer = fixture("restricted-layer");
    let layer = layer.to_str().expect("utf-8 path");
    let out = run_in(
        dir,
        &[
            "--role",
            role,
            "--content",
            layer,
            "search",
            "--json",
            "--limit",
            "50",
            query,
        ],
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{query}: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_string())
        .collect()
}

/// What someone fishing for the exemption list might type.
const PROBES: &[&str] = &[
    "exemption list",
    "which computers are exempt",
    "exempt servers",
    "fax gateway",
    "fax-gateway01.woodgrovebank.com",
    "192.0.2.10",
    "woodgrove exemption",
    "woodgrove-exemptions",
    "Woodgrove Bank IPsec exemption list",
    "network security team approves exemptions",
];

#[test]
fn tier1_never_sees_the_restricted_item() {
    let dir = tempfile::tempdir().expect("temp dir");
    for q in PROBES {
        let found = hits(dir.path(), "tier1", q);
        assert!(!found.contains(&RESTRICTED.to_string()), "{q}: {found:?}");
    }
    // The layer is loaded: its public article is found.
    let found = hits(dir.path(), "tier1", "woodgrove help desk hours");
    assert_eq!(
        found.first().map(String::as_str),
        Some("woodgrove-help-desk-hours")
    );
}

#[test]
fn tier2_and_tier3_see_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    for role in ["tier2", "tier3"] {
        let found = hits(dir.path(), role, "fax gateway exemption");
        assert_eq!(
            found.first().map(String::as_str),
            Some(RESTRICTED),
            "{role}"
        );
    }
}

// Guards the cache key: an index built for Tier 2 (restricted items included) must never
// be opened for Tier 1 from the same cache folder.
#[test]
fn a_tier2_cache_is_never_used_for_tier1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let found = hits(dir.path(), "tier2", "exemption list");
    assert!(found.contains(&RESTRICTED.to_string()), "{found:?}");
    for q in PROBES {
        let found = hits(dir.path(), "tier1", q);
        assert!(!found.contains(&RESTRICTED.to_string()), "{q}: {found:?}");
    }
    let found = hits(dir.path(), "tier2", "exemption list");
    assert!(found.contains(&RESTRICTED.to_string()), "{found:?}");
}
