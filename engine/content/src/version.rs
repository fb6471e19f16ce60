//! The content version: one stable hash of the effective content (every item, playbook and
//! category after the layers are applied), recorded with every call so that a report can
//! tell calls taken against different content apart.
//!
//! Only what a call can see goes in: item ids and texts, playbooks as parsed (so a patch
//! from a later layer changes it), and the taxonomy. Where the files sit on disk does not,
//! so two agents with the same layers in different folders get the same version.

use crate::{Content, PlaybookBody};

impl Content {
    /// Sixteen hex digits (BLAKE3 of the effective content).
    pub fn version(&self) -> String {
        let mut h = blake3::Hasher::new();
        let mut put = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        put(b"deskbook-content-version-1");
        for item in &self.items {
            put(b"item");
            put(item.id().as_bytes());
            put(item.file.text.as_bytes());
        }
        for doc in &self.playbooks {
            put(b"playbook");
            put(doc.id.as_bytes());
            match &doc.body {
                PlaybookBody::Yaml(pb) => {
                    put(serde_json::to_string(pb).unwrap_or_default().as_bytes())
                }
                PlaybookBody::Lua => put(doc.file.text.as_bytes()),
            }
        }
        for c in &self.taxonomy.categories {
            put(b"category");
            put(serde_json::to_string(c).unwrap_or_default().as_bytes());
        }
        h.finalize().to_hex().as_str()[..16].to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::{load, LayerSpec};

    #[test]
    fn the_version_is_stable_and_follows_the_content() {
        let builtin = load(&[LayerSpec::BuiltIn]);
        let a = builtin.version();
        assert_eq!(a, load(&[LayerSpec::BuiltIn]).version());
        assert_eq!(a.len(), 16);
        let mut changed = load(&[LayerSpec::BuiltIn]);
        changed.taxonomy.categories.pop();
        assert_ne!(changed.version(), a);
    }
}
