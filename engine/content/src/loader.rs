//! Loading layers into the effective content, collecting every problem on the way.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::{position, Diagnostic};
use crate::frontmatter;
use crate::layer::{self, LayerSpec, RawFile};
use crate::model::{FrontMatter, Item, Kind, FRONT_MATTER_FIELDS};
use crate::org::Org;
use crate::playbook::{locate_steps, Playbook, PlaybookBody, PlaybookDoc, PLAYBOOK_FIELDS};
use crate::role::Role;
use crate::source::SourceFile;
use crate::taxonomy::{Taxonomy, TaxonomyFile};
use crate::vocab::{is_valid_id, OS_IDS, TASKS};
use crate::yaml;

/// A layer as loaded: its name and where it lives.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub name: String,
    pub spec: LayerSpec,
}

/// A patch file that does not apply (or does not parse), and the first error that says why.
#[derive(Debug, Clone)]
pub struct FailedPatch {
    /// The playbook it patches.
    pub playbook: String,
    /// The index of its layer in [`Content::layers`].
    pub layer: usize,
    /// The first error, at the patch file's line and column.
    pub error: Diagnostic,
}

/// The effective content of all layers.
#[derive(Debug, Default)]
pub struct Content {
    /// Items sorted by id; a later layer's item replaces an earlier one with the same id.
    pub items: Vec<Item>,
    /// Playbooks sorted by id.
    pub playbooks: Vec<PlaybookDoc>,
    /// Scenario files (`playbooks/tests/*.yaml`) of every layer, parsed by the playbook crate.
    pub scenarios: Vec<Arc<SourceFile>>,
    /// Scenarios set aside: written in a layer below the one that patches or replaces their
    /// playbook, so for a flowchart that is no longer the effective one. With the playbook
    /// and the layer (name) that changed it; `deskbook test` lists them.
    pub set_aside: Vec<(Arc<SourceFile>, String, String)>,
    pub taxonomy: Taxonomy,
    pub layers: Vec<LayerInfo>,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Patches that did not apply, in layer order: their playbook keeps the version below
    /// (so `check` can go on), but it does not run ([`Content::failed_patch`]).
    pub failed_patches: Vec<FailedPatch>,
    /// The organisation the content was loaded for (its variables, rollout, layer names).
    pub org: Org,
    /// Who is looking; [`Content::visible`] applies it (tier1 unless set).
    pub role: Role,
}

