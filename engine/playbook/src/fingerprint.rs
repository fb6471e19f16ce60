//! A playbook's fingerprint: a hash of its file and of every playbook it calls, so a resumed
//! run can tell that the playbook changed since it was recorded.

use std::collections::BTreeMap;

use deskbook_content::{Content, PlaybookBody};

/// FNV-1a, 64 bits: stable across versions and platforms (unlike `DefaultHasher`).
fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// The hash of `playbook` and its callees (by id, with their file text), as 16 hex digits.
/// An unknown playbook hashes its id alone.
pub fn fingerprint(content: &Content, playbook: &str) -> String {
    let mut seen: BTreeMap<String, Option<&str>> = BTreeMap::new();
    let mut todo = vec![playbook.to_string()];
    while let Some(id) = todo.pop() {
        if seen.contains_key(&id) {
            continue;
        }
        let doc = content.playbook(&id);
        if let Some(PlaybookBody::Yaml(pb)) = doc.map(|d| &d.body) {
            todo.extend(pb.steps.iter().filter_map(|s| s.call.clone()));
        }
        seen.insert(id, doc.map(|d| d.file.text.as_str()));
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (id, text) in &seen {
        fnv1a(&mut hash, id.as_bytes());
        fnv1a(&mut hash, &[0]);
        fnv1a(&mut hash, text.unwrap_or("").as_bytes());
        fnv1a(&mut hash, &[0]);
    }
    format!("{hash:016x}")
}
