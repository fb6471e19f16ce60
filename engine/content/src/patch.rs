//! Playbook patches (`playbooks/NAME.patch.yaml`): a layer changes a lower layer's YAML
//! playbook by step id instead of copying it.
//!
//! ```yaml
//! patch: tier1-triage            # the playbook to change
//! base: 3f0c9a2b7d1e4c55         # optional: the lower playbook's fingerprint when written
//! start: scope                   # optional: a new start step
//! replace: [{id: basic-network, do: "...", choices: {...}}]   # whole steps, by id
//! insert: [{id: check-vpn, after: scope, ask: "...", choices: {...}}]
//! remove: [caller-check]
//! choices: {scope: {next: check-vpn}, test-hosts: {"some of them": target-side}}
//! ```
//!
//! Applying checks what only a patch can get wrong (a step it names that is not there, an
//! inserted id that is, a removed step still led to, two patches of one layer touching the
//! same step), each at the patch file's own line and column from the YAML marks. The result
//! is then an ordinary playbook that `deskbook check` validates like any other; its steps
//! that the patch wrote carry their lines in the patch file, which is the patched
//! playbook's file.

use std::collections::BTreeSet;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::playbook::{Next, Playbook, PlaybookBody, PlaybookDoc, Step};
use crate::source::SourceFile;
use crate::yaml::{self, Mark, Seg as PathStep};

/// The fields of a patch file, for the unknown-field message.
pub const PATCH_FIELDS: &[&str] = &[
    "patch", "base", "title", "summary", "start", "replace", "insert", "remove", "choices",
];

/// A patch file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchFile {
    pub patch: String,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub replace: Vec<Step>,
    #[serde(default)]
    pub insert: Vec<Step>,
    #[serde(default)]
    pub remove: Vec<String>,
    #[serde(default)]
    pub choices: IndexMap<String, IndexMap<String, String>>,
}

/// A parsed patch and the file it came from.
#[derive(Debug, Clone)]
pub struct Patch {
    pub file: Arc<SourceFile>,
    pub spec: PatchFile,
    marks: Option<Mark>,
}

/// Whether a layer file is a patch (`playbooks/NAME.patch.yaml`).
pub fn is_patch_file(rel: &str) -> bool {
    rel.starts_with("playbooks/")
        && !rel.starts_with("playbooks/tests/")
        && (rel.ends_with(".patch.yaml") || rel.ends_with(".patch.yml"))
}

/// The playbook a patch file is about, even when it does not parse as a patch: its `patch:`
/// when that much reads, else its file name (`playbooks/NAME.patch.yaml`).
pub fn target_of(file: &SourceFile) -> String {
    if let Some(id) = yaml::parse_value(&file.text)
        .ok()
        .and_then(|v| v.get("patch").and_then(|p| p.as_str()).map(str::to_string))
    {
        return id;
    }
    let name = file.path.rsplit(['/', '\\']).next().unwrap_or("");
    name.split_once(".patch.")
        .map_or(name, |(stem, _)| stem)
        .to_string()
}

/// Parse a patch file; a YAML or shape problem is a diagnostic at its position.
pub fn parse(file: SourceFile) -> Result<Patch, Diagnostic> {
    let spec: PatchFile = yaml::parse(&file.text).map_err(|e| {
        let step_fields: Vec<&str> = crate::playbook::STEP_FIELDS
            .iter()
            .copied()
            .chain(e.message.contains("insert[").then_some("after"))
            .collect();
        let known: &[&str] = if e.message.contains("replace[") || e.message.contains("insert[") {
            &step_fields
        } else {
            PATCH_FIELDS
        };
        Diagnostic::error(
            &file.path,
            e.line,
            e.column,
            crate::loader::with_known_fields(e.message, known),
        )
        .with_source(&file.text)
    })?;
    let marks = yaml::marks(&file.text);
    Ok(Patch {
        file: Arc::new(file),
        spec,
        marks,
    })
}

