//! The interactive runner through a real terminal: each test starts `deskbook run` in a
//! tmux session 80 columns wide, types keys with `send-keys` and reads the screen with
//! `capture-pane`, as an agent would. Covered: `?` (numbered help titles with summaries),
//! `?N` (one article, in a pager), `w` (where the call is), `b` (back, the typed text kept
//! as the default), notes, skipping a slow probe with `s`, Ctrl-C during a probe (the probe
//! stops, the call goes on), the recap a resumed call starts with, and wrapping at 80
//! columns. tmux is installed by scripts/test; without it these tests fail, never skip.

mod runtime_support;

use runtime_support::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of its own (its socket in the desk) running one command in an 80-column
/// window; the command's exit code is printed as `EXITED n` and the window stays.
struct Screen {
    socket: PathBuf,
}

impl Screen {
    fn start(desk: &Desk, args: &str) -> Screen {
        // A socket of its own per screen: a server still exiting after the last screen's
        // `kill-server` must not meet the next one.
        static SCREENS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SCREENS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = desk.path().join(format!("tmux-{n}.sock"));
        let bin = bin();
        let layer = fixture("tty");
        let command = format!(
            "cd '{desk}' && env NO_COLOR=1 PAGER=less LESS= XDG_CACHE_HOME='{desk}/cache' XDG_DATA_HOME='{desk}/data' '{bin}' --db calls.sqlite --content '{layer}' {args}; echo EXITED $?; sleep 120",
            desk = desk.path().display(),
            bin = bin.display(),
            layer = layer.display(),
        );
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "80",
                "-y",
                "50",
            ])
            .arg(command)
            .output()
            .expect("tmux runs (scripts/test installs it)");
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        Screen { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Type `text` and press Enter.
    fn line(&self, text: &str) {
        if !text.is_empty() {
            self.tmux(&["send-keys", "-t", "t", "-l", text]);
        }
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    fn key(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "t", key]);
    }

    /// Everything on the screen and in its history, lines that tmux wrapped joined again
    /// (so only the program's own line breaks remain).
    fn text(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "t", "-S", "-1000"])
    }

    /// Wait until the screen shows `needle` `times` times; fail showing the screen.
    #[track_caller]
    fn wait_n(&self, needle: &str, times: usize) -> String {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text();
            if text.matches(needle).count() >= times {
                return text;
            }
            assert!(
                Instant::now() < until,
                "waited for {needle:?} x{times}; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[track_caller]
    fn wait(&self, needle: &str) -> String {
        self.wait_n(needle, 1)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

const RUN: &str = "run rt-tty --var caller=pc-0042";

// `?` lists the help as numbered titles with summaries; `?2` opens the second in the
// pager and the question comes back after it; `w` says where the call is; the hint line
// lists every key; a long question wraps at word boundaries within 80 columns.
#[test]
fn help_list_help_article_where_and_wrapping() {
    let desk = Desk::new();
    let s = Screen::start(&desk, RUN);
    let first = s.wait("answer: ");
    assert!(
        first.contains("keys: ? help list · ?N open help N · w where am I · b back · n note"),
        "{first}"
    );
    for line in first.lines() {
        assert!(
            line.chars().count() <= 80,
            "a line over 80 columns: {line:?}\n{first}"
        );
    }
    // Broken between words: every word of the question is whole on some line.
    for word in ["troubleshooting", "connectivity", "boundary,"] {
        assert!(
            first
                .lines()
                .any(|l| l.split_whitespace().any(|w| w == word)),
            "{word} was cut:\n{first}"
        );
    }
    assert!(
        first.contains("  help ?1: Network path connectivity under IPsec"),
        "{first}"
    );

    s.line("?");
    // The question shown again after the list: the whole list is on the screen.
    let listed = s.wait_n("[reach] Can the caller reach anything", 2);
    assert!(listed.contains("Help for this step"), "{listed}");
    assert!(
        listed.contains("  1) Network path connectivity under IPsec"),
        "{listed}"
    );
    assert!(listed.contains("  2) Name resolution"), "{listed}");
    // The question is shown again after the list.
    s.wait_n("[reach] Can the caller reach anything", 2);

    s.line("?2");
    // The article opens in the pager (less, waiting for a key at its prompt); `q` leaves it.
    let paged = s.wait("should not get in the way of name resolution");
    assert!(!paged.contains("EXITED"), "{paged}");
    s.key("q");
    s.wait_n("[reach] Can the caller reach anything", 3);

    s.line("w");
    // The last line of the answer, so the whole of it is on the screen.
    let at = s.wait("    open:        ");
    assert!(at.contains("Where the call is (rt-tty)"), "{at}");
    assert!(at.contains("now at:      reach"), "{at}");
    assert!(at.contains("path so far: (this is the first step)"), "{at}");
    assert!(
        at.contains("open:        yes > describe · no > describe"),
        "{at}"
    );
}

// `b` goes back to the free answer, whose text is the default; a note is recorded; `s`
// skips a slow probe after it says what it does; Ctrl-C during the next probe cancels that
// probe and the call goes on to its end.
#[test]
fn back_keeps_the_text_notes_skip_and_ctrl_c_during_probes() {
    let desk = Desk::new();
    let s = Screen::start(&desk, RUN);
    s.wait("answer: ");
    s.line("1");
    s.wait("[describe]");
    s.line("the share on srv-files-01 says access denied");
    s.wait("[confirm] You wrote: the share on srv-files-01 says access denied.");
    s.line("n caller is on VPN");
    s.wait("(note recorded)");
    s.line("b");
    let back = s.wait("answer [the share on srv-files-01 says access denied]: ");
    assert!(back.matches("[describe]").count() >= 2, "{back}");
    s.line("");
    s.wait_n(
        "[confirm] You wrote: the share on srv-files-01 says access denied.",
        2,
    );
    s.line("1");

    let slow = s.wait("this may take up to 10 s");
    assert!(
        slow.contains("running the command (command argv="),
        "{slow}"
    );
    assert!(
        slow.contains("Type s and Enter to skip it; Ctrl-C cancels it"),
        "{slow}"
    );
    s.line("s");
    s.wait("skipped by the agent");
    s.line("");
    s.wait_n("this may take up to 10 s", 2);
    s.key("C-c");
    s.wait("cancelled by the agent (Ctrl-C)");
    s.line("");
    let end = s.wait("EXITED 0");
    assert!(end.contains("The terminal test call ends."), "{end}");

    let session = session_of(&end);
    let shown = desk.show(&session);
    assert_eq!(shown["call"]["status"], "fixed-unclear");
    assert_eq!(count(&shown, "noted", "confirm"), 1);
    assert_eq!(count(&shown, "back", "confirm"), 1);
    let summaries: Vec<String> = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "probed")
        .map(|e| {
            e["payload"]["result"]["summary"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        summaries,
        ["skipped by the agent", "cancelled by the agent (Ctrl-C)"],
        "{shown}"
    );
}

// A call dropped at a prompt (Ctrl-C there ends the run and keeps the call open) resumes
// with a recap of what was answered so far, then goes on at the next question.
#[test]
fn resume_starts_with_a_recap() {
    let desk = Desk::new();
    let session = {
        let s = Screen::start(&desk, RUN);
        s.wait("answer: ");
        s.line("2");
        s.wait("[describe]");
        s.line("nothing works since this morning");
        s.wait("[confirm]");
        s.key("C-c");
        let dropped = s.wait("EXITED 1");
        assert!(dropped.contains("is kept open"), "{dropped}");
        session_of(&dropped)
    };
    let s = Screen::start(&desk, &format!("sessions resume {session}"));
    let resumed = s.wait("answer: ");
    let recap = resumed
        .split("Recap of the call so far:")
        .nth(1)
        .unwrap_or_else(|| panic!("no recap:\n{resumed}"));
    assert!(recap.contains("    reach: no\n"), "{resumed}");
    assert!(
        recap.contains("    describe: nothing works since this morning\n"),
        "{resumed}"
    );
    assert!(
        recap.contains("[confirm] You wrote: nothing works since this morning."),
        "{resumed}"
    );
}
