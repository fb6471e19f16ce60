//! Programs that run a script they are handed: a shell with `-c`, `cmd /c`, PowerShell's
//! `-Command`, an interpreter's `-e`.
//!
//! The `command` probe runs an argument vector and never a shell, so that a value is only
//! ever one argument. An argv whose program is itself a shell given a script (`["sh", "-c",
//! "echo {{ host }}"]`) would undo that: the script is parsed again, and a value holding `;`
//! runs a second command. [`script_runner`] recognises such an argv (through wrappers such
//! as `env`, `sudo` or `timeout`); the probe refuses it and `deskbook check` reports it.

/// Shells: a `-c` (alone or among other single-letter flags, `-ec`) makes the next word a
/// script.
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "yash",
];

/// Interpreters and the flags that hand them code on the command line.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("python2", &["-c"]),
    ("python3", &["-c"]),
    ("py", &["-c"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("luajit", &["-e"]),
    ("tclsh", &["-c"]),
    ("awk", &[""]),
    ("gawk", &[""]),
    ("mawk", &[""]),
];

/// Programs that run nothing but scripts.
const SCRIPT_HOSTS: &[&str] = &["wscript", "cscript", "mshta", "osascript", "rundll32"];

/// Programs that run the program named by their first plain word.
const WRAPPERS: &[&str] = &[
    "env", "sudo", "doas", "nice", "nohup", "timeout", "stdbuf", "setsid", "xargs", "exec",
    "command", "busybox", "chroot", "runuser", "ionice", "time", "start",
];

/// The program's name as a rule reads it: no folder, no `.exe`, lowercase.
fn program_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let lower = base.to_ascii_lowercase();
    lower
        .strip_suffix(".exe")
        .or_else(|| lower.strip_suffix(".com"))
        .map(str::to_owned)
        .unwrap_or(lower)
}

/// Why `argv` hands a script to a shell or an interpreter, or `None` when it does not.
pub fn script_runner(argv: &[String]) -> Option<String> {
    let mut at = 0;
    // Through wrappers: skip their options, `NAME=value` settings and (timeout) a duration.
    while let Some(word) = argv.get(at) {
        let name = program_name(word);
        if !WRAPPERS.contains(&name.as_str()) {
            break;
        }
        at += 1;
        while let Some(w) = argv.get(at) {
            let numeric = w.chars().next().is_some_and(|c| c.is_ascii_digit());
            if w.starts_with('-')
                || w.starts_with('/') && name == "start"
                || w.contains('=')
                || numeric
            {
                at += 1;
            } else {
                break;
            }
        }
    }
    let program = argv.get(at)?;
    let name = program_name(program);
    let rest = &argv[at + 1..];
    let shown = |flag: &str| {
        format!("`{program} {flag}` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
    };
    if SHELLS.contains(&name.as_str()) {
        if let Some(flag) = rest
            .iter()
            .find(|w| w.len() > 1 && w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
        {
            return Some(shown(flag));
        }
        // A script file or standard input is a script too.
        if let Some(file) = rest.iter().find(|w| !w.starts_with('-')) {
            return Some(shown(file));
        }
        return None;
    }
    if name == "cmd" {
        if let Some(flag) = rest
            .iter()
            .find(|w| matches!(w.to_ascii_lowercase().as_str(), "/c" | "/k" | "/r"))
        {
            return Some(shown(flag));
        }
        return None;
    }
    if name == "powershell" || name == "pwsh" {
        if let Some(flag) = rest.iter().find(|w| {
            let l = w.to_ascii_lowercase();
            let Some(opt) = l.strip_prefix('-').or_else(|| l.strip_prefix('/')) else {
                return false;
            };
            !opt.is_empty()
                && ["command", "encodedcommand", "file", "ec"]
                    .iter()
                    .any(|full| full.starts_with(opt))
        }) {
            return Some(shown(flag));
        }
        return None;
    }
    if SCRIPT_HOSTS.contains(&name.as_str()) {
        return Some(format!(
            "`{program}` only runs scripts, which would read every value in them as code: give a program and its arguments as the argv"
        ));
    }
    for (interp, flags) in INTERPRETERS {
        if name != *interp {
            continue;
        }
        if flags == &[""] {
            // awk: its first plain word is the program.
            return rest.iter().find(|w| !w.starts_with('-')).map(|w| shown(w));
        }
        if let Some(flag) = rest.iter().find(|w| flags.contains(&w.as_str())) {
            return Some(shown(flag));
        }
        if let Some(file) = rest.iter().find(|w| !w.starts_with('-')) {
            return Some(shown(file));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn shells_and_interpreters_given_a_script_are_recognised() {
        for bad in [
            &["sh", "-c", "echo {{ host }}"][..],
            &["/bin/bash", "-ec", "x"],
            &["bash", "script.sh"],
            &["env", "LANG=C", "sh", "-c", "x"],
            &["sudo", "-n", "bash", "-c", "x"],
            &["timeout", "5", "zsh", "-c", "x"],
            &["cmd", "/c", "dir"],
            &["CMD.EXE", "/K", "dir"],
            &[r"C:\Windows\System32\cmd.exe", "/c", "x"],
            &["powershell", "-Command", "Get-Item"],
            &["powershell.exe", "-NoProfile", "-c", "x"],
            &["pwsh", "-EncodedCommand", "SQBFAFgA"],
            &["pwsh", "-File", "x.ps1"],
            &["python3", "-c", "import os"],
            &["perl", "-e", "print 1"],
            &["node", "--eval", "1"],
            &["awk", "BEGIN{system(\"id\")}"],
            &["cscript", "x.vbs"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
        assert_eq!(
            script_runner(&argv(&["sh", "-c", "echo hi"])).as_deref(),
            Some("`sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
        );
    }

    #[test]
    fn ordinary_programs_pass() {
        for ok in [
            &["klist", "purge"][..],
            &["reg", "query", r"HKLM\Software", "/v", "x"],
            &["netsh", "ipsec", "static", "show", "all"],
            &["ping", "-n", "1", "192.0.2.1"],
            &["env", "LANG=C", "ipsec", "statusall"],
            &["sh"],
            &["python3", "--version"],
            &["cmd"],
            &["mkdir", "/tmp/x"],
        ] {
            assert_eq!(script_runner(&argv(ok)), None, "{ok:?}");
        }
    }
}
