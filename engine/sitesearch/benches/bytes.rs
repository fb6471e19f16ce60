//! Bytes a reader transfers on a 10,000-article site: for the first page load, and for
//! one query typed into the search box (each from a fresh page, nothing cached), measured
//! by the loopback server that serves the site to headless Chromium.
//!
//! `cargo bench -p deskbook-sitesearch --bench bytes` (`-- N` for another article count).
//! Target: at most 300 KB a query at 10,000 articles.

#[path = "../../../tests/browser/mod.rs"]
mod browser;

use std::path::Path;
use std::time::Instant;

use browser::Server;
use deskbook_content::model::Audience;
use deskbook_content::LayerSpec;
use deskbook_testkit::browser::Browser;

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bytes</title></head>
<body><input type="search" id="search"><div id="search-results"></div>
<script src="assets/search.js"></script></body></html>
"#;

const QUERIES: &[&str] = &[
    "bad spi",
    "event 4268",
    "worked yesterday, can't reach anything today",
    "kerberos ticket expired",
    "negociating security association timeout",
    "netsh",
];

const TARGET: u64 = 300 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let layer = dir.path().join("layer");
    deskbook_testkit::corpus::write_corpus(&layer, n)?;
    let content = deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(layer)]);
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("assets"))?;
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../site/assets/search.js"),
        site.join("assets/search.js"),
    )?;
    std::fs::write(site.join("index.html"), PAGE)?;
    let start = Instant::now();
    let pages = deskbook_sitesearch::pages(
        &content,
        |i| i.meta.audience == Audience::Public,
        |_| true,
        |id, _| format!("{id}.html"),
    );
    let written = deskbook_sitesearch::write_index(&pages, &site.join("search"))?;
    println!(
        "index of {} pages ({n} generated articles): {} files, {:.1} MB in {:.2} s ({} shards)",
        written.docs,
        written.files,
        written.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        written.shards
    );

    let server = Server::start(&site);
    let mut b = Browser::start()?;
    b.set_script_timeout(60_000)?;
    let count = "return document.querySelectorAll('#search-results a').length;";
    let mut worst = 0;
    for (i, q) in QUERIES.iter().enumerate() {
        server.reset();
        b.goto(&server.url("index.html"))?;
        let first = server.bytes();
        if i == 0 {
            let files: Vec<String> = server.served().into_iter().map(|(p, _)| p).collect();
            println!("first page load: {first} bytes ({})", files.join(", "));
        }
        server.reset();
        b.type_into("#search", q)?;
        let hits = b.wait_for(count, 60, |v| v.as_u64().unwrap_or(0) > 0)?;
        // Let late pieces of the last keystroke's query finish.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let bytes = server.bytes();
        let served = server.served();
        let top = b
            .eval("const a = document.querySelector('#search-results a'); return a ? a.getAttribute('href') : '';")?
            .as_str()
            .unwrap_or_default()
            .to_string();
        worst = worst.max(bytes);
        println!(
            "query {q:?}: {bytes} bytes in {} pieces, {} hits, first {top}",
            served.len(),
            hits
        );
        let _ = b.eval("document.getElementById('search').value = '';");
    }
    println!(
        "largest query: {worst} bytes ({:.0} KB; target {} KB): {}",
        worst as f64 / 1024.0,
        TARGET / 1024,
        if worst <= TARGET { "met" } else { "MISSED" }
    );
    Ok(())
}
