//! The on-disk index cache: one folder per content key, built once, opened by mmap after.
//!
//! The key is a hash of everything the index is made from: every file of every layer (its
//! layer, path, size and modification time — metadata only, so a warm search over a
//! 10,000-file layer reads no file), the organisation's variables and layer names, the
//! scope (public or all), the index format and the program that builds it (whose size and
//! modification time also stand for the built-in content embedded in it). A warm search
//! opens the cached index without loading the content at all.
//!
//! Building is safe with several processes at once: each builds in its own temporary folder
//! and renames it into place; the rename is atomic, the first one wins, the others open the
//! winner's folder and delete their own. A folder that will not open (corrupt, half
//! deleted, of another format) is set aside and rebuilt. When the cache cannot be written
//! at all, the index is built in memory and the caller is told why, once.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use deskbook_content::layer::{self, LayerSpec};
use deskbook_content::{Content, Org};
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::Index;

use crate::document::{into_documents, Scope, SearchDoc};
use crate::indexer;
use crate::schema;
use crate::searcher::SearchIndex;

/// The file that marks a complete cache folder and says what it holds.
const MANIFEST: &str = "deskbook-index.json";
/// Prefix of folders being built (never opened, removed when stale).
const TMP_PREFIX: &str = ".tmp-";
/// Cache folders kept; older ones are removed after a build.
const KEEP: usize = 8;
/// A temporary folder older than this is left over from a killed build.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// What a cache folder holds, besides the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    format: u32,
    key: String,
    docs: u64,
    /// Errors the content had when the index was built (search covers what loaded).
    problems: usize,
}

/// Where the index in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Opened from the cache as it was.
    Cached(PathBuf),
    /// Built now and saved in the cache.
    Built(PathBuf),
    /// Built in memory only.
    Memory,
}

/// An opened index and what the user should hear about it.
pub struct Opened {
    pub index: SearchIndex,
    pub origin: Origin,
    /// Errors in the content (the index covers the items that loaded).
    pub problems: usize,
    /// Warnings to print once (cache unusable or corrupt, searched in memory).
    pub notes: Vec<String>,
}

/// The user's cache folder for deskbook (`$XDG_CACHE_HOME/deskbook` on Linux,
/// `%LOCALAPPDATA%\deskbook\cache` on Windows), if the platform has one.
pub fn default_root() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "deskbook").map(|d| d.cache_dir().join("search"))
}

/// The cache key of `specs` seen with `scope`.
pub fn key(specs: &[LayerSpec], scope: Scope) -> String {
    key_org(&Org::plain(specs), scope)
}

/// The cache key of an organisation's content seen with `scope`.
pub fn key_org(org: &Org, scope: Scope) -> String {
    let mut h = blake3::Hasher::new();
    let mut put = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    put(b"deskbook-search");
    put(&schema::FORMAT.to_le_bytes());
    put(env!("CARGO_PKG_VERSION").as_bytes());
    put(program_identity().as_bytes());
    put(scope.as_str().as_bytes());
    // Variables fill in article bodies; names and rollout show in results.
    put(format!("{:?}", org.vars).as_bytes());
    for (name, spec) in &org.layers {
        put(name.as_bytes());
        put(spec.name().as_bytes());
        match layer::stats(spec) {
            Ok(files) => {
                for f in files {
                    put(f.rel.as_bytes());
                    put(&f.len.to_le_bytes());
                    put(&f.modified_ns.to_le_bytes());
                }
            }
            Err(msg) => {
                put(b"layer-error");
                put(msg.as_bytes());
            }
        }
    }
    let hex = h.finalize().to_hex();
    hex.as_str()[..32].to_string()
}

/// The running program's size and modification time: a rebuilt program may index
/// differently, so its caches are not shared with the old one's.
fn program_identity() -> String {
    let meta = std::env::current_exe().and_then(fs::metadata);
    match meta {
        Ok(m) => {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}:{}", m.len(), mtime)
        }
        Err(_) => String::from("unknown"),
    }
}

