//! Bytes a reader transfers on a 10,000-article site: for the first page load (the home
//! page with everything it loads), and for one query typed into its search box (each query
//! from a freshly loaded page, nothing cached). The site is the real one, generated as
//! `deskbook site build` generates it (the built-in content plus a generated layer, the
//! search index through the site's index hook) and served from memory on loopback with
//! `Cache-Control: no-store`; headless Chromium (driven through the testkit's WebDriver
//! client) loads it. The figure is the browser's own count, the Resource Timing API's
//! `transferSize` (headers and body as they came over the wire); the server's count of
//! the bytes it sent is printed beside it as a check.
//!
//! `cargo bench -p deskbook-sitesearch --bench bytes` (`-- N` for another article count).
//! Target: at most 300 KB a query at 10,000 articles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deskbook_content::LayerSpec;
use deskbook_site::{BuildOptions, PageRecord};
use deskbook_testkit::browser::Browser;
use deskbook_testkit::server::Server;
use serde_json::{json, Value};

const QUERIES: &[&str] = &[
    "bad spi",
    "event 4268",
    "worked yesterday, can't reach anything today",
    "kerberos ticket expired",
    "negociating security association timeout",
    "netsh",
];

const TARGET: u64 = 300 * 1024;

/// What the page loaded, by the Resource Timing API: the document (when `navigation`) and
/// every resource since the last clear, as `[bytes, count]`.
const TRANSFERRED: &str = "
    const nav = arguments[0] ? performance.getEntriesByType('navigation') : [];
    const all = nav.concat(performance.getEntriesByType('resource'));
    return [all.reduce((s, e) => s + e.transferSize, 0), all.length,
            all.filter(e => e.transferSize === 0).map(e => e.name)];";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let layer = dir.path().join("layer");
    deskbook_testkit::corpus::write_corpus(&layer, n)?;
    let content = Arc::new(deskbook_content::load(&[
        LayerSpec::BuiltIn,
        LayerSpec::Dir(layer),
    ]));
    let start = Instant::now();
    let held = Arc::clone(&content);
    let index = move |pages: &[PageRecord]| deskbook_sitesearch::site_index(&held, pages);
    let opts = BuildOptions {
        progress: false,
        index: Some(&index),
    };
    let site = deskbook_site::generate(&content, &opts).map_err(|e| e.to_string())?;
    let (files, bytes) = site
        .files
        .iter()
        .filter(|f| f.path.starts_with("search/"))
        .fold((0, 0), |(n, b), f| (n + 1, b + f.bytes.len()));
    println!(
        "site of {} pages ({n} generated articles) in {:.2} s; search index {files} files, {:.1} MB",
        site.pages.len(),
        start.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );

    let server = Server::files(site.files.into_iter().map(|f| (f.path, f.bytes)));
    let mut b = Browser::start()?;
    let count = "return document.querySelectorAll('#search-results a').length;";
    let mut worst = 0;
    for (i, q) in QUERIES.iter().enumerate() {
        server.reset();
        b.goto(&server.url("index.html"))?;
        let first = b.eval_with(TRANSFERRED, vec![json!(true)])?;
        if i == 0 {
            println!(
                "first page load (index.html and what it loads): {} bytes in {} files by transferSize, {} body bytes sent by the server",
                first[0],
                first[1],
                server.body_bytes()
            );
            cached(&first);
        }
        b.eval(
            "performance.setResourceTimingBufferSize(100000); performance.clearResourceTimings();",
        )?;
        server.reset();
        b.type_into("#search", q)?;
        let hits = b.wait_for(count, 60, |v| v.as_u64().unwrap_or(0) > 0)?;
        // Let late pieces of the last keystroke's query finish: until no piece has arrived
        // for half a second (at most 10 s).
        let settled = Instant::now() + Duration::from_secs(10);
        let pieces = "return performance.getEntriesByType('resource').length;";
        let mut seen = b.eval(pieces)?;
        while Instant::now() < settled {
            std::thread::sleep(Duration::from_millis(500));
            let now = b.eval(pieces)?;
            if now == seen {
                break;
            }
            seen = now;
        }
        let got = b.eval_with(TRANSFERRED, vec![json!(false)])?;
        cached(&got);
        let bytes = got[0].as_u64().unwrap_or(0);
        let top = b.eval("const a = document.querySelector('#search-results a'); return a ? a.getAttribute('href') : '';")?;
        if hits.as_u64() == Some(0) {
            let said = b.eval("return document.getElementById('search-results').textContent;")?;
            println!("query {q:?} found nothing; the results say: {said}");
        }
        worst = worst.max(bytes);
        println!(
            "query {q:?}: {bytes} bytes in {} pieces by transferSize ({} body bytes sent by the server), {hits} hits, first {}",
            got[1],
            server.body_bytes(),
            top.as_str().unwrap_or("")
        );
    }
    println!(
        "largest query: {worst} bytes ({:.0} KB; target {} KB): {}",
        worst as f64 / 1024.0,
        TARGET / 1024,
        if worst <= TARGET { "met" } else { "MISSED" }
    );
    Ok(())
}

/// A resource with no transfer size came from a cache, and the figure would be too low.
fn cached(v: &Value) {
    let names = v[2].as_array().map(Vec::len).unwrap_or(0);
    assert!(names == 0, "served from a cache, not counted: {}", v[2]);
}
