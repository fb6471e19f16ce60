//! The site's offline search in a real browser (headless Chromium over WebDriver), served
//! on loopback and opened from `file://`:
//! - the relevance set `tests/search_eval.yaml` run in the browser reaches the command
//!   line's top-3 figure within 3 points (both are printed: `cargo test --test sitesearch
//!   -- --nocapture`);
//! - typing "bad spi" in `#search` lists the event-4268 page in the first three results;
//! - `search.html?q=event%20547` opens with event-547 first;
//! - a public index holds nothing of restricted or Tier 2/3-only items (every byte of
//!   every index file is searched for the fixture layer's unique strings).
//!
//! The pages here are a small harness (a search box, the results element, search.js and
//! the index), built from the same search records the command line indexes.

use std::path::Path;

use deskbook_content::model::Audience;
use deskbook_content::LayerSpec;
use deskbook_search::eval::{evaluate, EvalSet};
use deskbook_search::{documents, Scope, SearchIndex, SearchOptions};
use deskbook_sitesearch::{pages, write_index, Page};
use deskbook_testkit::browser::Browser;
use deskbook_testkit::server::{file_url, Server};
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A page with the search box, as the site's templates have it.
const HARNESS: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>search harness</title></head>
<body>
<form action="search.html"><input type="search" id="search" name="q" autocomplete="off"></form>
<div id="search-results"></div>
<script src="assets/search.js"></script>
</body></html>
"#;

/// Write a harness site for `pages` into `dir`: index.html, search.html, the script and
/// the index.
fn harness_site(dir: &Path, pages: &[Page]) {
    std::fs::create_dir_all(dir.join("assets")).expect("assets dir");
    std::fs::copy(
        Path::new(ROOT).join("site/assets/search.js"),
        dir.join("assets/search.js"),
    )
    .expect("copy search.js");
    std::fs::write(dir.join("index.html"), HARNESS).expect("index.html");
    std::fs::write(dir.join("search.html"), HARNESS).expect("search.html");
    write_index(pages, &dir.join("search")).expect("write the index");
}

/// The pages the command line's Tier 1 search sees, named `<id>.html`.
fn cli_pages() -> Vec<Page> {
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    documents(&content, Scope::Public)
        .into_iter()
        .map(|doc| Page {
            url: format!("{}.html", doc.id),
            doc,
        })
        .collect()
}

fn eval_set() -> EvalSet {
    let text = std::fs::read_to_string(Path::new(ROOT).join("tests/search_eval.yaml"))
        .expect("tests/search_eval.yaml");
    EvalSet::parse("tests/search_eval.yaml", &text).unwrap_or_else(|d| panic!("{d}"))
}

