//! Property tests (proptest) of every hostile-text reader: front matter, playbook YAML,
//! answers files and scenario files. Each case mutates a seed from the corpus under
//! `tests/fixtures/fuzz/` (and the built-in content) with YAML-significant edits; the
//! readers must return diagnostics with positions inside the text, never panic or hang.
//!
//! The test command runs a few cases of each; `DESKBOOK_FUZZ_CASES=5000 cargo test --test
//! fuzz` runs longer. Failures proptest shrinks are kept in `tests/proptest-regressions/`
//! and replayed first on every run.

mod common;

use std::path::{Path, PathBuf};

use deskbook_content::{Content, Diagnostic, LayerSpec, SourceFile};
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Seeds: the corpus files with this extension, and the built-in files under `builtin`.
fn seeds(kind: &str, builtin: &str, ext: &str) -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        root().join("tests/fixtures/fuzz").join(kind),
        root().join(builtin),
    ] {
        collect(&dir, ext, &mut out);
    }
    assert!(!out.is_empty(), "no seeds for {kind}");
    out
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push(text);
            }
        }
    }
}

/// Text that YAML reads as structure: brackets, quotes, anchors, indentation, markers.
const PIECES: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    "- ",
    ",",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!str ",
    "|",
    ">",
    "#",
    "\n",
    "\n  ",
    "  ",
    "\t",
    "---\n",
    "...\n",
    "null",
    "~",
    "[[[[",
    "{{ x }}",
    "{% for i in range(end=9) %}",
    "\u{feff}",
    "\u{0}",
    "é",
    "0x7f.1",
    "-1",
    "1e999",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), 0..PIECES.len()).prop_map(|(a, b)| Edit::Insert(a, b)),
            (any::<usize>(), 1usize..40).prop_map(|(a, b)| Edit::Delete(a, b)),
            (any::<usize>(), 1usize..200).prop_map(|(a, b)| Edit::Duplicate(a, b)),
        ],
        1..8,
    )
}

/// `seed` with `edits` applied (positions taken modulo the text, on char boundaries).
fn mutate(seed: &str, edits: &[Edit]) -> String {
    let mut s = seed.to_owned();
    for e in edits {
        let at = |s: &String, p: usize| {
            let mut p = if s.is_empty() { 0 } else { p % (s.len() + 1) };
            while !s.is_char_boundary(p) {
                p -= 1;
            }
            p
        };
        match *e {
            Edit::Insert(p, piece) => {
                let p = at(&s, p);
                s.insert_str(p, PIECES[piece]);
            }
            Edit::Delete(p, n) => {
                let a = at(&s, p);
                let b = at(&s, a.saturating_add(n).min(s.len()));
                s.replace_range(a..b.max(a), "");
            }
            Edit::Duplicate(p, n) => {
                let a = at(&s, p);
                let b = at(&s, a.saturating_add(n).min(s.len()));
                let part = s[a..b.max(a)].to_owned();
                s.insert_str(a, &part);
            }
        }
    }
    s
}

/// Every diagnostic points inside `text` (line 1 for a whole-file problem).
fn positions_inside(diags: &[Diagnostic], file_suffix: &str, text: &str) -> Result<(), String> {
    let lines = text.lines().count().max(1) + 1;
    for d in diags.iter().filter(|d| d.file.ends_with(file_suffix)) {
        if d.line == 0 || d.line > lines || d.column == 0 {
            return Err(format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message));
        }
    }
    Ok(())
}

/// Loads a layer holding `text` at `rel` (over the built-in content when `builtin`) and
/// checks its playbooks and scenarios.
fn load_and_check(rel: &str, text: &str, builtin: bool) -> (Content, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    let mut specs = vec![LayerSpec::Dir(dir.path().into())];
    if builtin {
        specs.insert(0, LayerSpec::BuiltIn);
    }
    let content = deskbook_content::load(&specs);
    let mut diags = content.diagnostics.clone();
    diags.extend(deskbook_playbook::check::check(&content));
    (content, diags)
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn front_matter(seed in prop::sample::select(seeds("front-matter", "kb", "md")), e in edits()) {
        let text = mutate(&seed, &e);
        let (_, diags) = load_and_check("kb/fuzz.md", &text, false);
        prop_assert!(positions_inside(&diags, "fuzz.md", &text).is_ok(), "{:?}", positions_inside(&diags, "fuzz.md", &text));
    }

    #[test]
    fn playbook_yaml(seed in prop::sample::select(seeds("playbooks", "playbooks", "yaml")), e in edits()) {
        let text = mutate(&seed, &e);
        let (_, diags) = load_and_check("playbooks/fuzz.yaml", &text, false);
        prop_assert!(positions_inside(&diags, "fuzz.yaml", &text).is_ok(), "{:?}", positions_inside(&diags, "fuzz.yaml", &text));
    }

    #[test]
    fn scenario_files(seed in prop::sample::select(seeds("scenarios", "playbooks/tests", "yaml")), e in edits()) {
        let text = mutate(&seed, &e);
        let (content, diags) = load_and_check("playbooks/tests/fuzz.yaml", &text, true);
        prop_assert!(positions_inside(&diags, "fuzz.yaml", &text).is_ok(), "{:?}", positions_inside(&diags, "fuzz.yaml", &text));
        // A scenario that parses also runs to a result (its playbook is a built-in one).
        if let Some(file) = content.scenarios.iter().find(|f| f.path.ends_with("fuzz.yaml")) {
            let _ = deskbook_playbook::scenario::run_file(&content, file);
        }
    }

    #[test]
    fn answers_files(seed in prop::sample::select(seeds("answers", "tests/fixtures/runtime/answers", "yaml")), e in edits()) {
        let text = mutate(&seed, &e);
        let file = SourceFile { path: "fuzz.yaml".into(), text: text.clone() };
        if let Err(deskbook_runtime::RuntimeError::Answers(d)) = deskbook_runtime::AnswersFile::parse(file) {
            prop_assert!(positions_inside(std::slice::from_ref(&*d), "fuzz.yaml", &text).is_ok(), "{}:{}: {}", d.line, d.column, d.message);
        }
    }
}