/// Open the index of `specs` for `scope`: from the cache under `root` when it holds the
/// current content, else built (into the cache, or in memory when the cache is unusable or
/// `root` is `None`).
pub fn open(specs: &[LayerSpec], scope: Scope, root: Option<&Path>) -> tantivy::Result<Opened> {
    open_org(&Org::plain(specs), scope, root)
}

/// [`open`] for an organisation's layers and variables.
pub fn open_org(org: &Org, scope: Scope, root: Option<&Path>) -> tantivy::Result<Opened> {
    let specs = org;
    let mut notes = Vec::new();
    let Some(root) = root else {
        let (index, problems) = build_memory(specs, scope)?;
        notes.push("no cache folder is known for this user; searching an in-memory index".into());
        return Ok(Opened {
            index,
            origin: Origin::Memory,
            problems,
            notes,
        });
    };
    let key = key_org(specs, scope);
    let dir = root.join(&key);
    if dir.exists() {
        match open_dir(&dir, &key) {
            Ok((index, manifest)) => {
                return Ok(Opened {
                    index,
                    origin: Origin::Cached(dir),
                    problems: manifest.problems,
                    notes,
                })
            }
            Err(why) => {
                set_aside(&dir);
                return repair(root, &key, &dir, specs, scope, &why);
            }
        }
    }
    let content = deskbook_content::load_org(specs);
    let problems = problem_count(&content);
    match build_into_cache(root, &key, into_documents(content, scope), problems) {
        Ok((index, dir)) => Ok(Opened {
            index,
            origin: Origin::Built(dir),
            problems,
            notes,
        }),
        Err(why) => {
            notes.push(format!(
                "cannot use the search index cache at {} ({why}); searching an in-memory index",
                root.display()
            ));
            let (index, problems) = build_memory(specs, scope)?;
            Ok(Opened {
                index,
                origin: Origin::Memory,
                problems,
                notes,
            })
        }
    }
}

/// After the cache folder `dir` failed to open (`why`): search an index built in memory
/// this time, so the answer owes nothing to the disk that just failed, and write that same
/// index into the cache for the next search. One note says both.
fn repair(
    root: &Path,
    key: &str,
    dir: &Path,
    specs: &Org,
    scope: Scope,
    why: &str,
) -> tantivy::Result<Opened> {
    let content = deskbook_content::load_org(specs);
    let problems = problem_count(&content);
    let (index, ram, docs) = indexer::build_in_ram_dir(into_documents(content, scope))?;
    let persist = |tmp: &Path| -> Result<(), String> {
        let target = MmapDirectory::open(tmp).map_err(|e| e.to_string())?;
        ram.persist(&target).map_err(|e| e.to_string())?;
        write_manifest(tmp, key, docs, problems)
    };
    let next_time = match into_cache(root, key, persist) {
        Ok(_) => String::from("rebuilt it for next time"),
        Err(e) => format!("cannot rebuild it ({e})"),
    };
    Ok(Opened {
        index: SearchIndex::from_index(index)?,
        origin: Origin::Memory,
        problems,
        notes: vec![format!(
            "the search index cache at {} was unusable ({why}); searching an in-memory \
             index this time, {next_time}",
            dir.display()
        )],
    })
}

/// Load the content and index it in memory, letting go of each item as it is indexed.
fn build_memory(specs: &Org, scope: Scope) -> tantivy::Result<(SearchIndex, usize)> {
    let content = deskbook_content::load_org(specs);
    let problems = problem_count(&content);
    let index = indexer::build_in_ram(into_documents(content, scope))?;
    Ok((SearchIndex::from_index(index)?, problems))
}

fn problem_count(content: &Content) -> usize {
    content.diagnostics.iter().filter(|d| d.is_error()).count()
}

