//! The authors' loop: serve the built site from memory on 127.0.0.1 (axum on a one-thread
//! tokio runtime) and rebuild it when a file of any layer changes. A failed rebuild is
//! reported and the last good site stays up (or, before the first good build, a page
//! showing the problems).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::{OutFile, Site, SiteError};

type Files = Arc<RwLock<HashMap<String, Arc<Vec<u8>>>>>;

/// Serve what `build` makes on `127.0.0.1:port` (0 picks a free port), rebuilding when a
/// file under `watch` changes. `log` gets one line per event (the address first). Runs
/// until the process ends; returns only when the server cannot start.
pub fn serve(
    port: u16,
    watch: &[PathBuf],
    build: &dyn Fn() -> Result<Site, SiteError>,
    log: &dyn Fn(&str),
) -> Result<(), SiteError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| SiteError::Output {
            path: format!("127.0.0.1:{port}"),
            message: format!("cannot listen: {e}"),
        })?;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| format!("127.0.0.1:{port}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SiteError::Output {
            path: addr.clone(),
            message: format!("cannot start the server: {e}"),
        })?;
    let files: Files = Arc::new(RwLock::new(HashMap::new()));
    rebuild(build, &files, log);
    log(&format!("serving http://{addr}/ (Ctrl-C to stop)"));

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev {
            if !matches!(ev.kind, notify::EventKind::Access(_)) {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| SiteError::Output {
        path: "layers".to_string(),
        message: format!("cannot watch for changes: {e}"),
    })?;
    for dir in watch {
        if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
            log(&format!("warning: not watching {}: {e}", dir.display()));
        }
    }

    let served = Arc::clone(&files);
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let files = Arc::clone(&served);
                async move { respond(uri.path(), &files) }
            });
            let _ = axum::serve(listener, app).await;
        });
    });

    while rx.recv().is_ok() {
        // Editors write a file in several steps: wait for the burst to end.
        while rx.recv_timeout(Duration::from_millis(150)).is_ok() {}
        log("change detected, rebuilding");
        rebuild(build, &files, log);
    }
    Ok(())
}

fn rebuild(build: &dyn Fn() -> Result<Site, SiteError>, files: &Files, log: &dyn Fn(&str)) {
    let started = std::time::Instant::now();
    match build() {
        Ok(site) => {
            let n = site.pages.len();
            let map: HashMap<String, Arc<Vec<u8>>> = site
                .files
                .into_iter()
                .map(|f: OutFile| (f.path, Arc::new(f.bytes)))
                .collect();
            if let Ok(mut w) = files.write() {
                *w = map;
            }
            log(&format!(
                "built {n} pages in {} ms",
                started.elapsed().as_millis()
            ));
        }
        Err(e) => {
            let text = e.to_string();
            log(&format!("error: {text}"));
            if let Ok(mut w) = files.write() {
                if w.is_empty() || w.contains_key(ERROR_MARK) {
                    w.clear();
                    let page = format!(
                        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head><body><h1>The site did not build</h1><pre>{}</pre><p>Fix the files and save: the site rebuilds.</p></body></html>",
                        crate::flowchart::esc(&text)
                    );
                    w.insert("index.html".to_string(), Arc::new(page.into_bytes()));
                    w.insert(ERROR_MARK.to_string(), Arc::new(Vec::new()));
                }
            }
        }
    }
}

/// Present while the served site is the "did not build" page.
const ERROR_MARK: &str = "\u{0}build-failed";

/// The file at the request's `raw` path (`%XX` decoded, `dir/` as `dir/index.html`), or
/// the site's 404 page.
fn respond(raw: &str, files: &Files) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    let path = percent_decode(raw.trim_start_matches('/'));
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    let safe = !path.split('/').any(|s| s == ".." || s.starts_with('\u{0}'));
    let found = if safe {
        files.read().ok().and_then(|f| f.get(&path).cloned())
    } else {
        None
    };
    let (status, body, kind) = match found {
        Some(b) => (StatusCode::OK, b, content_type(&path)),
        None => {
            let nf = files.read().ok().and_then(|f| f.get("404.html").cloned());
            (
                StatusCode::NOT_FOUND,
                nf.unwrap_or_else(|| Arc::new(b"not found".to_vec())),
                "text/html; charset=utf-8",
            )
        }
    };
    let headers = [
        (header::CONTENT_TYPE, kind),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    axum::response::IntoResponse::into_response((status, headers, body.as_slice().to_vec()))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `%XX` escapes decoded (a bad escape stays as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%aé"), "%aé");
    }
}
