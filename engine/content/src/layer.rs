//! Layers: the built-in content embedded in the binary, and folders on disk shaped like it.
//!
//! A folder layer is read through [`crate::file::read_bounded`]: regular files only, size
//! checked first; a symbolic link is followed only while it stays inside the layer folder.

use include_dir::{include_dir, Dir};

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};

static BUILTIN_KB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../kb");
static BUILTIN_PLAYBOOKS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../playbooks");

/// Largest file a layer may hold, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Where a layer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerSpec {
    BuiltIn,
    Dir(PathBuf),
}

impl LayerSpec {
    pub fn name(&self) -> String {
        match self {
            LayerSpec::BuiltIn => "built-in".to_string(),
            LayerSpec::Dir(p) => p.display().to_string(),
        }
    }
}

/// A file of a layer, as raw bytes (decoding is the loader's job, so it can report bad UTF-8).
#[derive(Debug)]
pub struct RawFile {
    /// Path relative to the layer root, with `/` separators (`kb/events/event-4268.md`).
    pub rel: String,
    /// Path shown to people: relative for the built-in layer, the disk path otherwise.
    pub display: String,
    pub contents: Result<Vec<u8>, String>,
}

/// What a layer folder may hold, as said in messages.
const LAYER_HOLDS: &str = "a layer is a folder with kb/, playbooks/ or site/";

/// The folders a layer may hold: its items, its playbooks, its site theme.
const LAYER_FOLDERS: [&str; 3] = ["kb", "playbooks", "site"];

/// Problems with the shape of a layer folder, before its files are read. `Err`: the layer
/// cannot be read at all (no such folder, or a file). `Ok`: what else is wrong with it
/// (`kb` that is a file: an error; none of the folders a layer holds: a warning).
pub fn shape(spec: &LayerSpec) -> Result<Vec<Diagnostic>, Diagnostic> {
    let LayerSpec::Dir(root) = spec else {
        return Ok(Vec::new());
    };
    let shown = root.display().to_string();
    match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Diagnostic::error(
                &shown,
                1,
                1,
                format!("no such folder ({LAYER_HOLDS})"),
            ));
        }
        Err(e) => {
            return Err(Diagnostic::error(
                &shown,
                1,
                1,
                format!("cannot be read: {e}"),
            ));
        }
        Ok(m) if !m.is_dir() => {
            return Err(Diagnostic::error(
                &shown,
                1,
                1,
                format!("not a folder ({LAYER_HOLDS})"),
            ));
        }
        Ok(_) => {}
    }
    let mut out = Vec::new();
    let mut found = false;
    for sub in LAYER_FOLDERS {
        let path = root.join(sub);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => found = true,
            Ok(_) => {
                found = true;
                out.push(Diagnostic::error(
                    &path.display().to_string(),
                    1,
                    1,
                    format!("`{sub}` is a file, not a folder: nothing is loaded from it ({LAYER_HOLDS})"),
                ));
            }
            Err(_) => {}
        }
    }
    if !found {
        let mut message =
            format!("nothing to load: {LAYER_HOLDS}, and this one holds none of them");
        let holds = |pred: &dyn Fn(&str) -> bool| {
            std::fs::read_dir(root).ok().is_some_and(|entries| {
                entries
                    .flatten()
                    .any(|e| pred(&e.file_name().to_string_lossy()))
            })
        };
        if holds(&|n| n == "deskbook.yaml") {
            message.push_str("; it holds a deskbook.yaml: give an organisation with --config");
        } else if holds(&|n| n.ends_with(".md") || n.ends_with(".yaml") || n.ends_with(".lua")) {
            let parent = root
                .parent()
                .map(|p| p.display().to_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ".".to_string());
            let parent = if parent.ends_with('/') {
                parent
            } else {
                format!("{parent}/")
            };
            message.push_str(&format!(
                "; it holds content files directly: did you mean its parent folder, {parent}?"
            ));
        }
        out.push(Diagnostic::warning(&shown, 1, 1, message));
    }
    Ok(out)
}

