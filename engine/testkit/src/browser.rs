//! A small WebDriver client for browser tests: starts Debian's `chromedriver` on a free
//! loopback port, opens a headless Chromium session with a fresh profile, and speaks the
//! W3C WebDriver protocol (JSON over HTTP/1.1) with nothing but the standard library.
//!
//! ```no_run
//! let mut b = deskbook_testkit::browser::Browser::start().expect("chromium");
//! b.goto("file:///tmp/site/index.html").expect("page");
//! let title = b.eval("return document.title").expect("title");
//! b.screenshot(std::path::Path::new("home.png")).expect("png");
//! ```

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where Debian installs the driver and the browser; `CHROMEDRIVER` and `CHROMIUM` override.
const DRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver with one open session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
}

impl Browser {
    /// Start chromedriver and open a headless Chromium session (1280 x 900).
    pub fn start() -> Result<Browser, String> {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| DRIVER.to_string());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_string());
        let port = free_port()?;
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {driver_bin}: {e}"))?;
        let profile =
            std::env::temp_dir().join(format!("deskbook-chromium-{}-{port}", std::process::id()));
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = b.request("GET", "/status", None) {
                if v["value"]["ready"].as_bool() == Some(true) {
                    break;
                }
            }
            if Instant::now() > deadline {
                return Err(format!("{driver_bin} did not get ready on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--no-first-run".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--hide-scrollbars".to_string(),
            "--window-size=1280,900".to_string(),
            format!("--user-data-dir={}", b.profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let v = b.request("POST", "/session", Some(&caps))?;
        b.session = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session in {v}"))?
            .to_string();
        Ok(b)
    }

    /// Open `url` and wait for the document to load.
    pub fn goto(&mut self, url: &str) -> Result<(), String> {
        self.cmd("POST", "url", json!({ "url": url })).map(|_| ())
    }

    pub fn current_url(&mut self) -> Result<String, String> {
        let v = self.cmd("GET", "url", Value::Null)?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Run `script` (a function body; `arguments` holds `args`) and return its result.
    pub fn eval_with(&mut self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.cmd(
            "POST",
            "execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    pub fn eval(&mut self, script: &str) -> Result<Value, String> {
        self.eval_with(script, Vec::new())
    }

    /// Run `script`, which calls `arguments[arguments.length - 1]` with its result (a
    /// promise's outcome, say); `args` come before that callback.
    pub fn eval_async(&mut self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.cmd(
            "POST",
            "execute/async",
            json!({"script": script, "args": args}),
        )
    }

    /// How long an asynchronous script may take.
    pub fn set_script_timeout(&mut self, ms: u64) -> Result<(), String> {
        self.cmd("POST", "timeouts", json!({ "script": ms }))
            .map(|_| ())
    }

    /// Evaluate `script` until `done` accepts its result or `secs` pass; the last result.
    pub fn wait_for(
        &mut self,
        script: &str,
        secs: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.eval(script)?;
            if done(&v) || Instant::now() > deadline {
                return Ok(v);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver id of the first element matching `css`.
    fn element(&mut self, css: &str) -> Result<String, String> {
        let v = self.cmd(
            "POST",
            "element",
            json!({"using": "css selector", "value": css}),
        )?;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("no element {css}"))
    }

    /// Click the first element matching `css`.
    pub fn click(&mut self, css: &str) -> Result<(), String> {
        let id = self.element(css)?;
        self.cmd("POST", &format!("element/{id}/click"), json!({}))
            .map(|_| ())
    }

    /// Type `text` into the first element matching `css`, key by key.
    pub fn type_into(&mut self, css: &str, text: &str) -> Result<(), String> {
        let id = self.element(css)?;
        self.cmd(
            "POST",
            &format!("element/{id}/value"),
            json!({ "text": text }),
        )
        .map(|_| ())
    }

    /// Console messages since the last call: `(level, message)`.
    pub fn console(&mut self) -> Result<Vec<(String, String)>, String> {
        let v = self.cmd("POST", "se/log", json!({"type": "browser"}))?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or("").to_string(),
                            e["message"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Resize the window (the screenshot is of the viewport).
    pub fn resize(&mut self, width: u32, height: u32) -> Result<(), String> {
        self.cmd(
            "POST",
            "window/rect",
            json!({"width": width, "height": height}),
        )
        .map(|_| ())
    }

    /// Save a PNG of the viewport to `path`.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        let v = self.cmd("GET", "screenshot", Value::Null)?;
        let png = base64_decode(v.as_str().unwrap_or_default())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn cmd(&mut self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("/session/{}/{path}", self.session);
        let body = (method == "POST").then_some(&body);
        let (status, v) = self.exchange(method, &url, body)?;
        // A WebDriver error is a non-200 answer; a script's own `{error: ...}` is a value.
        if status != 200 {
            return Err(format!(
                "{method} {path}: {status} {}: {}",
                v["value"]["error"],
                v["value"]["message"].as_str().unwrap_or("")
            ));
        }
        Ok(v["value"].clone())
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        self.exchange(method, path, body).map(|(_, v)| v)
    }

    /// One HTTP exchange with the driver: the status and the JSON body.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        // The driver may keep the connection open: read the head, then exactly the body.
        let mut reader = std::io::BufReader::new(s);
        let mut status_line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut status_line).map_err(|e| e.to_string())?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            let n =
                std::io::BufRead::read_line(&mut reader, &mut line).map_err(|e| e.to_string())?;
            if n == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let payload = match length {
            Some(n) => {
                let mut body = vec![0u8; n];
                reader.read_exact(&mut body).map_err(|e| e.to_string())?;
                String::from_utf8_lossy(&body).into_owned()
            }
            None => {
                let mut rest = String::new();
                reader
                    .read_to_string(&mut rest)
                    .map_err(|e| e.to_string())?;
                if head.contains("transfer-encoding: chunked") {
                    dechunk(&rest)
                } else {
                    rest
                }
            }
        };
        let v = serde_json::from_str(&payload).map_err(|e| format!("{e}: {payload}"))?;
        Ok((status, v))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = self.request("DELETE", &path, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in s.as_bytes() {
        if c == b'=' || c == b'\n' || c == b'\r' {
            continue;
        }
        let v = val(c).ok_or_else(|| format!("bad base64 byte {c}"))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64_and_chunks() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Ok(&b"hello"[..]));
        assert_eq!(dechunk("5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"), "hello!");
    }
}
