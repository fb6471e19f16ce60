//! Shared by the site tests: `deskbook site serve` as a real process on a free loopback
//! port, with its terminal output collected, and a plain HTTP GET.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `deskbook site serve`; killed on drop.
pub struct Serve {
    child: Child,
    pub url: String,
    pub port: u16,
    /// Every line the server printed on standard error.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    /// Start `deskbook [extra] site serve --port P` in `dir`; returns once it serves.
    pub fn start(bin: &Path, dir: &Path, extra: &[&str]) -> Serve {
        let port = deskbook_testkit::browser::free_port().expect("port");
        let port_s = port.to_string();
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["site", "serve", "--port", &port_s]);
        let mut child = Command::new(bin)
            .args(&args)
            .current_dir(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start site serve");
        let err = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(err).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let url = loop {
            match lines.next() {
                Some(Ok(l)) => {
                    log.lock().expect("log").push(l.clone());
                    if let Some(rest) = l.strip_prefix("serving ") {
                        break rest.split(' ').next().expect("url").to_string();
                    }
                }
                _ => panic!(
                    "site serve stopped before serving: {:?}",
                    log.lock().expect("log")
                ),
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                sink.lock().expect("log").push(l);
            }
        });
        Serve {
            child,
            url,
            port,
            log,
        }
    }

    /// `GET path` on the server: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = String::new();
        s.read_to_string(&mut raw).expect("read");
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        let body = raw
            .split_once("\r\n\r\n")
            .map(|b| b.1.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Wait up to 30 s until `pred` holds for the body of `path`.
    pub fn wait_for(&self, path: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, body) = self.get(path);
            if pred(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never changed; server said: {:?}",
                self.log.lock().expect("log")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait up to 30 s for a log line containing `needle`.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self
                .log
                .lock()
                .expect("log")
                .iter()
                .find(|l| l.contains(needle))
            {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` in {:?}",
                self.log.lock().expect("log")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