/// Which steps a patch touches (for conflicts between two patches of one layer).
fn touched(p: &PatchFile) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    out.extend(p.replace.iter().map(|s| s.id.clone()));
    out.extend(p.insert.iter().map(|s| s.id.clone()));
    out.extend(p.remove.iter().cloned());
    out.extend(p.choices.keys().cloned());
    if p.start.is_some() {
        out.insert(" start".into());
    }
    out
}

/// FNV-1a over the text of a playbook and every version below it: the fingerprint a patch's
/// `base:` is compared with, stable across versions and platforms.
pub fn base_fingerprint(doc: &PlaybookDoc) -> String {
    let mut hash = crate::source::FNV_START;
    for text in doc.texts() {
        crate::source::fnv1a(&mut hash, text.as_bytes());
        crate::source::fnv1a(&mut hash, &[0]);
    }
    format!("{hash:016x}")
}

impl Patch {
    fn at(&self, path: &[PathStep<'_>]) -> (usize, usize) {
        yaml::pos_at(self.marks.as_ref(), path)
    }

    /// Where the patch names its playbook (`patch:`).
    pub fn pos_of_target(&self) -> (usize, usize) {
        self.at(&[PathStep::Key("patch")])
    }

    fn err(&self, pos: (usize, usize), msg: String) -> Diagnostic {
        Diagnostic::error(&self.file.path, pos.0, pos.1, msg).with_source(&self.file.text)
    }

    /// The steps this patch touches that `other` (of the same layer) touches too.
    pub fn conflicts_with(&self, other: &Patch) -> Vec<String> {
        touched(&self.spec)
            .intersection(&touched(&other.spec))
            .cloned()
            .collect()
    }

    /// Apply to `lower` (the effective playbook below this layer). Problems are returned,
    /// each at this file's position; the patched playbook only when there are none.
    /// Warnings (a stale `base:`) come with the patched playbook.
    pub fn apply(
        &self,
        lower: &PlaybookDoc,
        layer: usize,
    ) -> Result<(PlaybookDoc, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let id = &self.spec.patch;
        let Some(base) = lower.yaml() else {
            return Err(vec![self.err(
                self.at(&[PathStep::Key("patch")]),
                format!("playbook `{id}` is a Lua playbook: only YAML playbooks can be patched (replace it with a file of the same name instead)"),
            )]);
        };
        let mut pb: Playbook = base.clone();
        // Steps the patch leaves alone point at the `patch:` line of this file (the patched
        // playbook's file); the lower file keeps their own lines.
        let header_line = self.at(&[PathStep::Key("patch")]).0;
        for s in &mut pb.steps {
            s.line = header_line;
        }
        let has = |pb: &Playbook, step: &str| pb.steps.iter().any(|s| s.id == step);
        // Each written step's kind, decided here as for any playbook file.
        let mut replace = self.spec.replace.clone();
        let mut insert = self.spec.insert.clone();
        let marks = self.marks.as_ref();
        crate::playbook::classify_steps(
            &mut replace,
            &self.file,
            marks.and_then(|m| m.get("replace")),
            &mut diags,
        );
        crate::playbook::classify_steps(
            &mut insert,
            &self.file,
            marks.and_then(|m| m.get("insert")),
            &mut diags,
        );
        for (i, step) in replace.iter().enumerate() {
            let pos = self.at(&[PathStep::Key("replace"), PathStep::Index(i)]);
            match pb.steps.iter_mut().find(|s| s.id == step.id) {
                Some(slot) => {
                    let mut s = step.clone();
                    s.line = pos.0;
                    *slot = s;
                }
                None => diags.push(self.err(
                    self.at(&[PathStep::Key("replace"), PathStep::Index(i), PathStep::Key("id")]),
                    format!("`replace` names step `{}`, which playbook `{id}` does not have (steps: {})", step.id, step_list(&pb)),
                )),
            }
        }
        for (i, step) in insert.iter().enumerate() {
            let pos = self.at(&[PathStep::Key("insert"), PathStep::Index(i)]);
            if has(&pb, &step.id) {
                diags.push(self.err(
                    self.at(&[PathStep::Key("insert"), PathStep::Index(i), PathStep::Key("id")]),
                    format!("`insert` adds step `{}`, which playbook `{id}` already has (use `replace` to change it)", step.id),
                ));
                continue;
            }
            let mut s = step.clone();
            s.line = pos.0;
            let at = match &step.after {
                Some(after) => match pb.steps.iter().position(|x| &x.id == after) {
                    Some(p) => p + 1,
                    None => {
                        diags.push(self.err(
                            self.at(&[
                                PathStep::Key("insert"),
                                PathStep::Index(i),
                                PathStep::Key("after"),
                            ]),
                            format!("`after: {after}` names a step playbook `{id}` does not have"),
                        ));
                        continue;
                    }
                },
                None => pb.steps.len(),
            };
            s.after = None;
            pb.steps.insert(at, s);
        }
        for (i, gone) in self.spec.remove.iter().enumerate() {
            let pos = self.at(&[PathStep::Key("remove"), PathStep::Index(i)]);
            match pb.steps.iter().position(|s| &s.id == gone) {
                Some(p) => {
                    pb.steps.remove(p);
                }
                None => diags.push(self.err(
                    pos,
                    format!("`remove` names step `{gone}`, which playbook `{id}` does not have"),
                )),
            }
        }
        for (step_id, changes) in &self.spec.choices {
            let Some(step) = pb.steps.iter_mut().find(|s| &s.id == step_id) else {
                diags.push(self.err(
                    self.at(&[PathStep::Key("choices"), PathStep::KeyName(step_id)]),
                    format!(
                        "`choices` names step `{step_id}`, which playbook `{id}` does not have"
                    ),
                ));
                continue;
            };
            step.line = self
                .at(&[PathStep::Key("choices"), PathStep::KeyName(step_id)])
                .0;
            for (answer, target) in changes {
                let pos = self.at(&[
                    PathStep::Key("choices"),
                    PathStep::Key(step_id),
                    PathStep::Key(answer),
                ]);
                if answer == "next" && step.choices.is_none() {
                    step.next = Some(Next::One(target.clone()));
                } else if let Some(choices) = step.choices.as_mut() {
                    choices.insert(answer.clone(), target.clone());
                } else if let Some(on) = step.on.as_mut() {
                    on.insert(answer.clone(), target.clone());
                } else {
                    diags.push(self.err(
                        pos,
                        format!("step `{step_id}` has no choices to change (use `next` for a step with one successor, or `replace` the step)"),
                    ));
                }
            }
        }
        if let Some(start) = &self.spec.start {
            pb.start = start.clone();
        }
        if let Some(t) = &self.spec.title {
            pb.title = t.clone();
        }
        if let Some(s) = &self.spec.summary {
            pb.summary = s.clone();
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        // A removed step no remaining step may lead to; nor may `start`.
        for (i, gone) in self.spec.remove.iter().enumerate() {
            let pos = self.at(&[PathStep::Key("remove"), PathStep::Index(i)]);
            let from: Vec<&str> = pb
                .steps
                .iter()
                .filter(|s| successors(s).contains(&gone.as_str()))
                .map(|s| s.id.as_str())
                .collect();
            if !from.is_empty() {
                diags.push(self.err(
                    pos,
                    format!("step `{gone}` is removed but {} still lead{} to it: change {} in `choices` or `replace` too", quote(&from), if from.len() == 1 { "s" } else { "" }, if from.len() == 1 { "it" } else { "them" }),
                ));
            }
            if &pb.start == gone {
                diags.push(self.err(
                    pos,
                    format!("step `{gone}` is removed but it is the start step: set a new `start`"),
                ));
            }
        }
        // Every step a patched step leads to must exist.
        let ids: BTreeSet<&str> = pb.steps.iter().map(|s| s.id.as_str()).collect();
        for s in &pb.steps {
            if s.line == header_line {
                continue; // untouched: checked like any playbook
            }
            for next in successors(s) {
                if !ids.contains(next) {
                    diags.push(self.err(
                        (s.line, self.step_column(s)),
                        format!("step `{}` leads to `{next}`, which the patched playbook `{id}` does not have", s.id),
                    ));
                }
            }
        }
        if !ids.contains(pb.start.as_str()) {
            diags.push(self.err(
                self.at(&[PathStep::Key("start")]),
                format!(
                    "`start: {}` names a step the patched playbook `{id}` does not have",
                    pb.start
                ),
            ));
        }
        if let Some(base_fp) = &self.spec.base {
            let now = base_fingerprint(lower);
            if *base_fp != now {
                diags.push(
                    Diagnostic::warning(
                        &self.file.path,
                        self.at(&[PathStep::Key("base")]).0,
                        self.at(&[PathStep::Key("base")]).1,
                        format!("stale patch: playbook `{id}` below this layer changed since the patch was written (base {base_fp}, now {now}); review it (`deskbook layers diff`) and set `base: {now}`"),
                    )
                    .with_source(&self.file.text),
                );
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        let doc = PlaybookDoc {
            id: id.clone(),
            file: self.file.clone(),
            layer,
            body: PlaybookBody::Yaml(Box::new(pb)),
            lower: Some(Arc::new(lower.clone())),
        };
        Ok((doc, diags))
    }

    fn step_column(&self, s: &Step) -> usize {
        self.file
            .text
            .lines()
            .nth(s.line.saturating_sub(1))
            .map(|l| l.len() - l.trim_start().len() + 1)
            .unwrap_or(1)
    }
}

/// The step ids a step may lead to.
pub fn successors(s: &Step) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    if let Some(c) = &s.choices {
        out.extend(c.values().map(String::as_str));
    }
    if let Some(on) = &s.on {
        out.extend(on.values().map(String::as_str));
    }
    if let Some(n) = &s.next {
        out.extend(n.ids());
    }
    out
}

fn step_list(pb: &Playbook) -> String {
    let ids: Vec<&str> = pb.steps.iter().map(|s| s.id.as_str()).collect();
    let mut shown = ids.iter().take(12).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > 12 {
        shown.push_str(", ...");
    }
    shown
}

fn quote(ids: &[&str]) -> String {
    let q: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    format!(
        "step{} {}",
        if ids.len() == 1 { "" } else { "s" },
        q.join(", ")
    )
}

/// What changed between two versions of a playbook, step by step.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StepDiff {
    /// `(before, after)` when the start step changed.
    pub start: Option<(String, String)>,
    /// `(before, after)` when the title changed, each cut to one line.
    pub title: Option<(String, String)>,
    /// `(before, after)` when the summary changed, each cut to one line.
    pub summary: Option<(String, String)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Steps in both whose content differs, with how their answers lead now.
    pub changed: Vec<ChangedStep>,
}

/// A step present in both versions with a different body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedStep {
    pub id: String,
    /// One line per answer whose target changed: `"no": a -> b`, `+"maybe" -> c`, `-"x"`.
    pub choices: Vec<String>,
    /// The other fields whose value changed (text, probe, command, help, ...), in the
    /// order a step lists them.
    pub fields: Vec<ChangedField>,
}

/// One field of a step that a new version changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedField {
    /// The field as a playbook writes it (`do`, `ask`, `probe`, `help`, ...).
    pub field: String,
    /// Its new value on one line (text as written, anything else as compact JSON), cut to
    /// [`SHOWN_CHARS`] characters; `None` when the new version leaves the field out.
    pub now: Option<String>,
    /// Whether the new value is text (shown quoted) rather than a list or a mapping.
    #[serde(skip)]
    pub text: bool,
}

