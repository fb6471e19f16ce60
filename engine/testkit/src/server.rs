//! A static file server on loopback for browser tests and benchmarks: one folder, or files
//! held in memory, served never-cached (`Cache-Control: no-store`), one thread per
//! connection (a browser keeps several open), counting the bytes it sends and the paths it
//! served. And `file://` URLs. The browser itself is [`crate::browser`].

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where the served files come from.
enum Source {
    Folder(PathBuf),
    Files(HashMap<String, Vec<u8>>),
}

impl Source {
    /// The file at `rel` (`dir/` is `dir/index.html`); `None` for a path outside.
    fn get(&self, rel: &str) -> Option<Vec<u8>> {
        let rel = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        if rel.split('/').any(|c| c == "..") {
            return None;
        }
        match self {
            Source::Folder(root) => std::fs::read(root.join(&rel)).ok(),
            Source::Files(files) => files.get(&rel).cloned(),
        }
    }
}

/// A static file server on 127.0.0.1, counting what it sends.
pub struct Server {
    pub port: u16,
    bytes: Arc<AtomicU64>,
    log: Arc<Mutex<Vec<(String, u64)>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Server {
    /// Serve the folder `root`.
    pub fn start(root: &Path) -> Server {
        Server::with(Source::Folder(root.to_path_buf()))
    }

    /// Serve `files` (path from the site root, bytes) from memory.
    pub fn files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Server {
        Server::with(Source::Files(files.into_iter().collect()))
    }

    fn with(source: Source) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let bytes = Arc::new(AtomicU64::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let source = Arc::new(source);
        let (b, l, s) = (bytes.clone(), log.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (source, b, l) = (source.clone(), b.clone(), l.clone());
                std::thread::spawn(move || serve(stream, &source, &b, &l));
            }
        });
        Server {
            port,
            bytes,
            log,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// Bytes sent (headers and bodies) since the last reset.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }

    /// Body bytes sent since the last reset.
    pub fn body_bytes(&self) -> u64 {
        self.served().iter().map(|(_, n)| n).sum()
    }

    /// Paths served since the last reset, with their body sizes.
    pub fn served(&self) -> Vec<(String, u64)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn reset(&self) {
        self.bytes.store(0, Ordering::SeqCst);
        if let Ok(mut l) = self.log.lock() {
            l.clear();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, source: &Source, bytes: &AtomicU64, log: &Mutex<Vec<(String, u64)>>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                break;
            }
        }
        let path = request.split_whitespace().nth(1).unwrap_or("/");
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let rel = percent_decode(path.trim_start_matches('/'));
        let (status, body) = match source.get(&rel) {
            Some(b) => ("200 OK", b),
            None => ("404 Not Found", b"not found".to_vec()),
        };
        let kind = match rel.rsplit('.').next() {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css",
            Some("svg") => "image/svg+xml",
            Some("xml") => "application/xml",
            _ if rel.is_empty() || rel.ends_with('/') => "text/html; charset=utf-8",
            _ => "application/octet-stream",
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\r\n",
            body.len()
        );
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(&body).is_err() {
            return;
        }
        bytes.fetch_add((head.len() + body.len()) as u64, Ordering::SeqCst);
        if let Ok(mut l) = log.lock() {
            l.push((rel, body.len() as u64));
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `file://` URL of a path.
pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}