/// Every file of the layer under `kb/` and `playbooks/`, sorted by relative path.
pub fn files(spec: &LayerSpec) -> Result<Vec<RawFile>, String> {
    let mut out = Vec::new();
    match spec {
        LayerSpec::BuiltIn => {
            for (prefix, dir) in [("kb", &BUILTIN_KB), ("playbooks", &BUILTIN_PLAYBOOKS)] {
                collect_embedded(prefix, dir, &mut out);
            }
        }
        LayerSpec::Dir(root) => {
            if !root.is_dir() {
                return Err(format!("not a folder ({LAYER_HOLDS})"));
            }
            for sub in ["kb", "playbooks"] {
                let dir = root.join(sub);
                if dir.is_dir() {
                    collect_disk(root, &dir, &mut out);
                }
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The version of the built-in content: a short hash of every embedded file (name and
/// bytes), so `deskbook --version` and an evidence packet say which content they carry.
pub fn builtin_version() -> String {
    // FNV-1a, 64 bits: stable across platforms and builds, no dependency.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut put = |bytes: &[u8]| {
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut files = Vec::new();
    for (prefix, dir) in [("kb", &BUILTIN_KB), ("playbooks", &BUILTIN_PLAYBOOKS)] {
        collect_embedded(prefix, dir, &mut files);
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    for f in &files {
        put(f.rel.as_bytes());
        put(f.contents.as_deref().unwrap_or_default());
    }
    format!("{h:016x}")[..12].to_string()
}

/// A file of a layer as its metadata says, without reading it: what a cache key needs to see
/// that something changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub rel: String,
    pub len: u64,
    /// Modification time in nanoseconds since the epoch (0 for the built-in layer, whose
    /// files change only with the program).
    pub modified_ns: u128,
}

/// Every file of the layer under `kb/` and `playbooks/` with its size and modification time,
/// sorted by relative path: the same files [`files`] reads, from metadata only.
pub fn stats(spec: &LayerSpec) -> Result<Vec<FileStat>, String> {
    let mut out = Vec::new();
    match spec {
        LayerSpec::BuiltIn => {
            for (prefix, dir) in [("kb", &BUILTIN_KB), ("playbooks", &BUILTIN_PLAYBOOKS)] {
                stat_embedded(prefix, dir, &mut out);
            }
        }
        LayerSpec::Dir(root) => {
            if !root.is_dir() {
                return Err(format!("{}: not a folder ({LAYER_HOLDS})", root.display()));
            }
            for sub in ["kb", "playbooks"] {
                let dir = root.join(sub);
                if dir.is_dir() {
                    stat_disk(root, &dir, &mut out);
                }
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

fn stat_embedded(prefix: &str, dir: &Dir<'_>, out: &mut Vec<FileStat>) {
    for f in dir.files() {
        out.push(FileStat {
            rel: format!("{prefix}/{}", f.path().to_string_lossy().replace('\\', "/")),
            len: f.contents().len() as u64,
            modified_ns: 0,
        });
    }
    for d in dir.dirs() {
        stat_embedded(prefix, d, out);
    }
}

fn stat_disk(root: &Path, dir: &Path, out: &mut Vec<FileStat>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(FileStat {
            rel: rel_path(root, dir),
            len: u64::MAX,
            modified_ns: 0,
        });
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // `DirEntry::metadata` does not follow symlinks; `fs::metadata` does, as `files` reads.
        let Ok(meta) = std::fs::metadata(&path) else {
            out.push(FileStat {
                rel: rel_path(root, &path),
                len: u64::MAX,
                modified_ns: 0,
            });
            continue;
        };
        if meta.is_dir() {
            stat_disk(root, &path, out);
            continue;
        }
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        out.push(FileStat {
            rel: rel_path(root, &path),
            len: meta.len(),
            modified_ns,
        });
    }
}

fn collect_embedded(prefix: &str, dir: &Dir<'_>, out: &mut Vec<RawFile>) {
    for f in dir.files() {
        let rel = format!("{prefix}/{}", f.path().to_string_lossy().replace('\\', "/"));
        let contents = if f.contents().len() as u64 > MAX_FILE_BYTES {
            Err(too_big(f.contents().len() as u64))
        } else {
            Ok(f.contents().to_vec())
        };
        out.push(RawFile {
            display: rel.clone(),
            rel,
            contents,
        });
    }
    for d in dir.dirs() {
        collect_embedded(prefix, d, out);
    }
}

fn collect_disk(root: &Path, dir: &Path, out: &mut Vec<RawFile>) {
    // Symbolic links are followed only while they stay inside the layer folder, and each
    // folder is read once (a link back to a parent folder is not a loop).
    let inside = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut seen = std::collections::HashSet::new();
    collect_dir(root, &inside, dir, &mut seen, out);
}

fn collect_dir(
    root: &Path,
    inside: &Path,
    dir: &Path,
    seen: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<RawFile>,
) {
    if let Ok(real) = std::fs::canonicalize(dir) {
        if !seen.insert(real) {
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push(RawFile {
                rel: rel_path(root, dir),
                display: dir.display().to_string(),
                contents: Err(format!("cannot read folder: {e}")),
            });
            return;
        }
    };
    let mut entries: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in entries {
        let refuse = |out: &mut Vec<RawFile>, msg: String| {
            out.push(RawFile {
                rel: rel_path(root, &path),
                display: path.display().to_string(),
                contents: Err(msg),
            })
        };
        let is_link = file_type.is_some_and(|t| t.is_symlink());
        if is_link {
            match std::fs::canonicalize(&path) {
                Ok(target) if target.starts_with(inside) => {}
                Ok(_) => {
                    refuse(
                        out,
                        "a symbolic link that leads outside the layer folder: a layer reads only its own files".into(),
                    );
                    continue;
                }
                Err(e) => {
                    refuse(out, format!("a symbolic link that cannot be followed: {e}"));
                    continue;
                }
            }
        }
        if path.is_dir() {
            collect_dir(root, inside, &path, seen, out);
            continue;
        }
        // Only files the loader reads are opened: a FIFO named `notes.txt` is no concern.
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "md" | "yaml" | "yml" | "lua") {
            continue;
        }
        let contents = crate::file::read_bounded(&path, MAX_FILE_BYTES).map_err(|e| {
            if e.0.starts_with("file is ") {
                too_big(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
            } else {
                e.0
            }
        });
        out.push(RawFile {
            rel: rel_path(root, &path),
            display: path.display().to_string(),
            contents,
        });
    }
}

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn too_big(len: u64) -> String {
    format!(
        "file is {:.1} MB; content files are limited to {} KB",
        len as f64 / 1_048_576.0,
        MAX_FILE_BYTES / 1024
    )
}