/// The most characters of a changed value `layers diff` shows.
pub const SHOWN_CHARS: usize = 100;

/// `text` on one line (every run of white space one space), cut to `SHOWN_CHARS`.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= SHOWN_CHARS {
        return joined;
    }
    let mut cut: String = joined.chars().take(SHOWN_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A value as a playbook would write it: the fields it leaves out (null, empty) left out.
fn written(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .filter(|(_, x)| !is_unwritten(x))
                .map(|(k, x)| (k.clone(), written(x)))
                .collect(),
        ),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(written).collect()),
        other => other.clone(),
    }
}

fn is_unwritten(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Object(m) => m.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The fields other than the answers (`choices`, `on`, `next`, shown as routes) whose
/// values differ between two versions of a step.
fn changed_fields(before: &Step, after: &Step) -> Vec<ChangedField> {
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let null = serde_json::Value::Null;
    crate::playbook::STEP_FIELDS
        .iter()
        .filter(|f| !matches!(**f, "id" | "choices" | "next" | "on"))
        .filter_map(|f| {
            let (a, b) = (old.get(*f).unwrap_or(&null), new.get(*f).unwrap_or(&null));
            if a == b {
                return None;
            }
            let now = match b {
                serde_json::Value::Null => None,
                serde_json::Value::Array(v) if v.is_empty() => None,
                serde_json::Value::String(t) => Some(one_line(t)),
                // A list of ids (`help`, `collect`) as a playbook writes it.
                serde_json::Value::Array(v) if v.iter().all(serde_json::Value::is_string) => {
                    let ids: Vec<&str> = v.iter().filter_map(serde_json::Value::as_str).collect();
                    Some(one_line(&format!("[{}]", ids.join(", "))))
                }
                other => Some(one_line(&written(other).to_string())),
            };
            Some(ChangedField {
                field: f.to_string(),
                now,
                text: b.is_string(),
            })
        })
        .collect()
}

impl StepDiff {
    pub fn is_empty(&self) -> bool {
        self.start.is_none()
            && self.title.is_none()
            && self.summary.is_none()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

/// The answers of a step and where each leads (`next` under the name `next`).
fn routes(s: &Step) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for (k, v) in s.choices.iter().flatten().chain(s.on.iter().flatten()) {
        out.insert(k.clone(), v.clone());
    }
    if let Some(n) = &s.next {
        out.insert("next".into(), n.ids().join(", "));
    }
    out
}

/// Compare two versions of a YAML playbook.
pub fn diff(lower: &Playbook, upper: &Playbook) -> StepDiff {
    let mut d = StepDiff::default();
    if lower.start != upper.start {
        d.start = Some((lower.start.clone(), upper.start.clone()));
    }
    if lower.title != upper.title {
        d.title = Some((one_line(&lower.title), one_line(&upper.title)));
    }
    if lower.summary != upper.summary {
        d.summary = Some((one_line(&lower.summary), one_line(&upper.summary)));
    }
    let find = |pb: &'_ Playbook, id: &str| pb.steps.iter().position(|s| s.id == id);
    for s in &upper.steps {
        match find(lower, &s.id) {
            None => d.added.push(s.id.clone()),
            Some(i) => {
                let before = &lower.steps[i];
                // `line` is not serialized: equal bodies compare equal wherever they are.
                if serde_json::to_value(before).ok() != serde_json::to_value(s).ok() {
                    let (old, new) = (routes(before), routes(s));
                    let mut choices = Vec::new();
                    for (answer, target) in &new {
                        match old.get(answer) {
                            Some(t) if t == target => {}
                            Some(t) => choices.push(format!("{answer:?}: {t} -> {target}")),
                            None => choices.push(format!("+{answer:?} -> {target}")),
                        }
                    }
                    for answer in old.keys().filter(|a| !new.contains_key(*a)) {
                        choices.push(format!("-{answer:?}"));
                    }
                    d.changed.push(ChangedStep {
                        id: s.id.clone(),
                        choices,
                        fields: changed_fields(before, s),
                    });
                }
            }
        }
    }
    d.removed = lower
        .steps
        .iter()
        .filter(|s| find(upper, &s.id).is_none())
        .map(|s| s.id.clone())
        .collect();
    d
}
