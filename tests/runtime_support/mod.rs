//! Helpers for the runtime tests: a desk (a temporary folder with its own call database and
//! data directory) that runs the real `deskbook` with the runtime fixture layer, feeds it
//! standard input, and reads the recorded calls back through `sessions show --json`.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_deskbook"))
}

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runtime")
        .join(rel)
}

/// A temporary working folder: `calls.sqlite` is its call database, `work/` the folder the
/// fixture playbook's commands change (with `marker.txt` and `oakley.log` in it).
pub struct Desk {
    pub dir: tempfile::TempDir,
}

impl Desk {
    pub fn new() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let work = dir.path().join("work");
        std::fs::create_dir(&work).expect("work dir");
        std::fs::write(work.join("marker.txt"), "marker\n").expect("marker");
        std::fs::write(work.join("oakley.log"), "IKE: main mode SA established\n").expect("log");
        Desk { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    /// `--var workdir=...` for rt-call.
    pub fn workdir_var(&self) -> String {
        format!("workdir={}", self.work().display())
    }

    /// `deskbook --db calls.sqlite --content <fixture layer> [layers] ARGS`.
    pub fn command(&self, layers: &[&str], args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .arg("--db")
            .arg("calls.sqlite");
        for layer in layers {
            c.arg("--content").arg(fixture(layer));
        }
        c.args(args);
        c
    }

    /// Run with the fixture layer and `stdin` as the whole standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_layers(&["layer"], args, stdin)
    }

    pub fn run_layers(&self, layers: &[&str], args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(layers, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn deskbook");
        if let Some(mut input) = child.stdin.take() {
            // A run that stops early closes its end; that is not this helper's failure.
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output().expect("wait for deskbook")
    }

    /// `run rt-call --var caller=CALLER --var workdir=<work>`, then `extra`.
    pub fn rt_call_args(&self, caller: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "run".to_string(),
            "rt-call".to_string(),
            "--var".to_string(),
            format!("caller={caller}"),
            "--var".to_string(),
            self.workdir_var(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    }

    /// Run rt-call for caller `pc-0042` with the fixture layer and `stdin` as its input.
    pub fn run_rt_call(&self, stdin: &str) -> Output {
        let args = self.rt_call_args("pc-0042", &[]);
        self.run(&args.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
    }

    /// Start rt-call for `caller` (plus `extra` arguments) as a live, prompt-by-prompt run.
    pub fn spawn_rt_call(&self, caller: &str, extra: &[&str]) -> Live {
        let args = self.rt_call_args(caller, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Live::spawn(self.command(&["layer"], &args))
    }

    /// Answer rt-call's `reach` and `describe`, kill it at `change`'s prompt; the session id.
    pub fn rt_call_killed_at_change(&self) -> String {
        let mut live = self.spawn_rt_call("pc-0042", &[]);
        live.answer(&["yes", "no files"]);
        live.wait_prompt();
        session_of(&live.kill9())
    }

    /// Resume `session` against the changed layer with the rest of rt-call's answers; stdout.
    #[track_caller]
    pub fn resume_changed(&self, session: &str) -> String {
        let out = self.run_layers(
            &["layer", "changed"],
            &["sessions", "resume", session],
            "y\ndone\n\n\nworks now\n",
        );
        let text = stdout(&out);
        assert!(out.status.success(), "{text}\n{}", stderr(&out));
        text
    }

    /// Run rt-escalate with the desk's `esc.yaml` answers file as agent `agent`.
    pub fn run_escalate(&self, agent: &str) -> Output {
        self.run(
            &[
                "run",
                "rt-escalate",
                "--answers",
                "esc.yaml",
                "--agent",
                agent,
            ],
            "",
        )
    }

    /// The recorded call: `{"call": {...}, "events": [...]}`.
    pub fn show(&self, session: &str) -> Value {
        let out = self.run(&["sessions", "show", session, "--json"], "");
        assert!(out.status.success(), "sessions show: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("sessions show --json is JSON")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output of a run that must have succeeded (else fail showing both outputs).
#[track_caller]
pub fn success_stdout(o: &Output) -> String {
    let text = stdout(o);
    assert!(o.status.success(), "{text}{}", stderr(o));
    text
}

/// The session id from a run's first line (`call ID · playbook · title`).
pub fn session_of(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("call ")
                .or_else(|| l.strip_prefix("resuming call "))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no session id in:\n{text}"))
}

/// `(kind, step)` of every event of a recorded call.
pub fn kinds(shown: &Value) -> Vec<(String, String)> {
    shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_string(),
                e["step"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// How many events of `kind` at `step` the call has.
pub fn count(shown: &Value, kind: &str, step: &str) -> usize {
    kinds(shown)
        .iter()
        .filter(|(k, s)| k == kind && s == step)
        .count()
}

/// A `deskbook run` driven one line at a time: the test waits for each prompt before it
/// types, as an agent does.
pub struct Live {
    pub child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
    seen: usize,
}

/// The last line of the output is one of the runner's prompts (it waits for a line).
fn is_prompt(text: &str) -> bool {
    let last = text.rsplit('\n').next().unwrap_or("");
    (last.starts_with("answer")
        || last.starts_with("confirm")
        || last.starts_with("accept [")
        || last.starts_with("what did it show?"))
        && last.ends_with(": ")
        || last == "run it? "
}

impl Live {
    pub fn spawn(mut cmd: Command) -> Live {
        cmd.stderr(Stdio::null());
        Live::spawn_keeping_stderr(cmd)
    }

    /// As [`Live::spawn`], with standard error where `cmd` already sends it.
    pub fn spawn_keeping_stderr(mut cmd: Command) -> Live {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn deskbook");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Live {
            child,
            stdin,
            out,
            seen: 0,
        }
    }

    pub fn transcript(&self) -> String {
        self.out.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Wait until the program shows its next prompt; returns what it printed since the last.
    pub fn wait_prompt(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.transcript();
            if text.len() > self.seen && is_prompt(&text) {
                let new = text[self.seen..].to_string();
                self.seen = text.len();
                return new;
            }
            if Instant::now() > deadline {
                panic!("no prompt within 30 s; output so far:\n{text}");
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("deskbook exited ({status}) before the next prompt:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Wait for each prompt in turn and type the next of `inputs` at it.
    pub fn answer(&mut self, inputs: &[&str]) {
        for input in inputs {
            self.wait_prompt();
            self.send(input);
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write an answer");
        stdin.flush().expect("flush the answer");
    }

    /// `kill -9`: SIGKILL on Unix (TerminateProcess on Windows); nothing runs after it.
    pub fn kill9(mut self) -> String {
        self.child.kill().expect("kill deskbook");
        let _ = self.child.wait();
        self.transcript()
    }
}
