//! Running a program: an argument vector, never a shell, with a deadline and bounded output.
//!
//! Each argument reaches the program as exactly one argument, so a value holding `;`,
//! `$(…)` or a newline is just text to it. Output beyond the bound is read and dropped so
//! that a chatty tool cannot block on a full pipe, and a tool that outlives its deadline
//! is killed with everything it started: the program leads its own process group on Unix
//! and runs in a job object on Windows (`process-wrap` keeps the platform code out of
//! here), so `sh -c "sleep 400; …"` leaves no `sleep` behind. When the program exits on
//! time, whatever it left running in its group is ended too: a probe leaves nothing
//! behind.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use process_wrap::std::{ChildWrapper, CommandWrap};

/// Most bytes kept of each of stdout and stderr.
pub(crate) const MAX_CAPTURE: usize = 256 * 1024;

/// How a program run ended.
#[derive(Debug, Clone, Default)]
pub(crate) struct Finished {
    /// The exit code; `None` when killed (by us at the deadline, or by a signal).
    pub(crate) code: Option<i32>,
    pub(crate) timed_out: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Output beyond [`MAX_CAPTURE`] was dropped.
    pub(crate) truncated: bool,
}

/// Why a program did not start.
#[derive(Debug)]
pub(crate) enum StartError {
    NotFound,
    Other(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::NotFound => f.write_str("program not found"),
            StartError::Other(e) => write!(f, "{e}"),
        }
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut truncated = false;
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_CAPTURE.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    truncated |= n > room;
                }
            }
        }
        let _ = tx.send((kept, truncated));
    });
    rx
}

/// Runs `argv` with stdin closed and waits at most `timeout`.
pub(crate) fn run(argv: &[String], timeout: Duration) -> Result<Finished, StartError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(StartError::NotFound);
    };
    let started = Instant::now();
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut wrapped = CommandWrap::from(command);
    #[cfg(unix)]
    wrapped.wrap(process_wrap::std::ProcessGroup::leader());
    #[cfg(windows)]
    wrapped.wrap(process_wrap::std::JobObject);
    let mut child = wrapped.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StartError::NotFound,
        // The PATH search reports "permission denied" when it met an unreadable
        // directory and found the program nowhere: that is "not installed" too.
        std::io::ErrorKind::PermissionDenied if !on_path(program) => StartError::NotFound,
        _ => StartError::Other(e),
    })?;
    let out = child.stdout().take().map(reader);
    let err = child.stderr().take().map(reader);
    let mut finished = Finished::default();
    match wait_until(child.as_mut(), started + timeout) {
        Some(status) => {
            finished.code = status.code();
            // The program is done; anything it left running in its group goes too.
            let _ = child.start_kill();
        }
        None => {
            finished.timed_out = true;
            let _ = child.start_kill();
            let _ = child.wait();
        }
    }
    // A grandchild may still hold the pipes open; do not wait for it past the deadline
    // (plus a moment for the last bytes of a program that exited on time).
    let grace = Duration::from_millis(200);
    let until = (started + timeout).max(Instant::now()) + grace;
    let collect = |rx: Option<mpsc::Receiver<(Vec<u8>, bool)>>| {
        rx.and_then(|rx| {
            rx.recv_timeout(until.saturating_duration_since(Instant::now()))
                .ok()
        })
        .unwrap_or_default()
    };
    let (o, ot) = collect(out);
    let (e, et) = collect(err);
    finished.stdout = decode(&o);
    finished.stderr = decode(&e);
    finished.truncated = ot || et;
    Ok(finished)
}

/// Waits for the program to exit until `deadline`; `None` when it is still running then
/// (or cannot be waited for).
fn wait_until(child: &mut dyn ChildWrapper, deadline: Instant) -> Option<std::process::ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(_) => return None,
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Whether `program` names a file: a path as given, or a bare name found on PATH.
fn on_path(program: &str) -> bool {
    let p = std::path::Path::new(program);
    if p.components().count() > 1 {
        return p.is_file();
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
        })
    })
}

/// Tool output as text. Windows console tools write the OEM code page; bytes that are not
/// UTF-8 are replaced rather than failing the probe.
fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
