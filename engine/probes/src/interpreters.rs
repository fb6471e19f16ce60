//! Programs that run a script they are handed: a shell with `-c`, `cmd /c`, PowerShell's
//! `-Command`, an interpreter's `-e`, and programs that hand a command line on (`env -S`,
//! `su -c`, `find -exec sh -c …`, `ssh HOST COMMAND`, `wsl`).
//!
//! The `command` probe runs an argument vector and never a shell, so that a value is only
//! ever one argument. An argv whose program is itself a shell given a script (`["sh", "-c",
//! "echo {{ host }}"]`) would undo that: the script is parsed again, and a value holding `;`
//! runs a second command. [`script_runner`] recognises such an argv, through wrappers such
//! as `env`, `sudo`, `timeout` or `xargs` and the command of `find -exec`, each checked as
//! an argv of its own; the probe refuses it and `deskbook check` reports it. A program's
//! name is read without its folder, `.exe` and version (`python3.11`, `perl5.36`,
//! `pwsh-preview` are `python`, `perl`, `pwsh`).

/// Shells: a `-c` (alone or among other single-letter flags, `-ec`) makes the next word a
/// script.
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "yash", "rbash",
    "elvish", "nu", "xonsh",
];

/// Interpreters and the flags that hand them code on the command line. A single-letter
/// flag counts among others (`perl -le`) and with its code attached (`perl -eprint`); a long
/// one with `=` (`node --eval=…`).
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("py", &["-c"]),
    ("pypy", &["-c"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("bun", &["-e", "--eval", "-p", "--print"]),
    ("deno", &["eval"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("luajit", &["-e"]),
    ("tclsh", &["-c"]),
    ("wish", &["-c"]),
    ("expect", &["-c"]),
    ("rscript", &["-e"]),
    ("julia", &["-e", "--eval", "-E", "--print"]),
    ("groovy", &["-e"]),
    ("jrunscript", &["-e"]),
    ("awk", &[""]),
    ("gawk", &[""]),
    ("mawk", &[""]),
    ("nawk", &[""]),
];

/// Programs that run nothing but scripts.
const SCRIPT_HOSTS: &[&str] = &["wscript", "cscript", "mshta", "osascript", "rundll32"];

/// Programs that run a command line on another computer or in another subsystem, where a
/// shell reads it again: whatever follows is code there.
const REMOTE: &[&str] = &[
    "ssh", "slogin", "autossh", "rsh", "rexec", "rlogin", "plink", "dbclient", "mosh", "wsl",
    "wslg", "psexec", "psexec64", "paexec", "winrs", "runas",
];

/// Programs that run the program named by their first plain word, and their options that
/// take the next word as a value (`sudo -u root sh -c …`: `root` is not the program).
const WRAPPERS: &[(&str, &[&str])] = &[
    ("env", &["-u", "--unset", "-C", "--chdir"]),
    (
        "sudo",
        &[
            "-u",
            "--user",
            "-g",
            "--group",
            "-h",
            "--host",
            "-p",
            "--prompt",
            "-C",
            "--close-from",
            "-D",
            "--chdir",
            "-r",
            "--role",
            "-t",
            "--type",
            "-U",
            "--other-user",
            "-T",
            "--command-timeout",
            "-R",
            "--chroot",
        ],
    ),
    ("doas", &["-u", "-C"]),
    ("nice", &["-n", "--adjustment"]),
    ("nohup", &[]),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"]),
    (
        "stdbuf",
        &["-i", "-o", "-e", "--input", "--output", "--error"],
    ),
    ("setsid", &[]),
    (
        "xargs",
        &[
            "-a",
            "--arg-file",
            "-d",
            "--delimiter",
            "-E",
            "-I",
            "-L",
            "-n",
            "--max-args",
            "-P",
            "--max-procs",
            "-s",
            "--max-chars",
            "--process-slot-var",
        ],
    ),
    ("exec", &["-a"]),
    ("command", &[]),
    ("builtin", &[]),
    ("busybox", &[]),
    ("chroot", &["--userspec", "--groups"]),
    (
        "runuser",
        &["-u", "--user", "-g", "--group", "-G", "--supp-group"],
    ),
    (
        "ionice",
        &[
            "-c",
            "--class",
            "-n",
            "--classdata",
            "-p",
            "--pid",
            "-P",
            "--pgid",
            "-u",
            "--uid",
        ],
    ),
    ("time", &["-f", "--format", "-o", "--output"]),
    ("flock", &["-w", "--timeout", "-E", "--conflict-exit-code"]),
    ("watch", &["-n", "--interval", "-q", "--equexit"]),
    (
        "nsenter",
        &["-t", "--target", "-S", "--setuid", "-G", "--setgid"],
    ),
    ("unshare", &[]),
    ("taskset", &[]),
    ("chrt", &[]),
    ("caffeinate", &[]),
    ("conhost", &[]),
    ("start", &["/d", "/node", "/affinity"]),
];

/// How deep wrappers and `find -exec` may nest before the argv is refused unread.
const MAX_DEPTH: usize = 16;

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

/// Whether `name` is `known` or `known` with a version after it: digits, dots and dashes
/// (`python3.11`, `perl5.36`, `ruby-3.1`), or `-preview` (`pwsh-preview`).
fn is_named(name: &str, known: &str) -> bool {
    let Some(rest) = name.strip_prefix(known) else {
        return false;
    };
    let rest = rest.strip_suffix("-preview").unwrap_or(rest);
    rest.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
}

fn is_one_of(name: &str, known: &[&str]) -> bool {
    known.iter().any(|k| is_named(name, k))
}

/// Why `argv` hands a script to a shell or an interpreter, or `None` when it does not.
pub fn script_runner(argv: &[String]) -> Option<String> {
    runner(argv, 0)
}

fn runner(argv: &[String], depth: usize) -> Option<String> {
    let program = argv.first()?;
    if depth > MAX_DEPTH {
        return Some(format!(
            "`{program}` wraps commands more than {MAX_DEPTH} deep, too deep to tell what runs: give the program and its arguments as the argv itself"
        ));
    }
    let name = program_name(program);
    let rest = &argv[1..];
    let shown = |flag: &str| {
        format!("`{program} {flag}` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
    };
    if let Some((wrapper, takes_value)) = WRAPPERS.iter().find(|(w, _)| name == *w) {
        return wrapped(program, wrapper, takes_value, rest, depth);
    }
    if name == "su" {
        let flag = rest
            .iter()
            .find(|w| {
                w.starts_with("--command")
                    || w.starts_with("--session-command")
                    || short_flag(w, 'c')
            })
            .map_or("", String::as_str);
        return Some(format!(
            "`{program}{}{flag}` starts a shell as another user, which would read every value it is given as code: give the program and its arguments as the argv itself",
            if flag.is_empty() { "" } else { " " }
        ));
    }
    if name == "find" {
        return find_exec(rest, depth);
    }
    if is_one_of(&name, REMOTE) {
        return Some(format!(
            "`{program}` runs a command line on another computer or in another subsystem, where a shell reads every value in it as code: a probe runs its program here, as the argv itself"
        ));
    }
    let launches = match name.as_str() {
        "wmic" => rest
            .iter()
            .find(|w| w.eq_ignore_ascii_case("create"))
            .filter(|_| rest.iter().any(|w| w.eq_ignore_ascii_case("call"))),
        "schtasks" => rest.iter().find(|w| w.eq_ignore_ascii_case("/tr")),
        _ => None,
    };
    if let Some(flag) = launches {
        return Some(format!(
            "`{program} {flag}` has another program run a command line, which would read every value in it as code: give the program and its arguments as the argv itself"
        ));
    }
    if is_one_of(&name, SHELLS) {
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
            .find(|w| matches!(w.to_ascii_lowercase().get(..2), Some("/c" | "/k" | "/r")))
        {
            return Some(shown(flag));
        }
        return None;
    }
    if name == "forfiles" {
        if let Some(flag) = rest.iter().find(|w| w.eq_ignore_ascii_case("/c")) {
            return Some(shown(flag));
        }
        return None;
    }
    if is_one_of(&name, &["powershell", "pwsh", "powershell_ise"]) {
        if let Some(flag) = rest.iter().find(|w| {
            let l = w.to_ascii_lowercase();
            let Some(opt) = l.strip_prefix('-').or_else(|| l.strip_prefix('/')) else {
                return false;
            };
            let opt = opt.split(':').next().unwrap_or(opt);
            !opt.is_empty()
                && ["command", "encodedcommand", "file", "ec"]
                    .iter()
                    .any(|full| full.starts_with(opt))
        }) {
            return Some(shown(flag));
        }
        return None;
    }
    if is_one_of(&name, SCRIPT_HOSTS) {
        return Some(format!(
            "`{program}` only runs scripts, which would read every value in them as code: give a program and its arguments as the argv"
        ));
    }
    for (interp, flags) in INTERPRETERS {
        if !is_named(&name, interp) {
            continue;
        }
        if flags == &[""] {
            // awk: its first plain word is the program.
            return rest.iter().find(|w| !w.starts_with('-')).map(|w| shown(w));
        }
        if let Some(flag) = rest.iter().find(|w| code_flag(w, flags)) {
            return Some(shown(flag));
        }
        if let Some(file) = rest.iter().find(|w| !w.starts_with('-')) {
            return Some(shown(file));
        }
    }
    None
}

/// Whether `word` is a cluster of single-letter flags (`-ec`) holding `letter`.
fn short_flag(word: &str, letter: char) -> bool {
    word.len() > 1 && word.starts_with('-') && !word.starts_with("--") && word.contains(letter)
}

/// Whether `word` is one of an interpreter's code flags: as given (`-e`, `--eval`, `eval`),
/// a long one with its value (`--eval=…`), or a single-letter one among others or with its
/// code attached (`-le`, `-eprint 1`).
fn code_flag(word: &str, flags: &[&str]) -> bool {
    flags.iter().any(|f| {
        if word == *f {
            return true;
        }
        if f.starts_with("--") {
            return word.strip_prefix(f).is_some_and(|r| r.starts_with('='));
        }
        match f.strip_prefix('-') {
            Some(letter) if letter.len() == 1 && !word.starts_with("--") => word
                .strip_prefix('-')
                .is_some_and(|cluster| cluster.contains(letter)),
            _ => false,
        }
    })
}

/// A wrapper's command: skip its options (and the values they take), `NAME=value`
/// settings, a duration (`timeout 5`), then check what it runs as an argv of its own.
fn wrapped(
    program: &str,
    wrapper: &str,
    takes_value: &[&str],
    rest: &[String],
    depth: usize,
) -> Option<String> {
    let mut at = 0;
    // `chroot ROOT COMMAND`, `flock FILE COMMAND`: a first plain word that is not the command.
    let mut operand = matches!(wrapper, "chroot" | "flock");
    while let Some(w) = rest.get(at) {
        if w == "--" {
            at += 1;
            break;
        }
        let option = w.starts_with('-') || w.starts_with('/') && wrapper == "start";
        if option {
            let lower = w.to_ascii_lowercase();
            if wrapper == "env" && (short_flag(w, 'S') || w.starts_with("--split-string")) {
                return Some(format!(
                    "`{program} {w}` splits its argument into a command line again, so a value in it could become more arguments or another program: give the program and its arguments as the argv itself"
                ));
            }
            let shell_flag = match wrapper {
                "sudo" => {
                    ["-s", "--shell", "-i", "--login"].contains(&w.as_str())
                        || short_flag(w, 's')
                        || short_flag(w, 'i')
                }
                "runuser" | "flock" => w.starts_with("--command") || short_flag(w, 'c'),
                _ => false,
            };
            if shell_flag {
                return Some(format!(
                    "`{program} {w}` hands its command to a shell, which would read every value in it as code: give the program and its arguments as the argv itself"
                ));
            }
            at += 1;
            let key = if wrapper == "start" {
                lower.as_str()
            } else {
                w.as_str()
            };
            if takes_value.contains(&key) {
                at += 1;
            }
            continue;
        }
        let numeric = w.chars().next().is_some_and(|c| c.is_ascii_digit());
        if w.contains('=') && !w.starts_with('=') || numeric || w.is_empty() {
            at += 1;
            continue;
        }
        if operand {
            operand = false;
            at += 1;
            continue;
        }
        break;
    }
    let command = &rest[at.min(rest.len())..];
    if wrapper == "watch"
        && !rest[..at.min(rest.len())]
            .iter()
            .any(|w| w == "-x" || w == "--exec")
        && !command.is_empty()
    {
        return Some(format!(
            "`{program}` runs its command through `sh -c`, which would read every value in it as code: give the program and its arguments as the argv itself"
        ));
    }
    if wrapper == "xargs" {
        // xargs adds words from its input to the command: a shell or an interpreter at all
        // would be handed them as a script.
        if let Some(first) = command.first() {
            let inner = program_name(first);
            if is_one_of(&inner, SHELLS) || INTERPRETERS.iter().any(|(i, _)| is_named(&inner, i)) {
                return Some(format!(
                    "`{program} {first}` hands the words it reads to a shell or an interpreter, which would read them as code: give the program and its arguments as the argv itself"
                ));
            }
        }
    }
    runner(command, depth + 1)
}

/// `find … -exec COMMAND ;` (and `-execdir`, `-ok`, `-okdir`): each command is an argv.
fn find_exec(rest: &[String], depth: usize) -> Option<String> {
    let mut at = 0;
    while at < rest.len() {
        let w = rest[at].as_str();
        at += 1;
        if !matches!(w, "-exec" | "-execdir" | "-ok" | "-okdir") {
            continue;
        }
        let start = at;
        while at < rest.len() && rest[at] != ";" && rest[at] != "+" {
            at += 1;
        }
        if let Some(why) = runner(&rest[start..at], depth + 1) {
            return Some(why);
        }
        at += 1;
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
    fn versioned_names_are_the_program_they_version() {
        for bad in [
            &["python3.11", "-c", "import os"][..],
            &["/usr/bin/python3.12", "-c", "x"],
            &["perl5.36", "-e", "print 1"],
            &["ruby3.1", "-e", "x"],
            &["ruby-3.1", "-e", "x"],
            &["php8.2", "-r", "system('id');"],
            &["pwsh-preview", "-c", "x"],
            &["pwsh7", "-Command", "x"],
            &["bash5.2", "-c", "x"],
            &["lua5.4", "-e", "x"],
            &["node18", "-e", "x"],
            &["tclsh8.6", "-c", "x"],
            &["pypy3", "-c", "x"],
            &["Python3.11.exe", "-c", "x"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
        assert_eq!(
            script_runner(&argv(&["python3.11", "-c", "import os"])).as_deref(),
            Some("`python3.11 -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
        );
        // A name that only starts like one is another program.
        for ok in [
            &["sha256sum", "x"][..],
            &["shred", "-u", "x"],
            &["python3-config", "--libs"],
            &["pythonista"],
        ] {
            assert_eq!(script_runner(&argv(ok)), None, "{ok:?}");
        }
    }

    #[test]
    fn code_flags_attached_clustered_or_with_equals_are_code_flags() {
        for bad in [
            &["perl", "-le", "print 1"][..],
            &["perl", "-eprint 1"],
            &["node", "--eval=1"],
            &["python3", "-Sc", "x"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn env_split_string_runs_a_command_line() {
        for bad in [
            &["env", "-S", "sh -c id"][..],
            &["env", "-S", "klist purge"],
            &["env", "-iS", "x"],
            &["env", "--split-string=sh -c id"],
            &["env", "--split-string", "sh -c id"],
            &["sudo", "env", "-S", "x"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
        assert_eq!(
            script_runner(&argv(&["env", "-S", "sh -c id"])).as_deref(),
            Some("`env -S` splits its argument into a command line again, so a value in it could become more arguments or another program: give the program and its arguments as the argv itself")
        );
    }

    #[test]
    fn find_exec_and_xargs_commands_are_checked_as_argvs() {
        for bad in [
            &["find", ".", "-exec", "sh", "-c", "ping {{ h }}", ";"][..],
            &[
                "find", ".", "-name", "x", "-execdir", "bash", "-c", "x", "+",
            ],
            &["find", ".", "-ok", "python3", "-c", "x", ";"],
            &["find", ".", "-okdir", "env", "sh", "-c", "x", ";"],
            &[
                "find", ".", "-exec", "rm", "{}", ";", "-exec", "sh", "-c", "x", ";",
            ],
            &["xargs", "sh", "-c", "x"],
            &["xargs", "-I", "{}", "sh", "-c", "echo {}"],
            &["xargs", "-n", "1", "bash"],
            &["xargs", "python3"],
            &["xargs", "--max-args", "1", "perl", "-e", "x"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
        assert_eq!(
            script_runner(&argv(&["find", ".", "-exec", "sh", "-c", "ping {{ h }}", ";"]))
                .as_deref(),
            Some("`sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself")
        );
        assert_eq!(
            script_runner(&argv(&["xargs", "bash"])).as_deref(),
            Some("`xargs bash` hands the words it reads to a shell or an interpreter, which would read them as code: give the program and its arguments as the argv itself")
        );
        for ok in [
            &[
                "find", "/var/log", "-name", "*.log", "-exec", "ls", "-l", "{}", ";",
            ][..],
            &["find", ".", "-name", "sh"],
            &["xargs", "-n", "1", "ls"],
        ] {
            assert_eq!(script_runner(&argv(ok)), None, "{ok:?}");
        }
    }

    #[test]
    fn wrapper_options_that_take_a_value_do_not_hide_the_program() {
        for bad in [
            &["sudo", "-u", "root", "sh", "-c", "x"][..],
            &["sudo", "--user", "root", "--", "bash", "-c", "x"],
            &["timeout", "-s", "KILL", "5", "sh", "-c", "x"],
            &["stdbuf", "-o", "L", "sh", "-c", "x"],
            &["chroot", "/srv/root", "sh", "-c", "x"],
            &["doas", "-u", "admin", "sh", "-c", "x"],
            &["sudo", "sudo", "sudo", "sh", "-c", "x"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn remote_shells_and_launchers_are_refused() {
        for bad in [
            &["ssh", "{{ h }}", "id; rm -rf /"][..],
            &["ssh", "-p", "22", "host", "klist"],
            &["/usr/bin/ssh", "host"],
            &["plink", "host", "id"],
            &["wsl", "id"],
            &["wsl.exe", "-e", "id"],
            &["bash.exe", "id"],
            &["psexec", r"\\host", "cmd"],
            &["PsExec64.exe", r"\\host", "ipconfig"],
            &["winrs", "-r:host", "ipconfig"],
            &["runas", "/user:admin", "cmd /c x"],
            &["su", "-c", "id"],
            &["su", "root", "--command=id"],
            &["su", "-"],
            &["sudo", "sh", "-c", "id"],
            &["sudo", "-s", "id"],
            &["sudo", "-i", "id"],
            &["runuser", "-u", "x", "-c", "id"],
            &["flock", "/tmp/lock", "-c", "id"],
            &["watch", "klist"],
            &["watch", "-x", "sh", "-c", "x"],
            &["wmic", "process", "call", "create", "cmd /c x"],
            &["schtasks", "/create", "/tn", "x", "/tr", "cmd /c x"],
            &["forfiles", "/c", "cmd /c echo @file"],
        ] {
            assert!(script_runner(&argv(bad)).is_some(), "{bad:?}");
        }
        assert_eq!(
            script_runner(&argv(&["ssh", "{{ h }}", "id; rm -rf /"])).as_deref(),
            Some("`ssh` runs a command line on another computer or in another subsystem, where a shell reads every value in it as code: a probe runs its program here, as the argv itself")
        );
        assert_eq!(
            script_runner(&argv(&["su", "-c", "id"])).as_deref(),
            Some("`su -c` starts a shell as another user, which would read every value it is given as code: give the program and its arguments as the argv itself")
        );
        assert_eq!(
            script_runner(&argv(&["sudo", "-s", "id"])).as_deref(),
            Some("`sudo -s` hands its command to a shell, which would read every value in it as code: give the program and its arguments as the argv itself")
        );
        for ok in [
            &["wmic", "qfe", "list"][..],
            &["schtasks", "/query"],
            &["watch", "-x"],
            &["sudo", "-u", "root", "klist"],
            &["flock", "/tmp/lock", "klist"],
        ] {
            assert_eq!(script_runner(&argv(ok)), None, "{ok:?}");
        }
    }

    #[test]
    fn wrappers_nested_past_the_limit_are_refused() {
        let mut deep = vec!["nice"; MAX_DEPTH + 2];
        deep.push("klist");
        assert!(script_runner(&argv(&deep))
            .is_some_and(|why| why.contains("too deep to tell what runs")));
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
            &["sudo", "-n", "ipsec", "statusall"],
            &["timeout", "5", "ping", "host"],
            &["nltest", "/dsgetdc:example.com", "/force"],
            &[
                "powershell",
                "Test-NetConnection",
                "-ComputerName",
                "h",
                "-Port",
                "445",
            ],
        ] {
            assert_eq!(script_runner(&argv(ok)), None, "{ok:?}");
        }
    }
}
