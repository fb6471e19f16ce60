//! Where each effective item comes from (`deskbook layers`) and what one layer changes
//! against the layers below it (`deskbook layers diff`), as the role may see it.

use serde::Serialize;

use crate::loader::{load_org, Content};
use crate::org::Org;
use crate::patch::{self, StepDiff};
use crate::role::Role;

/// One effective item or playbook and its layers.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub kind: &'static str,
    /// The layer whose file is in effect (for a patched playbook: where it was written).
    pub layer: String,
    /// Layers whose patches changed it, lowest first.
    pub patched_by: Vec<String>,
    /// Layers whose patch of it does not apply, lowest first: the playbook does not run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_patch_by: Vec<String>,
}

/// A patch that does not apply (`layers`, `layers diff`): its playbook keeps the version
/// below and does not run.
#[derive(Debug, Clone, Serialize)]
pub struct FailedPatch {
    pub playbook: String,
    pub layer: String,
    /// The first error, at the patch file's line and column.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(skip)]
    pub diagnostic: crate::Diagnostic,
}

/// The patches of `content` that do not apply, in layer order; only those of layer `only`
/// when given.
pub fn failed_patches(content: &Content, only: Option<usize>) -> Vec<FailedPatch> {
    content
        .failed_patches
        .iter()
        .filter(|f| only.is_none_or(|l| l == f.layer))
        .map(|f| FailedPatch {
            playbook: f.playbook.clone(),
            layer: content
                .layers
                .get(f.layer)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            file: f.error.file.clone(),
            line: f.error.line,
            column: f.error.column,
            message: f.error.message.clone(),
            diagnostic: f.error.clone(),
        })
        .collect()
}

/// Every effective item and playbook the role may see, in id order.
pub fn entries(content: &Content) -> Vec<Entry> {
    let name = |i: usize| {
        content
            .layers
            .get(i)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<Entry> = content
        .items
        .iter()
        .filter(|i| content.visible(i))
        .map(|i| Entry {
            id: i.meta.id.clone(),
            kind: i.meta.kind.as_str(),
            layer: name(i.layer),
            patched_by: Vec::new(),
            failed_patch_by: Vec::new(),
        })
        .collect();
    for pb in &content.playbooks {
        let mut patched_by = Vec::new();
        let mut cur = pb;
        while let Some(lower) = cur.lower.as_deref() {
            patched_by.push(name(cur.layer));
            cur = lower;
        }
        patched_by.reverse();
        let failed_patch_by = content
            .failed_patches
            .iter()
            .filter(|f| f.playbook == pb.id)
            .map(|f| name(f.layer))
            .collect();
        out.push(Entry {
            id: pb.id.clone(),
            kind: "playbook",
            layer: name(pb.origin().layer),
            patched_by,
            failed_patch_by,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// What a layer does to an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Replaced,
    Patched,
}

/// One change of a layer.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    pub kind: &'static str,
    pub change: Change,
    /// For playbooks: the steps added, removed and changed against the version below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<StepDiff>,
    /// For patches that record `base:`: whether the playbook below changed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<bool>,
}

/// What a layer changes against the layers below it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDiff {
    pub layer: String,
    pub changes: Vec<Changed>,
    /// Call categories the layer adds to the taxonomy.
    pub categories: Vec<String>,
    /// The layer's patches that do not apply (so change nothing, and their playbooks do
    /// not run).
    pub failed: Vec<FailedPatch>,
}

/// The problem with a `layers diff` request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layer `{name}`: the layers are {known}")]
pub struct UnknownLayer {
    pub name: String,
    pub known: String,
}

/// Diff layer `name` (default: the top one) of `org` against the layers below it, as `role`
/// may see it. The content is loaded twice: with and without the layer.
pub fn layer_diff(org: &Org, name: Option<&str>, role: Role) -> Result<LayerDiff, UnknownLayer> {
    let idx = match name {
        None => org.layers.len().saturating_sub(1),
        Some(n) => org
            .layers
            .iter()
            .position(|(l, s)| l == n || s.name() == n)
            .ok_or_else(|| UnknownLayer {
                name: n.chars().take(60).collect(),
                known: org
                    .layers
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?,
    };
    let below_org = Org {
        layers: org.layers[..idx].to_vec(),
        ..org.clone()
    };
    let with_org = Org {
        layers: org.layers[..=idx.min(org.layers.len().saturating_sub(1))].to_vec(),
        ..org.clone()
    };
    let mut below = load_org(&below_org);
    let mut with = load_org(&with_org);
    below.set_role(role);
    with.set_role(role);
    let mut changes = Vec::new();
    for item in with
        .items
        .iter()
        .filter(|i| i.layer == idx && with.visible(i))
    {
        changes.push(Changed {
            id: item.meta.id.clone(),
            kind: item.meta.kind.as_str(),
            change: if below.item(item.id()).is_some() {
                Change::Replaced
            } else {
                Change::Added
            },
            steps: None,
            stale: None,
        });
    }
    for pb in with.playbooks.iter().filter(|p| p.layer == idx) {
        let lower = below.playbook(&pb.id);
        let change = match (lower, &pb.lower) {
            (_, Some(_)) => Change::Patched,
            (Some(_), None) => Change::Replaced,
            (None, None) => Change::Added,
        };
        let steps = match (lower.and_then(|l| l.yaml()), pb.yaml()) {
            (Some(a), Some(b)) => {
                let mut d = patch::diff(a, b);
                // The new values as the role may read them: ids of items it may not see
                // (in `help:` and in the texts) read `withheld`.
                let shown = |t: &mut String| *t = with.playbook_text_for_role(pb, t);
                for f in d.changed.iter_mut().flat_map(|c| c.fields.iter_mut()) {
                    f.now.iter_mut().for_each(shown);
                }
                for (old, new) in d.title.iter_mut().chain(d.summary.iter_mut()) {
                    shown(old);
                    shown(new);
                }
                Some(d)
            }
            _ => None,
        };
        let stale = match (&pb.lower, lower) {
            (Some(_), Some(l)) => {
                patch_base(&pb.file.text).map(|b| b != patch::base_fingerprint(l))
            }
            _ => None,
        };
        changes.push(Changed {
            id: pb.id.clone(),
            kind: "playbook",
            change,
            steps,
            stale,
        });
    }
    changes.sort_by(|a, b| a.id.cmp(&b.id));
    let categories = with
        .taxonomy
        .categories
        .iter()
        .filter(|c| !below.taxonomy.categories.iter().any(|b| b.id == c.id))
        .map(|c| c.id.clone())
        .collect();
    let failed = failed_patches(&with, Some(idx));
    Ok(LayerDiff {
        failed,
        layer: org
            .layers
            .get(idx)
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
        changes,
        categories,
    })
}

/// The `base:` a patch file records, if any.
fn patch_base(text: &str) -> Option<String> {
    crate::yaml::parse_value(text)
        .ok()?
        .get("base")?
        .as_str()
        .map(str::to_string)
}