/// Ids of the browser's first `limit` hits for `query` on the open page.
fn browser_hits(b: &mut Browser, query: &str, limit: usize) -> Result<Vec<String>, String> {
    let v = b
        .eval_async(
            "const done = arguments[arguments.length - 1];
         deskbookSearch.search(arguments[0], arguments[1])
           .then(r => done({ids: r.hits.map(h => h.id)}), e => done({error: String(e.message || e)}));",
            vec![json!(query), json!(limit)],
        )
        .expect("webdriver");
    if let Some(e) = v["error"].as_str() {
        return Err(e.to_string());
    }
    Ok(v["ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

#[test]
fn relevance_in_the_browser_is_within_three_points_of_the_command_line() {
    let set = eval_set();
    let pages = cli_pages();
    let docs: Vec<_> = pages.iter().map(|p| p.doc.clone()).collect();
    let index = SearchIndex::in_memory(&docs).expect("index");
    let opts = SearchOptions {
        limit: 3,
        kind: None,
    };
    let cli = evaluate(&set, |q| {
        index
            .search(q, &opts)
            .map(|r| r.hits.into_iter().map(|h| h.id).collect())
    })
    .expect("command line ranking");

    let dir = tempfile::tempdir().expect("temp dir");
    harness_site(dir.path(), &pages);
    let server = Server::start(dir.path());
    let mut b = start_browser();
    b.set_script_timeout(30_000).expect("timeouts");
    b.goto(&server.url("index.html")).expect("index.html");
    let web = evaluate(&set, |q| browser_hits(&mut b, q, 3)).expect("browser ranking");

    println!(
        "command line  top-1 {:5.1}%  top-3 {:5.1}%",
        cli.top1() * 100.0,
        cli.top3() * 100.0
    );
    println!(
        "browser       top-1 {:5.1}%  top-3 {:5.1}%  ({} queries)",
        web.top1() * 100.0,
        web.top3() * 100.0,
        web.len()
    );
    let same = cli
        .outcomes
        .iter()
        .zip(&web.outcomes)
        .filter(|(c, w)| c.got == w.got)
        .count();
    println!("same top 3 as the command line: {same} of {}", web.len());
    for (c, w) in cli.outcomes.iter().zip(&web.outcomes) {
        if c.got != w.got {
            println!("differs: {:?} cli {:?} browser {:?}", w.query, c.got, w.got);
        }
    }
    assert!(
        web.top3() >= cli.top3() - 0.03,
        "browser top-3 {:.1}% is more than 3 points below the command line's {:.1}%",
        web.top3() * 100.0,
        cli.top3() * 100.0
    );
}

/// Typing "bad spi" and opening search.html?q=event%20547, at `base` (a served URL or a
/// file:// one, ending in `/`).
fn check_search_box(b: &mut Browser, base: &str) {
    b.goto(&format!("{base}index.html")).expect("index.html");
    b.type_into("#search", "bad spi").expect("#search");
    let script = "return document.querySelectorAll('#search-results a').length;";
    b.wait_for(script, 20, |v| v.as_u64().unwrap_or(0) > 0)
        .expect("results");
    let got = result_links(b);
    assert!(
        got.iter().take(3).any(|h| h.ends_with("/event-4268.html")),
        "{base}: \"bad spi\" gave {got:?}"
    );

    b.goto(&format!("{base}search.html?q=event%20547"))
        .expect("search.html");
    b.wait_for(script, 20, |v| v.as_u64().unwrap_or(0) > 0)
        .expect("results");
    let got = result_links(b);
    assert!(
        got.first().is_some_and(|h| h.ends_with("/event-547.html")),
        "{base}: search.html?q=event%20547 gave {got:?}"
    );
    let value = b
        .eval("return document.getElementById('search').value;")
        .expect("the box");
    assert_eq!(value, json!("event 547"), "{base}: the box shows the query");
}

/// The hrefs of the links in `#search-results`, in order.
fn result_links(b: &mut Browser) -> Vec<String> {
    let v = b
        .eval("return Array.from(document.querySelectorAll('#search-results a')).map(a => a.getAttribute('href'));")
        .expect("the result links");
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Headless Chromium; scripts/test installs it and chromedriver, so a missing one fails.
fn start_browser() -> Browser {
    Browser::start().unwrap_or_else(|e| {
        panic!("the browser tests need chromium and chromedriver (scripts/test installs them): {e}")
    })
}

#[test]
fn the_search_box_works_served_and_from_file_urls() {
    let dir = tempfile::tempdir().expect("temp dir");
    harness_site(dir.path(), &cli_pages());
    let server = Server::start(dir.path());
    let mut b = start_browser();
    check_search_box(&mut b, &server.url(""));
    check_search_box(&mut b, &format!("{}/", file_url(dir.path())));
}

/// Every file under `dir`, read whole.
fn all_bytes(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_bytes(&path, out);
        } else {
            out.push((
                path.display().to_string(),
                std::fs::read(&path).expect("read"),
            ));
        }
    }
}

fn holds(files: &[(String, Vec<u8>)], needle: &str) -> Option<String> {
    files
        .iter()
        .find(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(p, _)| p.clone())
}

#[test]
fn a_public_index_holds_nothing_restricted_or_tier_two_only() {
    let layer = Path::new(ROOT).join("tests/fixtures/sitesearch-layer");
    let content = deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(layer)]);
    assert!(!content.has_errors(), "{:?}", content.diagnostics);
    let public = |i: &deskbook_content::Item| {
        i.meta.audience == Audience::Public && (i.meta.tier.is_empty() || i.meta.tier.contains(&1))
    };
    let site = pages(&content, public, |_| true, |id, _| format!("{id}.html"));
    let dir = tempfile::tempdir().expect("temp dir");
    write_index(&site, dir.path()).expect("write the index");
    let mut files = Vec::new();
    all_bytes(dir.path(), &mut files);
    assert!(files.len() > 10, "{} files", files.len());

    // The public page is there (so the search below can find a string when it is present).
    for s in [
        "zqxpublictitl",
        "zqxpublicsummari",
        "zqxpublicalia",
        "zqxpublicbodi",
        "zq-public",
    ] {
        assert!(holds(&files, s).is_some(), "public string {s} is missing");
    }
    // Stems are cut at the end, so the leading part of each unique word is searched.
    for s in [
        "zqxrestricted",
        "zq-restricted-exemptions",
        "zqxtiertwo",
        "zq-tier-two-only",
    ] {
        assert_eq!(holds(&files, s), None, "{s} leaked into the public index");
    }

    // A Tier 2 build includes them.
    let all = pages(&content, |_| true, |_| true, |id, _| format!("{id}.html"));
    let dir2 = tempfile::tempdir().expect("temp dir");
    write_index(&all, dir2.path()).expect("write the index");
    let mut files2 = Vec::new();
    all_bytes(dir2.path(), &mut files2);
    for s in ["zqxrestricted", "zq-tier-two-only"] {
        assert!(
            holds(&files2, s).is_some(),
            "{s} missing from the Tier 2 index"
        );
    }
}

