//! `deskbook site serve`: serves on loopback, rebuilds when a layer file changes, reports a
//! broken file on the terminal with its file and line and keeps serving the last good site,
//! never serves a path outside the site, and answers every connection a browser opens while
//! others it keeps open stay idle.

mod common;
mod site_support;

use common::bin;
use site_support::Serve;

const ARTICLE: &str = "---\nid: serve-check\ntitle: \"First title\"\nsummary: \"For the serve test.\"\ntier: [1]\nos: [windows]\ntags: [fixture]\nsource: \"fixture\"\n---\nBody one.\n";

#[test]
fn serve_rebuilds_on_change_and_survives_bad_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let layer = tmp.path().join("layer");
    let articles = layer.join("kb/articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    let file = articles.join("serve-check.md");
    std::fs::write(&file, ARTICLE).expect("write");
    let layer_s = layer.to_str().expect("utf-8");
    let serve = Serve::start(&bin(), tmp.path(), &["--content", layer_s]);

    let (status, body) = serve.get("/articles/serve-check.html");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>First title</h1>"));
    let (status, _) = serve.get("/");
    assert_eq!(status, 200);
    let (status, body) = serve.get("/../../etc/passwd");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));

    std::fs::write(&file, ARTICLE.replace("First title", "Second title")).expect("write");
    serve.wait_for("/articles/serve-check.html", |b| {
        b.contains("<h1>Second title</h1>")
    });

    // A broken file: the error (file:line) on the terminal, the last good site stays up.
    std::fs::write(&file, ARTICLE.replace("tier: [1]", "tier: [1")).expect("write");
    let line = serve.wait_log("serve-check.md:");
    assert!(
        line.starts_with(&format!("error: {}:", file.display())),
        "{line}"
    );
    let (status, body) = serve.get("/articles/serve-check.html");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Second title</h1>"));

    std::fs::write(&file, ARTICLE.replace("First title", "Third title")).expect("write");
    serve.wait_for("/articles/serve-check.html", |b| {
        b.contains("<h1>Third title</h1>")
    });
}

/// One `GET` on a kept-alive connection: reads the head and exactly the body it announces,
/// and leaves the connection open, as a browser does.
fn keep_alive_get(port: u16, path: &str) -> Result<std::net::TcpStream, String> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(s.try_clone().map_err(|e| e.to_string())?);
    let mut length = 0usize;
    let mut status = String::new();
    reader
        .read_line(&mut status)
        .map_err(|e| format!("{path}: no answer: {e}"))?;
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("{path}: {status}"));
    }
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().map_err(|_| format!("bad length {line}"))?;
        }
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("{path}: body: {e}"))?;
    Ok(s)
}

#[test]
fn connections_a_browser_keeps_open_never_hold_up_new_ones() {
    let tmp = tempfile::tempdir().expect("tmp");
    let serve = Serve::start(&bin(), tmp.path(), &[]);
    // Bursts of six connections at once (a browser's per-host limit), each left open after
    // its answer, as a page loading its search pieces leaves them: every request of every
    // burst is answered, the last as the first.
    let mut open = Vec::new();
    for burst in 0..8 {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let port = serve.port;
                let path = if i % 2 == 0 {
                    "/index.html"
                } else {
                    "/assets/search.js"
                };
                std::thread::spawn(move || keep_alive_get(port, path))
            })
            .collect();
        for h in handles {
            match h.join().expect("thread") {
                Ok(s) => open.push(s),
                Err(e) => panic!("burst {burst}: {e}"),
            }
        }
    }
    assert_eq!(open.len(), 48);
}

#[test]
fn the_404_page_at_a_nested_address_is_styled_and_its_links_work() {
    let tmp = tempfile::tempdir().expect("tmp");
    let serve = Serve::start(&bin(), tmp.path(), &[]);
    let (status, body) = serve.get("/articles/nope.html");
    assert_eq!(status, 404);
    assert!(body.contains("<h1>Page not found</h1>"), "{body}");
    assert!(
        body.contains("<link rel=\"stylesheet\" href=\"/assets/style.css\">"),
        "{body}"
    );
    // Every link and script of the page resolves from the nested address.
    let mut checked = 0;
    for attr in ["href=\"", "src=\""] {
        for (at, _) in body.match_indices(attr) {
            let rest = &body[at + attr.len()..];
            let url = &rest[..rest.find('"').expect("closing quote")];
            if url.starts_with('#') || url.starts_with("data:") {
                continue;
            }
            assert!(url.starts_with('/'), "{url} is relative");
            let (status, text) = serve.get(url.split('?').next().unwrap_or(url));
            assert_eq!(status, 200, "{url}");
            if url.ends_with("style.css") {
                assert!(
                    text.contains(".restricted-banner"),
                    "the site's style sheet"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} links");
}