impl Content {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items
            .binary_search_by(|i| i.meta.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.items[i])
    }

    pub fn playbook(&self, id: &str) -> Option<&PlaybookDoc> {
        self.playbooks
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.playbooks[i])
    }

    /// The first patch of playbook `id` that did not apply, if any: such a playbook does not
    /// run (what would run is not what the layers say).
    pub fn failed_patch(&self, id: &str) -> Option<&FailedPatch> {
        self.failed_patches.iter().find(|f| f.playbook == id)
    }

    /// Whether an item or a playbook has this id.
    pub fn has_id(&self, id: &str) -> bool {
        self.item(id).is_some() || self.playbook(id).is_some()
    }

    /// The event item describing event (or failure code) `number`.
    pub fn event(&self, number: u32) -> Option<&Item> {
        self.items.iter().find(|i| {
            i.meta.kind == Kind::Event && i.meta.event.as_ref().map(|e| e.id) == Some(number)
        })
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Look at the content as `role`: what [`Content::visible`] and [`Content::org_view`]
    /// answer from now on.
    pub fn set_role(&mut self, role: Role) {
        self.role = role;
    }

    /// Whether layer number `layer` (an item's or a playbook's `layer`) is the built-in
    /// content, which ships reviewed with deskbook.
    pub fn is_built_in(&self, layer: usize) -> bool {
        self.layers
            .get(layer)
            .is_some_and(|l| l.spec == LayerSpec::BuiltIn)
    }

    /// Whether the role may see this item (the one rule: [`Role::may_see`]).
    pub fn visible(&self, item: &Item) -> bool {
        self.role.may_see(item.meta.audience)
    }

    /// Whether a reference to `id` may be shown to the role: a playbook, or an item it may
    /// see. A missing id is not shown either.
    pub fn visible_id(&self, id: &str) -> bool {
        match self.item(id) {
            Some(item) => self.visible(item),
            None => self.playbook(id).is_some(),
        }
    }

    /// The references in `ids` the role may see, in order; the rest left out.
    pub fn visible_ids<'a>(&self, ids: &'a [String]) -> Vec<&'a str> {
        ids.iter()
            .map(String::as_str)
            .filter(|id| self.visible_id(id))
            .collect()
    }

    /// An item's body as the role may read it: a `kb:` link to what the role may not see
    /// points at `kb:withheld`, so not even its id shows.
    pub fn body_for_role<'a>(&self, item: &'a Item) -> std::borrow::Cow<'a, str> {
        let body = item.body();
        let hidden: Vec<String> = crate::markdown::kb_links(body)
            .into_iter()
            .map(|l| l.id)
            .filter(|id| !self.visible_id(id))
            .collect();
        if hidden.is_empty() {
            return body.into();
        }
        let mut out = body.to_string();
        for id in hidden {
            for (from, to) in [("](kb:", ")"), ("]: kb:", "\n")] {
                out = out.replace(
                    &format!("{from}{id}{to}"),
                    &format!("{from}{}{to}", crate::role::WITHHELD_ID),
                );
            }
        }
        out.into()
    }

    /// A playbook's text as the role may read it: ids in `help:` of items the role may not
    /// see read `withheld`.
    pub fn playbook_text_for_role(&self, doc: &PlaybookDoc, text: &str) -> String {
        let mut hidden: Vec<&str> = doc
            .yaml()
            .map(|p| {
                p.steps
                    .iter()
                    .flat_map(|s| s.help.iter())
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default();
        hidden.retain(|id| !self.visible_id(id));
        hidden.sort_unstable();
        hidden.dedup();
        let mut out = text.to_string();
        for id in hidden {
            out = replace_word(&out, id, crate::role::WITHHELD_ID);
        }
        out
    }

    /// The `org` object templates read, as the role may see it (restricted values withheld).
    pub fn org_view(&self) -> serde_json::Map<String, serde_json::Value> {
        crate::vars::view(&self.org.vars, self.role)
    }
}

/// `text` with every occurrence of `word` that is not part of a longer id replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(id_char) || after.is_some_and(id_char) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

/// Load the layers in order (no organisation folder).
pub fn load(specs: &[LayerSpec]) -> Content {
    load_org(&Org::plain(specs))
}

/// Load the layers of an organisation in order, with its variables.
pub fn load_org(org: &Org) -> Content {
    let mut content = Content {
        org: org.clone(),
        ..Content::default()
    };
    let mut item_slots: HashMap<String, usize> = HashMap::new();
    let mut items: Vec<Item> = Vec::new();
    let mut playbooks: Vec<PlaybookDoc> = Vec::new();
    let mut pb_slots: HashMap<String, usize> = HashMap::new();
    let mut scenarios: Vec<(usize, Arc<SourceFile>)> = Vec::new();
    // Ids of a layer below `builtin` that the built-in content replaces.
    let mut under_builtin: Vec<String> = Vec::new();

    for (layer_idx, (name, spec)) in org.layers.iter().enumerate() {
        content.layers.push(LayerInfo {
            name: name.clone(),
            spec: spec.clone(),
        });
        // The built-in content keeps the strict rules; a layer's items may be light.
        let strict = *spec == LayerSpec::BuiltIn;
        match layer::shape(spec) {
            Ok(problems) => content.diagnostics.extend(problems),
            Err(problem) => {
                content.diagnostics.push(problem);
                continue;
            }
        }
        let files = match layer::files(spec) {
            Ok(f) => f,
            Err(msg) => {
                content
                    .diagnostics
                    .push(Diagnostic::error(&spec.name(), 1, 1, msg));
                continue;
            }
        };
        // Ids defined in this layer, with where, to report duplicates inside one layer.
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        let mut patches: Vec<crate::patch::Patch> = Vec::new();
        // Patch files that do not parse: the playbook they name (or their file name's) and
        // the diagnostic's index.
        let mut bad_patches: Vec<(String, usize)> = Vec::new();
        for (parsed, diags) in parse_all(files, layer_idx, strict) {
            let parsed = match parsed {
                Parsed::BadPatch((target, _)) => {
                    Parsed::BadPatch((target, content.diagnostics.len()))
                }
                other => other,
            };
            content.diagnostics.extend(diags);
            match parsed {
                Parsed::Skip => {}
                Parsed::Patch(p) => patches.push(*p),
                Parsed::BadPatch(target) => bad_patches.push(target),
                Parsed::Taxonomy(file) => load_taxonomy(&file, &mut content),
                Parsed::Scenario(file) => scenarios.push((layer_idx, Arc::new(file))),
                Parsed::Item(item) => {
                    let id = item.meta.id.clone();
                    if !claim(&mut seen, &id, &item.file, &mut content.diagnostics) {
                        continue;
                    }
                    if pb_slots.contains_key(&id) {
                        let at = id_line(&item.file);
                        content.diagnostics.push(
                            Diagnostic::error(
                                &item.file.path,
                                at,
                                1,
                                format!("duplicate id `{id}`: a playbook already has this id"),
                            )
                            .with_source(&item.file.text),
                        );
                        continue;
                    }
                    match item_slots.get(&id) {
                        Some(&slot) => {
                            if strict && items[slot].layer < layer_idx {
                                under_builtin.push(id);
                            }
                            items[slot] = *item
                        }
                        None => {
                            item_slots.insert(id, items.len());
                            items.push(*item);
                        }
                    }
                }
                Parsed::Playbook(doc) => {
                    let id = doc.id.clone();
                    if !claim(&mut seen, &id, &doc.file, &mut content.diagnostics) {
                        continue;
                    }
                    if item_slots.contains_key(&id) {
                        content.diagnostics.push(Diagnostic::error(
                            &doc.file.path,
                            1,
                            1,
                            format!("duplicate id `{id}`: an item already has this id"),
                        ));
                        continue;
                    }
                    match pb_slots.get(&id) {
                        Some(&slot) => {
                            if strict && playbooks[slot].layer < layer_idx {
                                under_builtin.push(id);
                            }
                            playbooks[slot] = doc
                        }
                        None => {
                            pb_slots.insert(id, playbooks.len());
                            playbooks.push(doc);
                        }
                    }
                }
            }
        }
        for (target, at) in bad_patches {
            if let Some(error) = content.diagnostics.get(at) {
                content.failed_patches.push(FailedPatch {
                    playbook: target,
                    layer: layer_idx,
                    error: error.clone(),
                });
            }
        }
        apply_patches(
            &patches,
            layer_idx,
            &pb_slots,
            &mut playbooks,
            &mut content.diagnostics,
            &mut content.failed_patches,
        );
    }
    warn_builtin_order(org, under_builtin, &mut content.diagnostics);
    items.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    playbooks.sort_by(|a, b| a.id.cmp(&b.id));
    content.items = items;
    content.playbooks = playbooks;
    for (layer, file) in scenarios {
        let target = yaml::parse_value(&file.text).ok().and_then(|v| {
            v.get("playbook")
                .and_then(|p| p.as_str())
                .map(str::to_string)
        });
        match target.as_deref().and_then(|id| content.playbook(id)) {
            Some(doc) if doc.layer > layer => {
                let by = content.layers[doc.layer].name.clone();
                let id = doc.id.clone();
                content.set_aside.push((file, id, by));
            }
            _ => content.scenarios.push(file),
        }
    }
    crate::orgcheck::check(&mut content);
    crate::links::check(&mut content);
    content
}

/// `builtin` listed above an organisation's own layer: the built-in content then replaces
/// that layer's version of every id both define (DESIGN.md lists layers builtin first). A
/// warning at the `builtin` entry, naming the ids replaced now.
fn warn_builtin_order(org: &Org, mut replaced: Vec<String>, diags: &mut Vec<Diagnostic>) {
    let Some(at) = org
        .layers
        .iter()
        .position(|(_, s)| *s == LayerSpec::BuiltIn)
    else {
        return;
    };
    if at == 0 {
        return;
    }
    let below: Vec<String> = org.layers[..at]
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    replaced.sort();
    replaced.dedup();
    let ids = if replaced.is_empty() {
        "none".to_string()
    } else {
        let mut shown: Vec<String> = replaced.iter().take(10).map(|i| format!("`{i}`")).collect();
        if replaced.len() > 10 {
            shown.push(format!("and {} more", replaced.len() - 10));
        }
        shown.join(", ")
    };
    let msg = format!(
        "`builtin` is listed after layer{} {}: the built-in content replaces {} version of every id both define (today: {ids}); list `builtin` first to build on the built-in content",
        if below.len() == 1 { "" } else { "s" },
        below.join(", "),
        if below.len() == 1 { "its" } else { "their" },
    );
    let d = match &org.builtin_at {
        Some((file, line, col)) => {
            Diagnostic::warning(&file.path, *line, *col, msg).with_source(&file.text)
        }
        None => Diagnostic::warning("deskbook.yaml", 1, 1, msg),
    };
    diags.push(d);
}

/// Apply a layer's patches, in file order, to the playbooks of the layers below it.
fn apply_patches(
    patches: &[crate::patch::Patch],
    layer: usize,
    slots: &HashMap<String, usize>,
    playbooks: &mut [PlaybookDoc],
    diags: &mut Vec<Diagnostic>,
    failed: &mut Vec<FailedPatch>,
) {
    let mut fail = |id: &str, error: &Diagnostic| {
        failed.push(FailedPatch {
            playbook: id.to_string(),
            layer,
            error: error.clone(),
        })
    };
    for (i, patch) in patches.iter().enumerate() {
        let id = &patch.spec.patch;
        let (line, col) = patch.pos_of_target();
        let err = |msg: String| {
            Diagnostic::error(&patch.file.path, line, col, msg).with_source(&patch.file.text)
        };
        let Some(&slot) = slots.get(id) else {
            let d = err(format!(
                "patch against playbook `{id}`, which no lower layer defines (a patch changes a playbook of a layer below it)"
            ));
            fail(id, &d);
            diags.push(d);
            continue;
        };
        let lower = &playbooks[slot];
        if lower.layer == layer && lower.lower.is_none() {
            let d = err(format!(
                "patch against playbook `{id}`, which this same layer defines ({}): a patch changes a playbook of a layer below it; edit the file instead",
                lower.file.path
            ));
            fail(id, &d);
            diags.push(d);
            continue;
        }
        let clash = patches[..i]
            .iter()
            .filter(|p| p.spec.patch == *id)
            .find_map(|p| {
                let c = patch.conflicts_with(p);
                (!c.is_empty()).then_some((p, c))
            });
        if let Some((other, steps)) = clash {
            let d = err(format!(
                "conflicting patches of playbook `{id}`: this one and {} both change {}",
                other.file.path,
                steps
                    .iter()
                    .map(|s| if s == " start" {
                        "`start`".to_string()
                    } else {
                        format!("step `{s}`")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            fail(id, &d);
            diags.push(d);
            continue;
        }
        match patch.apply(lower, layer) {
            Ok((doc, warnings)) => {
                diags.extend(warnings);
                playbooks[slot] = doc;
            }
            Err(errs) => {
                let first = errs
                    .iter()
                    .filter(|d| d.is_error())
                    .min_by_key(|d| (d.line, d.column));
                if let Some(d) = first {
                    fail(id, d);
                }
                diags.extend(errs);
            }
        }
    }
}

/// What one file of a layer turned out to be.
enum Parsed {
    Skip,
    Patch(Box<crate::patch::Patch>),
    /// A patch file that does not parse: the playbook it names (from its `patch:` if that
    /// much reads, else its file name) and, once filed, its diagnostic's index.
    BadPatch((String, usize)),
    Taxonomy(SourceFile),
    Scenario(SourceFile),
    Item(Box<Item>),
    Playbook(PlaybookDoc),
}

/// Decode and parse every file of a layer, in parallel, keeping file order.
fn parse_all(files: Vec<RawFile>, layer: usize, strict: bool) -> Vec<(Parsed, Vec<Diagnostic>)> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads < 2 || files.len() < 64 {
        return files
            .into_iter()
            .map(|f| parse_one(f, layer, strict))
            .collect();
    }
    let chunk = files.len().div_ceil(threads);
    let mut chunks: Vec<Vec<RawFile>> = Vec::new();
    let mut files = files;
    while !files.is_empty() {
        let rest = files.split_off(chunk.min(files.len()));
        chunks.push(files);
        files = rest;
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                scope.spawn(move || {
                    c.into_iter()
                        .map(|f| parse_one(f, layer, strict))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn parse_one(raw: RawFile, layer: usize, strict: bool) -> (Parsed, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let rel = raw.rel.clone();
    let Some(file) = decode(raw, &mut diags) else {
        return (Parsed::Skip, diags);
    };
    let rel = rel.as_str();
    let parsed = if rel == "kb/taxonomy.yaml" {
        Parsed::Taxonomy(file)
    } else if rel.starts_with("kb/") && rel.ends_with(".md") {
        parse_item(file, layer, strict, &mut diags)
            .map_or(Parsed::Skip, |i| Parsed::Item(Box::new(i)))
    } else if crate::patch::is_patch_file(rel) {
        let target = crate::patch::target_of(&file);
        match crate::patch::parse(file) {
            Ok(p) => Parsed::Patch(Box::new(p)),
            Err(d) => {
                diags.push(d);
                Parsed::BadPatch((target, 0))
            }
        }
    } else if rel.starts_with("playbooks/tests/") {
        if rel.ends_with(".yaml") || rel.ends_with(".yml") {
            Parsed::Scenario(file)
        } else {
            Parsed::Skip
        }
    } else if rel.starts_with("playbooks/")
        && (rel.ends_with(".yaml") || rel.ends_with(".yml") || rel.ends_with(".lua"))
    {
        parse_playbook(file, layer, &mut diags).map_or(Parsed::Skip, Parsed::Playbook)
    } else {
        Parsed::Skip
    };
    (parsed, diags)
}

/// Record `id` as defined in `file` for this layer; report a duplicate and return false.
fn claim(
    seen: &mut HashMap<String, (String, usize)>,
    id: &str,
    file: &SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let line = id_line(file);
    if let Some((other, other_line)) = seen.get(id) {
        diags.push(
            Diagnostic::error(
                &file.path,
                line,
                1,
                format!("duplicate id `{id}`: also defined in {other}:{other_line}"),
            )
            .with_source(&file.text),
        );
        return false;
    }
    seen.insert(id.to_string(), (file.path.clone(), line));
    true
}

fn id_line(file: &SourceFile) -> usize {
    file.find_line(|l| l.trim_start().trim_start_matches("- ").starts_with("id:"))
        .or_else(|| file.find_line(|l| l.contains("id =")))
        .unwrap_or(1)
}

/// Turn a file's bytes into text (without copying them), or report where the UTF-8 breaks.
fn decode(raw: RawFile, diags: &mut Vec<Diagnostic>) -> Option<SourceFile> {
    let bytes = match raw.contents {
        Ok(b) => b,
        Err(msg) => {
            diags.push(Diagnostic::error(&raw.display, 1, 1, msg));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile {
            path: raw.display,
            text,
        }),
        Err(err) => {
            let e = err.utf8_error();
            let bytes = err.into_bytes();
            let valid = &bytes[..e.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = String::from_utf8_lossy(valid);
            let (line, column) = position(&prefix, prefix.len());
            let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            let d = Diagnostic::error(
                &raw.display,
                line,
                column,
                format!("invalid UTF-8 (byte 0x{bad:02x}): content files must be UTF-8 text"),
            )
            .with_source(&prefix);
            diags.push(d);
            None
        }
    }
}

fn load_taxonomy(file: &SourceFile, content: &mut Content) {
    match yaml::parse::<TaxonomyFile>(&file.text) {
        Ok(t) => {
            for c in &t.categories {
                if !is_valid_id(&c.id) {
                    let (line, col) = file.locate(&c.id, 1).unwrap_or((1, 1));
                    content.diagnostics.push(
                        Diagnostic::error(&file.path, line, col, bad_id_message(&c.id))
                            .with_source(&file.text),
                    );
                }
            }
            content.taxonomy.merge(t);
        }
        Err(e) => content.diagnostics.push(
            Diagnostic::error(&file.path, e.line, e.column, e.message).with_source(&file.text),
        ),
    }
}

pub(crate) fn bad_id_message(id: &str) -> String {
    format!("invalid id `{id}`: ids use only lowercase letters a-z, digits 0-9 and `-`")
}

/// A YAML error at a position inside text that starts on `first_line` of the file.
fn yaml_diag(
    file: &SourceFile,
    first_line: usize,
    e: yaml::YamlError,
    known: &[&str],
) -> Diagnostic {
    Diagnostic::error(
        &file.path,
        first_line + e.line - 1,
        e.column,
        with_known_fields(e.message, known),
    )
    .with_source(&file.text)
}

/// An unknown-field message from serde with the list of `known` fields (once).
pub(crate) fn with_known_fields(mut message: String, known: &[&str]) -> String {
    if message.contains("unknown field") {
        message = format!("{message} (known fields: {})", known.join(", "));
        // serde lists "expected one of ..." already; keep one list only.
        if let Some(idx) = message.find(", expected one of") {
            let tail = message[idx..].find(" (known fields:").map(|t| idx + t);
            if let Some(t) = tail {
                message.replace_range(idx..t, "");
            }
        }
    }
    message
}

fn parse_item(
    file: SourceFile,
    layer: usize,
    strict: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let split = match frontmatter::split(&file.text) {
        Ok(s) => s,
        Err(e) => {
            diags.push(
                Diagnostic::error(&file.path, e.line(), 1, e.message()).with_source(&file.text),
            );
            return None;
        }
    };
    let mut meta: FrontMatter = match yaml::parse(split.yaml) {
        Ok(m) => m,
        Err(e) => {
            diags.push(yaml_diag(&file, split.yaml_line, e, FRONT_MATTER_FIELDS));
            return None;
        }
    };
    // The body is the tail of the text; keep its offset rather than a second copy.
    let body_start = file.text.len() - split.body.len();
    let body_line = split.body_line;
    if !strict {
        light_defaults(&mut meta, split.body);
    }
    let file = Arc::new(file);
    let before = diags.len();
    check_item(&meta, &file, strict, diags);
    if diags[before..]
        .iter()
        .any(|d| d.message.starts_with("invalid id"))
    {
        return None;
    }
    Some(Item {
        meta,
        body_start,
        body_line,
        file,
        layer,
        rendered: None,
    })
}

/// A layer's item needs only `id`, `title` and a body: every tier and OS unless it says
/// otherwise, and the body's first sentence as its summary. (No tags is already the default.)
fn light_defaults(meta: &mut FrontMatter, body: &str) {
    if meta.tier.is_empty() {
        meta.tier = vec![1, 2, 3];
    }
    if meta.os.is_empty() {
        meta.os = OS_IDS.iter().map(|s| s.to_string()).collect();
    }
    if meta.summary.trim().is_empty() {
        meta.summary = first_sentence(body);
        if meta.summary.is_empty() {
            meta.summary = meta.title.clone();
        }
    }
}

/// The first sentence of a Markdown body, as plain text on one line (at most 200 characters).
pub fn first_sentence(body: &str) -> String {
    let text = crate::markdown::plain_text(body);
    let para = text
        .split('\n')
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let end = para
        .char_indices()
        .find(|&(i, c)| {
            // A sentence ends before a capital letter ("ext. 4100" or "e.g. a" go on).
            let rest = &para[i + 1..];
            matches!(c, '.' | '!' | '?')
                && rest.starts_with(' ')
                && rest.trim_start().starts_with(|n: char| n.is_uppercase())
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(para.len());
    para[..end].chars().take(200).collect()
}

/// Position of `field:` in the front matter: its line, and the column of its value (or of
/// the field name when the value is on later lines).
fn field_pos(file: &SourceFile, field: &str) -> (usize, usize) {
    let prefix = format!("{field}:");
    let Some(line) = file
        .find_line(|l| l.starts_with(&prefix))
        .or_else(|| file.find_line(|l| l.trim_start().starts_with(&prefix)))
    else {
        return (2, 1);
    };
    let text = file.text.lines().nth(line - 1).unwrap_or("");
    let name_at = text.find(&prefix).unwrap_or(0);
    let after = &text[name_at + prefix.len()..];
    let value_at = after.len() - after.trim_start().len();
    if after.trim().is_empty() {
        (line, text[..name_at].chars().count() + 1)
    } else {
        (
            line,
            text[..name_at + prefix.len() + value_at].chars().count() + 1,
        )
    }
}

/// Position of `value` within the line of `field:` (or the lines after it).
fn value_pos(file: &SourceFile, field: &str, value: &str) -> (usize, usize) {
    let (line, col) = field_pos(file, field);
    file.locate(value, line).unwrap_or((line, col))
}

/// Position of `token` as a whole word (not inside `14` or `x4`) in the value of `field:`,
/// on its line or the list lines under it; else the field's position.
fn token_pos(file: &SourceFile, field: &str, token: &str) -> (usize, usize) {
    let (line, col) = field_pos(file, field);
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.';
    for (n, text) in file.text.lines().enumerate().skip(line - 1) {
        if n + 1 > line && !text.starts_with([' ', '\t', '-']) {
            break; // the next field
        }
        // On the field's own line, only after `field:`.
        let from = if n + 1 == line {
            text.find(&format!("{field}:"))
                .map_or(0, |i| i + field.len() + 1)
        } else {
            0
        };
        let mut at = from;
        while let Some(i) = text[at..].find(token) {
            let start = at + i;
            let end = start + token.len();
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            if !before.is_some_and(word) && !after.is_some_and(word) {
                return (n + 1, text[..start].chars().count() + 1);
            }
            at = end;
        }
    }
    (line, col)
}

/// The rules every item follows; `strict` (the built-in content) adds a `source:`, tags and
/// the fields a layer's item may leave to their defaults.
fn check_item(m: &FrontMatter, file: &SourceFile, strict: bool, diags: &mut Vec<Diagnostic>) {
    let mut err = |(line, col): (usize, usize), msg: String| {
        diags.push(Diagnostic::error(&file.path, line, col, msg).with_source(&file.text));
    };
    if !is_valid_id(&m.id) {
        err(value_pos(file, "id", &m.id), bad_id_message(&m.id));
        return;
    }
    for (field, value) in [
        ("title", &m.title),
        ("summary", &m.summary),
        ("source", &m.source),
    ] {
        if value.trim().is_empty() && (strict || field == "title") {
            err(
                field_pos(file, field),
                format!("`{field}` is empty: expected one line of text"),
            );
        }
    }
    if m.tier.is_empty() {
        err(
            field_pos(file, "tier"),
            "`tier` is empty: expected a list of support tiers such as [1, 2]".into(),
        );
    }
    for t in &m.tier {
        if !(1..=3).contains(t) {
            err(
                token_pos(file, "tier", &t.to_string()),
                format!("unknown tier {t}: expected 1, 2 or 3"),
            );
        }
    }
    if m.os.is_empty() {
        err(
            field_pos(file, "os"),
            format!(
                "`os` is empty: expected one or more of {}",
                OS_IDS.join(", ")
            ),
        );
    }
    for os in &m.os {
        if !OS_IDS.contains(&os.as_str()) {
            err(value_pos(file, "os", os), unknown_os(os));
        }
    }
    if m.tags.is_empty() && strict {
        err(
            field_pos(file, "tags"),
            "`tags` is empty: expected at least one tag".into(),
        );
    }
    for tag in &m.tags {
        if !is_valid_id(tag) {
            err(
                value_pos(file, "tags", tag),
                format!(
                    "invalid tag `{tag}`: tags use only lowercase letters a-z, digits 0-9 and `-`"
                ),
            );
        }
    }
    match (m.kind, &m.event) {
        (Kind::Event, None) => err(
            field_pos(file, "kind"),
            "`kind: event` needs an `event:` block (id, source, log, os, severity, benign)".into(),
        ),
        (k, Some(_)) if k != Kind::Event => err(
            field_pos(file, "event"),
            format!(
                "`event:` is only allowed with `kind: event` (this item is `kind: {}`)",
                k.as_str()
            ),
        ),
        _ => {}
    }
    match (m.kind, &m.tool) {
        (Kind::Tool, None) => err(
            field_pos(file, "kind"),
            "`kind: tool` needs a `tool:` block (name, obtain, os)".into(),
        ),
        (k, Some(_)) if k != Kind::Tool => err(
            field_pos(file, "tool"),
            format!(
                "`tool:` is only allowed with `kind: tool` (this item is `kind: {}`)",
                k.as_str()
            ),
        ),
        _ => {}
    }
    if let Some(ev) = &m.event {
        for os in &ev.os {
            if !OS_IDS.contains(&os.as_str()) {
                err(value_pos(file, "event", os), unknown_os(os));
            }
        }
    }
    if let Some(tool) = &m.tool {
        let (tool_line, _) = field_pos(file, "tool");
        for (os, rec) in &tool.os {
            if !OS_IDS.contains(&os.as_str()) {
                err(
                    file.locate(&format!("{os}:"), tool_line)
                        .unwrap_or((tool_line, 1)),
                    unknown_os(os),
                );
            }
            for (task, cmd) in &rec.tasks {
                if !TASKS.contains(&task.as_str()) {
                    err(
                        file.locate(&format!("{task}:"), tool_line)
                            .unwrap_or((tool_line, 1)),
                        format!(
                            "unknown task `{task}`: expected one of {}",
                            TASKS.join(", ")
                        ),
                    );
                }
                if cmd.trim().is_empty() {
                    err(
                        file.locate(&format!("{task}:"), tool_line)
                            .unwrap_or((tool_line, 1)),
                        format!("task `{task}` has an empty command line"),
                    );
                }
            }
        }
    }
}

fn unknown_os(os: &str) -> String {
    format!(
        "unknown OS id `{os}`: expected one of {}",
        OS_IDS.join(", ")
    )
}

fn parse_playbook(
    file: SourceFile,
    layer: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<PlaybookDoc> {
    let stem = file
        .path
        .rsplit(['/', '\\'])
        .next()
        .and_then(|n| n.rsplit_once('.').map(|(s, _)| s.to_string()))
        .unwrap_or_default();
    if file.path.ends_with(".lua") {
        if !is_valid_id(&stem) {
            diags.push(Diagnostic::error(
                &file.path,
                1,
                1,
                format!(
                    "{} (a Lua playbook's id is its file name)",
                    bad_id_message(&stem)
                ),
            ));
            return None;
        }
        return Some(PlaybookDoc {
            id: stem,
            file: Arc::new(file),
            layer,
            body: PlaybookBody::Lua,
            lower: None,
        });
    }
    let mut pb: Playbook = match yaml::parse(&file.text) {
        Ok(p) => p,
        Err(e) => {
            let known: &[&str] = if e.message.contains("steps[") {
                crate::playbook::STEP_FIELDS
            } else {
                PLAYBOOK_FIELDS
            };
            diags.push(yaml_diag(&file, 1, e, known));
            return None;
        }
    };
    if !is_valid_id(&pb.id) {
        let (line, col) = file.locate(&pb.id, 1).unwrap_or((1, 1));
        diags.push(
            Diagnostic::error(&file.path, line, col, bad_id_message(&pb.id))
                .with_source(&file.text),
        );
        return None;
    }
    // Step lines from the parser's marks (flow style, repeated ids); text search without.
    let marks = yaml::marks(&file.text);
    let step_marks = marks.as_ref().and_then(|m| m.get("steps"));
    match step_marks {
        Some(list) if list.items().len() == pb.steps.len() => {
            for (s, m) in pb.steps.iter_mut().zip(list.items()) {
                s.line = m.get("id").map(|id| id.line).unwrap_or(m.first_key_pos().0);
            }
        }
        _ => locate_steps(&mut pb, &file),
    }
    crate::playbook::classify_steps(&mut pb.steps, &file, step_marks, diags);
    for s in &pb.steps {
        if s.after.is_some() {
            diags.push(
                Diagnostic::error(
                    &file.path,
                    s.line,
                    1,
                    format!("step `{}`: `after` is only for steps a patch inserts (playbooks/NAME.patch.yaml)", s.id),
                )
                .with_source(&file.text),
            );
        }
    }
    Some(PlaybookDoc {
        id: pb.id.clone(),
        file: Arc::new(file),
        layer,
        body: PlaybookBody::Yaml(Box::new(pb)),
        lower: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, strict: bool) -> (Option<Item>, Vec<Diagnostic>) {
        let file = SourceFile {
            path: "kb/x.md".into(),
            text: text.into(),
        };
        let mut diags = Vec::new();
        let item = parse_item(file, 0, strict, &mut diags);
        (item, diags)
    }

    // The built-in content keeps its stricter rules: a `source:` and tags on every item.
    #[test]
    fn built_in_items_stay_strict_and_layer_items_are_light() {
        let text = "---\nid: light\ntitle: Our contacts\n---\nCall ext. 4100. Or write.\n";
        let (light, diags) = item(text, false);
        assert!(diags.is_empty(), "{diags:?}");
        let light = light.expect("loads");
        assert_eq!(light.meta.summary, "Call ext. 4100.");
        assert_eq!(light.meta.tier, vec![1, 2, 3]);
        assert_eq!(light.meta.os.len(), OS_IDS.len());
        let (_, diags) = item(text, true);
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.contains(&"`source` is empty: expected one line of text"),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"`tags` is empty: expected at least one tag"),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.starts_with("`os` is empty")),
            "{messages:?}"
        );
    }

    #[test]
    fn first_sentence_is_plain_text() {
        assert_eq!(
            first_sentence("# Head\n\nSee **this** [page](kb:x). More."),
            "Head"
        );
        assert_eq!(first_sentence("Plain *words*! Then."), "Plain words!");
        assert_eq!(first_sentence(""), "");
    }
}
