//! What packagers and shell users expect of the binary: `--version` with the content
//! version, completions for four shells and a man page generated from the command line
//! definition, and `NO_COLOR` honoured on a real terminal.

mod common;

use common::*;
use std::process::Command;

#[test]
fn version_names_the_program_and_its_built_in_content() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let re = regex::Regex::new(r"^deskbook \d+\.\d+\.\d+ \(built-in content [0-9a-f]{12}\)\n$")
        .expect("regex");
    assert!(re.is_match(&text), "{text:?}");
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_deskbook()"),
        ("zsh", "#compdef deskbook"),
        ("fish", "complete -c deskbook"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell}: {marker} missing");
        for word in ["collect", "sessions", "completions", "dry-run"] {
            assert!(text.contains(word), "{shell}: `{word}` missing");
        }
    }
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).starts_with("error: invalid value 'tcsh' for '<SHELL>'"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn man_page_is_roff_with_every_command() {
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH deskbook 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for cmd in [
        "check",
        "list",
        "show",
        "search",
        "run",
        "test",
        "probe",
        "sessions",
        "collect",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("\ndeskbook\\-{cmd}(1)\n")),
            "{cmd} missing from the man page"
        );
    }
}

/// `show` on a real terminal (through `script`'s pseudo-terminal): bold titles, unless
/// NO_COLOR is set to anything but the empty string (no-color.org).
#[test]
fn no_color_turns_styling_off_on_a_terminal() {
    let shown = |no_color: Option<&str>| -> String {
        let dir = tempfile::tempdir().expect("dir");
        let line = format!("{} show event-4268", bin().display());
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"])
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("TERM", "xterm");
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        let out = c.output().expect("script");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    assert!(shown(None).contains("\x1b[1m"), "styled on a terminal");
    assert!(
        shown(Some("")).contains("\x1b[1m"),
        "an empty NO_COLOR does not count"
    );
    let plain = shown(Some("1"));
    assert!(plain.contains("Received packets with a bad SPI"), "{plain}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