/// What people may type that is not a query: the browser says what the command line says,
/// and words that name JavaScript's object internals are ordinary (absent) words.
#[test]
fn bad_queries_get_the_command_lines_messages() {
    let pages = cli_pages();
    let docs: Vec<_> = pages.iter().map(|p| p.doc.clone()).collect();
    let index = SearchIndex::in_memory(&docs).expect("index");
    let dir = tempfile::tempdir().expect("temp dir");
    harness_site(dir.path(), &pages);
    let server = Server::start(dir.path());
    let mut b = start_browser();
    b.set_script_timeout(30_000).expect("timeouts");
    b.goto(&server.url("index.html")).expect("index.html");

    let long = "x".repeat(501);
    let many = vec!["word"; 41].join(" ");
    for query in ["the of and", "  ", "?!", long.as_str(), many.as_str()] {
        let cli = index
            .search(query, &SearchOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{query:?} is accepted by the command line"));
        assert_eq!(browser_hits(&mut b, query, 10), Err(cli), "{query:?}");
    }
    assert_eq!(
        browser_hits(&mut b, "the of and", 10),
        Err("nothing to search for in `the of and`: type a few words the caller used, an event number (4268) or a tool name (netsh)".to_string())
    );
    for query in [
        "constructor __proto__ toString",
        "hasOwnProperty valueOf",
        "prototype",
    ] {
        assert_eq!(browser_hits(&mut b, query, 10), Ok(vec![]), "{query:?}");
    }

    // In the page, the message is shown in place of results.
    b.type_into("#search", "the of and").expect("#search");
    let text = b
        .wait_for(
            "return document.getElementById('search-results').textContent;",
            20,
            |v| v.as_str().is_some_and(|s| !s.is_empty()),
        )
        .expect("the message");
    assert!(
        text.as_str()
            .is_some_and(|s| s.starts_with("nothing to search for in `the of and`")),
        "{text}"
    );
}

/// The real site (`deskbook site build`, the public build of the built-in content): the
/// search box and search.html work served on loopback and from `file://`.
#[test]
fn the_built_site_searches_served_and_from_file_urls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("site");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_deskbook"))
        .args(["site", "build", "--out"])
        .arg(&out)
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .status()
        .expect("run deskbook site build");
    assert!(status.success(), "site build failed");
    assert!(
        out.join("search/meta.js").is_file(),
        "no search index in the site"
    );
    let server = Server::start(&out);
    let mut b = start_browser();
    check_search_box(&mut b, &server.url(""));
    check_search_box(&mut b, &format!("{}/", file_url(&out)));
}
