//! The built-in site in headless Chromium (through chromedriver), served by `deskbook site
//! serve` on loopback and opened straight from `file://`: the home page loads with no
//! console errors, the triage flowchart is visible and its boxes and labels do not overlap
//! as the browser lays out the real text, an article's link to an event leads to the
//! event, an article's table of contents goes above its text on a narrow screen, and the
//! events table sorts. Screenshots of the home page, an article, the tool
//! matrix, the events table and the triage flowchart are kept under the target folder
//! (`CARGO_TARGET_TMPDIR/site-screenshots`).

mod common;
mod site_support;

use common::{bin, stderr};
use deskbook_testkit::browser::Browser;
use serde_json::Value;
use site_support::Serve;
use std::path::PathBuf;
use std::process::Command;

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("site-screenshots")
}

/// Boxes and labels of the flowchart as the browser lays them out (getBBox), and whether
/// each text's real extent stays inside its box.
const GEOMETRY: &str = r#"
const svg = document.querySelector('svg.flowchart');
if (!svg) return {error: 'no svg'};
const r = svg.getBoundingClientRect();
const rects = [];
for (const el of svg.querySelectorAll('rect.fc-box, rect.fc-label-box')) {
  const b = el.getBBox();
  rects.push([b.x, b.y, b.width, b.height, el.getAttribute('class')]);
}
const outside = [];
for (const g of svg.querySelectorAll('g.fc-node')) {
  const box = g.querySelector('rect').getBBox();
  for (const t of g.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5 ||
        b.y < box.y - 0.5 || b.y + b.height > box.y + box.height + 0.5) {
      outside.push(g.getAttribute('data-step') + ': ' + t.textContent);
    }
  }
}
for (const g of svg.querySelectorAll('g.fc-label')) {
  const box = g.querySelector('rect').getBBox();
  const b = g.querySelector('text').getBBox();
  if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) outside.push('label ' + g.textContent);
}
const style = getComputedStyle(svg);
return {width: r.width, height: r.height, visible: style.visibility !== 'hidden' && style.display !== 'none',
        rects: rects, outside: outside};
"#;

fn check_flowchart(b: &mut Browser, base: &str, tag: &str) {
    b.goto(&format!("{base}playbooks/tier1-triage.html"))
        .expect("triage page");
    let g = b.eval(GEOMETRY).expect("geometry");
    assert!(g.get("error").is_none(), "{tag}: {g}");
    assert_eq!(g["visible"], Value::Bool(true), "{tag}");
    assert!(g["width"].as_f64().unwrap_or(0.0) > 600.0, "{tag}: {g}");
    assert!(g["height"].as_f64().unwrap_or(0.0) > 400.0, "{tag}");
    let rects: Vec<(f64, f64, f64, f64)> = g["rects"]
        .as_array()
        .expect("rects")
        .iter()
        .map(|r| {
            let f = |i: usize| r[i].as_f64().expect("number");
            (f(0), f(1), f(2), f(3))
        })
        .collect();
    assert!(rects.len() > 16 + 10, "{tag}: {} rects", rects.len());
    for a in 0..rects.len() {
        for c in a + 1..rects.len() {
            let (p, q) = (rects[a], rects[c]);
            let overlap = p.0 < q.0 + q.2 && q.0 < p.0 + p.2 && p.1 < q.1 + q.3 && q.1 < p.1 + p.3;
            assert!(!overlap, "{tag}: {p:?} overlaps {q:?}");
        }
    }
    assert_eq!(
        g["outside"],
        Value::Array(Vec::new()),
        "{tag}: text outside its box"
    );
    b.eval("document.querySelector('section.chart').scrollIntoView()")
        .expect("scroll");
    b.screenshot(&shots().join(format!("{tag}-triage-flowchart.png")))
        .expect("shot");
}

