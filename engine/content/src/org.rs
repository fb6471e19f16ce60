//! The organisation folder: `deskbook.yaml` (name, rollout, layers in order, database,
//! variables), how it is found, and the layer list it gives.
//!
//! ```yaml
//! name: Woodgrove Bank
//! rollout: phase-1
//! layers: [builtin, common, phase-1]     # folders relative to this file, lowest first
//! vars:
//!   escalation_contact: {value: "Network operations, ext. 4100"}
//!   helpdesk_test_hosts: {value: [hd-test-01, hd-test-02], audience: restricted}
//! ```
//!
//! A `layers` entry that names another organisation's `deskbook.yaml` includes that file's
//! layers and variables at that point (a shared base for several rollouts); a chain of such
//! files that comes back to itself is a cycle. The built-in content is a layer like the
//! others: a file that leaves `builtin` out must say so with `builtin: false`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::layer::LayerSpec;
use crate::model::Audience;
use crate::source::SourceFile;
use crate::vars::{Var, VarValue, Vars};
use crate::vocab::is_valid_id;
use crate::yaml::{self, Seg as Step};

/// The file name of an organisation folder's configuration.
pub const CONFIG_FILE: &str = "deskbook.yaml";

/// The fields of `deskbook.yaml`, for the unknown-field message.
pub const CONFIG_FIELDS: &[&str] = &[
    "name", "rollout", "version", "layers", "builtin", "db", "vars",
];

/// The fields of one variable.
pub const VAR_FIELDS: &[&str] = &["value", "audience", "description"];

/// What the content of a run is made of: layers in order and the organisation around them.
#[derive(Debug, Clone, Default)]
pub struct Org {
    /// The `deskbook.yaml` this came from (`None`: no organisation folder).
    pub config: Option<Arc<SourceFile>>,
    pub name: Option<String>,
    /// The rollout phase, recorded with every call.
    pub rollout: Option<String>,
    /// The content version the organisation publishes (recorded with every call).
    pub version: Option<String>,
    /// `db:` (a path or a PostgreSQL URL).
    pub db: Option<String>,
    /// Layers, lowest first, with the name each is known by.
    pub layers: Vec<(String, LayerSpec)>,
    /// Where `builtin` is listed (the file, line and column), for the warning when it comes
    /// after an organisation's own layer.
    pub builtin_at: Option<(Arc<SourceFile>, usize, usize)>,
    pub vars: Vars,
}

impl Org {
    /// No organisation folder: the given layers, named by their paths.
    pub fn plain(specs: &[LayerSpec]) -> Org {
        Org {
            layers: specs.iter().map(|s| (s.name(), s.clone())).collect(),
            ..Org::default()
        }
    }

    /// Add a `--content` folder above the configured layers.
    pub fn push_dir(&mut self, dir: PathBuf) {
        let spec = LayerSpec::Dir(dir);
        self.layers.push((spec.name(), spec));
    }

    pub fn specs(&self) -> Vec<LayerSpec> {
        self.layers.iter().map(|(_, s)| s.clone()).collect()
    }

    /// Read `path` (a `deskbook.yaml`) and every file it includes. Every problem is returned
    /// with its `file:line:column`.
    pub fn read(path: &Path) -> Result<Org, Vec<Diagnostic>> {
        let mut org = Org::default();
        let mut chain = Vec::new();
        let mut diags = Vec::new();
        let mut seen_dirs: Vec<(PathBuf, String, usize, usize)> = Vec::new();
        read_into(path, &mut org, &mut chain, &mut seen_dirs, &mut diags, true);
        if diags.is_empty() {
            Ok(org)
        } else {
            Err(diags)
        }
    }
}

