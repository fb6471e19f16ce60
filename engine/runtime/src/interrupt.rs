//! Ctrl-C during a run (and SIGTERM or SIGHUP, as when the agent's terminal is closed).
//! The first interrupt does not end the process: it marks the run
//! interrupted and wakes a pending read of the agent's answer, so the runner fails the run
//! the way any failure does — records it, restores what its steps changed, keeps the call
//! open for resume — and only then exits. A second Ctrl-C exits at once. (`kill -9` cannot
//! be caught; `sessions resume` runs the pending restores at the end of the resumed run.)
//!
//! Standard input is read on a thread of its own so that a blocked read can be woken: the
//! runner reads lines from a channel that the reading thread and the Ctrl-C handler share.
//! The `ctrlc` crate keeps the platform difference (a signal on Unix, a console control
//! handler on Windows) out of this crate.
//!
//! While a probe runs in the background at a terminal ([`probe_running`]), Ctrl-C cancels
//! that probe instead of the run, and a line `s` typed meanwhile skips it ([`probe_stop`]).
//!
//! The reading thread reads only when a line is wanted (a prompt, or a running probe that
//! `s` may skip), never ahead: a pager opened from a prompt (`?N`) then gets every key the
//! agent types, instead of racing the thread for them on the same terminal.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::OnceLock;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A probe runs in the background and the agent may stop it.
static PROBING: AtomicBool = AtomicBool::new(false);
/// How the agent stopped the running probe: 0 not, 1 skipped (`s`), 2 cancelled (Ctrl-C).
static PROBE_STOP: AtomicU8 = AtomicU8::new(0);

/// Wakes the reading thread for one line.
static WANT: OnceLock<Sender<()>> = OnceLock::new();
/// The reading thread has been asked for a line and has not read it yet.
static READING: AtomicBool = AtomicBool::new(false);

/// Ask the reading thread for the next line, unless it is already reading one.
fn want_line() {
    if !READING.swap(true, Ordering::SeqCst) {
        if let Some(tx) = WANT.get() {
            let _ = tx.send(());
        }
    }
}

/// How the agent stopped a probe that ran in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeStop {
    /// `s` and Enter.
    Skipped,
    /// Ctrl-C.
    Cancelled,
}

/// Mark a probe as running in the background (`true`) or done (`false`); while it runs,
/// Ctrl-C and `s` stop it instead of reaching the run.
pub fn probe_running(running: bool) {
    PROBE_STOP.store(0, Ordering::SeqCst);
    PROBING.store(running, Ordering::SeqCst);
    if running {
        // `s` typed while the probe runs must be read.
        want_line();
    }
}

/// Whether the agent stopped the running probe, and how.
pub fn probe_stop() -> Option<ProbeStop> {
    match PROBE_STOP.load(Ordering::SeqCst) {
        1 => Some(ProbeStop::Skipped),
        2 => Some(ProbeStop::Cancelled),
        _ => None,
    }
}

/// Whether the agent has pressed Ctrl-C during this process's run.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

enum Msg {
    Line(Vec<u8>),
    End,
    Failed(io::Error),
    Interrupted,
}

/// Standard input, line by line, for a run: installs the Ctrl-C handler (once per process)
/// and returns a reader whose pending read fails when Ctrl-C is pressed. Where no handler
/// can be installed, plain standard input (Ctrl-C then ends the process as usual).
/// Turns Ctrl-C (and the stop signals) into [`requested`] for a run that reads no input
/// (`deskbook collect`); a second Ctrl-C exits at once. `false` when no handler could be
/// installed.
pub fn install() -> bool {
    ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    })
    .is_ok()
}

pub fn stdin_lines() -> Box<dyn BufRead> {
    let (tx, rx) = mpsc::channel();
    let signal = tx.clone();
    let installed = ctrlc::set_handler(move || {
        if PROBING.load(Ordering::SeqCst) {
            // Ctrl-C during a probe: cancel the probe, keep the call.
            PROBE_STOP.store(2, Ordering::SeqCst);
            return;
        }
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            // The second Ctrl-C: the agent does not want to wait for the restores.
            std::process::exit(130);
        }
        let _ = signal.send(Msg::Interrupted);
    });
    if installed.is_err() {
        return Box::new(io::BufReader::new(io::stdin()));
    }
    let (want_tx, want_rx) = mpsc::channel::<()>();
    if WANT.set(want_tx).is_err() {
        // A second reader in one process: it reads on demand too, through its own thread.
        return Box::new(io::BufReader::new(io::stdin()));
    }
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        // One line per request, never ahead of one.
        while want_rx.recv().is_ok() {
            let mut line = Vec::new();
            let read = input.read_until(b'\n', &mut line);
            READING.store(false, Ordering::SeqCst);
            let msg = match read {
                Ok(0) => Msg::End,
                Ok(_) if PROBING.load(Ordering::SeqCst) && line.trim_ascii() == b"s" => {
                    // `s` while a probe runs: skip it (the line is not an answer).
                    PROBE_STOP.store(1, Ordering::SeqCst);
                    continue;
                }
                Ok(_) => Msg::Line(line),
                Err(e) => Msg::Failed(e),
            };
            let last = !matches!(msg, Msg::Line(_));
            if tx.send(msg).is_err() || last {
                break;
            }
        }
    });
    Box::new(Lines {
        rx,
        buf: Vec::new(),
        pos: 0,
        ended: false,
    })
}

/// Lines from the reading thread; an interrupt is an error of the read it wakes.
struct Lines {
    rx: Receiver<Msg>,
    buf: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Read for Lines {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Lines {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() && !self.ended {
            want_line();
            match self.rx.recv() {
                Ok(Msg::Line(line)) => {
                    self.buf = line;
                    self.pos = 0;
                }
                Ok(Msg::End) | Err(_) => self.ended = true,
                Ok(Msg::Failed(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Ok(Msg::Interrupted) => return Err(io::Error::other("interrupted")),
            }
        }
        Ok(&self.buf[self.pos.min(self.buf.len())..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}