/// At 400 pixels wide an article's table of contents sits above its text, as wide as it,
/// instead of squeezing it.
fn check_narrow(b: &mut Browser, base: &str, tag: &str) {
    b.resize(400, 900).expect("resize");
    b.goto(&format!("{base}articles/support-scripts.html"))
        .expect("article");
    let g = b
        .eval(
            "const t = document.querySelector('nav.toc').getBoundingClientRect();
             const p = document.querySelector('div.body p').getBoundingClientRect();
             return [t.width, t.bottom, p.width, p.top, document.documentElement.clientWidth];",
        )
        .expect("geometry");
    let f = |i: usize| g[i].as_f64().expect("number");
    let (toc_w, toc_bottom, text_w, text_top, page_w) = (f(0), f(1), f(2), f(3), f(4));
    assert!(
        text_w > page_w * 0.8,
        "{tag}: text {text_w}px of {page_w}px"
    );
    assert!(
        toc_w > page_w * 0.8,
        "{tag}: contents {toc_w}px of {page_w}px"
    );
    assert!(
        toc_bottom <= text_top,
        "{tag}: contents beside the text: {g}"
    );
    b.screenshot(&shots().join(format!("{tag}-article-narrow.png")))
        .expect("shot");
    b.resize(1280, 900).expect("resize");
}

fn check_site(b: &mut Browser, base: &str, tag: &str) {
    b.goto(&format!("{base}index.html")).expect("home");
    b.console().expect("clear log");
    b.goto(&format!("{base}index.html")).expect("home");
    let title = b.eval("return document.title").expect("title");
    assert_eq!(
        title,
        Value::String("deskbook · IPsec help desk".into()),
        "{tag}"
    );
    let errors: Vec<(String, String)> = b
        .console()
        .expect("log")
        .into_iter()
        .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
        .collect();
    assert!(errors.is_empty(), "{tag}: console: {errors:?}");
    let search = b
        .eval("return !!document.querySelector('input[type=search]#search') && !!document.getElementById('search-results')")
        .expect("search");
    assert_eq!(search, Value::Bool(true));
    b.screenshot(&shots().join(format!("{tag}-home.png")))
        .expect("shot");

    check_flowchart(b, base, tag);

    // From an article to an event it links to.
    b.goto(&format!("{base}articles/network-path-connectivity.html"))
        .expect("article");
    b.screenshot(&shots().join(format!("{tag}-article.png")))
        .expect("shot");
    check_narrow(b, base, tag);
    b.goto(&format!("{base}articles/network-path-connectivity.html"))
        .expect("article");
    b.click("div.body a[href^='../events/']")
        .expect("event link");
    let url = b.current_url().expect("url");
    assert!(url.contains("/events/event-"), "{tag}: {url}");
    let h1 = b
        .eval("return document.querySelector('h1').textContent")
        .expect("h1");
    assert!(h1.as_str().unwrap_or("").contains("(event "), "{tag}: {h1}");
    assert!(
        b.console().expect("log").iter().all(|(l, _)| l != "SEVERE"),
        "{tag}"
    );

    // The events table sorts in the browser.
    b.goto(&format!("{base}events.html")).expect("events");
    b.screenshot(&shots().join(format!("{tag}-events.png")))
        .expect("shot");
    let first = "return document.querySelector('#events tbody tr td').getAttribute('data-value')";
    assert_eq!(b.eval(first).expect("first"), Value::String("547".into()));
    // The table starts sorted by event number, ascending: one click turns it around.
    b.click("#events thead th button").expect("sort button");
    let after = b.eval(first).expect("first");
    assert_ne!(after, Value::String("547".into()), "{tag}: descending sort");

    b.goto(&format!("{base}tools.html")).expect("tools");
    b.screenshot(&shots().join(format!("{tag}-tool-matrix.png")))
        .expect("shot");
    assert!(
        b.console().expect("log").iter().all(|(l, _)| l != "SEVERE"),
        "{tag}"
    );
}

#[test]
fn builtin_site_in_chromium_over_http_and_from_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let o = Command::new(bin())
        .args(["site", "build", "--out", out.to_str().expect("utf-8")])
        .current_dir(tmp.path())
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", stderr(&o));

    let mut b = Browser::start().expect("chromedriver and chromium (installed by scripts/test)");
    let serve = Serve::start(&bin(), tmp.path(), &[]);
    check_site(&mut b, &serve.url, "http");
    // The server answers unknown paths with the 404 page.
    b.goto(&format!("{}no/such/page.html", serve.url))
        .expect("404");
    let h1 = b
        .eval("return document.querySelector('h1').textContent")
        .expect("h1");
    assert_eq!(h1, Value::String("Page not found".into()));
    drop(serve);

    let base = format!("file://{}/", out.display());
    check_site(&mut b, &base, "file");
    eprintln!("screenshots in {}", shots().display());
}