/// Open a complete cache folder, checking its manifest and every file's checksum.
fn open_dir(dir: &Path, key: &str) -> Result<(SearchIndex, Manifest), String> {
    let text = fs::read_to_string(dir.join(MANIFEST)).map_err(|e| format!("{MANIFEST}: {e}"))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| format!("{MANIFEST}: {e}"))?;
    if manifest.format != schema::FORMAT || manifest.key != key {
        return Err(format!("{MANIFEST} describes another index"));
    }
    let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
    let damaged = index.validate_checksum().map_err(|e| e.to_string())?;
    if let Some(file) = damaged.iter().next() {
        return Err(format!("{} is damaged", file.display()));
    }
    let search = SearchIndex::from_index(index).map_err(|e| e.to_string())?;
    if search.len() != manifest.docs {
        return Err(format!(
            "it holds {} records, its manifest says {}",
            search.len(),
            manifest.docs
        ));
    }
    Ok((search, manifest))
}

/// Move a bad cache folder out of the way (another process may be reading it) and try to
/// delete it.
fn set_aside(dir: &Path) {
    let Some(parent) = dir.parent() else { return };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let trash = parent.join(format!(
        "{TMP_PREFIX}bad-{}-{}",
        name.unwrap_or_default(),
        unique()
    ));
    if fs::rename(dir, &trash).is_ok() {
        let _ = fs::remove_dir_all(&trash);
    }
}

/// Build into a fresh temporary folder under `root`, then rename it to `root/key`.
fn build_into_cache(
    root: &Path,
    key: &str,
    docs: impl Iterator<Item = SearchDoc>,
    problems: usize,
) -> Result<(SearchIndex, PathBuf), String> {
    into_cache(root, key, |tmp| build_tmp(tmp, key, docs, problems))
}

/// Fill a fresh temporary folder under `root` with `fill`, then rename it to `root/key`.
fn into_cache(
    root: &Path,
    key: &str,
    fill: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(SearchIndex, PathBuf), String> {
    fs::create_dir_all(root).map_err(|e| describe_io(root, &e))?;
    let tmp = root.join(format!("{TMP_PREFIX}{key}-{}", unique()));
    fs::create_dir(&tmp).map_err(|e| describe_io(&tmp, &e))?;
    let result = fill(&tmp);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let dir = root.join(key);
    match fs::rename(&tmp, &dir) {
        Ok(()) => {}
        Err(_) if dir.join(MANIFEST).is_file() => {
            // Another process finished first: use its folder.
            let _ = fs::remove_dir_all(&tmp);
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(describe_io(&dir, &e));
        }
    }
    let (index, _) = open_dir(&dir, key)?;
    prune(root, key);
    Ok((index, dir))
}

fn build_tmp(
    tmp: &Path,
    key: &str,
    docs: impl Iterator<Item = SearchDoc>,
    problems: usize,
) -> Result<(), String> {
    let (index, count) = indexer::build_in_dir(tmp, docs).map_err(|e| e.to_string())?;
    drop(index);
    write_manifest(tmp, key, count, problems)
}

/// Write the manifest that marks the folder `tmp` complete.
fn write_manifest(tmp: &Path, key: &str, docs: u64, problems: usize) -> Result<(), String> {
    let manifest = Manifest {
        format: schema::FORMAT,
        key: key.to_string(),
        docs,
        problems,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    let path = tmp.join(MANIFEST);
    fs::write(&path, text).map_err(|e| describe_io(&path, &e))?;
    Ok(())
}

/// Keep the newest cache folders, and remove temporary folders left by killed builds.
fn prune(root: &Path, current: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    let now = SystemTime::now();
    let mut kept: Vec<(SystemTime, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let modified = e
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if name.starts_with(TMP_PREFIX) {
            if now.duration_since(modified).unwrap_or_default() > STALE_TMP {
                let _ = fs::remove_dir_all(&path);
            }
        } else if name != current && path.join(MANIFEST).is_file() {
            kept.push((modified, path));
        }
    }
    kept.sort_by_key(|k| std::cmp::Reverse(k.0));
    for (_, path) in kept.into_iter().skip(KEEP.saturating_sub(1)) {
        let _ = fs::remove_dir_all(path);
    }
}

fn describe_io(path: &Path, e: &io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// A name part no other process or thread uses at the same time.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}
