//! A playbook's fingerprint: a hash of its file and of every playbook it calls, so a resumed
//! run can tell that the playbook changed since it was recorded.

use std::collections::BTreeMap;

use deskbook_content::{Content, PlaybookBody};

use deskbook_content::source::{fnv1a, FNV_START};

/// The hash of `playbook` and its callees (by id, with their file text), as 16 hex digits.
/// An unknown playbook hashes its id alone.
pub fn fingerprint(content: &Content, playbook: &str) -> String {
    // A patched playbook is its patch and every version below it.
    let mut seen: BTreeMap<String, Option<Vec<&str>>> = BTreeMap::new();
    let mut todo = vec![playbook.to_string()];
    while let Some(id) = todo.pop() {
        if seen.contains_key(&id) {
            continue;
        }
        let doc = content.playbook(&id);
        if let Some(PlaybookBody::Yaml(pb)) = doc.map(|d| &d.body) {
            todo.extend(
                pb.steps
                    .iter()
                    .filter_map(|s| s.callee().map(str::to_string)),
            );
        }
        seen.insert(id, doc.map(|d| d.texts()));
    }
    let mut hash = FNV_START;
    for (id, texts) in &seen {
        fnv1a(&mut hash, id.as_bytes());
        fnv1a(&mut hash, &[0]);
        for text in texts.iter().flatten() {
            fnv1a(&mut hash, text.as_bytes());
            fnv1a(&mut hash, &[0]);
        }
    }
    format!("{hash:016x}")
}