/// Where the configuration comes from: `--config FILE`, else `DESKBOOK_CONFIG`, else the first
/// `deskbook.yaml` in `cwd` or a folder above it (as git finds `.git`).
pub fn find(explicit: Option<&Path>, env: Option<&std::ffi::OsStr>, cwd: &Path) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(e) = env.filter(|e| !e.is_empty()) {
        return Some(PathBuf::from(e));
    }
    cwd.ancestors()
        .map(|d| d.join(CONFIG_FILE))
        .find(|p| p.is_file())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    #[serde(default)]
    rollout: Option<String>,
    #[serde(default)]
    version: Option<String>,
    layers: Vec<String>,
    #[serde(default)]
    builtin: Option<bool>,
    #[serde(default)]
    db: Option<String>,
    #[serde(default)]
    vars: IndexMap<String, RawVar>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVar {
    value: serde_json::Value,
    #[serde(default)]
    audience: Audience,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

fn read_into(
    path: &Path,
    org: &mut Org,
    chain: &mut Vec<PathBuf>,
    seen_dirs: &mut Vec<(PathBuf, String, usize, usize)>,
    diags: &mut Vec<Diagnostic>,
    top: bool,
) {
    let shown = path.display().to_string();
    let text = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            diags.push(Diagnostic::error(
                &shown,
                1,
                1,
                format!("is a folder: expected the organisation's `{CONFIG_FILE}` file"),
            ));
            return;
        }
        Ok(m) if m.len() > crate::layer::MAX_FILE_BYTES => {
            diags.push(Diagnostic::error(
                &shown,
                1,
                1,
                "file is too large for a configuration",
            ));
            return;
        }
        // A FIFO or a device would block or never end: only a regular file is read.
        Ok(_) => match crate::file::read_bounded(path, crate::layer::MAX_FILE_BYTES) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    diags.push(Diagnostic::error(
                        &shown,
                        1,
                        1,
                        "invalid UTF-8: expected YAML text",
                    ));
                    return;
                }
            },
            Err(e) => {
                diags.push(Diagnostic::error(&shown, 1, 1, e.to_string()));
                return;
            }
        },
        Err(e) => {
            diags.push(Diagnostic::error(
                &shown,
                1,
                1,
                format!("cannot read the organisation configuration: {e}"),
            ));
            return;
        }
    };
    let file = Arc::new(SourceFile {
        path: shown.clone(),
        text,
    });
    let err = |line: usize, column: usize, msg: String| {
        Diagnostic::error(&file.path, line, column, msg).with_source(&file.text)
    };
    let raw: RawConfig = match yaml::parse(&file.text) {
        Ok(r) => r,
        Err(e) => {
            let known = if e.message.starts_with("vars.") {
                VAR_FIELDS
            } else {
                CONFIG_FIELDS
            };
            diags.push(err(
                e.line,
                e.column,
                crate::loader::with_known_fields(e.message, known),
            ));
            return;
        }
    };
    let marks = yaml::marks(&file.text);
    let at = |path: &[Step<'_>]| -> (usize, usize) { yaml::pos_at(marks.as_ref(), path) };
    if top {
        org.config = Some(file.clone());
        org.name = Some(raw.name.clone());
        org.rollout = raw.rollout.clone();
        org.version = raw.version.clone();
        org.db = raw.db.clone();
    }
    if raw.name.trim().is_empty() {
        let (l, c) = at(&[Step::Key("name")]);
        diags.push(err(
            l,
            c,
            "`name` is empty: expected the organisation's name".into(),
        ));
    }
    if let Some(r) = &raw.rollout {
        if !is_valid_id(r) {
            let (l, c) = at(&[Step::Key("rollout")]);
            diags.push(err(
                l,
                c,
                format!("invalid rollout `{r}`: a rollout name uses only lowercase letters a-z, digits 0-9 and `-` (phase-1)"),
            ));
        }
    }
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    chain.push(canonical);
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    // An included file that could not be read may be the one that lists `builtin`: with one,
    // whether `builtin` is left out is not known.
    let mut include_failed = false;
    for (i, entry) in raw.layers.iter().enumerate() {
        let (l, c) = at(&[Step::Key("layers"), Step::Index(i)]);
        if entry == "builtin" {
            if org.layers.iter().any(|(_, s)| *s == LayerSpec::BuiltIn) {
                diags.push(err(l, c, "`builtin` is listed twice".into()));
            } else {
                org.layers.push(("builtin".into(), LayerSpec::BuiltIn));
                org.builtin_at = Some((file.clone(), l, c));
            }
            continue;
        }
        if entry.trim().is_empty() {
            diags.push(err(
                l,
                c,
                "empty layer name: expected a folder relative to this file".into(),
            ));
            continue;
        }
        let target = base.join(entry);
        if entry.ends_with(".yaml") || entry.ends_with(".yml") {
            let canon = target.canonicalize().unwrap_or_else(|_| target.clone());
            if let Some(pos) = chain.iter().position(|c| *c == canon) {
                let mut names: Vec<String> = chain[pos..]
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                names.push(canon.display().to_string());
                diags.push(err(l, c, format!("layer cycle: {}", names.join(" -> "))));
                include_failed = true;
                continue;
            }
            if !target.is_file() {
                diags.push(err(
                    l,
                    c,
                    format!(
                        "layer `{entry}` does not exist: expected an organisation file at {}",
                        target.display()
                    ),
                ));
                include_failed = true;
                continue;
            }
            let before = diags.len();
            read_into(&target, org, chain, seen_dirs, diags, false);
            include_failed |= diags.len() > before;
            continue;
        }
        if !target.is_dir() {
            diags.push(err(
                l,
                c,
                format!(
                    "layer folder `{entry}` does not exist: expected a folder with kb/ or playbooks/ at {}",
                    target.display()
                ),
            ));
            continue;
        }
        let canon = target.canonicalize().unwrap_or_else(|_| target.clone());
        if let Some((_, other, ol, _)) = seen_dirs.iter().find(|(p, ..)| *p == canon) {
            diags.push(err(
                l,
                c,
                format!("layer `{entry}` is listed twice (also at {other}:{ol}): a layer folder is used once"),
            ));
            continue;
        }
        seen_dirs.push((canon, file.path.clone(), l, c));
        org.layers.push((entry.clone(), LayerSpec::Dir(target)));
    }
    // `builtin` may come from an included file; leaving it out is said explicitly.
    let has_builtin = org.layers.iter().any(|(_, s)| *s == LayerSpec::BuiltIn);
    match (has_builtin, raw.builtin) {
        (false, None) if top && !include_failed => {
            let (l, c) = at(&[Step::Key("layers")]);
            diags.push(err(
                l,
                c,
                "`layers` leaves out `builtin`: list it (lowest first) to build on the built-in content, or say `builtin: false` to leave it out".into(),
            ));
        }
        (true, Some(false)) => {
            let (l, c) = at(&[Step::Key("builtin")]);
            diags.push(err(
                l,
                c,
                "`builtin: false` but the layers include `builtin`".into(),
            ));
        }
        _ => {}
    }
    for (name, var) in &raw.vars {
        let (l, c) = at(&[Step::Key("vars"), Step::KeyName(name)]);
        if !is_var_name(name) {
            diags.push(err(
                l,
                c,
                format!("invalid variable name `{name}`: use lowercase letters, digits and `_`, starting with a letter"),
            ));
            continue;
        }
        let (vl, vc) = at(&[Step::Key("vars"), Step::Key(name), Step::Key("value")]);
        let value = match VarValue::from_json(&var.value) {
            Some(v) => v,
            None => {
                diags.push(err(
                    vl,
                    vc,
                    format!("variable `{name}`: expected a value that is text or a list of texts"),
                ));
                continue;
            }
        };
        org.vars.insert(
            name.clone(),
            Var {
                value,
                audience: var.audience,
                file: file.path.clone(),
                line: l,
                column: c,
            },
        );
    }
    chain.pop();
}

/// Variable names: what a template can write after `org.`.
pub fn is_var_name(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some(f) if f.is_ascii_lowercase())
        && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_upward_like_git() {
        let dir = tempfile::tempdir().expect("tmp");
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).expect("mkdir");
        assert_eq!(find(None, None, &deep), None);
        std::fs::write(dir.path().join("a").join(CONFIG_FILE), "name: x\n").expect("write");
        assert_eq!(
            find(None, None, &deep),
            Some(dir.path().join("a").join(CONFIG_FILE))
        );
        let env = std::ffi::OsString::from("/elsewhere/deskbook.yaml");
        assert_eq!(
            find(None, Some(&env), &deep),
            Some(PathBuf::from("/elsewhere/deskbook.yaml"))
        );
        assert_eq!(
            find(Some(Path::new("x.yaml")), Some(&env), &deep),
            Some(PathBuf::from("x.yaml"))
        );
    }
}
