//! The search index cache, driven through the real binary: reused until the content
//! changes, safe with several builders at once, replaced by an in-memory index (with one
//! warning) when corrupt, and repaired for the next search, or when it cannot be written.

mod common;

use common::{bin, run_in, stderr, stdout};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The index folders (not temporary ones) in the cache under `dir`.
fn index_dirs(dir: &Path) -> Vec<PathBuf> {
    let root = dir.join("cache/deskbook/search");
    let mut out: Vec<PathBuf> = fs::read_dir(&root)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        !p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .starts_with('.')
    });
    out.sort();
    out
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let root = dir.join("cache/deskbook/search");
    fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("")
                        .starts_with('.')
                })
                .collect()
        })
        .unwrap_or_default()
}

fn write_layer(dir: &Path, word: &str) -> PathBuf {
    let layer = dir.join("layer");
    fs::create_dir_all(layer.join("kb/articles")).expect("layer folder");
    fs::write(
        layer.join("kb/articles/local-note.md"),
        format!(
            "---\nid: local-note\ntitle: Local note about {word}\nsummary: \"A note that \
             mentions {word}.\"\ntier: [1]\nos: [windows]\ntags: [organisation]\nsource: \
             \"test\"\n---\nThe {word} server needs a policy refresh after patching.\n"
        ),
    )
    .expect("article");
    layer
}

fn search(dir: &Path, layer: &Path, query: &str) -> Output {
    let layer = layer.to_str().expect("utf-8 path");
    run_in(dir, &["--content", layer, "search", "--json", query])
}

fn first_id(out: &Output) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&stdout(out)).ok()?;
    v["hits"][0]["id"].as_str().map(str::to_string)
}

fn modified(path: &Path) -> std::time::SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("modification time")
}

#[test]
fn the_cache_is_reused_until_the_content_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layer = write_layer(dir.path(), "marmalade");
    let first = search(dir.path(), &layer, "marmalade");
    assert_eq!(first_id(&first).as_deref(), Some("local-note"));
    assert_eq!(stderr(&first), "");
    let dirs = index_dirs(dir.path());
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let meta = dirs[0].join("meta.json");
    let built_at = modified(&meta);

    let again = search(dir.path(), &layer, "marmalade");
    assert_eq!(without_took(&again), without_took(&first));
    assert_eq!(index_dirs(dir.path()), dirs, "no rebuild without a change");
    assert_eq!(modified(&meta), built_at, "the index was not rewritten");

    // One changed word in one file: a new index, which finds the new word.
    write_layer(dir.path(), "porridge");
    let changed = search(dir.path(), &layer, "porridge");
    assert_eq!(first_id(&changed).as_deref(), Some("local-note"));
    let after = index_dirs(dir.path());
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.contains(&dirs[0]));
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// A `search --json` output without its timing.
fn without_took(out: &Output) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&stdout(out)).expect("JSON");
    if let Some(o) = v.as_object_mut() {
        o.remove("took_us");
    }
    v
}

#[test]
fn two_processes_building_at_once_agree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(bin())
                .args(["search", "--limit", "5", "bad spi"])
                .current_dir(dir.path())
                .env("NO_COLOR", "1")
                .env("XDG_CACHE_HOME", &cache)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn deskbook")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        assert_eq!(stderr(out), "");
        assert_eq!(stdout(out), stdout(&outputs[0]));
    }
    assert!(stdout(&outputs[0]).starts_with("event-4268"));
    assert_eq!(index_dirs(dir.path()).len(), 1);
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// Build the cache for the built-in content under `dir`, then damage it with `damage`,
/// and check the next search answers alike with one warning and the one after is quiet.
fn repaired_after(damage: impl Fn(&Path)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = run_in(dir.path(), &["search", "bad spi"]);
    assert!(good.status.success());
    let dirs = index_dirs(dir.path());
    assert_eq!(dirs.len(), 1);
    damage(&dirs[0]);

    let out = run_in(dir.path(), &["search", "bad spi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&good));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "warning: the search index cache at {} was unusable (",
            dirs[0].display()
        )),
        "{err}"
    );
    assert!(
        err.ends_with("); searching an in-memory index this time, rebuilt it for next time\n"),
        "{err}"
    );

    let quiet = run_in(dir.path(), &["search", "bad spi"]);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(stdout(&quiet), stdout(&good));
    assert_eq!(index_dirs(dir.path()), dirs);
}

#[test]
fn a_damaged_index_file_is_rebuilt() {
    repaired_after(|index| {
        let store = fs::read_dir(index)
            .expect("index folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "store"))
            .expect("a .store file");
        let mut bytes = fs::read(&store).expect("read");
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 64] {
            *b = !*b;
        }
        fs::write(&store, bytes).expect("write");
    });
}

#[test]
fn a_truncated_index_file_is_rebuilt() {
    repaired_after(|index| {
        let term = fs::read_dir(index)
            .expect("index folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "term"))
            .expect("a .term file");
        let len = fs::metadata(&term).expect("metadata").len();
        let f = fs::OpenOptions::new()
            .write(true)
            .open(&term)
            .expect("open");
        f.set_len(len / 3).expect("truncate");
    });
}

#[test]
fn a_garbled_manifest_is_rebuilt() {
    repaired_after(|index| {
        fs::write(index.join("deskbook-index.json"), "{ not json").expect("write");
    });
}

#[test]
fn a_missing_meta_file_is_rebuilt() {
    repaired_after(|index| {
        fs::remove_file(index.join("meta.json")).expect("remove");
    });
}

#[test]
fn an_unwritable_cache_falls_back_to_memory_and_says_so_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file where the cache folder should be: nothing can be created under it.
    let blocker = dir.path().join("not-a-folder");
    fs::write(&blocker, "").expect("file");
    let out = Command::new(bin())
        .args(["search", "--limit", "3", "bad spi"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", &blocker)
        .output()
        .expect("run deskbook");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("event-4268"), "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "warning: cannot use the search index cache at {} (",
            blocker.join("deskbook/search").display()
        )),
        "{err}"
    );
    assert!(err.ends_with("); searching an in-memory index\n"), "{err}");
}

// A layer with a broken file: search still answers from what loaded, and says so on the
// run that builds the index and on the runs that reuse it (the count is in the manifest).
#[test]
fn content_problems_are_reported_on_cold_and_warm_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layer = common::fixture("bad/yaml-syntax");
    let layer = layer.to_str().expect("utf-8 path");
    for _ in 0..2 {
        let out = run_in(dir.path(), &["--content", layer, "search", "bad spi"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("event-4268"));
        assert_eq!(
            stderr(&out),
            "warning: the content has 1 problem(s); results cover the items that loaded (run \
             `deskbook check`)\n"
        );
    }
    assert_eq!(index_dirs(dir.path()).len(), 1);
}

// What the binary cannot show: on the search that finds the cache corrupt, the answer comes
// from an index built in memory, not from the folder that failed, and that folder is
// rebuilt so the next search opens it from the cache again.
#[test]
fn a_corrupt_cache_is_searched_in_memory_once_and_repaired() {
    use deskbook_content::LayerSpec;
    use deskbook_search::{cache, Origin, Scope, SearchOptions};

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("search");
    let specs = [LayerSpec::BuiltIn];
    let first = cache::open(&specs, Scope::Public, Some(&root)).expect("build");
    let Origin::Built(folder) = first.origin.clone() else {
        panic!("first open built the cache: {:?}", first.origin)
    };
    drop(first);
    fs::write(folder.join("deskbook-index.json"), "{").expect("garble manifest");

    let opened = cache::open(&specs, Scope::Public, Some(&root)).expect("fall back");
    assert_eq!(opened.origin, Origin::Memory);
    assert_eq!(opened.notes.len(), 1, "{:?}", opened.notes);
    let hits = opened
        .index
        .search("bad spi", &SearchOptions::default())
        .expect("search");
    assert_eq!(hits.hits[0].id, "event-4268");
    drop(opened);

    let again = cache::open(&specs, Scope::Public, Some(&root)).expect("reopen");
    assert_eq!(again.origin, Origin::Cached(folder));
    assert!(again.notes.is_empty(), "{:?}", again.notes);
}
